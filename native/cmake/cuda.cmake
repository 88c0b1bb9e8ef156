# The CUDA backend (src/cuda/): compiled into the engine when nvcc is found and AMAAS_CUDA is not
# OFF (cmake option or environment variable). Without it the engine gets src/cuda/cuda_stub.cpp,
# whose entry points return UNAVAILABLE with the reason, so the addon builds with g++ + cmake only.
# Included from CMakeLists.txt right after the amaas_engine target; also registers the CUDA ctest.
#
# The runtime is linked statically (CUDA::cudart_static): the addon has no NEEDED entry for
# libcudart or libcuda. cudart_static dlopens libcuda.so.1 on first use and reports
# cudaErrorInsufficientDriver / cudaErrorNoDevice, which src/cuda/device.cu turns into a Status:
# a machine without a driver or a GPU loads the addon and runs the CPU backend.

if(DEFINED ENV{AMAAS_CUDA} AND NOT DEFINED AMAAS_CUDA)
  set(AMAAS_CUDA "$ENV{AMAAS_CUDA}")
endif()
option(AMAAS_CUDA "Build the CUDA backend when nvcc is found" ON)

set(AMAAS_WITH_CUDA OFF)
set(AMAAS_CUDA_OFF_REASON "")
if(NOT AMAAS_CUDA)
  set(AMAAS_CUDA_OFF_REASON "built without CUDA (disabled with AMAAS_CUDA=OFF)")
else()
  # nvcc is often installed outside PATH: look in the usual places before giving up.
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX})
    find_program(AMAAS_NVCC nvcc HINTS /usr/local/cuda/bin /usr/local/cuda-13.0/bin /opt/cuda/bin)
    if(AMAAS_NVCC)
      set(CMAKE_CUDA_COMPILER "${AMAAS_NVCC}")
    endif()
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(AMAAS_WITH_CUDA ON)
  elseif(AMAAS_NVCC)
    # check_language compiles a test program: nvcc exists but rejected the host compiler or failed.
    set(AMAAS_CUDA_OFF_REASON "built without CUDA (nvcc at ${AMAAS_NVCC} could not compile a test program)")
  else()
    set(AMAAS_CUDA_OFF_REASON "built without CUDA (nvcc not found at build time)")
  endif()
endif()

if(AMAAS_WITH_CUDA)
  # Targets are given as explicit -gencode flags below (CMake < 3.27 does not know "90a"), so
  # CMake's own architecture handling is turned off.
  set(CMAKE_CUDA_ARCHITECTURES OFF)
  enable_language(CUDA)
  set(CMAKE_CUDA_STANDARD 17)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  find_package(CUDAToolkit REQUIRED)
  message(STATUS "AMaaS: CUDA backend ON (nvcc ${CMAKE_CUDA_COMPILER_VERSION}: sm_80, sm_90a, compute_90 PTX)")

  # Few translation units on purpose: CI has 2 cores and nvcc compiles each file three times.
  add_library(amaas_cuda STATIC
    src/cuda/device.cu
    src/cuda/gemm_f32.cu
    src/cuda/gemm_tc.cu
    src/cuda/gemm_i8.cu
    src/cuda/mlp_train.cu
    src/cuda/reference.cpp)
  set_target_properties(amaas_cuda PROPERTIES CUDA_ARCHITECTURES OFF POSITION_INDEPENDENT_CODE ON)
  target_include_directories(amaas_cuda PUBLIC include PRIVATE src)
  # sm_80: Ampere (runs on every 8.x); sm_90a: Hopper cubin (the "a" unlocks arch-specific
  # instructions such as wgmma); compute_90 PTX: JIT for later GPUs.
  # --diag-suppress=2810: nvcc extends Status's class-level [[nodiscard]] to the result of its
  # assignment operator and warns on every `status = f();`.
  target_compile_options(amaas_cuda PRIVATE
    $<$<COMPILE_LANGUAGE:CUDA>:-gencode=arch=compute_80,code=sm_80 -gencode=arch=compute_90a,code=sm_90a -gencode=arch=compute_90,code=compute_90 -O3 --diag-suppress=2810 -Xcompiler=-fvisibility=hidden>
    $<$<COMPILE_LANGUAGE:CXX>:-O3 -Wall -Wextra>)
  target_compile_definitions(amaas_cuda PUBLIC AMAAS_WITH_CUDA=1)
  target_link_libraries(amaas_cuda PUBLIC CUDA::cudart_static Threads::Threads)
  target_link_libraries(amaas_engine PUBLIC amaas_cuda)
else()
  message(STATUS "AMaaS: CUDA backend OFF (${AMAAS_CUDA_OFF_REASON})")
  target_sources(amaas_engine PRIVATE src/cuda/cuda_stub.cpp src/cuda/reference.cpp)
  target_compile_definitions(amaas_engine PRIVATE "AMAAS_CUDA_OFF_REASON=\"${AMAAS_CUDA_OFF_REASON}\"")
endif()

# The CUDA kernel tests: their own executable so that "no device" can end the process with the
# ctest skip code (77) without hiding the CPU suites' results.
if(AMAAS_BUILD_TESTS)
  enable_testing()
  add_executable(amaas_cuda_tests tests/test_main.cpp tests/test_cuda.cpp)
  target_include_directories(amaas_cuda_tests PRIVATE src tests)
  target_compile_options(amaas_cuda_tests PRIVATE -O2 -Wall)
  target_link_libraries(amaas_cuda_tests PRIVATE amaas_engine)
  add_test(NAME cuda_host COMMAND amaas_cuda_tests cuda_host)  # runs everywhere
  add_test(NAME cuda COMMAND amaas_cuda_tests cuda)            # needs a device, else skipped
  set_tests_properties(cuda PROPERTIES SKIP_RETURN_CODE 77)
endif()

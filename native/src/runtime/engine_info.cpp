// Engine version and CUDA probing. The driver library is opened with dlopen at run time, so
// the addon loads (and reports why) on machines without an NVIDIA driver or device; whether the
// GPU path is usable is then the CUDA backend's verdict (amaas/cuda.h, or its stub).
#include "amaas/engine.h"

#include "amaas/cuda.h"

#include <string>

#if defined(__linux__)
#include <dlfcn.h>
#endif

#ifndef AMAAS_VERSION
#define AMAAS_VERSION "0.0.0"
#endif

namespace amaas {

const char* engine_version() { return AMAAS_VERSION; }

namespace {

CudaInfo probe_cuda() {
  CudaInfo info;
#if defined(__linux__)
  void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    info.reason = "no NVIDIA driver: libcuda.so.1 not found";
    return info;
  }
  using InitFn = int (*)(unsigned);
  using IntFn = int (*)(int*);
  using GetFn = int (*)(int*, int);
  using NameFn = int (*)(char*, int, int);
  using MemFn = int (*)(size_t*, int);
  using AttrFn = int (*)(int*, int, int);
  auto init = reinterpret_cast<InitFn>(dlsym(lib, "cuInit"));
  auto version = reinterpret_cast<IntFn>(dlsym(lib, "cuDriverGetVersion"));
  auto count = reinterpret_cast<IntFn>(dlsym(lib, "cuDeviceGetCount"));
  auto get = reinterpret_cast<GetFn>(dlsym(lib, "cuDeviceGet"));
  auto name = reinterpret_cast<NameFn>(dlsym(lib, "cuDeviceGetName"));
  auto mem = reinterpret_cast<MemFn>(dlsym(lib, "cuDeviceTotalMem_v2"));
  auto attr = reinterpret_cast<AttrFn>(dlsym(lib, "cuDeviceGetAttribute"));
  if (!init || !count || !get || !name) {
    info.reason = "NVIDIA driver library lacks the expected entry points";
    return info;
  }
  if (int rc = init(0); rc != 0) {
    info.reason = "cuInit failed with CUDA error " + std::to_string(rc) + " (no usable device?)";
    return info;
  }
  if (version) version(&info.driver_version);
  int n = 0;
  if (count(&n) != 0 || n == 0) {
    info.reason = "NVIDIA driver present but no CUDA device found";
    return info;
  }
  for (int i = 0; i < n; ++i) {
    int dev = 0;
    if (get(&dev, i) != 0) continue;
    CudaDevice d;
    d.index = i;
    char buf[256] = {};
    if (name(buf, sizeof(buf) - 1, dev) == 0) d.name = buf;
    if (mem) mem(&d.total_memory, dev);
    if (attr) {
      attr(&d.compute_major, 75, dev);  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
      attr(&d.compute_minor, 76, dev);  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR
    }
    info.devices.push_back(d);
  }
#else
  info.reason = "CUDA probing is only implemented on Linux";
#endif
  return info;
}

// The driver probe lists devices; the backend decides (built with CUDA? runtime vs driver
// version? compute capability?). `reason` is the backend's own words when it cannot run.
CudaInfo resolve_cuda() {
  CudaInfo info = probe_cuda();
  const Status st = cuda::device_status();
  info.available = st.ok();
  if (!st.ok()) {
    // Built without CUDA is the first reason; what the probe saw is still worth saying.
    const bool off = !cuda::built_with_cuda();
    info.reason = st.message() + (off && !info.devices.empty()
                                      ? " (" + std::to_string(info.devices.size()) + " CUDA device(s) present)"
                                      : std::string());
    info.reason += "; using the CPU backend";
    return info;
  }
  cuda::DeviceProps props;
  (void)cuda::device_props(&props);
  info.reason = "CUDA backend active on device 0 (" + props.name + ", compute capability " +
                std::to_string(props.major) + "." + std::to_string(props.minor) + ")";
  return info;
}

}  // namespace

const CudaInfo& cuda_info() {
  static const CudaInfo info = resolve_cuda();
  return info;
}

}  // namespace amaas

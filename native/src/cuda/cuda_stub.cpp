// The CUDA backend's entry points in a build without nvcc (or with AMAAS_CUDA=OFF): each returns
// UNAVAILABLE with the reason the build system recorded, so callers fall back to the CPU backend.
// Not a CPU implementation of anything: the *_reference twins live in reference.cpp.
#include "amaas/cuda.h"

#ifndef AMAAS_CUDA_OFF_REASON
#define AMAAS_CUDA_OFF_REASON "built without CUDA (nvcc not found at build time)"
#endif

namespace amaas::cuda {
namespace {
Status Off() { return Status(ErrorCode::kUnavailable, AMAAS_CUDA_OFF_REASON); }
}  // namespace

bool built_with_cuda() { return false; }
Status device_status() { return Off(); }
Status device_props(DeviceProps*) { return Off(); }

Status gemm(float*, int64_t, const float*, int64_t, const float*, int64_t, int64_t, int64_t, int64_t,
            const GemmParams&, Precision) {
  return Off();
}
Status qgemm(float*, int64_t, const float*, int64_t, const int8_t*, int64_t, const float*, int64_t,
             int64_t, int64_t, const float*, Activation) {
  return Off();
}
Status qgemm_s32(int32_t*, int64_t, const int8_t*, int64_t, const int8_t*, int64_t, int64_t, int64_t,
                 int64_t) {
  return Off();
}
Status time_gemm_kernel(const char*, int64_t, int64_t, int64_t, int, double*) { return Off(); }
Status mlp_forward(const MlpSpec&, const MlpParams&, const float*, int64_t, float*) { return Off(); }
Status mlp_train(const MlpSpec&, const MlpParams&, const TrainData&, const TrainConfig&,
                 const ReportFn&, const volatile int32_t*, TrainResult*) {
  return Off();
}

}  // namespace amaas::cuda

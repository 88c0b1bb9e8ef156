// The CUDA backend's host API: plain C++ (no CUDA headers), every call returns a Status. Inputs and
// outputs are host pointers; device memory, streams and copies are the backend's business.
// Not here: kernels (src/cuda/*.cu) or device pointers. Built without nvcc, every entry point returns
// UNAVAILABLE with the reason (src/cuda/cuda_stub.cpp); the *_reference twins always exist.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "amaas/gemm.h"
#include "amaas/mlp.h"
#include "amaas/status.h"

namespace amaas::cuda {

// Whether this build contains the CUDA kernels at all.
bool built_with_cuda();

// Ok when a usable device is present (compute capability >= 8.0); otherwise UNAVAILABLE with the
// exact reason: built without CUDA, no driver, driver too old, no device, device too old. Probed
// once (thread-safe) and cached; never crashes on machines without a driver.
Status device_status();

struct DeviceProps {
  int index = 0;
  std::string name;
  int major = 0, minor = 0;
  int sm_count = 0;
  size_t total_memory = 0;
  int runtime_version = 0, driver_version = 0;
};
Status device_props(DeviceProps* out);

// Math of the GEMM: fp32 on CUDA cores (SIMT), or tensor cores with fp32 accumulation on inputs
// rounded to TF32 (10-bit mantissa) or BF16 (7-bit mantissa).
enum class Precision { kF32 = 0, kTf32 = 1, kBf16 = 2 };
const char* precision_name(Precision p);
bool parse_precision(const char* name, Precision* out);

// C (M,N) = alpha * op(A) * op(B) + beta * C, then + bias (N), then activation: sgemm's contract
// (gemm.h), on the GPU. Large problems are split into row panels whose host<->device copies overlap
// the previous panel's kernel.
Status gemm(float* C, int64_t ldc, const float* A, int64_t lda, const float* B, int64_t ldb,
            int64_t M, int64_t N, int64_t K, const GemmParams& p, Precision precision);

// int8 GEMM, the engine's int8 scheme: W (N,K) int8, symmetric per output channel (w_scale (N));
// the activations A (M,K) fp32 are quantized per row on the device (row_scale = max|a|/127,
// round to nearest even, clamp to [-127, 127]); int32 accumulation on tensor cores; then
//   C[i,j] = act(row_scale[i] * w_scale[j] * acc[i,j] + bias[j]).
Status qgemm(float* C, int64_t ldc, const float* A, int64_t lda, const int8_t* W, int64_t ldw,
             const float* w_scale, int64_t M, int64_t N, int64_t K, const float* bias, Activation act);

// The raw int32 product C (M,N) = QA (M,K) * QW (N,K)^T of int8 matrices: the part of qgemm that
// must be exact (tests compare it bit for bit with qgemm_s32_reference).
Status qgemm_s32(int32_t* C, int64_t ldc, const int8_t* QA, int64_t lda, const int8_t* QW,
                 int64_t ldw, int64_t M, int64_t N, int64_t K);

// Kernel-only timing on device-resident operands (no host copies), for comparisons with cuBLAS
// (torch.matmul on device tensors measures the same thing): the median milliseconds of `iters`
// launches of the GEMM kernel for `kind` ("fp32", "tf32", "bf16" or "int8", C = A (M,K) * B^T).
Status time_gemm_kernel(const char* kind, int64_t M, int64_t N, int64_t K, int iters, double* median_ms);

// The MLP on the GPU, same contracts as mlp_forward / mlp_train in mlp.h (same shuffling order, same
// optimizer math; dropout masks come from a counter-based generator, so they differ from the CPU's).
Status mlp_forward(const MlpSpec& spec, const MlpParams& params, const float* X, int64_t n, float* Y);
Status mlp_train(const MlpSpec& spec, const MlpParams& params, const TrainData& data,
                 const TrainConfig& cfg, const ReportFn& report, const volatile int32_t* cancel,
                 TrainResult* result);

// ---- scalar twins of the int8 scheme (always built, single thread) ----------------------------
// Until the CPU int8 path of issue #4 lands, these are the reference the CUDA kernels are held to.

// Q (rows,cols) int8 and scale (rows): symmetric per row, scale = max|x|/127 (1 when the row is 0),
// q = rn(x * (1/scale)): how activations are quantized (the CPU int8 path of main does the same).
Status quantize_rows_reference(int8_t* Q, int64_t ldq, float* scale, const float* X, int64_t ldx,
                               int64_t rows, int64_t cols);
// Weights W (N,K), one row per output channel: as above but q = rn(w / scale), the division the
// CPU path's quantize_weights_q8 uses, so both backends get bit-identical int8 weights.
Status quantize_weights_reference(int8_t* Q, float* scale, const float* W, int64_t ldw, int64_t N, int64_t K);
Status qgemm_s32_reference(int32_t* C, int64_t ldc, const int8_t* QA, int64_t lda, const int8_t* QW,
                           int64_t ldw, int64_t M, int64_t N, int64_t K);
Status qgemm_reference(float* C, int64_t ldc, const float* A, int64_t lda, const int8_t* W, int64_t ldw,
                       const float* w_scale, int64_t M, int64_t N, int64_t K, const float* bias,
                       Activation act);

}  // namespace amaas::cuda

// Shared pieces of the CUDA backend: CUDA error -> Status, the pooled device allocator and
// the stream pool (device.cu), the fused epilogue's activations, and the device-pointer
// launchers each kernel file provides. Internal: only src/cuda/*.cu include it.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <string>
#include <utility>

#include "amaas/cuda.h"
#include "amaas/gemm.h"
#include "amaas/status.h"
#include "cpu/activation_math.h"

namespace amaas::cuda {

// Every CUDA call goes through this: an error becomes a Status with cudaGetErrorString's text,
// never an exception or an abort. cudaErrorMemoryAllocation maps to OUT_OF_MEMORY.
Status cuda_status(cudaError_t err, const char* what);

#define AMAAS_CUDA_TRY(call)                                           \
  do {                                                                 \
    cudaError_t amaas_err_ = (call);                                   \
    if (amaas_err_ != cudaSuccess) return ::amaas::cuda::cuda_status(amaas_err_, #call); \
  } while (0)

#define AMAAS_TRY(expr)                        \
  do {                                         \
    ::amaas::Status amaas_st_ = (expr);        \
    if (!amaas_st_.ok()) return amaas_st_;     \
  } while (0)

// ---- memory ----------------------------------------------------------------------------------
// Device (and pinned host) memory comes from size-class free lists: cudaMalloc/cudaFree
// synchronize the whole device and cost ~100 us each, far more than a small GEMM. Blocks are
// returned to the pool only after the stream that used them has been synchronized (every host
// entry point synchronizes before returning), so reuse never races a running kernel.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept { swap(o); }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    release();
    swap(o);
    return *this;
  }
  ~DeviceBuffer() { release(); }

  // Allocates `bytes` (rounded up to the size class) on the device, or pinned host memory.
  static Status make(DeviceBuffer* out, size_t bytes, bool pinned_host = false);
  void* data() const { return ptr_; }
  template <typename T>
  T* as() const { return static_cast<T*>(ptr_); }
  size_t bytes() const { return bytes_; }
  void release();

 private:
  void swap(DeviceBuffer& o) noexcept {
    std::swap(ptr_, o.ptr_);
    std::swap(bytes_, o.bytes_);
    std::swap(cls_, o.cls_);
    std::swap(pinned_, o.pinned_);
  }
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
  int cls_ = -1;
  bool pinned_ = false;
};

// A non-blocking stream borrowed from a small pool for the duration of one host call. The
// destructor synchronizes it before returning it, so declare buffers it uses before the lease.
class StreamLease {
 public:
  static Status make(StreamLease* out);
  StreamLease() = default;
  StreamLease(const StreamLease&) = delete;
  StreamLease& operator=(const StreamLease&) = delete;
  StreamLease(StreamLease&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  StreamLease& operator=(StreamLease&& o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~StreamLease();
  cudaStream_t get() const { return s_; }

 private:
  cudaStream_t s_ = nullptr;
};

// ---- mma.sync accumulators -------------------------------------------------------------------
// Calls f(i, j, q, m, n) for every element of a warp's MT x NT tiles of m16n8 accumulators that
// lies inside M x N: tile (i, j) starts at (row0 + 16 i, col0 + 8 j), and register q of a lane
// holds, per the PTX ISA, d0 (g, 2t) d1 (g, 2t+1) d2 (g+8, 2t) d3 (g+8, 2t+1) with g = lane / 4,
// t = lane % 4. The f32 (TF32/BF16) and s32 (int8) mma shapes share this layout.
template <int MT, int NT, class F>
__device__ __forceinline__ void for_each_mma_c(int64_t row0, int64_t col0, int lane, int64_t M, int64_t N, F&& f) {
  const int g8 = lane / 4, t4 = lane % 4;
#pragma unroll
  for (int i = 0; i < MT; ++i)
#pragma unroll
    for (int j = 0; j < NT; ++j)
#pragma unroll
      for (int q = 0; q < 4; ++q) {
        const int64_t m = row0 + i * 16 + g8 + (q >= 2 ? 8 : 0);
        const int64_t n = col0 + j * 8 + 2 * t4 + (q & 1);
        if (m < M && n < N) f(i, j, q, m, n);
      }
}

// ---- epilogue --------------------------------------------------------------------------------
// The CPU epilogue's formulas (cpu/activation_math.h), on the device.
__device__ __forceinline__ float activate(float x, Activation act) { return activate_formula(x, act); }

// A GEMM on device pointers: C (M,N) = alpha op(A) op(B) + beta C + bias, act. Row-major,
// strided; op(A) = A^T when trans_a (A stored (K,M)), op(B) = B^T when trans_b (B stored (N,K)).
struct DeviceGemm {
  float* C;
  int64_t ldc;
  const float* A;
  int64_t lda;
  const float* B;
  int64_t ldb;
  int64_t M, N, K;
  bool trans_a = false, trans_b = false;
  float alpha = 1.0f, beta = 0.0f;
  const float* bias = nullptr;  // device pointer (N) or null
  Activation act = Activation::kIdentity;
};

Status launch_gemm_f32(const DeviceGemm& g, cudaStream_t stream);                   // gemm_f32.cu
Status launch_gemm_tc(const DeviceGemm& g, Precision p, cudaStream_t stream);       // gemm_tc.cu
inline Status launch_gemm(const DeviceGemm& g, Precision p, cudaStream_t stream) {
  return p == Precision::kF32 ? launch_gemm_f32(g, stream) : launch_gemm_tc(g, p, stream);
}

// int8 pieces on device pointers (gemm_i8.cu). QA (M, ldq) rows padded with zeros to ldq, a
// multiple of 64, as the kernel loads 16-byte vectors; QW the same for (N, ldq).
Status launch_quantize_rows(int8_t* QA, int64_t ldq, float* row_scale, const float* A, int64_t lda,
                            int64_t M, int64_t K, cudaStream_t stream);
struct DeviceQgemm {
  const int8_t* QA;  // (M, ldq)
  const int8_t* QW;  // (N, ldq)
  int64_t ldq;       // multiple of 64, >= K
  int64_t M, N, K;
  float* C = nullptr;        // dequantized output (M, ldc), or
  int32_t* C32 = nullptr;    // the raw int32 accumulators (M, ldc)
  int64_t ldc;
  const float* row_scale = nullptr;  // (M)
  const float* col_scale = nullptr;  // (N)
  const float* bias = nullptr;       // (N) or null
  Activation act = Activation::kIdentity;
};
Status launch_qgemm(const DeviceQgemm& g, cudaStream_t stream);

inline int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }
inline unsigned ceil_div(int64_t x, int64_t m) { return static_cast<unsigned>((x + m - 1) / m); }

}  // namespace amaas::cuda

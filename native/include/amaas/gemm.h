// fp32 GEMM and row-wise softmax: the public C++ API of the engine's dense kernels.
//   C (M,N) = alpha * op(A) (M,K) * op(B) (K,N) + beta * C, then + bias (N), then activation.
// Row-major storage with leading dimensions (strided rows). op(X) = X or X^T.
// Conventions: outputs first, then inputs, then sizes; M, N, K as in BLAS.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "amaas/cpu.h"
#include "amaas/status.h"

namespace amaas {

enum class Activation { kIdentity = 0, kRelu, kSigmoid, kTanh, kGelu };
const char* activation_name(Activation a);
bool parse_activation(const char* name, Activation* out);

struct GemmParams {
  bool trans_a = false;         // A stored (K,M) with lda >= M
  bool trans_b = false;         // B stored (N,K) with ldb >= K  (x * W^T for a (N,K) weight)
  float alpha = 1.0f;
  float beta = 0.0f;            // beta == 0: C is not read (may hold NaN/garbage)
  const float* bias = nullptr;  // (N) or null, added after alpha/beta
  Activation act = Activation::kIdentity;
};

// Blocked, packed, multi-threaded GEMM on the active ISA.
Status sgemm(float* C, int64_t ldc, const float* A, int64_t lda, const float* B, int64_t ldb,
             int64_t M, int64_t N, int64_t K, const GemmParams& p);

// The plain twin: triple loop, double accumulation, single thread. Tests and benchmarks
// compare every ISA against it. Same argument checks as sgemm.
Status sgemm_reference(float* C, int64_t ldc, const float* A, int64_t lda, const float* B,
                       int64_t ldb, int64_t M, int64_t N, int64_t K, const GemmParams& p);

// op(B) packed once into the micro-kernel's panel layout for the ISA active at pack time:
// the inference path (weights packed at model load, reused for every request).
class PackedB {
 public:
  ~PackedB();
  int64_t k() const { return k_; }
  int64_t n() const { return n_; }
  Isa isa() const { return isa_; }
  size_t bytes() const { return bytes_; }
  const float* data() const { return data_; }

 private:
  friend Status pack_b(std::unique_ptr<PackedB>* out, const float* B, int64_t ldb, int64_t K,
                       int64_t N, bool trans_b);
  PackedB() = default;
  int64_t k_ = 0, n_ = 0;
  Isa isa_ = Isa::kScalar;
  float* data_ = nullptr;
  size_t bytes_ = 0;
};

Status pack_b(std::unique_ptr<PackedB>* out, const float* B, int64_t ldb, int64_t K, int64_t N,
              bool trans_b);

// GEMM against a packed B (p.trans_b is ignored: the packing fixed it). Uses the kernels of
// the ISA the matrix was packed for, so a later set_active_isa() cannot corrupt results.
Status sgemm_packed(float* C, int64_t ldc, const float* A, int64_t lda, const PackedB& B,
                    int64_t M, const GemmParams& p);

// Row-wise softmax: Y (rows,cols) = softmax(X) along each row. Y may alias X exactly.
Status softmax_rows(float* Y, int64_t ldy, const float* X, int64_t ldx, int64_t rows,
                    int64_t cols);
Status softmax_rows_reference(float* Y, int64_t ldy, const float* X, int64_t ldx, int64_t rows,
                              int64_t cols);

// Measured FMA peak of this machine for the active ISA: GFLOP/s over `threads` threads,
// running independent FMA chains from registers for about `seconds`.
double measure_fma_peak_gflops(int threads, double seconds);

}  // namespace amaas

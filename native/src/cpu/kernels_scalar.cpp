// Portable kernels: the scalar level of the table (also the arm64 path, where the compiler's
// auto-vectorizer turns these loops into NEON). Plain C++, no intrinsics.
#include <cmath>

#include "cpu/activation_math.h"
#include "cpu/kernels.h"

namespace amaas::cpu {
namespace {

constexpr int kMR = 4;
constexpr int kNR = 16;

void micro_scalar(float* C, int64_t ldc, const float* Ap, const float* Bp, int64_t kc, int mr,
                  int nr, float alpha, float beta) {
  // acc (MR,NR) = Ap (kc,MR) x Bp (kc,NR)
  float acc[kMR][kNR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    const float* a = Ap + k * kMR;
    const float* b = Bp + k * kNR;
    for (int r = 0; r < kMR; ++r)
      for (int c = 0; c < kNR; ++c) acc[r][c] += a[r] * b[c];
  }
  for (int r = 0; r < mr; ++r) {
    float* crow = C + r * ldc;
    if (beta == 0.0f) {
      for (int c = 0; c < nr; ++c) crow[c] = alpha * acc[r][c];
    } else {
      for (int c = 0; c < nr; ++c) crow[c] = alpha * acc[r][c] + beta * crow[c];
    }
  }
}

void micro_direct_scalar(float* C, int64_t ldc, const float* A, int64_t a_rs, int64_t a_ks,
                         const float* Bp, int64_t kc, int mr, int nr, float alpha, float beta) {
  float acc[kMR][kNR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    const float* b = Bp + k * kNR;
    for (int r = 0; r < mr; ++r) {
      float a = A[r * a_rs + k * a_ks];
      for (int c = 0; c < kNR; ++c) acc[r][c] += a * b[c];
    }
  }
  for (int r = 0; r < mr; ++r) {
    float* crow = C + r * ldc;
    for (int c = 0; c < nr; ++c)
      crow[c] = alpha * acc[r][c] + (beta == 0.0f ? 0.0f : beta * crow[c]);
  }
}

void epilogue_scalar(float* C, int64_t ldc, int mr, int nr, const float* bias, Activation act) {
  for (int r = 0; r < mr; ++r) {
    float* crow = C + r * ldc;
    if (bias)
      for (int c = 0; c < nr; ++c) crow[c] += bias[c];
    if (act != Activation::kIdentity)
      for (int c = 0; c < nr; ++c) crow[c] = activate_scalar(crow[c], act);
  }
}

void softmax_scalar(float* Y, int64_t ldy, const float* X, int64_t ldx, int64_t rows,
                    int64_t cols) {
  for (int64_t i = 0; i < rows; ++i) {
    const float* x = X + i * ldx;
    float* y = Y + i * ldy;
    float mx = x[0];
    for (int64_t j = 1; j < cols; ++j) mx = std::fmax(mx, x[j]);
    float sum = 0.0f;
    for (int64_t j = 0; j < cols; ++j) {
      y[j] = std::exp(x[j] - mx);
      sum += y[j];
    }
    float inv = 1.0f / sum;
    for (int64_t j = 0; j < cols; ++j) y[j] *= inv;
  }
}

double fma_probe_scalar(int64_t iters) {
  // 8 independent chains of 8 lanes: the vectorizer may use SIMD here, which is the point:
  // it shows what plain C++ reaches on this machine.
  float acc[8][8];
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j) acc[i][j] = 0.001f * (i + j);
  const float m = 0.999999f, a = 1e-7f;
  for (int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 8; ++j) acc[i][j] = std::fma(acc[i][j], m, a);
  volatile float sink = 0;
  for (auto& row : acc)
    for (float v : row) sink = sink + v;
  (void)sink;
  return 2.0 * 64.0 * static_cast<double>(iters);
}

}  // namespace

float activate_scalar(float x, Activation act) { return activate_formula(x, act); }

namespace {
void adam_scalar(const AdamArgs& a) { adam_update_generic(a); }
void sgd_scalar(const SgdArgs& a) { sgd_update_generic(a); }
}  // namespace

const KernelTable& kernels_scalar() {
  static const KernelTable t = {Isa::kScalar, kMR,           kNR,          256, 64, 1024,
                                micro_scalar, micro_direct_scalar, epilogue_scalar, softmax_scalar, fma_probe_scalar,adam_scalar, sgd_scalar};
  return t;
}

}  // namespace amaas::cpu

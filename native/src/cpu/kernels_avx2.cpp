// AVX2+FMA level: 6x16 fp32 micro-kernel (12 ymm accumulators), maskload/maskstore edges,
// vectorized epilogue and softmax. Compiled with -mavx2 -mfma -mf16c only.
#include <immintrin.h>

#include <cmath>

#include "cpu/kernels.h"
#include "cpu/simd_math.h"

namespace amaas::cpu {
namespace {

constexpr int kMR = 6;
constexpr int kNR = 16;
using M = simd::Math256;

inline __m256i lane_mask(int n) {  // first n (clamped to 0..8) lanes set
  n = n < 0 ? 0 : (n > 8 ? 8 : n);
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), idx);
}

using PackedA = cpu::PackedA<kMR>;

template <int ROWS, class AAccess>
void micro_rows_impl(float* C, int64_t ldc, AAccess Ap, const float* Bp, int64_t kc, int nr,
                     float alpha, float beta) {
  constexpr bool kSplit = ROWS <= 2;
  __m256 acc[ROWS][2], acc2[kSplit ? ROWS : 1][2];
#pragma GCC unroll 8
  for (int r = 0; r < ROWS; ++r) {
    acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    if constexpr (kSplit) acc2[r][0] = acc2[r][1] = _mm256_setzero_ps();
  }
  int64_t k = 0;
  if constexpr (kSplit) {
    for (; k + 1 < kc; k += 2) {
      const float* b = Bp + k * kNR;
      __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
      __m256 b2 = _mm256_loadu_ps(b + kNR), b3 = _mm256_loadu_ps(b + kNR + 8);
#pragma GCC unroll 8
      for (int r = 0; r < ROWS; ++r) {
        __m256 av = _mm256_broadcast_ss(Ap.at(r, k));
        acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
        acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
        __m256 av2 = _mm256_broadcast_ss(Ap.at(r, k + 1));
        acc2[r][0] = _mm256_fmadd_ps(av2, b2, acc2[r][0]);
        acc2[r][1] = _mm256_fmadd_ps(av2, b3, acc2[r][1]);
      }
    }
  }
  for (; k < kc; ++k) {
    const float* b = Bp + k * kNR;
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 8
    for (int r = 0; r < ROWS; ++r) {
      __m256 av = _mm256_broadcast_ss(Ap.at(r, k));
      acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
    }
  }
  if constexpr (kSplit) {
#pragma GCC unroll 8
    for (int r = 0; r < ROWS; ++r) {
      acc[r][0] = _mm256_add_ps(acc[r][0], acc2[r][0]);
      acc[r][1] = _mm256_add_ps(acc[r][1], acc2[r][1]);
    }
  }
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  const bool full = nr == kNR;
  const __m256i m0 = lane_mask(nr), m1 = lane_mask(nr - 8);
#pragma GCC unroll 8
  for (int r = 0; r < ROWS; ++r) {
    float* c = C + r * ldc;
    __m256 c0 = _mm256_mul_ps(va, acc[r][0]), c1 = _mm256_mul_ps(va, acc[r][1]);
    if (full) {
      if (beta != 0.0f) {
        c0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c), c0);
        c1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c + 8), c1);
      }
      _mm256_storeu_ps(c, c0);
      _mm256_storeu_ps(c + 8, c1);
    } else {
      if (beta != 0.0f) {
        c0 = _mm256_fmadd_ps(vb, _mm256_maskload_ps(c, m0), c0);
        c1 = _mm256_fmadd_ps(vb, _mm256_maskload_ps(c + 8, m1), c1);
      }
      _mm256_maskstore_ps(c, m0, c0);
      _mm256_maskstore_ps(c + 8, m1, c1);
    }
  }
}


template <int ROWS>
void micro_rows(float* C, int64_t ldc, const float* Ap, const float* Bp, int64_t kc, int nr,
                float alpha, float beta) {
  micro_rows_impl<ROWS>(C, ldc, PackedA{Ap}, Bp, kc, nr, alpha, beta);
}

template <int ROWS>
void micro_rows_direct(float* C, int64_t ldc, const float* A, int64_t a_rs, int64_t a_ks,
                       const float* Bp, int64_t kc, int nr, float alpha, float beta) {
  micro_rows_impl<ROWS>(C, ldc, DirectA{A, a_rs, a_ks}, Bp, kc, nr, alpha, beta);
}

void micro_direct_avx2(float* C, int64_t ldc, const float* A, int64_t a_rs, int64_t a_ks,
                       const float* Bp, int64_t kc, int mr, int nr, float alpha, float beta) {
  switch (mr) {
    case 1: return micro_rows_direct<1>(C, ldc, A, a_rs, a_ks, Bp, kc, nr, alpha, beta);
    case 2: return micro_rows_direct<2>(C, ldc, A, a_rs, a_ks, Bp, kc, nr, alpha, beta);
    case 3: return micro_rows_direct<3>(C, ldc, A, a_rs, a_ks, Bp, kc, nr, alpha, beta);
    case 4: return micro_rows_direct<4>(C, ldc, A, a_rs, a_ks, Bp, kc, nr, alpha, beta);
    case 5: return micro_rows_direct<5>(C, ldc, A, a_rs, a_ks, Bp, kc, nr, alpha, beta);
    default: return micro_rows_direct<6>(C, ldc, A, a_rs, a_ks, Bp, kc, nr, alpha, beta);
  }
}

void micro_avx2(float* C, int64_t ldc, const float* Ap, const float* Bp, int64_t kc, int mr,
                int nr, float alpha, float beta) {
  switch (mr) {
    case 1: return micro_rows<1>(C, ldc, Ap, Bp, kc, nr, alpha, beta);
    case 2: return micro_rows<2>(C, ldc, Ap, Bp, kc, nr, alpha, beta);
    case 3: return micro_rows<3>(C, ldc, Ap, Bp, kc, nr, alpha, beta);
    case 4: return micro_rows<4>(C, ldc, Ap, Bp, kc, nr, alpha, beta);
    case 5: return micro_rows<5>(C, ldc, Ap, Bp, kc, nr, alpha, beta);
    default: return micro_rows<6>(C, ldc, Ap, Bp, kc, nr, alpha, beta);
  }
}

inline __m256 activate(__m256 x, Activation act) {
  switch (act) {
    case Activation::kIdentity: return x;
    case Activation::kRelu: return _mm256_max_ps(x, _mm256_setzero_ps());
    case Activation::kSigmoid: return M::sigmoid(x);
    case Activation::kTanh: return M::tanh(x);
    case Activation::kGelu: return M::gelu(x);
  }
  return x;
}

void epilogue_avx2(float* C, int64_t ldc, int mr, int nr, const float* bias, Activation act) {
  for (int r = 0; r < mr; ++r) {
    float* c = C + r * ldc;
    int j = 0;
    for (; j + 8 <= nr; j += 8) {
      __m256 v = _mm256_loadu_ps(c + j);
      if (bias) v = _mm256_add_ps(v, _mm256_loadu_ps(bias + j));
      _mm256_storeu_ps(c + j, activate(v, act));
    }
    if (j < nr) {
      __m256i m = lane_mask(nr - j);
      __m256 v = _mm256_maskload_ps(c + j, m);
      if (bias) v = _mm256_add_ps(v, _mm256_maskload_ps(bias + j, m));
      _mm256_maskstore_ps(c + j, m, activate(v, act));
    }
  }
}

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}
inline float hmax(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

void softmax_avx2(float* Y, int64_t ldy, const float* X, int64_t ldx, int64_t rows,
                  int64_t cols) {
  for (int64_t i = 0; i < rows; ++i) {
    const float* x = X + i * ldx;
    float* y = Y + i * ldy;
    __m256 vmax = _mm256_set1_ps(-INFINITY);
    int64_t j = 0;
    for (; j + 8 <= cols; j += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(x + j));
    float mxs = hmax(vmax);
    for (; j < cols; ++j) mxs = std::fmax(mxs, x[j]);
    const __m256 mx = _mm256_set1_ps(mxs);
    __m256 vsum = _mm256_setzero_ps();
    for (j = 0; j + 8 <= cols; j += 8) {
      __m256 e = M::exp(_mm256_sub_ps(_mm256_loadu_ps(x + j), mx));
      vsum = _mm256_add_ps(vsum, e);
      _mm256_storeu_ps(y + j, e);
    }
    float sum = hsum(vsum);
    for (; j < cols; ++j) {
      y[j] = std::exp(x[j] - mxs);
      sum += y[j];
    }
    const float inv_s = 1.0f / sum;
    const __m256 inv = _mm256_set1_ps(inv_s);
    for (j = 0; j + 8 <= cols; j += 8) _mm256_storeu_ps(y + j, _mm256_mul_ps(_mm256_loadu_ps(y + j), inv));
    for (; j < cols; ++j) y[j] *= inv_s;
  }
}

double fma_probe_avx2(int64_t iters) {
  // 12 independent FMA chains held in registers: covers FMA latency x throughput on current
  // cores. The empty asm keeps every chain live without forcing it to memory.
  __m256 a0 = _mm256_set1_ps(0.001f * 0), a1 = _mm256_set1_ps(0.001f * 1), a2 = _mm256_set1_ps(0.001f * 2), a3 = _mm256_set1_ps(0.001f * 3), a4 = _mm256_set1_ps(0.001f * 4), a5 = _mm256_set1_ps(0.001f * 5), a6 = _mm256_set1_ps(0.001f * 6), a7 = _mm256_set1_ps(0.001f * 7), a8 = _mm256_set1_ps(0.001f * 8), a9 = _mm256_set1_ps(0.001f * 9), a10 = _mm256_set1_ps(0.001f * 10), a11 = _mm256_set1_ps(0.001f * 11);
  const __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
    a0 = _mm256_fmadd_ps(a0, m, a); a1 = _mm256_fmadd_ps(a1, m, a); a2 = _mm256_fmadd_ps(a2, m, a); a3 = _mm256_fmadd_ps(a3, m, a); a4 = _mm256_fmadd_ps(a4, m, a); a5 = _mm256_fmadd_ps(a5, m, a); a6 = _mm256_fmadd_ps(a6, m, a); a7 = _mm256_fmadd_ps(a7, m, a); a8 = _mm256_fmadd_ps(a8, m, a); a9 = _mm256_fmadd_ps(a9, m, a); a10 = _mm256_fmadd_ps(a10, m, a); a11 = _mm256_fmadd_ps(a11, m, a);
    __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5), "+x"(a6), "+x"(a7), "+x"(a8), "+x"(a9), "+x"(a10), "+x"(a11));
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)), _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
  s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
  volatile float sink = hsum(s);
  (void)sink;
  return 2.0 * 8.0 * 12.0 * static_cast<double>(iters);
}

}  // namespace

namespace {
void adam_avx2(const AdamArgs& a) { adam_update_generic(a); }
void sgd_avx2(const SgdArgs& a) { sgd_update_generic(a); }
}  // namespace

const KernelTable& kernels_avx2() {
  static const KernelTable t = {Isa::kAvx2, kMR,        kNR,          256, 96, 1024,
                                micro_avx2, micro_direct_avx2, epilogue_avx2, softmax_avx2, fma_probe_avx2,adam_avx2, sgd_avx2};
  return t;
}

}  // namespace amaas::cpu

// AVX-512 level: 8x32 fp32 micro-kernel (16 zmm accumulators), masked edge stores,
// vectorized epilogue and softmax. Compiled with -mavx512f/bw/dq/vl -mfma only.
#include <immintrin.h>

#include <array>
#include <type_traits>
#include <cmath>
#include <utility>

#include "cpu/kernels.h"
#include "cpu/simd_math.h"

namespace amaas::cpu {
namespace {

#ifndef AMAAS_AVX512_MR
#define AMAAS_AVX512_MR 8
#endif
#ifndef AMAAS_AVX512_NV
#define AMAAS_AVX512_NV 2
#endif
constexpr int kMR = AMAAS_AVX512_MR;
constexpr int kNV = AMAAS_AVX512_NV;  // 16-float vectors per tile row
constexpr int kNR = 16 * kNV;
#ifndef AMAAS_EMBEDDED_BCAST  // 0: plain broadcasts (2-4% slower on Zen 4), for comparison
#define AMAAS_EMBEDDED_BCAST 1
#endif
// Blocking: an A panel (8 x KC, 12 KB) stays in L1 while the tile sweeps the B block (KC x NC);
// NC is wide so that A is packed once per K block (NC 512 re-packed it 4 times at N=2048 and
// measured 5-9 % slower than oneDNN; the B panels stream from L3 fast enough on Zen 4).
#ifndef AMAAS_AVX512_KC
#define AMAAS_AVX512_KC 384
#define AMAAS_AVX512_MC 64
#define AMAAS_AVX512_NC 4096
#endif
using M = simd::Math512;

inline __mmask16 lane_mask(int n) {  // first n (0..16) lanes
  return n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n > 0 ? n : 0)) - 1u);
}

// ROWS active rows of the 6-row panel. For 1-2 rows the k loop runs two independent
// accumulator sets (even/odd k) so the FMA latency (4 cycles) is hidden: the batch-1 path.
using PackedA = cpu::PackedA<kMR>;

template <int ROWS, class AAccess>
void micro_rows_impl(float* C, int64_t ldc, AAccess Ap, const float* Bp, int64_t kc, int nr,
                     float alpha, float beta) {
  // acc (ROWS, kNV vectors of 16) += A (ROWS, kc) x B panel (kc, kNR).
  constexpr bool kSplit = ROWS <= 2;
  __m512 acc[ROWS][kNV], acc2[kSplit ? ROWS : 1][kNV];
#pragma GCC unroll 16
  for (int r = 0; r < ROWS; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < kNV; ++v) {
      acc[r][v] = _mm512_setzero_ps();
      if constexpr (kSplit) acc2[r][v] = _mm512_setzero_ps();
    }
  int64_t k = 0;
  if constexpr (kSplit) {
    // Few rows: two independent accumulator sets (even/odd k) hide the FMA latency.
    for (; k + 1 < kc; k += 2) {
      const float* b = Bp + k * kNR;
      __m512 bv[kNV], bw[kNV];
#pragma GCC unroll 4
      for (int v = 0; v < kNV; ++v) {
        bv[v] = _mm512_loadu_ps(b + 16 * v);
        bw[v] = _mm512_loadu_ps(b + kNR + 16 * v);
      }
#pragma GCC unroll 16
      for (int r = 0; r < ROWS; ++r) {
        __m512 av = _mm512_set1_ps(*Ap.at(r, k)), av2 = _mm512_set1_ps(*Ap.at(r, k + 1));
#pragma GCC unroll 4
        for (int v = 0; v < kNV; ++v) {
          acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
          acc2[r][v] = _mm512_fmadd_ps(av2, bw[v], acc2[r][v]);
        }
      }
    }
  }
#if AMAAS_EMBEDDED_BCAST
  if constexpr (ROWS == kMR && std::is_same_v<AAccess, PackedA>) {
    // Full tile: FMAs with an embedded {1to16} broadcast of A from memory, so the broadcast is
    // done by the load unit instead of taking a vector pipe next to the FMAs.
#if AMAAS_AVX512_MR == 8 && AMAAS_AVX512_NV == 2
    // The default 8x32 tile in two asm statements per k, so GCC assigns the accumulators and
    // both B vectors together. Issued one FMA per statement, GCC 12 kept acc[7][1] in another
    // register than the one its FMA used and copied it back and forth: two vmovaps per 16 FMAs.
    for (; k < kc; ++k) {
      const float* b = Bp + k * kNR;
      const float* a = Ap.at(0, k);
      const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
      // Two statements of four rows: an in/out operand counts twice against asm's limit of 30.
      __asm__(
          "vfmadd231ps 0(%[a])%{1to16%}, %[b0], %[c00]\n\t"
          "vfmadd231ps 0(%[a])%{1to16%}, %[b1], %[c01]\n\t"
          "vfmadd231ps 4(%[a])%{1to16%}, %[b0], %[c10]\n\t"
          "vfmadd231ps 4(%[a])%{1to16%}, %[b1], %[c11]\n\t"
          "vfmadd231ps 8(%[a])%{1to16%}, %[b0], %[c20]\n\t"
          "vfmadd231ps 8(%[a])%{1to16%}, %[b1], %[c21]\n\t"
          "vfmadd231ps 12(%[a])%{1to16%}, %[b0], %[c30]\n\t"
          "vfmadd231ps 12(%[a])%{1to16%}, %[b1], %[c31]"
          : [c00] "+v"(acc[0][0]), [c01] "+v"(acc[0][1]), [c10] "+v"(acc[1][0]), [c11] "+v"(acc[1][1]),
            [c20] "+v"(acc[2][0]), [c21] "+v"(acc[2][1]), [c30] "+v"(acc[3][0]), [c31] "+v"(acc[3][1])
          : [b0] "v"(b0), [b1] "v"(b1), [a] "r"(a), "m"(*reinterpret_cast<const float(*)[4]>(a)));
      __asm__(
          "vfmadd231ps 16(%[a])%{1to16%}, %[b0], %[c40]\n\t"
          "vfmadd231ps 16(%[a])%{1to16%}, %[b1], %[c41]\n\t"
          "vfmadd231ps 20(%[a])%{1to16%}, %[b0], %[c50]\n\t"
          "vfmadd231ps 20(%[a])%{1to16%}, %[b1], %[c51]\n\t"
          "vfmadd231ps 24(%[a])%{1to16%}, %[b0], %[c60]\n\t"
          "vfmadd231ps 24(%[a])%{1to16%}, %[b1], %[c61]\n\t"
          "vfmadd231ps 28(%[a])%{1to16%}, %[b0], %[c70]\n\t"
          "vfmadd231ps 28(%[a])%{1to16%}, %[b1], %[c71]"
          : [c40] "+v"(acc[4][0]), [c41] "+v"(acc[4][1]), [c50] "+v"(acc[5][0]), [c51] "+v"(acc[5][1]),
            [c60] "+v"(acc[6][0]), [c61] "+v"(acc[6][1]), [c70] "+v"(acc[7][0]), [c71] "+v"(acc[7][1])
          : [b0] "v"(b0), [b1] "v"(b1), [a] "r"(a), "m"(*reinterpret_cast<const float(*)[4]>(a + 4)));
    }
#else
    for (; k < kc; ++k) {
      const float* b = Bp + k * kNR;
      const float* a = Ap.at(0, k);
      __m512 bv[kNV];
#pragma GCC unroll 4
      for (int v = 0; v < kNV; ++v) bv[v] = _mm512_loadu_ps(b + 16 * v);
#pragma GCC unroll 16
      for (int r = 0; r < ROWS; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < kNV; ++v)
          __asm__("vfmadd231ps %[a]%{1to16%}, %[b], %[c]"
                  : [c] "+v"(acc[r][v])
                  : [b] "v"(bv[v]), [a] "m"(a[r]));
    }
#endif
  }
#endif
  for (; k < kc; ++k) {
    const float* b = Bp + k * kNR;
    __m512 bv[kNV];
#pragma GCC unroll 4
    for (int v = 0; v < kNV; ++v) bv[v] = _mm512_loadu_ps(b + 16 * v);
#pragma GCC unroll 16
    for (int r = 0; r < ROWS; ++r) {
      __m512 av = _mm512_set1_ps(*Ap.at(r, k));
#pragma GCC unroll 4
      for (int v = 0; v < kNV; ++v) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
    }
  }
  if constexpr (kSplit) {
#pragma GCC unroll 16
    for (int r = 0; r < ROWS; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < kNV; ++v) acc[r][v] = _mm512_add_ps(acc[r][v], acc2[r][v]);
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  __mmask16 m[kNV];
#pragma GCC unroll 4
  for (int v = 0; v < kNV; ++v) m[v] = lane_mask(nr - 16 * v);
#pragma GCC unroll 16
  for (int r = 0; r < ROWS; ++r) {
    float* c = C + r * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < kNV; ++v) {
      __m512 cv = _mm512_mul_ps(va, acc[r][v]);
      if (beta != 0.0f) cv = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m[v], c + 16 * v), cv);
      _mm512_mask_storeu_ps(c + 16 * v, m[v], cv);
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

template <int... R>
constexpr auto make_micro_table(std::integer_sequence<int, R...>) {
  using Fn = void (*)(float*, int64_t, const float*, const float*, int64_t, int, float, float);
  return std::array<Fn, sizeof...(R)>{&micro_rows<R + 1>...};
}
constexpr auto kMicroByRows = make_micro_table(std::make_integer_sequence<int, kMR>{});

template <int... R>
constexpr auto make_direct_table(std::integer_sequence<int, R...>) {
  using Fn = void (*)(float*, int64_t, const float*, int64_t, int64_t, const float*, int64_t, int,
                      float, float);
  return std::array<Fn, sizeof...(R)>{&micro_rows_direct<R + 1>...};
}
constexpr auto kDirectByRows = make_direct_table(std::make_integer_sequence<int, kMR>{});

void micro_direct_avx512(float* C, int64_t ldc, const float* A, int64_t a_rs, int64_t a_ks,
                         const float* Bp, int64_t kc, int mr, int nr, float alpha, float beta) {
  kDirectByRows[mr - 1](C, ldc, A, a_rs, a_ks, Bp, kc, nr, alpha, beta);
}

void micro_avx512(float* C, int64_t ldc, const float* Ap, const float* Bp, int64_t kc, int mr,
                  int nr, float alpha, float beta) {
  kMicroByRows[mr - 1](C, ldc, Ap, Bp, kc, nr, alpha, beta);
}

inline __m512 activate(__m512 x, Activation act) {
  switch (act) {
    case Activation::kIdentity: return x;
    case Activation::kRelu: return _mm512_max_ps(x, _mm512_setzero_ps());
    case Activation::kSigmoid: return M::sigmoid(x);
    case Activation::kTanh: return M::tanh(x);
    case Activation::kGelu: return M::gelu(x);
  }
  return x;
}

void epilogue_avx512(float* C, int64_t ldc, int mr, int nr, const float* bias, Activation act) {
  for (int r = 0; r < mr; ++r) {
    float* c = C + r * ldc;
    for (int j = 0; j < nr; j += 16) {
      __mmask16 m = lane_mask(nr - j);
      __m512 v = _mm512_maskz_loadu_ps(m, c + j);
      if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, bias + j));
      _mm512_mask_storeu_ps(c + j, m, activate(v, act));
    }
  }
}

void softmax_avx512(float* Y, int64_t ldy, const float* X, int64_t ldx, int64_t rows,
                    int64_t cols) {
  for (int64_t i = 0; i < rows; ++i) {
    const float* x = X + i * ldx;
    float* y = Y + i * ldy;
    __m512 vmax = _mm512_set1_ps(-INFINITY);
    for (int64_t j = 0; j < cols; j += 16) {
      __mmask16 m = lane_mask(static_cast<int>(cols - j < 16 ? cols - j : 16));
      vmax = _mm512_mask_max_ps(vmax, m, vmax, _mm512_maskz_loadu_ps(m, x + j));
    }
    __m512 mx = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
    __m512 vsum = _mm512_setzero_ps();
    for (int64_t j = 0; j < cols; j += 16) {
      __mmask16 m = lane_mask(static_cast<int>(cols - j < 16 ? cols - j : 16));
      __m512 e = M::exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + j), mx));
      e = _mm512_maskz_mov_ps(m, e);
      vsum = _mm512_add_ps(vsum, e);
      _mm512_mask_storeu_ps(y + j, m, e);
    }
    __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(vsum));
    for (int64_t j = 0; j < cols; j += 16) {
      __mmask16 m = lane_mask(static_cast<int>(cols - j < 16 ? cols - j : 16));
      _mm512_mask_storeu_ps(y + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, y + j), inv));
    }
  }
}

double fma_probe_avx512(int64_t iters) {
  // 12 independent FMA chains held in registers: covers FMA latency x throughput on current
  // cores. The empty asm keeps every chain live without forcing it to memory.
  __m512 a0 = _mm512_set1_ps(0.001f * 0), a1 = _mm512_set1_ps(0.001f * 1), a2 = _mm512_set1_ps(0.001f * 2), a3 = _mm512_set1_ps(0.001f * 3), a4 = _mm512_set1_ps(0.001f * 4), a5 = _mm512_set1_ps(0.001f * 5), a6 = _mm512_set1_ps(0.001f * 6), a7 = _mm512_set1_ps(0.001f * 7), a8 = _mm512_set1_ps(0.001f * 8), a9 = _mm512_set1_ps(0.001f * 9), a10 = _mm512_set1_ps(0.001f * 10), a11 = _mm512_set1_ps(0.001f * 11);
  const __m512 m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
    a0 = _mm512_fmadd_ps(a0, m, a); a1 = _mm512_fmadd_ps(a1, m, a); a2 = _mm512_fmadd_ps(a2, m, a); a3 = _mm512_fmadd_ps(a3, m, a); a4 = _mm512_fmadd_ps(a4, m, a); a5 = _mm512_fmadd_ps(a5, m, a); a6 = _mm512_fmadd_ps(a6, m, a); a7 = _mm512_fmadd_ps(a7, m, a); a8 = _mm512_fmadd_ps(a8, m, a); a9 = _mm512_fmadd_ps(a9, m, a); a10 = _mm512_fmadd_ps(a10, m, a); a11 = _mm512_fmadd_ps(a11, m, a);
    __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7), "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11));
  }
  __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)), _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
  s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
  volatile float sink = _mm512_reduce_add_ps(s);
  (void)sink;
  return 2.0 * 16.0 * 12.0 * static_cast<double>(iters);
}

}  // namespace

namespace {
void adam_avx512(const AdamArgs& a) { adam_update_generic(a); }
void sgd_avx512(const SgdArgs& a) { sgd_update_generic(a); }
}  // namespace

const KernelTable& kernels_avx512() {
  static const KernelTable t = {Isa::kAvx512, kMR,          kNR,
                                AMAAS_AVX512_KC, AMAAS_AVX512_MC, AMAAS_AVX512_NC,
                                micro_avx512, micro_direct_avx512, epilogue_avx512, softmax_avx512,
                                fma_probe_avx512,adam_avx512, sgd_avx512};
  return t;
}

}  // namespace amaas::cpu

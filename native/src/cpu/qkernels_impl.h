// Quantized micro-kernels written once over a vector-traits class T; each ISA file defines its
// traits and instantiates them (only those files are compiled with ISA flags). Included only by
// qkernels_{avx2,avxvnni,avx512}.cpp.
//
// Traits interface (V: int32 lanes, F: float lanes, kLanes lanes per vector):
//   V zero(); V load(const void*); V bcast(int32_t); V add(V, V); V sub(V, V);
//   A8 prep8(int32_t four_u8); V dot8(V acc, const A8&, V b_s8)   int8 path, A is u8 (q + 128)
//   kShifted: dot8's sum is sum (q+128)*b (vpdpbusd) rather than sum q*b (sign trick)
//   V dot4(V acc, V w_u8, V x_s8)                                 int4 path, weights 0..15
//   V lo_nibbles(V), hi_nibbles(V)
//   F cvt(V); F fload(const float*); F fset1(float); F fmul(F, F); F fmadd(F a, F b, F c)
//   void store_i(int32_t*, V); void store_f(float*, F)
//   float absmax(const float*, int64_t); void quant32(int8_t* dst, const float* src, float inv,
//   bool shift, int32_t* sum)   round to nearest even, clamp to [-127, 127], +128 when shift
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu/qkernels.h"

namespace amaas::cpu::qimpl {

inline int32_t load4(const void* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

template <class T, int MR, int NP>
void q8_tile(const Q8Tile& t) {
  using V = typename T::V;
  using F = typename T::F;
  constexpr int L = T::kLanes;
  constexpr int NV = kQ8PanelCols / L;
  V acc[MR][NP * NV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 16
    for (int j = 0; j < NP * NV; ++j) acc[r][j] = T::zero();
  for (int64_t k = 0; k < t.k4; ++k) {
    typename T::A8 ap[MR];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) ap[r] = T::prep8(load4(t.a + r * t.lda + 4 * k));
#pragma GCC unroll 4
    for (int p = 0; p < NP; ++p) {
      const int8_t* bk = t.b + p * t.b_stride + k * (4 * kQ8PanelCols);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        V b = T::load(bk + v * 4 * L);
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) acc[r][p * NV + v] = T::dot8(acc[r][p * NV + v], ap[r], b);
      }
    }
  }
  for (int p = 0; p < NP; ++p) {
    for (int v = 0; v < NV; ++v) {
      const int c0 = p * kQ8PanelCols + v * L;
      const int valid = std::min(L, t.ncols - c0);
      if (valid <= 0) return;
      V comp = T::load(t.comp + c0);
      F cs = T::fload(t.col_scale + c0);
      for (int r = 0; r < MR; ++r) {
        V x = acc[r][p * NV + v];
        if (t.raw) {
          if (!T::kShifted) x = T::add(x, comp);
          int32_t* dst = t.ci + r * t.ldc + c0;
          if (valid == L) {
            T::store_i(dst, x);
          } else {
            alignas(64) int32_t tmp[L];
            T::store_i(tmp, x);
            std::memcpy(dst, tmp, sizeof(int32_t) * valid);
          }
        } else {
          if (T::kShifted) x = T::sub(x, comp);
          F f = T::fmul(T::cvt(x), T::fmul(T::fset1(t.row_scale[r]), cs));
          float* dst = t.cf + r * t.ldc + c0;
          if (valid == L) {
            T::store_f(dst, f);
          } else {
            alignas(64) float tmp[L];
            T::store_f(tmp, f);
            std::memcpy(dst, tmp, sizeof(float) * valid);
          }
        }
      }
    }
  }
}

template <class T, int MR, int NP>
void q4_tile(const Q4Tile& t) {
  using V = typename T::V;
  using F = typename T::F;
  constexpr int L = T::kLanes;
  constexpr int NV = kQ4PanelCols / L;
  F facc[MR][NP * NV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int j = 0; j < NP * NV; ++j) facc[r][j] = T::fzero();
  for (int64_t g = 0; g < t.groups; ++g) {
    V acc[MR][NP * NV];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
      for (int j = 0; j < NP * NV; ++j) acc[r][j] = T::zero();
#pragma GCC unroll 4
    for (int blk = 0; blk < 4; ++blk) {
      V xl[MR], xh[MR];
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) {
        const int8_t* x = t.x + r * t.ldx + g * kQ4Group + 8 * blk;
        xl[r] = T::bcast(load4(x));
        xh[r] = T::bcast(load4(x + 4));
      }
#pragma GCC unroll 4
      for (int p = 0; p < NP; ++p) {
        const uint8_t* bb = t.b + p * t.b_stride + g * 256 + blk * 64;
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) {
          V raw = T::load(bb + v * 4 * L);
          V lo = T::lo_nibbles(raw), hi = T::hi_nibbles(raw);
#pragma GCC unroll 8
          for (int r = 0; r < MR; ++r) {
            acc[r][p * NV + v] = T::dot4(acc[r][p * NV + v], lo, xl[r]);
            acc[r][p * NV + v] = T::dot4(acc[r][p * NV + v], hi, xh[r]);
          }
        }
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const V corr = T::bcast(8 * t.xsum[r * t.groups + g]);
      const F xs = T::fset1(t.xs[r * t.groups + g]);
#pragma GCC unroll 4
      for (int p = 0; p < NP; ++p)
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) {
          F s = T::fmul(T::fload(t.ws + p * t.ws_stride + g * kQ4PanelCols + v * L), xs);
          facc[r][p * NV + v] = T::fmadd(T::cvt(T::sub(acc[r][p * NV + v], corr)), s, facc[r][p * NV + v]);
        }
    }
  }
  for (int p = 0; p < NP; ++p) {
    for (int v = 0; v < NV; ++v) {
      const int c0 = p * kQ4PanelCols + v * L;
      const int valid = std::min(L, t.ncols - c0);
      if (valid <= 0) return;
      for (int r = 0; r < MR; ++r) {
        float* dst = t.c + r * t.ldc + c0;
        if (valid == L) {
          T::store_f(dst, facc[r][p * NV + v]);
        } else {
          alignas(64) float tmp[L];
          T::store_f(tmp, facc[r][p * NV + v]);
          std::memcpy(dst, tmp, sizeof(float) * valid);
        }
      }
    }
  }
}

// Runtime (mr, np) -> the instantiation. The shapes listed here must match the table's q8_np.
template <class T, int NP_SMALL, int NP_MID, int MR_MAX>
void q8_dispatch(const Q8Tile& t) {
  switch (t.mr) {
    case 1: return q8_tile<T, 1, NP_SMALL>(t);
    case 2: return q8_tile<T, 2, NP_SMALL>(t);
    case 3: return q8_tile<T, 3, NP_MID>(t);
    case 4: return q8_tile<T, 4, NP_MID>(t);
    default: break;
  }
  if constexpr (MR_MAX > 4) {
    switch (t.mr) {
      case 5: return q8_tile<T, 5, 1>(t);
      case 6: return q8_tile<T, 6, 1>(t);
      case 7: return q8_tile<T, 7, 1>(t);
      case 8: return q8_tile<T, 8, 1>(t);
      default: break;
    }
  }
}

template <class T, int NP1, int NP2, int NP34>
void q4_dispatch(const Q4Tile& t) {
  switch (t.mr) {
    case 1: return q4_tile<T, 1, NP1>(t);
    case 2: return q4_tile<T, 2, NP2>(t);
    case 3: return q4_tile<T, 3, NP34>(t);
    case 4: return q4_tile<T, 4, NP34>(t);
    default: break;
  }
}

template <class T>
void quantize_row_u8(uint8_t* dst, const float* src, int64_t K, int64_t kpad, float inv) {
  int64_t k = 0;
  for (; k + 32 <= K; k += 32) T::quant32(reinterpret_cast<int8_t*>(dst + k), src + k, inv, true, nullptr);
  if (k < K) {
    alignas(64) float tail[32] = {};
    alignas(64) int8_t q[32];
    std::memcpy(tail, src + k, sizeof(float) * (K - k));
    T::quant32(q, tail, inv, true, nullptr);
    std::memcpy(dst + k, q, K - k);
    k = K;
  }
  for (; k < kpad; ++k) dst[k] = 128;
}

template <class T>
void quantize_groups(int8_t* dst, float* scales, int32_t* sums, const float* src, int64_t K) {
  const int64_t groups = (K + kQ4Group - 1) / kQ4Group;
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t k0 = g * kQ4Group, n = std::min<int64_t>(kQ4Group, K - k0);
    alignas(64) float tail[kQ4Group] = {};
    const float* s = src + k0;
    if (n < kQ4Group) {
      std::memcpy(tail, s, sizeof(float) * n);
      s = tail;
    }
    const float amax = T::absmax(s, kQ4Group);
    const float scale = amax > 0.0f ? amax / 127.0f : 1.0f;
    scales[g] = scale;
    T::quant32(dst + k0, s, 1.0f / scale, false, sums + g);
  }
}

template <class T>
double dot_probe(int64_t iters) {
  // Eight chains, each with its own B register that an empty asm statement "changes" every
  // iteration, so the compiler can neither merge the chains nor hoist their work.
  using V = typename T::V;
  V acc[8], b[8];
  for (int j = 0; j < 8; ++j) {
    acc[j] = T::zero();
    b[j] = T::bcast(0x01010101 * (j + 1));
  }
  typename T::A8 a = T::prep8(0x01020304);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      __asm__ volatile("" : "+x"(b[j]));
      acc[j] = T::dot8(acc[j], a, b[j]);
    }
  }
  alignas(64) int32_t out[T::kLanes];
  V s = acc[0];
  for (int j = 1; j < 8; ++j) s = T::add(s, acc[j]);
  T::store_i(out, s);
  volatile int32_t sink = out[0];
  (void)sink;
  return static_cast<double>(iters) * 8 * T::kLanes * 4;
}

}  // namespace amaas::cpu::qimpl

#if defined(__AVX2__)
#include <immintrin.h>
namespace amaas::cpu::qimpl {

// 256-bit vector operations shared by the AVX2, AVX-VNNI and AVX-512 VL VNNI levels. The
// derived traits add the dot products.
struct Base256 {
  using V = __m256i;
  using F = __m256;
  static constexpr int kLanes = 8;
  static V zero() { return _mm256_setzero_si256(); }
  static V load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
  static V bcast(int32_t x) { return _mm256_set1_epi32(x); }
  static V add(V a, V b) { return _mm256_add_epi32(a, b); }
  static V sub(V a, V b) { return _mm256_sub_epi32(a, b); }
  static V lo_nibbles(V x) { return _mm256_and_si256(x, _mm256_set1_epi8(0x0F)); }
  static V hi_nibbles(V x) { return _mm256_and_si256(_mm256_srli_epi16(x, 4), _mm256_set1_epi8(0x0F)); }
  static F cvt(V x) { return _mm256_cvtepi32_ps(x); }
  static F fzero() { return _mm256_setzero_ps(); }
  static F fload(const float* p) { return _mm256_loadu_ps(p); }
  static F fset1(float x) { return _mm256_set1_ps(x); }
  static F fmul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F fmadd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static void store_i(int32_t* p, V x) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), x); }
  static void store_f(float* p, F x) { _mm256_storeu_ps(p, x); }

  static float absmax(const float* x, int64_t n) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)));
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
    float r = _mm_cvtss_f32(h);
    for (; i < n; ++i) r = std::max(r, std::fabs(x[i]));
    return r;
  }
  static void quant32(int8_t* dst, const float* src, float inv, bool shift, int32_t* sum) {
    const __m256 vi = _mm256_set1_ps(inv), lo = _mm256_set1_ps(-127.0f), hi = _mm256_set1_ps(127.0f);
    __m256i q[4];
    for (int j = 0; j < 4; ++j) {
      __m256 v = _mm256_mul_ps(_mm256_loadu_ps(src + 8 * j), vi);
      v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
      q[j] = _mm256_cvtps_epi32(v);  // round to nearest even (MXCSR default)
    }
    if (sum) {
      __m256i s = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
      __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
      s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4E));
      s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xB1));
      *sum = _mm_cvtsi128_si32(s4);
    }
    // packs works within 128-bit lanes: fix the order with one cross-lane permute.
    __m256i w01 = _mm256_packs_epi32(q[0], q[1]), w23 = _mm256_packs_epi32(q[2], q[3]);
    __m256i b = _mm256_packs_epi16(w01, w23);
    b = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    if (shift) b = _mm256_xor_si256(b, _mm256_set1_epi8(static_cast<char>(0x80)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), b);
  }
};

}  // namespace amaas::cpu::qimpl
#endif

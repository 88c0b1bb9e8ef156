// Vectorized exp / sigmoid / tanh / gelu for the AVX2 and AVX-512 kernel files.
// Included only by files compiled with the matching ISA flags (guarded by __AVX2__/__AVX512F__).
// Accuracy: exp within ~2 ulp on [-87, 88]; gelu's erf (Abramowitz-Stegun 7.1.26) within 1.5e-7.
#pragma once

#include <immintrin.h>

namespace amaas::cpu::simd {

// One implementation for both widths: V is __m256 or __m512, Ops supplies the intrinsics.
template <class Ops>
struct Math {
  using V = typename Ops::V;
  static V exp(V x) {
    x = Ops::min(Ops::max(x, Ops::set1(-87.33654f)), Ops::set1(88.0f));
    V n = Ops::round(Ops::mul(x, Ops::set1(1.44269504088896341f)));
    V r = Ops::fnmadd(n, Ops::set1(0.693359375f), x);
    r = Ops::fnmadd(n, Ops::set1(-2.12194440e-4f), r);
    V p = Ops::set1(1.9875691500e-4f);
    p = Ops::fmadd(p, r, Ops::set1(1.3981999507e-3f));
    p = Ops::fmadd(p, r, Ops::set1(8.3334519073e-3f));
    p = Ops::fmadd(p, r, Ops::set1(4.1665795894e-2f));
    p = Ops::fmadd(p, r, Ops::set1(1.6666665459e-1f));
    p = Ops::fmadd(p, r, Ops::set1(5.0000001201e-1f));
    p = Ops::fmadd(p, Ops::mul(r, r), Ops::add(r, Ops::set1(1.0f)));
    return Ops::mul(p, Ops::pow2i(n));
  }
  static V sigmoid(V x) {
    V e = exp(Ops::sub(Ops::set1(0.0f), x));
    return Ops::div(Ops::set1(1.0f), Ops::add(Ops::set1(1.0f), e));
  }
  static V tanh(V x) {
    // tanh(x) = 1 - 2 / (exp(2x) + 1)
    V e = exp(Ops::add(x, x));
    return Ops::sub(Ops::set1(1.0f), Ops::div(Ops::set1(2.0f), Ops::add(e, Ops::set1(1.0f))));
  }
  static V gelu(V x) {
    // 0.5 x (1 + erf(x / sqrt 2)), erf by A&S 7.1.26 on |z| with the sign restored.
    V z = Ops::mul(x, Ops::set1(0.70710678118654752f));
    V az = Ops::abs(z);
    V t = Ops::div(Ops::set1(1.0f), Ops::fmadd(Ops::set1(0.3275911f), az, Ops::set1(1.0f)));
    V p = Ops::set1(1.061405429f);
    p = Ops::fmadd(p, t, Ops::set1(-1.453152027f));
    p = Ops::fmadd(p, t, Ops::set1(1.421413741f));
    p = Ops::fmadd(p, t, Ops::set1(-0.284496736f));
    p = Ops::fmadd(p, t, Ops::set1(0.254829592f));
    p = Ops::mul(p, t);
    V e = exp(Ops::sub(Ops::set1(0.0f), Ops::mul(az, az)));
    V erf_abs = Ops::fnmadd(p, e, Ops::set1(1.0f));
    V erf = Ops::copysign(erf_abs, z);
    return Ops::mul(Ops::mul(Ops::set1(0.5f), x), Ops::add(Ops::set1(1.0f), erf));
  }
};

#if defined(__AVX512F__)
struct Ops512 {
  using V = __m512;
  static V set1(float v) { return _mm512_set1_ps(v); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V div(V a, V b) { return _mm512_div_ps(a, b); }
  static V min(V a, V b) { return _mm512_min_ps(a, b); }
  static V max(V a, V b) { return _mm512_max_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V fnmadd(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }
  static V round(V a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static V pow2i(V n) {
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_castsi512_ps(e);
  }
  static V abs(V a) { return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(a), _mm512_set1_epi32(0x7fffffff))); }
  static V copysign(V mag, V sgn) {
    __m512i s = _mm512_and_si512(_mm512_castps_si512(sgn), _mm512_set1_epi32(int(0x80000000u)));
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(mag), s));
  }
};
using Math512 = Math<Ops512>;
#endif

#if defined(__AVX2__)
struct Ops256 {
  using V = __m256;
  static V set1(float v) { return _mm256_set1_ps(v); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V div(V a, V b) { return _mm256_div_ps(a, b); }
  static V min(V a, V b) { return _mm256_min_ps(a, b); }
  static V max(V a, V b) { return _mm256_max_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V fnmadd(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }
  static V round(V a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static V pow2i(V n) {
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_castsi256_ps(e);
  }
  static V abs(V a) { return _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff))); }
  static V copysign(V mag, V sgn) {
    V s = _mm256_and_ps(sgn, _mm256_castsi256_ps(_mm256_set1_epi32(int(0x80000000u))));
    return _mm256_or_ps(mag, s);
  }
};
using Math256 = Math<Ops256>;
#endif

}  // namespace amaas::cpu::simd

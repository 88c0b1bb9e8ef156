// AVX2 level of the quantized kernels: vpmaddubsw + vpmaddwd. vpmaddubsw multiplies u8 by s8 and
// adds pairs with int16 saturation, so u8 activations (up to 255) against int8 weights could
// saturate (2*255*127 > 32767). The int8 path therefore multiplies |q| by sign(q)*w (vpsignb),
// whose pairs stay within 2*127*127: exact, and the same int32 sums as the VNNI levels. The int4
// path multiplies weights 0..15 by int8 activations: at most 2*15*128, also exact.
// Compiled with -mavx2 -mfma -mf16c only.
#include "cpu/qkernels_impl.h"

namespace amaas::cpu {
namespace {

struct Avx2 : qimpl::Base256 {
  struct A8 {
    __m256i q, absq;
  };
  static constexpr bool kShifted = false;
  static A8 prep8(int32_t four_u8) {
    __m256i q = _mm256_xor_si256(_mm256_set1_epi32(four_u8), _mm256_set1_epi8(static_cast<char>(0x80)));
    return {q, _mm256_abs_epi8(q)};
  }
  static V dot8(V acc, const A8& a, V b) {
    __m256i p16 = _mm256_maddubs_epi16(a.absq, _mm256_sign_epi8(b, a.q));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
  }
  static V dot4(V acc, V w_u8, V x_s8) {
    __m256i p16 = _mm256_maddubs_epi16(w_u8, x_s8);
    return _mm256_add_epi32(acc, _mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
  }
};

const QKernelTable kTable = {
    QLevel::kAvx2, Isa::kAvx2,
    /*q8_mr=*/2, /*q8_np=*/{0, 2, 1, 0, 0, 0, 0, 0, 0},
    /*q4_mr=*/4, /*q4_np=*/{0, 2, 1, 1, 1},
    qimpl::q8_dispatch<Avx2, 2, 1, 2>, qimpl::q4_dispatch<Avx2, 2, 1, 1>,
    qimpl::quantize_row_u8<Avx2>, Avx2::absmax, qimpl::quantize_groups<Avx2>,
    qimpl::dot_probe<Avx2>};

}  // namespace

const QKernelTable& qkernels_avx2() { return kTable; }

}  // namespace amaas::cpu

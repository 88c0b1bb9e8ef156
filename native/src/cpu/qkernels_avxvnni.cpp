// AVX-VNNI level (VEX-encoded 256-bit vpdpbusd: Alder Lake and later, Zen 5): four u8 x s8
// products summed into each int32 lane in one instruction, no intermediate saturation. The
// activations enter as q + 128 (u8); the epilogue subtracts 128 * column sum.
// Compiled with -mavx2 -mfma -mf16c -mavxvnni only.
#include "cpu/qkernels_impl.h"

namespace amaas::cpu {
namespace {

struct AvxVnni : qimpl::Base256 {
  using A8 = __m256i;
  static constexpr bool kShifted = true;
  static A8 prep8(int32_t four_u8) { return _mm256_set1_epi32(four_u8); }
  // asm with the accumulator in-out: GCC 12 copies the accumulator around the intrinsic.
  static V dot8(V acc, const A8& a, V b) {
    __asm__("%{vex%} vpdpbusd %2, %1, %0" : "+x"(acc) : "x"(a), "x"(b));
    return acc;
  }
  static V dot4(V acc, V w_u8, V x_s8) { return dot8(acc, w_u8, x_s8); }  // A8 is V: the same vpdpbusd
};

const QKernelTable kTable = {
    QLevel::kAvxVnni, Isa::kAvx2,
    /*q8_mr=*/3, /*q8_np=*/{0, 2, 1, 1, 0, 0, 0, 0, 0},
    /*q4_mr=*/4, /*q4_np=*/{0, 2, 1, 1, 1},
    qimpl::q8_dispatch<AvxVnni, 2, 1, 3>, qimpl::q4_dispatch<AvxVnni, 2, 1, 1>,
    qimpl::quantize_row_u8<AvxVnni>, AvxVnni::absmax, qimpl::quantize_groups<AvxVnni>,
    qimpl::dot_probe<AvxVnni>};

}  // namespace

const QKernelTable& qkernels_avxvnni() { return kTable; }

}  // namespace amaas::cpu

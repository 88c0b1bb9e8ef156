// AVX-512 VNNI level: 512-bit vpdpbusd (16 int32 lanes, each the sum of four u8 x s8 products)
// with an 8-row x 32-column int8 tile (16 accumulators), and wider-but-shorter tiles for few
// rows (the batch-1 path is bound by the dot-product latency unless 8+ chains run at once).
// The same file also instantiates the 256-bit kernels in EVEX encoding (AVX512-VL VNNI), the
// twin of the AVX-VNNI level, so that code is tested on CPUs that lack AVX-VNNI.
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mavx2 -mfma -mf16c only.
#include "cpu/qkernels_impl.h"

namespace amaas::cpu {
namespace {

struct Vnni512 {
  using V = __m512i;
  using F = __m512;
  using A8 = __m512i;
  static constexpr int kLanes = 16;
  static constexpr bool kShifted = true;
  static V zero() { return _mm512_setzero_si512(); }
  static V load(const void* p) { return _mm512_loadu_si512(p); }
  static V bcast(int32_t x) { return _mm512_set1_epi32(x); }
  static V add(V a, V b) { return _mm512_add_epi32(a, b); }
  static V sub(V a, V b) { return _mm512_sub_epi32(a, b); }
  static A8 prep8(int32_t four_u8) { return _mm512_set1_epi32(four_u8); }
  // vpdpbusd through asm with the accumulator as an in-out operand: with the intrinsic, GCC 12
  // copies every accumulator before each dot product (a vmovdqa per vpdpbusd), which costs the
  // vector pipes a quarter of the kernel's throughput on Zen 4.
  static V dot8(V acc, const A8& a, V b) {
    __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b));
    return acc;
  }
  static V dot4(V acc, V w_u8, V x_s8) { return dot8(acc, w_u8, x_s8); }  // A8 is V: the same vpdpbusd
  static V lo_nibbles(V x) { return _mm512_and_si512(x, _mm512_set1_epi8(0x0F)); }
  static V hi_nibbles(V x) { return _mm512_and_si512(_mm512_srli_epi16(x, 4), _mm512_set1_epi8(0x0F)); }
  static F cvt(V x) { return _mm512_cvtepi32_ps(x); }
  static F fzero() { return _mm512_setzero_ps(); }
  static F fload(const float* p) { return _mm512_loadu_ps(p); }
  static F fset1(float x) { return _mm512_set1_ps(x); }
  static F fmul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F fmadd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static void store_i(int32_t* p, V x) { _mm512_storeu_si512(p, x); }
  static void store_f(float* p, F x) { _mm512_storeu_ps(p, x); }

  static float absmax(const float* x, int64_t n) {
    __m512 m = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_loadu_ps(x + i)));
    if (i < n) {
      __mmask16 k = static_cast<__mmask16>((1u << (n - i)) - 1u);
      m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_maskz_loadu_ps(k, x + i)));
    }
    return _mm512_reduce_max_ps(m);
  }
  static void quant32(int8_t* dst, const float* src, float inv, bool shift, int32_t* sum) {
    const __m512 vi = _mm512_set1_ps(inv), lo = _mm512_set1_ps(-127.0f), hi = _mm512_set1_ps(127.0f);
    __m512i q[2];
    for (int j = 0; j < 2; ++j) {
      __m512 v = _mm512_mul_ps(_mm512_loadu_ps(src + 16 * j), vi);
      v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
      q[j] = _mm512_cvtps_epi32(v);  // round to nearest even (MXCSR default)
    }
    if (sum) *sum = _mm512_reduce_add_epi32(_mm512_add_epi32(q[0], q[1]));
    __m128i b0 = _mm512_cvtepi32_epi8(q[0]), b1 = _mm512_cvtepi32_epi8(q[1]);
    if (shift) {
      const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80));
      b0 = _mm_xor_si128(b0, flip);
      b1 = _mm_xor_si128(b1, flip);
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), b0);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 16), b1);
  }
};

struct Vnni256 : qimpl::Base256 {
  using A8 = __m256i;
  static constexpr bool kShifted = true;
  static A8 prep8(int32_t four_u8) { return _mm256_set1_epi32(four_u8); }
  static V dot8(V acc, const A8& a, V b) {  // asm: see Vnni512::dot8
    __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b));
    return acc;
  }
  static V dot4(V acc, V w_u8, V x_s8) { return dot8(acc, w_u8, x_s8); }  // A8 is V: the same vpdpbusd
};

// Peak probes: 12 independent vpdpbusd chains in registers, written in assembly because GCC 12
// copies the accumulator of the dot-product intrinsics around, which would make the probe
// measure those moves. Returns the MACs done.
#define AMAAS_DPBUSD12(R)                                                                     \
  "vpdpbusd %%" R "1,%%" R "0,%%" R "2\n vpdpbusd %%" R "1,%%" R "0,%%" R "3\n"               \
  "vpdpbusd %%" R "1,%%" R "0,%%" R "4\n vpdpbusd %%" R "1,%%" R "0,%%" R "5\n"               \
  "vpdpbusd %%" R "1,%%" R "0,%%" R "6\n vpdpbusd %%" R "1,%%" R "0,%%" R "7\n"               \
  "vpdpbusd %%" R "1,%%" R "0,%%" R "8\n vpdpbusd %%" R "1,%%" R "0,%%" R "9\n"               \
  "vpdpbusd %%" R "1,%%" R "0,%%" R "10\n vpdpbusd %%" R "1,%%" R "0,%%" R "11\n"             \
  "vpdpbusd %%" R "1,%%" R "0,%%" R "12\n vpdpbusd %%" R "1,%%" R "0,%%" R "13\n"
#define AMAAS_PROBE_CLOBBERS \
  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "cc"

double dot_probe_512(int64_t iters) {
  int64_t n = iters;
  if (n > 0)
    __asm__ volatile("vpxord %%zmm0,%%zmm0,%%zmm0\n vpxord %%zmm1,%%zmm1,%%zmm1\n"
                     "1:\n" AMAAS_DPBUSD12("zmm") "dec %0\n jnz 1b\n"
                     : "+r"(n)::AMAAS_PROBE_CLOBBERS);
  return static_cast<double>(iters) * 12 * 64;
}

double dot_probe_256(int64_t iters) {
  int64_t n = iters;
  if (n > 0)
    __asm__ volatile("vpxord %%xmm0,%%xmm0,%%xmm0\n vpxord %%xmm1,%%xmm1,%%xmm1\n"
                     "1:\n" AMAAS_DPBUSD12("ymm") "dec %0\n jnz 1b\n"
                     : "+r"(n)::AMAAS_PROBE_CLOBBERS);
  return static_cast<double>(iters) * 12 * 32;
}

const QKernelTable kTable512 = {
    QLevel::kAvx512Vnni, Isa::kAvx512,
    /*q8_mr=*/8, /*q8_np=*/{0, 4, 4, 2, 2, 1, 1, 1, 1},
    /*q4_mr=*/4, /*q4_np=*/{0, 4, 4, 2, 2},
    qimpl::q8_dispatch<Vnni512, 4, 2, 8>, qimpl::q4_dispatch<Vnni512, 4, 4, 2>,
    qimpl::quantize_row_u8<Vnni512>, Vnni512::absmax, qimpl::quantize_groups<Vnni512>,
    dot_probe_512};

const QKernelTable kTable256 = {
    QLevel::kAvx512Vnni256, Isa::kAvx2,
    /*q8_mr=*/3, /*q8_np=*/{0, 2, 1, 1, 0, 0, 0, 0, 0},
    /*q4_mr=*/4, /*q4_np=*/{0, 2, 1, 1, 1},
    qimpl::q8_dispatch<Vnni256, 2, 1, 3>, qimpl::q4_dispatch<Vnni256, 2, 1, 1>,
    qimpl::quantize_row_u8<Vnni256>, Vnni256::absmax, qimpl::quantize_groups<Vnni256>,
    dot_probe_256};

}  // namespace

const QKernelTable& qkernels_avx512vnni() { return kTable512; }
const QKernelTable& qkernels_avx512vnni256() { return kTable256; }

}  // namespace amaas::cpu

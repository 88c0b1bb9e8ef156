// Quantized GEMM: the public C++ API of the engine's int8 and int4 kernels.
//
// int8 (W8A8): weights symmetric per output channel (scale_w[n] = max|W[n,:]| / 127, values in
// [-127, 127]); activations quantized dynamically per row (scale_a[m] = max|A[m,:]| / 127) or with
// one calibrated static scale; int32 accumulation; the epilogue dequantizes
// (acc * scale_a[m] * scale_w[n]), adds the bias and applies the activation.
//   C (M,N) = act(dequant(q(A) (M,K) * Q(W)^T (K,N)) + bias)     with W stored (N,K) like Linear.
//
// int4 (weight-only storage): weights symmetric per output channel and per group of 32 along K
// (scale = max|group| / 7, values in [-7, 7], stored as value+8 in a nibble, fp16 scales). Inside
// the kernel the activations are quantized per row and per group of 32 to int8, so the inner
// product runs on the same integer dot-product instructions as int8 (W4A8, as llama.cpp's Q4_0 x
// Q8_0): the error this adds is bounded by the int8 rounding of one group (tests measure it).
//
// Levels: scalar (the twin every other level is tested against; also arm64), AVX2 (vpmaddubsw +
// vpmaddwd), AVX-VNNI (256-bit vpdpbusd, VEX), AVX-512 VNNI (512-bit vpdpbusd), plus the 256-bit
// kernel in EVEX encoding (AVX512-VL VNNI) so CPUs without AVX-VNNI still test that code. Every
// level computes the same exact int32 sums; only the activation's float math may differ in the
// last bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "amaas/gemm.h"
#include "amaas/status.h"

namespace amaas {

enum class QLevel { kScalar = 0, kAvx2, kAvxVnni, kAvx512Vnni256, kAvx512Vnni };
const char* qlevel_name(QLevel level);
bool parse_qlevel(const std::string& name, QLevel* out);
// Levels this CPU supports (scalar first), and the one used by default: derived from the active
// fp32 ISA (AMAAS_ISA) and the CPU's VNNI features.
std::vector<QLevel> supported_qlevels();
QLevel active_qlevel();

constexpr int kQ4Group = 32;    // int4 group size along K
constexpr int kQ8PanelCols = 32;  // int8 packed panel width (columns)
constexpr int kQ4PanelCols = 16;  // int4 packed panel width (columns)

// ---- quantization of weights (row-major W (N,K), as a Linear layer stores them) -------------
// Q (N,K) int8 and scales (N). A zero row gets scale 1 (all zeros, exactly representable).
Status quantize_weights_q8(int8_t* Q, float* scales, const float* W, int64_t ldw, int64_t N,
                           int64_t K);
// Q4 storage layout (the model file's): nibbles (N, ceil(K/2)) bytes, row n, byte j holds
// k = 2j in its low nibble and k = 2j+1 in its high nibble, each as value+8 (so 8 = zero, also
// the padding nibble of an odd K). Scales (N, ceil(K/32)) as IEEE fp16 bit patterns, one per
// group of 32 k's (the last group may be shorter).
Status quantize_weights_q4(uint8_t* nibbles, uint16_t* scales_f16, const float* W, int64_t ldw,
                           int64_t N, int64_t K);
int64_t q4_groups(int64_t K);
inline int64_t q4_row_bytes(int64_t K) { return (K + 1) / 2; }

// ---- packed weights ------------------------------------------------------------------------
// int8 weights in the kernels' panel layout: panels of 32 columns, per 4 k's 32 x 4 bytes.
// The layout is the same for every level, so a packed matrix works with any of them.
class PackedQ8 {
 public:
  ~PackedQ8();
  int64_t n() const { return n_; }
  int64_t k() const { return k_; }
  size_t bytes() const { return bytes_; }
  const int8_t* panels() const { return data_; }
  const float* scales() const { return scales_; }
  const int32_t* comp() const { return comp_; }  // 128 * sum_k Q[n,k] (u8 zero-point shift)
  int64_t k4() const { return (k_ + 3) / 4; }

 private:
  friend Status pack_q8(std::unique_ptr<PackedQ8>* out, const int8_t* Q, int64_t ldq,
                        const float* scales, int64_t N, int64_t K);
  PackedQ8() = default;
  int64_t n_ = 0, k_ = 0;
  int8_t* data_ = nullptr;
  float* scales_ = nullptr;
  int32_t* comp_ = nullptr;
  void* block_ = nullptr;
  size_t bytes_ = 0;
};
Status pack_q8(std::unique_ptr<PackedQ8>* out, const int8_t* Q, int64_t ldq, const float* scales,
               int64_t N, int64_t K);

// int4 weights in the kernels' layout: panels of 16 columns; per group of 32 k's, 4 blocks of
// 64 bytes (block j: column c at bytes 4c..4c+3, k = 8j..8j+3 in the low nibbles and 8j+4..8j+7
// in the high ones) and 16 fp32 scales.
class PackedQ4 {
 public:
  ~PackedQ4();
  int64_t n() const { return n_; }
  int64_t k() const { return k_; }
  int64_t groups() const { return groups_; }
  size_t bytes() const { return bytes_; }
  const uint8_t* panels() const { return data_; }
  const float* scales() const { return scales_; }  // [panel][group][16]

 private:
  friend Status pack_q4(std::unique_ptr<PackedQ4>* out, const uint8_t* nibbles,
                        const uint16_t* scales_f16, int64_t N, int64_t K);
  PackedQ4() = default;
  int64_t n_ = 0, k_ = 0, groups_ = 0;
  uint8_t* data_ = nullptr;
  float* scales_ = nullptr;
  void* block_ = nullptr;
  size_t bytes_ = 0;
};
Status pack_q4(std::unique_ptr<PackedQ4>* out, const uint8_t* nibbles, const uint16_t* scales_f16,
               int64_t N, int64_t K);

// ---- products ------------------------------------------------------------------------------
struct QGemmParams {
  const float* bias = nullptr;  // (N) or null
  Activation act = Activation::kIdentity;
  float act_scale = 0.0f;       // int8 only: > 0 = static (calibrated) activation scale
};

// C (M,N) f32 = act(dequant(q(A) * Q^T) + bias), A (M,K) f32 with row stride lda.
Status qgemm_q8(float* C, int64_t ldc, const float* A, int64_t lda, const PackedQ8& B, int64_t M,
                const QGemmParams& p, QLevel level);
// C (M,N) f32 = act(A * dequant(Q4)^T + bias) computed as described above (W4A8 dot products).
Status qgemm_q4(float* C, int64_t ldc, const float* A, int64_t lda, const PackedQ4& B, int64_t M,
                const QGemmParams& p, QLevel level);
// Raw u8 x s8 -> s32 (oneDNN's u8s8s32, no zero points): C[m,n] = sum_k A[m,k] * Q[n,k].
// For benchmarks against oneDNN and the ONNX MatMulInteger conformance cases.
Status qgemm_u8s8s32(int32_t* C, int64_t ldc, const uint8_t* A, int64_t lda, const PackedQ8& B,
                     int64_t M, QLevel level);

// Dynamic per-row quantization as the int8 product does it (exposed for tests and the
// calibration report): Q (M,K) int8 and scales (M). act_scale > 0: that one static scale.
Status quantize_rows_q8(int8_t* Q, float* scales, const float* A, int64_t lda, int64_t M,
                        int64_t K, float act_scale);

// Measured peak of the level's integer dot product (GOP/s, one MAC = 2 ops) on `threads` threads.
double measure_int8_peak_gops(QLevel level, int threads, double seconds);

}  // namespace amaas

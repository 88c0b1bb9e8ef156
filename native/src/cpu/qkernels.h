// The quantized kernel table. One table per level (scalar in qgemm.cpp; AVX2, AVX-VNNI and
// AVX-512 VNNI in their own files, the only ones compiled with those flags). Kernels are leaf
// functions: no allocation, no threads, no failure. Layouts are described in amaas/qgemm.h.
#pragma once

#include <cstdint>

#include "amaas/cpu.h"
#include "amaas/qgemm.h"

namespace amaas::cpu {

// One int8 micro-kernel call: mr rows of A against np consecutive 32-column panels of B.
struct Q8Tile {
  const uint8_t* a;  // u8 activations (q + 128), row r at a + r*lda, K padded to k4*4 with 128
  int64_t lda;
  const int8_t* b;   // first panel; panel p at b + p*b_stride
  int64_t b_stride;
  int64_t k4;        // K / 4, rounded up
  int mr, np;        // rows, panels (a shape the table lists)
  int ncols;         // columns to store, counted from the first panel's first (<= np*32)
  bool raw;          // true: ci = exact u8*s8 sums; false: cf = dequantized floats
  int32_t* ci;
  float* cf;
  int64_t ldc;
  const float* row_scale;  // (mr) activation scales
  const float* col_scale;  // weight scales from the first panel's first column
  const int32_t* comp;     // 128 * column sums, idem
};

// One int4 micro-kernel call: mr rows of group-quantized activations against np 16-column
// panels. Writes C (mr, ncols) = sum over groups of
// float(int dot - 8*xsum) * (w_scale * x_scale), accumulated with fused multiply-adds.
struct Q4Tile {
  const int8_t* x;      // s8 activations, row r at x + r*ldx, groups*32 per row (zero padded)
  int64_t ldx;
  const float* xs;      // (mr, groups) activation scales, row stride groups
  const int32_t* xsum;  // (mr, groups) sums of the quantized activations
  const uint8_t* b;     // first panel, panel p at b + p*b_stride
  int64_t b_stride;
  const float* ws;      // weight scales of the first panel, [group][16], panel stride ws_stride
  int64_t ws_stride;
  int64_t groups;
  int mr, np;
  int ncols;            // columns to store, counted from the first panel's first (<= np*16)
  float* c;
  int64_t ldc;
};

struct QKernelTable {
  QLevel level;
  Isa float_isa;  // whose fp32 epilogue (bias + activation) finishes the tiles
  // Tile shapes: for r rows (1..q8_mr) the kernel takes q8_np[r] panels per call.
  int q8_mr;
  int q8_np[9];
  int q4_mr;
  int q4_np[5];
  void (*q8_micro)(const Q8Tile& t);
  void (*q4_micro)(const Q4Tile& t);
  // Row quantization to u8 (q + 128): dst (K padded to a multiple of 4 with 128). inv = 1/scale.
  void (*quantize_row_u8)(uint8_t* dst, const float* src, int64_t K, int64_t kpad, float inv);
  float (*absmax)(const float* x, int64_t n);
  // Group quantization for int4: dst (groups*32 s8), scales and sums per group of 32.
  void (*quantize_groups)(int8_t* dst, float* scales, int32_t* sums, const float* src, int64_t K);
  double (*dot_probe)(int64_t iters);  // MACs done by `iters` rounds of independent dot chains
};

const QKernelTable& qkernels_scalar();
#if defined(AMAAS_X86)
const QKernelTable& qkernels_avx2();
const QKernelTable& qkernels_avxvnni();
const QKernelTable& qkernels_avx512vnni();
const QKernelTable& qkernels_avx512vnni256();
#endif
const QKernelTable& qkernels_for(QLevel level);

}  // namespace amaas::cpu

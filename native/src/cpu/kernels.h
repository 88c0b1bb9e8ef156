// The per-ISA kernel table. Each ISA file (kernels_scalar.cpp, kernels_avx2.cpp,
// kernels_avx512.cpp) fills one table; only those files are compiled with ISA flags.
// Kernels are leaf functions: they never allocate, never start threads, never fail.
#pragma once

#include <cstdint>

#include "amaas/cpu.h"
#include "amaas/gemm.h"
#include "cpu/optim_kernels.h"

namespace amaas::cpu {

// C tile (mr<=MR, nr<=NR) = alpha * Ap (kc,MR) x Bp (kc,NR) + beta * C. beta==0: C not read.
// Ap: A micro-panel, MR floats per k. Bp: B micro-panel, NR floats per k. Both zero-padded.
using MicroKernelFn = void (*)(float* C, int64_t ldc, const float* Ap, const float* Bp,
                               int64_t kc, int mr, int nr, float alpha, float beta);

// Same product with A read in place (no packing): row r, step k at A[r*a_rs + k*a_ks]. Used for
// small M, where packing (and zero-padding to MR rows) would cost more than the product.
using MicroKernelDirectFn = void (*)(float* C, int64_t ldc, const float* A, int64_t a_rs,
                                     int64_t a_ks, const float* Bp, int64_t kc, int mr, int nr,
                                     float alpha, float beta);

// A element (row r, step k) as the micro-kernels read it: from MR-row packed panels (MR floats per
// k), or in place with a row and a k stride (small M, see MicroKernelDirectFn).
template <int MR>
struct PackedA {
  const float* p;
  const float* at(int r, int64_t k) const { return p + k * MR + r; }
};
struct DirectA {
  const float* p;
  int64_t rs, ks;
  const float* at(int r, int64_t k) const { return p + r * rs + k * ks; }
};

// C tile (mr, nr) += bias (nr, may be null), then activation, in place.
using EpilogueFn = void (*)(float* C, int64_t ldc, int mr, int nr, const float* bias,
                            Activation act);

// Y (rows, cols) = softmax(X) per row.
using SoftmaxFn = void (*)(float* Y, int64_t ldy, const float* X, int64_t ldx, int64_t rows,
                           int64_t cols);

// Runs `iters` iterations of independent FMA chains; returns flops done.
using FmaProbeFn = double (*)(int64_t iters);

struct KernelTable {
  Isa isa;
  int mr, nr;        // micro-tile
  int kc, mc, nc;    // cache blocking: A panel (MR,kc) in L1, A block (mc,kc) in L2, B block (kc,nc) in L2 or L3
  MicroKernelFn sgemm_micro;
  MicroKernelDirectFn sgemm_micro_direct;
  EpilogueFn epilogue;
  SoftmaxFn softmax;
  FmaProbeFn fma_probe;
  void (*adam_update)(const AdamArgs&);
  void (*sgd_update)(const SgdArgs&);
};

const KernelTable& kernels_scalar();
#if defined(AMAAS_X86)
const KernelTable& kernels_avx2();
const KernelTable& kernels_avx512();
#endif

// Table for a level (must be supported), and for the active level.
const KernelTable& kernels_for(Isa isa);
const KernelTable& active_kernels();

// Scalar activation shared by reference code and scalar kernels.
float activate_scalar(float x, Activation act);

}  // namespace amaas::cpu

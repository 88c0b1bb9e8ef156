// TF32 and BF16 GEMM on tensor cores (mma.sync, sm_80 and later) with fp32 accumulation and the
// fused alpha/beta + bias + activation epilogue. Inputs are fp32 in global memory and rounded to
// the tensor-core type as they are staged into shared memory.
// Not here: a Hopper wgmma/TMA pipeline (a stretch goal of issue #9, not written); on sm_90a the
// same mma.sync code runs, at a fraction of Hopper's peak.
//
// Why mma.sync PTX rather than the WMMA API: WMMA fragments are opaque, so an epilogue that needs
// each accumulator's (row, col) (bias, activation, bounds) must round-trip through shared memory.
// mma.sync's register layouts are specified by the PTX ISA, so the epilogue reads accumulators
// in place, and the shared-memory layout can be padded for conflict-free fragment loads.
#include <cuda_bf16.h>

#include "cuda/common.cuh"

namespace amaas::cuda {
namespace {

// Block tile 128x128, 8 warps as 2 (M) x 4 (N), warp tile 64x32 = 4 x 4 mma tiles of 16x8:
// 64 fp32 accumulators per thread. Two shared-memory stages, register-staged global loads (the
// fp32 -> tf32/bf16 conversion happens between the two, which rules out cp.async).
constexpr int kBM = 128, kBN = 128, kThreads = 256;
constexpr int kWarpM = 64, kWarpN = 32, kMT = kWarpM / 16, kNT = kWarpN / 8;

// TF32: m16n8k8, operands are 32-bit words holding tf32 values. A k-tile of 16 = 2 mma k-steps.
// Rows are padded from 16 to 20 words: the fragment loads of a warp touch rows g = 0..7 at word
// t = 0..3, i.e. banks (20 g + t) mod 32, all distinct (a stride of 16 or 32 words would put
// several rows in the same banks).
struct Tf32 {
  using Elem = uint32_t;
  static constexpr int kBK = 16, kKStep = 8, kStride = kBK + 4;  // 20 words per row
  static __device__ __forceinline__ Elem convert(float x) {
    uint32_t r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));  // round to nearest, ties away (cuBLAS's choice)
    return r;
  }
  // Fragments per the PTX ISA (mma.m16n8k8 .tf32), g = lane / 4, t = lane % 4:
  //   A: a0 (g, t) a1 (g+8, t) a2 (g, t+4) a3 (g+8, t+4);  B: b0 (k=t, n=g) b1 (k=t+4, n=g).
  static __device__ __forceinline__ void load_a(const Elem* As, int row, int kk, int g, int t, uint32_t (&a)[4]) {
    const Elem* p = As + (row + g) * kStride + kk + t;
    a[0] = p[0];
    a[1] = p[8 * kStride];
    a[2] = p[4];
    a[3] = p[8 * kStride + 4];
  }
  static __device__ __forceinline__ void load_b(const Elem* Bs, int col, int kk, int g, int t, uint32_t (&b)[2]) {
    const Elem* p = Bs + (col + g) * kStride + kk + t;
    b[0] = p[0];
    b[1] = p[4];
  }
  static __device__ __forceinline__ void mma(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    asm volatile(
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
  }
};

// BF16: m16n8k16, operands are 32-bit words holding two bf16 (lower k in the low half). A k-tile
// of 32 = 2 mma k-steps. Rows padded from 32 to 40 bf16 = 20 words, for the same bank argument.
struct Bf16 {
  using Elem = __nv_bfloat16;
  static constexpr int kBK = 32, kKStep = 16, kStride = kBK + 8;  // 40 bf16 = 20 words per row
  static __device__ __forceinline__ Elem convert(float x) { return __float2bfloat16_rn(x); }
  // Fragments per the PTX ISA (mma.m16n8k16 .bf16): each register is a pair along k.
  //   A: a0 (g, 2t..2t+1) a1 (g+8, 2t..) a2 (g, 2t+8..) a3 (g+8, 2t+8..);
  //   B: b0 (k=2t..2t+1, n=g) b1 (k=2t+8.., n=g).
  static __device__ __forceinline__ uint32_t word(const Elem* p) { return *reinterpret_cast<const uint32_t*>(p); }
  static __device__ __forceinline__ void load_a(const Elem* As, int row, int kk, int g, int t, uint32_t (&a)[4]) {
    const Elem* p = As + (row + g) * kStride + kk + 2 * t;
    a[0] = word(p);
    a[1] = word(p + 8 * kStride);
    a[2] = word(p + 8);
    a[3] = word(p + 8 * kStride + 8);
  }
  static __device__ __forceinline__ void load_b(const Elem* Bs, int col, int kk, int g, int t, uint32_t (&b)[2]) {
    const Elem* p = Bs + (col + g) * kStride + kk + 2 * t;
    b[0] = word(p);
    b[1] = word(p + 8);
  }
  static __device__ __forceinline__ void mma(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
  }
};

// Shared tiles: As[m][k] (row-major, k contiguous: the "row" operand) and Bs[n][k] (op(B) stored
// column-major, k contiguous: the "col" operand), both padded to T::kStride.
template <class T>
struct Stage {
  typename T::Elem a[kBM * T::kStride];
  typename T::Elem b[kBN * T::kStride];
};

template <class T>
struct Staging {
  static constexpr int kLoads = kBM * T::kBK / kThreads;  // per thread and operand: 8 (tf32), 16 (bf16)
  float a[kLoads], b[kLoads];
};

// Global -> registers. Consecutive threads take consecutive addresses along whichever dimension
// is contiguous in global memory (k for A, n for B in the plain layouts), so loads coalesce
// for all four transpose combinations; out-of-range elements read as 0 (odd M, N, K).
template <class T>
__device__ __forceinline__ void load_tile(const DeviceGemm& g, int64_t m0, int64_t n0, int64_t k0, Staging<T>& r) {
  const int tid = threadIdx.x;
#pragma unroll
  for (int i = 0; i < Staging<T>::kLoads; ++i) {
    const int e = tid + i * kThreads;
    int m, k;
    if (g.trans_a) { m = e % kBM; k = e / kBM; } else { k = e % T::kBK; m = e / T::kBK; }
    const int64_t gm = m0 + m, gk = k0 + k;
    r.a[i] = (gm < g.M && gk < g.K) ? g.A[g.trans_a ? gk * g.lda + gm : gm * g.lda + gk] : 0.0f;
    int n, kb;
    if (g.trans_b) { kb = e % T::kBK; n = e / T::kBK; } else { n = e % kBN; kb = e / kBN; }
    const int64_t gn = n0 + n, gkb = k0 + kb;
    r.b[i] = (gn < g.N && gkb < g.K) ? g.B[g.trans_b ? gn * g.ldb + gkb : gkb * g.ldb + gn] : 0.0f;
  }
}

template <class T>
__device__ __forceinline__ void store_tile(const DeviceGemm& g, Stage<T>& s, const Staging<T>& r) {
  const int tid = threadIdx.x;
#pragma unroll
  for (int i = 0; i < Staging<T>::kLoads; ++i) {
    const int e = tid + i * kThreads;
    int m, k;
    if (g.trans_a) { m = e % kBM; k = e / kBM; } else { k = e % T::kBK; m = e / T::kBK; }
    s.a[m * T::kStride + k] = T::convert(r.a[i]);
    int n, kb;
    if (g.trans_b) { kb = e % T::kBK; n = e / T::kBK; } else { n = e % kBN; kb = e / kBN; }
    s.b[n * T::kStride + kb] = T::convert(r.b[i]);
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads) gemm_mma(const DeviceGemm g) {
  __shared__ __align__(16) Stage<T> stages[2];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int g8 = lane / 4, t4 = lane % 4;  // the PTX ISA's groupID and threadID_in_group
  const int wm = (warp / (kBN / kWarpN)) * kWarpM, wn = (warp % (kBN / kWarpN)) * kWarpN;
  const int64_t m0 = static_cast<int64_t>(blockIdx.y) * kBM, n0 = static_cast<int64_t>(blockIdx.x) * kBN;
  float acc[kMT][kNT][4] = {};
  Staging<T> r;
  const int64_t tiles = (g.K + T::kBK - 1) / T::kBK;

  load_tile<T>(g, m0, n0, 0, r);
  store_tile<T>(g, stages[0], r);
  __syncthreads();
  for (int64_t kt = 0; kt < tiles; ++kt) {
    const int cur = static_cast<int>(kt & 1);
    if (kt + 1 < tiles) load_tile<T>(g, m0, n0, (kt + 1) * T::kBK, r);  // in flight during the mmas
    const auto* As = stages[cur].a;
    const auto* Bs = stages[cur].b;
#pragma unroll
    for (int kk = 0; kk < T::kBK; kk += T::kKStep) {
      uint32_t a[kMT][4], b[kNT][2];
#pragma unroll
      for (int i = 0; i < kMT; ++i) T::load_a(As, wm + i * 16, kk, g8, t4, a[i]);
#pragma unroll
      for (int j = 0; j < kNT; ++j) T::load_b(Bs, wn + j * 8, kk, g8, t4, b[j]);
#pragma unroll
      for (int i = 0; i < kMT; ++i)
#pragma unroll
        for (int j = 0; j < kNT; ++j) T::mma(acc[i][j], a[i], b[j]);
    }
    if (kt + 1 < tiles) store_tile<T>(g, stages[cur ^ 1], r);
    __syncthreads();
  }

  for_each_mma_c<kMT, kNT>(m0 + wm, n0 + wn, lane, g.M, g.N, [&](int i, int j, int q, int64_t m, int64_t n) {
    float v = g.alpha * acc[i][j][q];
    if (g.beta != 0.0f) v += g.beta * g.C[m * g.ldc + n];
    if (g.bias) v += g.bias[n];
    g.C[m * g.ldc + n] = activate(v, g.act);
  });
}

}  // namespace

Status launch_gemm_tc(const DeviceGemm& g, Precision p, cudaStream_t stream) {
  const dim3 grid(ceil_div(g.N, kBN), ceil_div(g.M, kBM));
  if (grid.y > 65535) return InvalidArgument("gemm: M too large for one CUDA launch (max 8388480 rows)");
  if (p == Precision::kTf32)
    gemm_mma<Tf32><<<grid, kThreads, 0, stream>>>(g);
  else if (p == Precision::kBf16)
    gemm_mma<Bf16><<<grid, kThreads, 0, stream>>>(g);
  else
    return launch_gemm_f32(g, stream);
  AMAAS_CUDA_TRY(cudaGetLastError());
  return Status::Ok();
}

}  // namespace amaas::cuda

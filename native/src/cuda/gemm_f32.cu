// fp32 GEMM on CUDA cores (SIMT) with the fused alpha/beta + bias + activation epilogue: the
// exact-math path (fp32 products, fp32 accumulation) that the training step uses by default.
// Not the fast path for large GEMMs on Ampere/Hopper: that is gemm_tc.cu (TF32/BF16 tensor cores).
#include "cuda/common.cuh"

namespace amaas::cuda {
namespace {

// 128x128 block tile, 256 threads, each owning an 8x8 register tile: 64 FMAs per 16 shared-memory
// loads (2+2 float4 per k), enough arithmetic intensity to keep the FMA pipes busy. BK = 8 keeps
// the two shared stages at 2 * 2 * 8 * 128 * 4 B = 16 KiB, so several blocks fit per SM.
constexpr int kBM = 128, kBN = 128, kBK = 8, kTM = 8, kTN = 8, kThreads = 256;
constexpr int kLoads = kBM * kBK / kThreads;  // elements of each tile a thread loads: 4
static_assert(kBM * kBK == kBN * kBK, "A and B tiles are loaded with the same thread mapping");
static_assert((kBM / kTM) * (kBN / kTN) == kThreads, "one 8x8 register tile per thread");

// Global -> registers for one k-tile. The element a thread takes is chosen so that consecutive
// threads read consecutive addresses whichever dimension is contiguous (coalescing), then stored
// k-major in shared memory, where the compute loop wants it.
__device__ __forceinline__ void load_tile(const DeviceGemm& g, int64_t m0, int64_t n0, int64_t k0,
                                          float (&ra)[kLoads], float (&rb)[kLoads]) {
  const int tid = threadIdx.x;
#pragma unroll
  for (int i = 0; i < kLoads; ++i) {
    const int e = tid + i * kThreads;
    int m, k;
    if (g.trans_a) { m = e % kBM; k = e / kBM; } else { k = e % kBK; m = e / kBK; }
    const int64_t gm = m0 + m, gk = k0 + k;
    ra[i] = (gm < g.M && gk < g.K) ? g.A[g.trans_a ? gk * g.lda + gm : gm * g.lda + gk] : 0.0f;
    int n, kb;
    if (g.trans_b) { kb = e % kBK; n = e / kBK; } else { n = e % kBN; kb = e / kBN; }
    const int64_t gn = n0 + n, gkb = k0 + kb;
    rb[i] = (gn < g.N && gkb < g.K) ? g.B[g.trans_b ? gn * g.ldb + gkb : gkb * g.ldb + gn] : 0.0f;
  }
}

__device__ __forceinline__ void store_tile(const DeviceGemm& g, float (*As)[kBM], float (*Bs)[kBN],
                                           const float (&ra)[kLoads], const float (&rb)[kLoads]) {
  const int tid = threadIdx.x;
#pragma unroll
  for (int i = 0; i < kLoads; ++i) {
    const int e = tid + i * kThreads;
    if (g.trans_a) As[e / kBM][e % kBM] = ra[i]; else As[e % kBK][e / kBK] = ra[i];
    if (g.trans_b) Bs[e % kBK][e / kBK] = rb[i]; else Bs[e / kBN][e % kBN] = rb[i];
  }
}

__global__ void __launch_bounds__(kThreads) sgemm_simt(const DeviceGemm g) {
  __shared__ __align__(16) float As[2][kBK][kBM];  // As[k][m]
  __shared__ __align__(16) float Bs[2][kBK][kBN];  // Bs[k][n]
  const int tx = threadIdx.x % (kBN / kTN), ty = threadIdx.x / (kBN / kTN);
  const int64_t m0 = static_cast<int64_t>(blockIdx.y) * kBM, n0 = static_cast<int64_t>(blockIdx.x) * kBN;
  float acc[kTM][kTN] = {};
  float ra[kLoads], rb[kLoads];
  const int64_t tiles = (g.K + kBK - 1) / kBK;

  load_tile(g, m0, n0, 0, ra, rb);
  store_tile(g, As[0], Bs[0], ra, rb);
  __syncthreads();
  for (int64_t t = 0; t < tiles; ++t) {
    const int cur = static_cast<int>(t & 1);
    // Prefetch the next k-tile into registers: its global latency hides behind the FMAs below.
    if (t + 1 < tiles) load_tile(g, m0, n0, (t + 1) * kBK, ra, rb);
#pragma unroll
    for (int k = 0; k < kBK; ++k) {
      float a[kTM], b[kTN];
      const float4* ap = reinterpret_cast<const float4*>(&As[cur][k][ty * kTM]);
      const float4* bp = reinterpret_cast<const float4*>(&Bs[cur][k][tx * kTN]);
      *reinterpret_cast<float4*>(&a[0]) = ap[0];
      *reinterpret_cast<float4*>(&a[4]) = ap[1];
      *reinterpret_cast<float4*>(&b[0]) = bp[0];
      *reinterpret_cast<float4*>(&b[4]) = bp[1];
#pragma unroll
      for (int i = 0; i < kTM; ++i)
#pragma unroll
        for (int j = 0; j < kTN; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    // The other stage was last read in iteration t-1, which every thread finished before the
    // barrier that closed it: one barrier per k-tile suffices with two stages.
    if (t + 1 < tiles) store_tile(g, As[cur ^ 1], Bs[cur ^ 1], ra, rb);
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < kTM; ++i) {
    const int64_t m = m0 + ty * kTM + i;
    if (m >= g.M) break;
#pragma unroll
    for (int j = 0; j < kTN; ++j) {
      const int64_t n = n0 + tx * kTN + j;
      if (n >= g.N) break;
      float v = g.alpha * acc[i][j];
      if (g.beta != 0.0f) v += g.beta * g.C[m * g.ldc + n];
      if (g.bias) v += g.bias[n];
      g.C[m * g.ldc + n] = activate(v, g.act);
    }
  }
}

}  // namespace

Status launch_gemm_f32(const DeviceGemm& g, cudaStream_t stream) {
  const dim3 grid(ceil_div(g.N, kBN), ceil_div(g.M, kBM));
  if (grid.y > 65535) return InvalidArgument("gemm: M too large for one CUDA launch (max 8388480 rows)");
  sgemm_simt<<<grid, kThreads, 0, stream>>>(g);
  AMAAS_CUDA_TRY(cudaGetLastError());
  return Status::Ok();
}

}  // namespace amaas::cuda

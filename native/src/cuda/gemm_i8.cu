// int8 GEMM on tensor cores (mma.sync m16n8k32 s8 x s8 -> s32) with the engine's int8 scheme:
// activations quantized per row on the device, weights symmetric per output channel, exact int32
// accumulation, then C = act(row_scale * col_scale * acc + bias). Plus the host entry points.
// Not here: weight quantization (done once on the host, see quantize_rows_reference) or int4.
#include <algorithm>

#include "cuda/common.cuh"

namespace amaas::cuda {
namespace {

// ---- per-row dynamic quantization --------------------------------------------------------------
// One block per row: max |a| by a block reduction, then q = rn(a / scale) clamped to +-127, and
// zeros in the padding [K, ldq) so that the GEMM can load whole 16-byte vectors. Same arithmetic
// as quantize_rows_reference: scale = amax / 127 (1 for a zero row), q = rn(a * (1 / scale)).
constexpr int kQuantThreads = 256;

__global__ void __launch_bounds__(kQuantThreads)
quantize_rows_kernel(int8_t* Q, int64_t ldq, float* row_scale, const float* A, int64_t lda, int64_t K) {
  __shared__ float warp_max[kQuantThreads / 32];
  const int64_t row = blockIdx.x;
  const float* a = A + row * lda;
  float amax = 0.0f;
  for (int64_t k = threadIdx.x; k < K; k += kQuantThreads) amax = fmaxf(amax, fabsf(a[k]));
  for (int off = 16; off > 0; off /= 2) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, off));
  if (threadIdx.x % 32 == 0) warp_max[threadIdx.x / 32] = amax;
  __syncthreads();
  amax = 0.0f;
#pragma unroll
  for (int w = 0; w < kQuantThreads / 32; ++w) amax = fmaxf(amax, warp_max[w]);
  const float scale = amax > 0.0f ? amax / 127.0f : 1.0f;
  const float inv = 1.0f / scale;
  if (threadIdx.x == 0) row_scale[row] = scale;
  int8_t* q = Q + row * ldq;
  for (int64_t k = threadIdx.x; k < ldq; k += kQuantThreads) {
    int v = 0;
    if (k < K) v = min(127, max(-127, __float2int_rn(a[k] * inv)));  // rn: ties to even, as nearbyint
    q[k] = static_cast<int8_t>(v);
  }
}

// ---- the GEMM -------------------------------------------------------------------------------
// Block tile 128x128, k-tile 64 bytes (2 mma k-steps of 32), 8 warps as 2 (M) x 4 (N), warp tile
// 64x32 = 4 x 4 mma tiles of 16x8. Rows of the shared tiles are padded from 64 to 80 bytes (20
// words): the fragment loads of a warp hit banks (20 g + t) mod 32, g = 0..7, t = 0..3: distinct.
// QA and QW rows are zero-padded to a multiple of 64 bytes, so each tile row is four aligned
// 16-byte vectors and no k bounds checks are needed in the loop.
constexpr int kBM = 128, kBN = 128, kBK = 64, kStride = kBK + 16, kThreads = 256;
constexpr int kWarpM = 64, kWarpN = 32, kMT = kWarpM / 16, kNT = kWarpN / 8;
constexpr int kVecPerRow = kBK / 16;                         // 4 int4 per tile row
constexpr int kVecLoads = kBM * kVecPerRow / kThreads;       // 2 per thread and operand
static_assert(kStride % 16 == 0, "16-byte aligned shared rows");

struct I8Stage {
  int8_t a[kBM * kStride];
  int8_t b[kBN * kStride];
};

__device__ __forceinline__ void load_tile(const DeviceQgemm& g, int64_t m0, int64_t n0, int64_t k0,
                                          int4 (&ra)[kVecLoads], int4 (&rb)[kVecLoads]) {
#pragma unroll
  for (int i = 0; i < kVecLoads; ++i) {
    const int e = threadIdx.x + i * kThreads;
    const int r = e / kVecPerRow, v = e % kVecPerRow;  // consecutive threads: consecutive 16 B
    const int64_t gm = m0 + r, gn = n0 + r;
    ra[i] = gm < g.M ? *reinterpret_cast<const int4*>(g.QA + gm * g.ldq + k0 + v * 16) : make_int4(0, 0, 0, 0);
    rb[i] = gn < g.N ? *reinterpret_cast<const int4*>(g.QW + gn * g.ldq + k0 + v * 16) : make_int4(0, 0, 0, 0);
  }
}

__device__ __forceinline__ void store_tile(I8Stage& s, const int4 (&ra)[kVecLoads], const int4 (&rb)[kVecLoads]) {
#pragma unroll
  for (int i = 0; i < kVecLoads; ++i) {
    const int e = threadIdx.x + i * kThreads;
    const int r = e / kVecPerRow, v = e % kVecPerRow;
    *reinterpret_cast<int4*>(s.a + r * kStride + v * 16) = ra[i];
    *reinterpret_cast<int4*>(s.b + r * kStride + v * 16) = rb[i];
  }
}

__device__ __forceinline__ uint32_t word(const int8_t* p) { return *reinterpret_cast<const uint32_t*>(p); }

__global__ void __launch_bounds__(kThreads) qgemm_mma(const DeviceQgemm g) {
  __shared__ __align__(16) I8Stage stages[2];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int g8 = lane / 4, t4 = lane % 4;
  const int wm = (warp / (kBN / kWarpN)) * kWarpM, wn = (warp % (kBN / kWarpN)) * kWarpN;
  const int64_t m0 = static_cast<int64_t>(blockIdx.y) * kBM, n0 = static_cast<int64_t>(blockIdx.x) * kBN;
  int32_t acc[kMT][kNT][4] = {};
  int4 ra[kVecLoads], rb[kVecLoads];
  const int64_t tiles = g.ldq / kBK;  // ldq is a multiple of kBK; the padding is zeros

  load_tile(g, m0, n0, 0, ra, rb);
  store_tile(stages[0], ra, rb);
  __syncthreads();
  for (int64_t kt = 0; kt < tiles; ++kt) {
    const int cur = static_cast<int>(kt & 1);
    if (kt + 1 < tiles) load_tile(g, m0, n0, (kt + 1) * kBK, ra, rb);
    const int8_t* As = stages[cur].a;
    const int8_t* Bs = stages[cur].b;
#pragma unroll
    for (int kk = 0; kk < kBK; kk += 32) {
      // Fragments per the PTX ISA (mma.m16n8k32 .s8): each register holds 4 consecutive k.
      //   A: a0 (g, 4t..4t+3) a1 (g+8, 4t..) a2 (g, 4t+16..) a3 (g+8, 4t+16..);
      //   B: b0 (k=4t..4t+3, n=g) b1 (k=4t+16.., n=g).
      uint32_t a[kMT][4], b[kNT][2];
#pragma unroll
      for (int i = 0; i < kMT; ++i) {
        const int8_t* p = As + (wm + i * 16 + g8) * kStride + kk + 4 * t4;
        a[i][0] = word(p);
        a[i][1] = word(p + 8 * kStride);
        a[i][2] = word(p + 16);
        a[i][3] = word(p + 8 * kStride + 16);
      }
#pragma unroll
      for (int j = 0; j < kNT; ++j) {
        const int8_t* p = Bs + (wn + j * 8 + g8) * kStride + kk + 4 * t4;
        b[j][0] = word(p);
        b[j][1] = word(p + 16);
      }
#pragma unroll
      for (int i = 0; i < kMT; ++i)
#pragma unroll
        for (int j = 0; j < kNT; ++j)
          asm volatile(
              "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
              "{%0,%1,%2,%3};\n"
              : "+r"(acc[i][j][0]), "+r"(acc[i][j][1]), "+r"(acc[i][j][2]), "+r"(acc[i][j][3])
              : "r"(a[i][0]), "r"(a[i][1]), "r"(a[i][2]), "r"(a[i][3]), "r"(b[j][0]), "r"(b[j][1]));
    }
    if (kt + 1 < tiles) store_tile(stages[cur ^ 1], ra, rb);
    __syncthreads();
  }

  for_each_mma_c<kMT, kNT>(m0 + wm, n0 + wn, lane, g.M, g.N, [&](int i, int j, int q, int64_t m, int64_t n) {
    if (g.C32) {
      g.C32[m * g.ldc + n] = acc[i][j][q];
    } else {
      // The reference's order: (row_scale * col_scale) * float(acc), then + bias.
      float v = (g.row_scale[m] * g.col_scale[n]) * static_cast<float>(acc[i][j][q]);
      if (g.bias) v += g.bias[n];
      g.C[m * g.ldc + n] = activate(v, g.act);
    }
  });
}

Status check_sizes(int64_t M, int64_t N, int64_t K) {
  if (M < 1 || N < 1 || K < 1)
    return InvalidArgument("M, N and K must be positive; received " + std::to_string(M) + ", " +
                           std::to_string(N) + ", " + std::to_string(K));
  return Status::Ok();
}

// Uploads an int8 (rows, cols) host matrix with row stride ld into a zeroed (rows, ldq) device buffer.
Status upload_padded_i8(DeviceBuffer* out, const int8_t* host, int64_t ld, int64_t rows, int64_t cols,
                        int64_t ldq, cudaStream_t s) {
  AMAAS_TRY(DeviceBuffer::make(out, static_cast<size_t>(rows * ldq)));
  AMAAS_CUDA_TRY(cudaMemsetAsync(out->data(), 0, static_cast<size_t>(rows * ldq), s));
  AMAAS_CUDA_TRY(cudaMemcpy2DAsync(out->data(), ldq, host, ld, cols, rows, cudaMemcpyHostToDevice, s));
  return Status::Ok();
}

}  // namespace

Status launch_quantize_rows(int8_t* QA, int64_t ldq, float* row_scale, const float* A, int64_t lda,
                            int64_t M, int64_t K, cudaStream_t stream) {
  if (M > 0x7fffffff) return InvalidArgument("quantize: too many rows for one launch");
  quantize_rows_kernel<<<static_cast<unsigned>(M), kQuantThreads, 0, stream>>>(QA, ldq, row_scale, A, lda, K);
  AMAAS_CUDA_TRY(cudaGetLastError());
  return Status::Ok();
}

Status launch_qgemm(const DeviceQgemm& g, cudaStream_t stream) {
  if (g.ldq % kBK != 0 || g.ldq < g.K) return InvalidArgument("qgemm: ldq must be a multiple of 64 and >= K");
  const dim3 grid(ceil_div(g.N, kBN), ceil_div(g.M, kBM));
  if (grid.y > 65535) return InvalidArgument("qgemm: M too large for one CUDA launch (max 8388480 rows)");
  qgemm_mma<<<grid, kThreads, 0, stream>>>(g);
  AMAAS_CUDA_TRY(cudaGetLastError());
  return Status::Ok();
}

// Single-shot (no panel pipeline): inference-sized M is the int8 path's use, where the weights
// dominate the transfer and would be uploaded once per model in a serving setup.
Status qgemm(float* C, int64_t ldc, const float* A, int64_t lda, const int8_t* W, int64_t ldw,
             const float* w_scale, int64_t M, int64_t N, int64_t K, const float* bias, Activation act) {
  AMAAS_TRY(device_status());
  AMAAS_TRY(check_sizes(M, N, K));
  if (!C || !A || !W || !w_scale) return InvalidArgument("qgemm: null pointer");
  if (lda < K || ldw < K || ldc < N) return ShapeMismatch("qgemm: a row stride is below its row length");
  const int64_t ldq = round_up(K, kBK);
  DeviceBuffer dA, dQA, dScaleA, dQW, dScaleW, dBias, dC;
  StreamLease stream;
  AMAAS_TRY(StreamLease::make(&stream));
  cudaStream_t s = stream.get();
  AMAAS_TRY(DeviceBuffer::make(&dA, sizeof(float) * M * K));
  AMAAS_CUDA_TRY(cudaMemcpy2DAsync(dA.data(), sizeof(float) * K, A, sizeof(float) * lda, sizeof(float) * K, M,
                                   cudaMemcpyHostToDevice, s));
  AMAAS_TRY(DeviceBuffer::make(&dQA, static_cast<size_t>(M * ldq)));
  AMAAS_TRY(DeviceBuffer::make(&dScaleA, sizeof(float) * M));
  AMAAS_TRY(upload_padded_i8(&dQW, W, ldw, N, K, ldq, s));
  AMAAS_TRY(DeviceBuffer::make(&dScaleW, sizeof(float) * N));
  AMAAS_CUDA_TRY(cudaMemcpyAsync(dScaleW.data(), w_scale, sizeof(float) * N, cudaMemcpyHostToDevice, s));
  if (bias) {
    AMAAS_TRY(DeviceBuffer::make(&dBias, sizeof(float) * N));
    AMAAS_CUDA_TRY(cudaMemcpyAsync(dBias.data(), bias, sizeof(float) * N, cudaMemcpyHostToDevice, s));
  }
  AMAAS_TRY(DeviceBuffer::make(&dC, sizeof(float) * M * N));
  AMAAS_TRY(launch_quantize_rows(dQA.as<int8_t>(), ldq, dScaleA.as<float>(), dA.as<float>(), K, M, K, s));
  DeviceQgemm g{dQA.as<int8_t>(), dQW.as<int8_t>(), ldq, M, N, K};
  g.C = dC.as<float>();
  g.ldc = N;
  g.row_scale = dScaleA.as<float>();
  g.col_scale = dScaleW.as<float>();
  g.bias = bias ? dBias.as<float>() : nullptr;
  g.act = act;
  AMAAS_TRY(launch_qgemm(g, s));
  AMAAS_CUDA_TRY(cudaMemcpy2DAsync(C, sizeof(float) * ldc, dC.data(), sizeof(float) * N, sizeof(float) * N, M,
                                   cudaMemcpyDeviceToHost, s));
  AMAAS_CUDA_TRY(cudaStreamSynchronize(s));
  return Status::Ok();
}

Status qgemm_s32(int32_t* C, int64_t ldc, const int8_t* QA, int64_t lda, const int8_t* QW, int64_t ldw,
                 int64_t M, int64_t N, int64_t K) {
  AMAAS_TRY(device_status());
  AMAAS_TRY(check_sizes(M, N, K));
  if (!C || !QA || !QW) return InvalidArgument("qgemm_s32: null pointer");
  if (lda < K || ldw < K || ldc < N) return ShapeMismatch("qgemm_s32: a row stride is below its row length");
  const int64_t ldq = round_up(K, kBK);
  DeviceBuffer dQA, dQW, dC;
  StreamLease stream;
  AMAAS_TRY(StreamLease::make(&stream));
  cudaStream_t s = stream.get();
  AMAAS_TRY(upload_padded_i8(&dQA, QA, lda, M, K, ldq, s));
  AMAAS_TRY(upload_padded_i8(&dQW, QW, ldw, N, K, ldq, s));
  AMAAS_TRY(DeviceBuffer::make(&dC, sizeof(int32_t) * M * N));
  DeviceQgemm g{dQA.as<int8_t>(), dQW.as<int8_t>(), ldq, M, N, K};
  g.C32 = dC.as<int32_t>();
  g.ldc = N;
  AMAAS_TRY(launch_qgemm(g, s));
  AMAAS_CUDA_TRY(cudaMemcpy2DAsync(C, sizeof(int32_t) * ldc, dC.data(), sizeof(int32_t) * N, sizeof(int32_t) * N, M,
                                   cudaMemcpyDeviceToHost, s));
  AMAAS_CUDA_TRY(cudaStreamSynchronize(s));
  return Status::Ok();
}

}  // namespace amaas::cuda

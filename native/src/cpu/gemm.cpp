// GEMM driver: argument checks, packing, cache blocking and threading around the per-ISA
// micro-kernels; plus the plain reference twin, softmax dispatch and the FMA peak probe.
// Not here: any intrinsics (see kernels_*.cpp) or N-API (see binding/).
//
// Loop nest per worker (BLIS order): jc (NC cols of packed B) -> pc (KC) -> ic (MC rows, A packed
// into MR-row panels) -> ir (MR) -> jr (NR) -> micro-kernel. B is always packed first (by
// pack_b, or on the fly by sgemm). Workers own disjoint blocks of C, split by rows when M is
// large and by columns otherwise, so no barrier is needed inside a call and the summation order
// of each C element is independent of the thread count.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif
#if defined(__SSE2__)
#include <emmintrin.h>  // x86-64 baseline: the 4x4 transposes of pack_a_block
#endif

#include "amaas/gemm.h"
#include "amaas/thread_pool.h"
#include "cpu/kernels.h"
#include "cpu/peak_probe.h"

namespace amaas {
namespace cpu {

const KernelTable& kernels_for(Isa isa) {
#if defined(AMAAS_X86)
  if (isa == Isa::kAvx512) return kernels_avx512();
  if (isa == Isa::kAvx2) return kernels_avx2();
#endif
  (void)isa;
  return kernels_scalar();
}

const KernelTable& active_kernels() { return kernels_for(active_isa()); }

}  // namespace cpu

namespace {

using cpu::KernelTable;

constexpr int64_t kMaxDim = int64_t(1) << 31;
constexpr size_t kAlign = 64;

struct AlignedFree {
  void operator()(float* p) const { std::free(p); }
};
using AlignedPtr = std::unique_ptr<float, AlignedFree>;

// Buffers of 4 MB and more are 2 MB aligned and offered to transparent huge pages: a packed
// B of a 2048x2048 GEMM spans 4096 4 KB pages, more than the second-level TLB holds.
float* aligned_floats(size_t n) {
  constexpr size_t kHuge = size_t(2) << 20;
  size_t bytes = n * sizeof(float);
  size_t align = bytes >= 2 * kHuge ? kHuge : kAlign;
  bytes = (bytes + align - 1) / align * align;
  void* p = std::aligned_alloc(align, bytes ? bytes : align);
  if (!p) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (align == kHuge) madvise(p, bytes, MADV_HUGEPAGE);
#endif
  return static_cast<float*>(p);
}

// Per-calling-thread scratch, grown on demand (a batch-1 call must not hit malloc each time).
struct Scratch {
  AlignedPtr ptr;
  size_t size = 0;
  float* get(size_t n) {
    if (n > size) {
      ptr.reset(aligned_floats(n));
      size = n;
    }
    return ptr.get();
  }
};
thread_local Scratch t_scratch_b, t_scratch_a;

int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// K split into equal blocks of at most KC (a multiple of 8): 784 -> 3 x 264 rather than
// 384+384+16, whose thin last block would pay a full C load/store for 16 steps of k.
// pack_b and the compute loop derive the same blocks from K, so packed layouts stay in step.
int64_t balanced_kc(int64_t K, int64_t kc_max) {
  int64_t blocks = (K + kc_max - 1) / kc_max;
  return std::min<int64_t>(kc_max, round_up((K + blocks - 1) / blocks, 8));
}

std::string num(int64_t v) { return std::to_string(v); }

Status check_dims(int64_t M, int64_t N, int64_t K) {
  if (M < 1 || N < 1 || K < 1 || M >= kMaxDim || N >= kMaxDim || K >= kMaxDim)
    return InvalidArgument("GEMM sizes must be integers in [1, 2^31); received M=" + num(M) +
                           ", N=" + num(N) + ", K=" + num(K));
  return Status::Ok();
}

Status check_gemm(const float* C, int64_t ldc, const float* A, int64_t lda, const float* B,
                  int64_t ldb, int64_t M, int64_t N, int64_t K, const GemmParams& p,
                  bool b_packed) {
  if (Status s = check_dims(M, N, K); !s.ok()) return s;
  if (!C || !A || (!B && !b_packed)) return InvalidArgument("GEMM buffers must not be null");
  int64_t a_cols = p.trans_a ? M : K;
  if (lda < a_cols)
    return ShapeMismatch("lda must be >= " + num(a_cols) + " (row length of A stored as " +
                         (p.trans_a ? "(K,M)" : "(M,K)") + "); received lda=" + num(lda));
  if (!b_packed) {
    int64_t b_cols = p.trans_b ? K : N;
    if (ldb < b_cols)
      return ShapeMismatch("ldb must be >= " + num(b_cols) + " (row length of B stored as " +
                           (p.trans_b ? "(N,K)" : "(K,N)") + "); received ldb=" + num(ldb));
  }
  if (ldc < N) return ShapeMismatch("ldc must be >= N (" + num(N) + "); received ldc=" + num(ldc));
  return Status::Ok();
}

#if defined(__SSE2__)
// An 8-row panel, 4 k at a time: two 4x4 transposes per step, in SSE2 (the x86-64 baseline, so
// this ISA-neutral file needs no flags). Returns the k it stopped at (kc rounded down to 4).
int64_t pack_a_rows8_sse(float* panel, const float* const* rows, int64_t kc) {
  int64_t k = 0;
  for (; k + 4 <= kc; k += 4)
    for (int half = 0; half < 2; ++half) {
      const float* const* r = rows + 4 * half;
      __m128 a0 = _mm_loadu_ps(r[0] + k), a1 = _mm_loadu_ps(r[1] + k);
      __m128 a2 = _mm_loadu_ps(r[2] + k), a3 = _mm_loadu_ps(r[3] + k);
      _MM_TRANSPOSE4_PS(a0, a1, a2, a3);  // a_j now holds k+j of the four rows
      float* d = panel + k * 8 + 4 * half;
      _mm_storeu_ps(d, a0);
      _mm_storeu_ps(d + 8, a1);
      _mm_storeu_ps(d + 16, a2);
      _mm_storeu_ps(d + 24, a3);
    }
  return k;
}
#endif

// A block (mc,kc) at (ic,pc) -> MR-row panels: dst[panel][k][r], rows past mc zero.
void pack_a_block(float* dst, const float* A, int64_t lda, bool trans_a, int64_t ic, int64_t mc,
                  int64_t pc, int64_t kc, int MR) {
  for (int64_t ir = 0; ir < mc; ir += MR) {
    int mr = static_cast<int>(std::min<int64_t>(MR, mc - ir));
    float* panel = dst + ir * kc;  // (ir/MR)*MR*kc
    if (!trans_a) {
      // k outer, r inner: sequential writes, MR sequential read streams.
      const float* rows[16];
      for (int r = 0; r < mr; ++r) rows[r] = A + (ic + ir + r) * lda + pc;
      if (mr == MR && MR <= 16) {
        int64_t k = 0;
#if defined(__SSE2__)
        if (MR == 8) k = pack_a_rows8_sse(panel, rows, kc);
#endif
        for (; k < kc; ++k)
          for (int r = 0; r < MR; ++r) panel[k * MR + r] = rows[r][k];
      } else {
        for (int r = 0; r < mr; ++r)
          for (int64_t k = 0; k < kc; ++k) panel[k * MR + r] = rows[r][k];
      }
    } else {
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = A + (pc + k) * lda + ic + ir;
        for (int r = 0; r < mr; ++r) panel[k * MR + r] = src[r];
      }
    }
    if (mr < MR)
      for (int64_t k = 0; k < kc; ++k)
        for (int r = mr; r < MR; ++r) panel[k * MR + r] = 0.0f;
  }
}

// Packed-B layout: for each KC block at pc, the NR-column panels of that block one after the
// other: offset(pc, panel j) = pc*Npad + j*NR*kc_eff, each panel (kc_eff, NR), zero-padded.
void pack_b_panels(float* dst, const float* B, int64_t ldb, bool trans_b, int64_t K, int64_t N,
                   const KernelTable& kt, int64_t p0, int64_t p1) {
  const int NR = kt.nr;
  const int64_t npad = round_up(N, NR);
  const int64_t KC = balanced_kc(K, kt.kc);
  for (int64_t pc = 0; pc < K; pc += KC) {
    int64_t kc = std::min<int64_t>(KC, K - pc);
    if (!trans_b) {
      // Row by row (k outer): B is read sequentially, each row split over the panels. Panel by
      // panel instead read 128-byte pieces of every row, a stride the prefetchers lose
      // (measured: packing took 6 % of a 512^3 GEMM that way).
      for (int64_t k = 0; k < kc; ++k) {
        const float* src_row = B + (pc + k) * ldb;
        for (int64_t j = p0; j < p1; ++j) {
          int64_t n0 = j * NR;
          int nr = static_cast<int>(std::min<int64_t>(NR, N - n0));
          float* d = dst + pc * npad + j * NR * kc + k * NR;
          const float* src = src_row + n0;
          if (nr == NR) {
            for (int c = 0; c < NR; ++c) d[c] = src[c];
          } else {
            for (int c = 0; c < nr; ++c) d[c] = src[c];
            for (int c = nr; c < NR; ++c) d[c] = 0.0f;
          }
        }
      }
      continue;
    }
    for (int64_t j = p0; j < p1; ++j) {
      float* panel = dst + pc * npad + j * NR * kc;
      int64_t n0 = j * NR;
      int nr = static_cast<int>(std::min<int64_t>(NR, N - n0));
      // 8 columns at a time, k outer: 32-byte runs of writes, 8 sequential read streams.
      int c0 = 0;
      for (; c0 + 8 <= nr; c0 += 8) {
        const float* src[8];
        for (int c = 0; c < 8; ++c) src[c] = B + (n0 + c0 + c) * ldb + pc;
        for (int64_t k = 0; k < kc; ++k)
          for (int c = 0; c < 8; ++c) panel[k * NR + c0 + c] = src[c][k];
      }
      for (int c = c0; c < nr; ++c) {
        const float* src = B + (n0 + c) * ldb + pc;
        for (int64_t k = 0; k < kc; ++k) panel[k * NR + c] = src[k];
      }
      if (nr < NR)
        for (int64_t k = 0; k < kc; ++k)
          for (int c = nr; c < NR; ++c) panel[k * NR + c] = 0.0f;
    }
  }
}

size_t packed_b_floats(int64_t K, int64_t N, const KernelTable& kt) {
  return static_cast<size_t>(K) * static_cast<size_t>(round_up(N, kt.nr));
}

void pack_b_parallel(float* dst, const float* B, int64_t ldb, bool trans_b, int64_t K, int64_t N,
                     const KernelTable& kt) {
  int64_t panels = round_up(N, kt.nr) / kt.nr;
  auto& pool = ThreadPool::instance();
  if (static_cast<double>(K) * N < 65536.0) {
    pack_b_panels(dst, B, ldb, trans_b, K, N, kt, 0, panels);
    return;
  }
  pool.parallel_for(panels, [&](int64_t b, int64_t e, int) {
    pack_b_panels(dst, B, ldb, trans_b, K, N, kt, b, e);
  });
}

// The compute phase on a packed B.
Status run_packed(const KernelTable& kt, float* C, int64_t ldc, const float* A, int64_t lda,
                  const float* Bp, int64_t M, int64_t N, int64_t K, const GemmParams& p) {
  const int MR = kt.mr, NR = kt.nr;
  const int64_t npad = round_up(N, NR);
  auto& pool = ThreadPool::instance();
  // Tiny problems: one thread; the hand-off would cost more than the work.
  const double flops = 2.0 * M * N * K;
  int T = flops < 2.0e5 ? 1 : pool.threads();
  // Split rows when there are enough for every worker to get whole MR panels, else columns.
  bool split_rows = M >= int64_t(4) * MR * T;
  int64_t units = split_rows ? (M + MR - 1) / MR : npad / NR;
  if (units < T) T = static_cast<int>(std::max<int64_t>(1, units));
  const int64_t mc_max = std::min<int64_t>(kt.mc, round_up(M, MR));
  const int64_t KC = balanced_kc(K, kt.kc);
  const int64_t kc_max = std::min<int64_t>(KC, K);
  float* a_scratch = nullptr;
  try {
    if (M >= MR) a_scratch = t_scratch_a.get(static_cast<size_t>(T) * mc_max * kc_max);
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "out of memory for GEMM packing buffers");
  }
  const bool has_epilogue = p.bias != nullptr || p.act != Activation::kIdentity;
  // Small M: read A in place; packing would mostly write zero padding.
  const bool direct_a = M < MR;
  const int64_t a_rs = p.trans_a ? 1 : lda, a_ks = p.trans_a ? lda : 1;

  auto work = [&](int64_t u0, int64_t u1, int w) {
    int64_t m0 = 0, m1 = M, n0 = 0, n1 = N;
    if (split_rows) {
      m0 = u0 * MR;
      m1 = std::min<int64_t>(M, u1 * MR);
    } else {
      n0 = u0 * NR;
      n1 = std::min<int64_t>(N, u1 * NR);
    }
    float* ap = a_scratch ? a_scratch + static_cast<size_t>(w) * mc_max * kc_max : nullptr;
    for (int64_t jc = n0; jc < n1; jc += kt.nc) {
      int64_t jc_end = std::min<int64_t>(n1, jc + kt.nc);
      for (int64_t pc = 0; pc < K; pc += KC) {
        int64_t kc = std::min<int64_t>(KC, K - pc);
        float beta = pc == 0 ? p.beta : 1.0f;
        bool last = pc + kc == K;
        const float* bblock = Bp + pc * npad;
        for (int64_t ic = m0; ic < m1; ic += kt.mc) {
          int64_t mc = std::min<int64_t>(kt.mc, m1 - ic);
          if (!direct_a) pack_a_block(ap, A, lda, p.trans_a, ic, mc, pc, kc, MR);
          for (int64_t ir = 0; ir < mc; ir += MR) {
            int mr = static_cast<int>(std::min<int64_t>(MR, mc - ir));
            const float* apanel = ap + ir * kc;
            const float* adirect = A + (ic + ir) * a_rs + pc * a_ks;
            float* crow = C + (ic + ir) * ldc;
            for (int64_t jr = jc; jr < jc_end; jr += NR) {
              int nr = static_cast<int>(std::min<int64_t>(NR, jc_end - jr));
              const float* bpanel = bblock + (jr / NR) * NR * kc;
              if (direct_a)
                kt.sgemm_micro_direct(crow + jr, ldc, adirect, a_rs, a_ks, bpanel, kc, mr, nr,
                                      p.alpha, beta);
              else
                kt.sgemm_micro(crow + jr, ldc, apanel, bpanel, kc, mr, nr, p.alpha, beta);
              if (last && has_epilogue)
                kt.epilogue(crow + jr, ldc, mr, nr, p.bias ? p.bias + jr : nullptr, p.act);
            }
          }
        }
      }
    }
  };
  if (T <= 1) {
    work(0, units, 0);
  } else {
    // Static split of `units` into T nearly equal ranges.
    pool.parallel_for(T, [&](int64_t b, int64_t e, int) {
      for (int64_t t = b; t < e; ++t) work(units * t / T, units * (t + 1) / T, static_cast<int>(t));
    });
  }
  return Status::Ok();
}

}  // namespace

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::kIdentity: return "identity";
    case Activation::kRelu: return "relu";
    case Activation::kSigmoid: return "sigmoid";
    case Activation::kTanh: return "tanh";
    case Activation::kGelu: return "gelu";
  }
  return "identity";
}

bool parse_activation(const char* name, Activation* out) {
  static const Activation all[] = {Activation::kIdentity, Activation::kRelu, Activation::kSigmoid,
                                   Activation::kTanh, Activation::kGelu};
  for (Activation a : all)
    if (std::strcmp(name, activation_name(a)) == 0) {
      *out = a;
      return true;
    }
  return false;
}

Status sgemm(float* C, int64_t ldc, const float* A, int64_t lda, const float* B, int64_t ldb,
             int64_t M, int64_t N, int64_t K, const GemmParams& p) {
  if (Status s = check_gemm(C, ldc, A, lda, B, ldb, M, N, K, p, false); !s.ok()) return s;
  const KernelTable& kt = cpu::active_kernels();
  float* bp;
  try {
    bp = t_scratch_b.get(packed_b_floats(K, N, kt));
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "out of memory packing B (" + num(K) + "x" + num(N) + ")");
  }
  pack_b_parallel(bp, B, ldb, p.trans_b, K, N, kt);
  return run_packed(kt, C, ldc, A, lda, bp, M, N, K, p);
}

Status sgemm_reference(float* C, int64_t ldc, const float* A, int64_t lda, const float* B,
                       int64_t ldb, int64_t M, int64_t N, int64_t K, const GemmParams& p) {
  if (Status s = check_gemm(C, ldc, A, lda, B, ldb, M, N, K, p, false); !s.ok()) return s;
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      double acc = 0.0;
      for (int64_t k = 0; k < K; ++k) {
        double a = p.trans_a ? A[k * lda + i] : A[i * lda + k];
        double b = p.trans_b ? B[j * ldb + k] : B[k * ldb + j];
        acc += a * b;
      }
      double c = static_cast<double>(p.alpha) * acc;
      if (p.beta != 0.0f) c += static_cast<double>(p.beta) * C[i * ldc + j];
      if (p.bias) c += p.bias[j];
      C[i * ldc + j] = cpu::activate_scalar(static_cast<float>(c), p.act);
    }
  }
  return Status::Ok();
}

PackedB::~PackedB() { std::free(data_); }

Status pack_b(std::unique_ptr<PackedB>* out, const float* B, int64_t ldb, int64_t K, int64_t N,
              bool trans_b) {
  if (Status s = check_dims(1, N, K); !s.ok()) return s;
  if (!B) return InvalidArgument("B must not be null");
  int64_t b_cols = trans_b ? K : N;
  if (ldb < b_cols)
    return ShapeMismatch("ldb must be >= " + num(b_cols) + "; received ldb=" + num(ldb));
  const KernelTable& kt = cpu::active_kernels();
  std::unique_ptr<PackedB> pb(new (std::nothrow) PackedB());
  if (!pb) return Status(ErrorCode::kOutOfMemory, "out of memory");
  size_t n = packed_b_floats(K, N, kt);
  try {
    pb->data_ = aligned_floats(n);
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "out of memory packing B (" + num(K) + "x" + num(N) + ")");
  }
  pb->k_ = K;
  pb->n_ = N;
  pb->isa_ = kt.isa;
  pb->bytes_ = n * sizeof(float);
  pack_b_parallel(pb->data_, B, ldb, trans_b, K, N, kt);
  *out = std::move(pb);
  return Status::Ok();
}

Status sgemm_packed(float* C, int64_t ldc, const float* A, int64_t lda, const PackedB& B,
                    int64_t M, const GemmParams& p) {
  if (Status s = check_gemm(C, ldc, A, lda, nullptr, 0, M, B.n(), B.k(), p, true); !s.ok())
    return s;
  return run_packed(cpu::kernels_for(B.isa()), C, ldc, A, lda, B.data(), M, B.n(), B.k(), p);
}

static Status check_softmax(const float* Y, int64_t ldy, const float* X, int64_t ldx,
                            int64_t rows, int64_t cols) {
  if (rows < 1 || cols < 1 || rows >= kMaxDim || cols >= kMaxDim)
    return InvalidArgument("softmax sizes must be integers in [1, 2^31); received rows=" +
                           num(rows) + ", cols=" + num(cols));
  if (!Y || !X) return InvalidArgument("softmax buffers must not be null");
  if (ldx < cols || ldy < cols)
    return ShapeMismatch("softmax row strides must be >= cols (" + num(cols) + "); received ldx=" +
                         num(ldx) + ", ldy=" + num(ldy));
  return Status::Ok();
}

Status softmax_rows(float* Y, int64_t ldy, const float* X, int64_t ldx, int64_t rows,
                    int64_t cols) {
  if (Status s = check_softmax(Y, ldy, X, ldx, rows, cols); !s.ok()) return s;
  const KernelTable& kt = cpu::active_kernels();
  if (static_cast<double>(rows) * cols < 32768.0) {
    kt.softmax(Y, ldy, X, ldx, rows, cols);
    return Status::Ok();
  }
  ThreadPool::instance().parallel_for(rows, [&](int64_t b, int64_t e, int) {
    kt.softmax(Y + b * ldy, ldy, X + b * ldx, ldx, e - b, cols);
  });
  return Status::Ok();
}

Status softmax_rows_reference(float* Y, int64_t ldy, const float* X, int64_t ldx, int64_t rows,
                              int64_t cols) {
  if (Status s = check_softmax(Y, ldy, X, ldx, rows, cols); !s.ok()) return s;
  for (int64_t i = 0; i < rows; ++i) {
    const float* x = X + i * ldx;
    float* y = Y + i * ldy;
    double mx = x[0];
    for (int64_t j = 1; j < cols; ++j) mx = std::max<double>(mx, x[j]);
    double sum = 0.0;
    for (int64_t j = 0; j < cols; ++j) sum += std::exp(static_cast<double>(x[j]) - mx);
    for (int64_t j = 0; j < cols; ++j)
      y[j] = static_cast<float>(std::exp(static_cast<double>(x[j]) - mx) / sum);
  }
  return Status::Ok();
}

double measure_fma_peak_gflops(int threads, double seconds) {
  const KernelTable& kt = cpu::active_kernels();
  return cpu::run_peak_probe(kt.fma_probe, threads, seconds, int64_t(1) << 16) / 1e9;
}

}  // namespace amaas

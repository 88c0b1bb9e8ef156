// Quantized GEMM driver: level choice, weight quantization and packing, activation
// quantization, tiling and threading around the per-level micro-kernels, and the scalar twin
// (the reference every level is tested against, and the arm64 path). No intrinsics here.
//
// Work split: each call quantizes A once (rows in parallel when large), then workers own
// disjoint column ranges (few rows: the serving path) or row ranges (many rows) of C, so the
// summation order of every element is independent of the thread count. The integer sums are
// exact on every level; results differ between levels only in the activation's float math.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "amaas/qgemm.h"
#include "amaas/thread_pool.h"
#include "cpu/kernels.h"
#include "cpu/peak_probe.h"
#include "cpu/qkernels.h"

namespace amaas {
namespace cpu {
namespace {

// ---- scalar twin -----------------------------------------------------------------------------

void q8_scalar(const Q8Tile& t) {
  for (int r = 0; r < t.mr; ++r)
    for (int c = 0; c < t.ncols; ++c) {
      const int p = c / kQ8PanelCols, cc = c % kQ8PanelCols;
      const int8_t* b = t.b + p * t.b_stride + cc * 4;
      const uint8_t* a = t.a + r * t.lda;
      int32_t acc = 0;
      for (int64_t k = 0; k < t.k4; ++k)
        for (int i = 0; i < 4; ++i) acc += int32_t(a[4 * k + i]) * int32_t(b[k * sizeof(Q8PanelStep) + i]);
      if (t.raw)
        t.ci[r * t.ldc + c] = acc;  // the u8 sum itself, as vpdpbusd computes it
      else
        t.cf[r * t.ldc + c] = float(acc - t.comp[c]) * (t.row_scale[r] * t.col_scale[c]);
    }
}

void q4_scalar(const Q4Tile& t) {
  for (int r = 0; r < t.mr; ++r)
    for (int c = 0; c < t.ncols; ++c) {
      const int p = c / kQ4PanelCols, cc = c % kQ4PanelCols;
      const int8_t* x = t.x + r * t.ldx;
      float f = 0.0f;
      for (int64_t g = 0; g < t.groups; ++g) {
        const uint8_t* b = t.b + p * t.b_stride + g * sizeof(Q4Group) + cc * 4;
        int32_t acc = 0;
        for (int blk = 0; blk < 4; ++blk)
          for (int i = 0; i < 4; ++i) {
            const uint8_t byte = b[blk * sizeof(Q4Block) + i];
            acc += int32_t(byte & 15) * x[g * kQ4Group + 8 * blk + i];
            acc += int32_t(byte >> 4) * x[g * kQ4Group + 8 * blk + 4 + i];
          }
        const float s = t.ws[p * t.ws_stride + g * kQ4PanelCols + cc] * t.xs[r * t.groups + g];
        f = std::fma(float(acc - 8 * t.xsum[r * t.groups + g]), s, f);
      }
      t.c[r * t.ldc + c] = f;
    }
}

inline int8_t quant1(float x, float inv) {
  return static_cast<int8_t>(std::nearbyint(std::min(std::max(x * inv, -127.0f), 127.0f)));
}

float absmax_scalar(const float* x, int64_t n) {
  float m = 0.0f;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, std::fabs(x[i]));
  return m;
}

void quantize_row_u8_scalar(uint8_t* dst, const float* src, int64_t K, int64_t kpad, float inv) {
  for (int64_t k = 0; k < K; ++k) dst[k] = static_cast<uint8_t>(quant1(src[k], inv) + 128);
  for (int64_t k = K; k < kpad; ++k) dst[k] = 128;
}

void quantize_groups_scalar(int8_t* dst, float* scales, int32_t* sums, const float* src, int64_t K) {
  const int64_t groups = (K + kQ4Group - 1) / kQ4Group;
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t k0 = g * kQ4Group, n = std::min<int64_t>(kQ4Group, K - k0);
    const float amax = absmax_scalar(src + k0, n);
    const float scale = amax > 0.0f ? amax / 127.0f : 1.0f, inv = 1.0f / scale;
    int32_t s = 0;
    for (int64_t i = 0; i < kQ4Group; ++i) {
      int8_t q = i < n ? quant1(src[k0 + i], inv) : 0;
      dst[k0 + i] = q;
      s += q;
    }
    scales[g] = scale;
    sums[g] = s;
  }
}

double dot_probe_scalar(int64_t iters) {
  int32_t acc[8] = {};
  volatile int32_t a = 3, b = 5;
  for (int64_t i = 0; i < iters; ++i)
    for (int j = 0; j < 8; ++j) acc[j] += a * b;
  volatile int32_t sink = acc[0] + acc[7];
  (void)sink;
  return static_cast<double>(iters) * 8;
}

const QKernelTable kScalar = {
    QLevel::kScalar, Isa::kScalar,
    /*q8_mr=*/4, /*q8_np=*/{0, 1, 1, 1, 1, 0, 0, 0, 0},
    /*q4_mr=*/4, /*q4_np=*/{0, 1, 1, 1, 1},
    q8_scalar, q4_scalar, quantize_row_u8_scalar, absmax_scalar, quantize_groups_scalar,
    dot_probe_scalar};

}  // namespace

const QKernelTable& qkernels_scalar() { return kScalar; }

const QKernelTable& qkernels_for(QLevel level) {
#if defined(AMAAS_X86)
  switch (level) {
    case QLevel::kAvx2: return qkernels_avx2();
    case QLevel::kAvxVnni: return qkernels_avxvnni();
    case QLevel::kAvx512Vnni256: return qkernels_avx512vnni256();
    case QLevel::kAvx512Vnni: return qkernels_avx512vnni();
    case QLevel::kScalar: break;
  }
#endif
  (void)level;
  return kScalar;
}

}  // namespace cpu

// ---- levels ----------------------------------------------------------------------------------

const char* qlevel_name(QLevel level) {
  switch (level) {
    case QLevel::kScalar: return "scalar";
    case QLevel::kAvx2: return "avx2";
    case QLevel::kAvxVnni: return "avx-vnni";
    case QLevel::kAvx512Vnni256: return "avx512-vnni-256";
    case QLevel::kAvx512Vnni: return "avx512-vnni";
  }
  return "scalar";
}

bool parse_qlevel(const std::string& name, QLevel* out) {
  for (QLevel l : {QLevel::kScalar, QLevel::kAvx2, QLevel::kAvxVnni, QLevel::kAvx512Vnni256,
                   QLevel::kAvx512Vnni})
    if (name == qlevel_name(l)) {
      *out = l;
      return true;
    }
  return false;
}

std::vector<QLevel> supported_qlevels() {
  std::vector<QLevel> out{QLevel::kScalar};
#if defined(AMAAS_X86)
  const CpuFeatures& f = cpu_features();
  const std::vector<Isa> isas = supported_isas();
  const bool avx2 = std::find(isas.begin(), isas.end(), Isa::kAvx2) != isas.end();
  const bool avx512 = std::find(isas.begin(), isas.end(), Isa::kAvx512) != isas.end();
  if (avx2) out.push_back(QLevel::kAvx2);
  if (avx2 && f.avxvnni) out.push_back(QLevel::kAvxVnni);
  if (avx512 && f.avx512vnni && f.avx512vl) {
    out.push_back(QLevel::kAvx512Vnni256);
    out.push_back(QLevel::kAvx512Vnni);
  }
#endif
  return out;
}

QLevel active_qlevel() {
  // Follows the fp32 level (AMAAS_ISA), then takes the best dot product that level allows.
  const std::vector<QLevel> all = supported_qlevels();
  auto has = [&](QLevel l) { return std::find(all.begin(), all.end(), l) != all.end(); };
  switch (active_isa()) {
    case Isa::kAvx512:
      if (has(QLevel::kAvx512Vnni)) return QLevel::kAvx512Vnni;
      [[fallthrough]];
    case Isa::kAvx2:
      if (has(QLevel::kAvxVnni)) return QLevel::kAvxVnni;
      if (has(QLevel::kAvx2)) return QLevel::kAvx2;
      [[fallthrough]];
    case Isa::kScalar: break;
  }
  return QLevel::kScalar;
}

namespace {

using cpu::Q4Block;
using cpu::Q4Group;
using cpu::Q8PanelStep;
using cpu::QKernelTable;
using cpu::Q4Tile;
using cpu::Q8Tile;

constexpr int64_t kMaxDim = int64_t(1) << 31;
// The u8 sum of K products reaches 255 * 127 * K: int32 holds it for K up to 66,311.
constexpr int64_t kMaxQ8K = 65536;
constexpr int kPadPanels = 3;  // kernels may read up to 3 panels past the last (tile widths 4)

std::string num(int64_t v) { return std::to_string(v); }
int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

void* aligned_bytes(size_t bytes) {
  bytes = (bytes + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, bytes ? bytes : 64);
  if (!p) throw std::bad_alloc();
  return p;
}

// Per-calling-thread scratch for quantized activations (a batch-1 call must not hit malloc).
struct ByteScratch {
  void* ptr = nullptr;
  size_t size = 0;
  ~ByteScratch() { std::free(ptr); }
  void* get(size_t n) {
    if (n > size) {
      void* p = aligned_bytes(n);
      std::free(ptr);
      ptr = p;
      size = (n + 63) / 64 * 64;
    }
    return ptr;
  }
};
thread_local ByteScratch t_qscratch;

Status check_level(QLevel level, const QKernelTable** kt) {
  const std::vector<QLevel> all = supported_qlevels();
  if (std::find(all.begin(), all.end(), level) == all.end())
    return Status(ErrorCode::kUnavailable,
                  std::string("quantized kernel level ") + qlevel_name(level) + " is not supported by this CPU");
  *kt = &cpu::qkernels_for(level);
  return Status::Ok();
}

Status check_dims(int64_t M, int64_t N, int64_t K) {
  if (M < 0 || N < 1 || K < 1 || M >= kMaxDim || N >= kMaxDim || K >= kMaxDim)
    return InvalidArgument("Expected M >= 0 and N, K >= 1 (below 2^31) but received M=" + num(M) +
                           " N=" + num(N) + " K=" + num(K));
  return Status::Ok();
}

// The checks every product makes: level, sizes, pointers and strides. `skip` is set when M == 0.
Status check_product(const char* what, QLevel level, const QKernelTable** kt, const void* C, int64_t ldc,
                     const void* A, int64_t lda, int64_t M, int64_t N, int64_t K, bool* skip) {
  if (Status s = check_level(level, kt); !s.ok()) return s;
  if (Status s = check_dims(M, N, K); !s.ok()) return s;
  *skip = M == 0;
  if (*skip) return Status::Ok();
  if (!C || !A) return InvalidArgument(std::string(what) + ": null pointer");
  if (lda < K) return ShapeMismatch("Expected lda >= K (" + num(K) + ") but received " + num(lda));
  if (ldc < N) return ShapeMismatch("Expected ldc >= N (" + num(N) + ") but received " + num(ldc));
  return Status::Ok();
}

// fp16 bit patterns <-> float, round to nearest even (no F16C outside the ISA files).
uint16_t f32_to_f16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  x &= 0x7FFFFFFFu;
  if (x >= 0x7F800000u) return static_cast<uint16_t>(sign | (x > 0x7F800000u ? 0x7E00u : 0x7C00u));
  if (x >= 0x477FF000u) return static_cast<uint16_t>(sign | 0x7C00u);  // rounds past 65504
  if (x < 0x38800000u) {                                                // half subnormal or zero
    if (x < 0x33000000u) return static_cast<uint16_t>(sign);
    const uint32_t e = x >> 23, m = (x & 0x7FFFFFu) | 0x800000u;
    const uint32_t shift = 126 - e;
    uint32_t h = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1u), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1u))) ++h;
    return static_cast<uint16_t>(sign | h);
  }
  uint32_t r = x - 0x38000000u;
  r += 0xFFFu + ((r >> 13) & 1u);
  return static_cast<uint16_t>(sign | (r >> 13));
}

float f16_to_f32(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16, e = (h >> 10) & 0x1Fu, m = h & 0x3FFu;
  uint32_t x;
  if (e == 0) {
    float v = std::ldexp(static_cast<float>(m), -24);
    return sign ? -v : v;
  }
  x = e == 31 ? (sign | 0x7F800000u | (m << 13)) : (sign | ((e + 112) << 23) | (m << 13));
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

void finish_epilogue(const QKernelTable& kt, float* C, int64_t ldc, int mr, int nr,
                     const QGemmParams& p, int64_t col) {
  if (p.bias == nullptr && p.act == Activation::kIdentity) return;
  cpu::kernels_for(kt.float_isa).epilogue(C, ldc, mr, nr, p.bias ? p.bias + col : nullptr, p.act);
}

// Splits `rows` x `panels` work over the pool; fn(m0, m1, p0, p1) covers a block. Few rows:
// columns are split (in units of `panel_unit` panels); many rows: rows (in units of `mr`).
template <class Fn>
void run_split(int64_t M, int64_t panels, int mr, int panel_unit, double macs, Fn&& fn) {
  auto& pool = ThreadPool::instance();
  int T = macs < 1.0e5 ? 1 : pool.threads();
  const bool split_rows = M >= int64_t(4) * mr * T;
  const int64_t units = split_rows ? ceil_div(M, mr) : ceil_div(panels, panel_unit);
  if (units < T) T = static_cast<int>(std::max<int64_t>(1, units));
  auto block = [&](int64_t u0, int64_t u1) {
    if (split_rows)
      fn(u0 * mr, std::min<int64_t>(M, u1 * mr), 0, panels);
    else
      fn(0, M, u0 * panel_unit, std::min<int64_t>(panels, u1 * panel_unit));
  };
  if (T <= 1) {
    block(0, units);
    return;
  }
  pool.parallel_for(T, [&](int64_t b, int64_t e, int) {
    for (int64_t t = b; t < e; ++t) block(units * t / T, units * (t + 1) / T);
  });
}

// Quantizes rows [0, M) of A to u8 (q + 128) with per-row (or one static) scales.
void quantize_a_u8(const QKernelTable& kt, uint8_t* abuf, int64_t kpad, float* sa, const float* A,
                   int64_t lda, int64_t M, int64_t K, float act_scale) {
  auto rows = [&](int64_t b, int64_t e) {
    for (int64_t m = b; m < e; ++m) {
      const float* a = A + m * lda;
      float scale = act_scale;
      if (!(scale > 0.0f)) {
        const float amax = kt.absmax(a, K);
        scale = amax > 0.0f ? amax / 127.0f : 1.0f;
      }
      sa[m] = scale;
      kt.quantize_row_u8(abuf + m * kpad, a, K, kpad, 1.0f / scale);
    }
  };
  if (static_cast<double>(M) * K < 2.0e4 || M < 2 || ThreadPool::instance().threads() <= 1)
    rows(0, M);
  else
    ThreadPool::instance().parallel_for(M, [&](int64_t b, int64_t e, int) { rows(b, e); });
}

// The int8 tile loop shared by the dequantizing and the raw product. B blocks of `block_panels`
// panels (about 256 KB) stay in L2 while every row block of the range passes over them.
template <class TileFn>
void q8_tiles(const QKernelTable& kt, const PackedQ8& B, int64_t m0, int64_t m1, int64_t p0,
              int64_t p1, TileFn&& tile) {
  const int64_t N = B.n(), k4 = B.k4();
  const int64_t block_panels = std::max<int64_t>(4, (256 << 10) / std::max<int64_t>(1, k4 * int64_t(sizeof(Q8PanelStep))));
  for (int64_t pb = p0; pb < p1; pb += block_panels) {
    const int64_t pe = std::min<int64_t>(p1, pb + block_panels);
    for (int64_t m = m0; m < m1; m += kt.q8_mr) {
      const int mr = static_cast<int>(std::min<int64_t>(kt.q8_mr, m1 - m));
      const int np = kt.q8_np[mr];
      for (int64_t p = pb; p < pe; p += np) {
        const int64_t ncols = std::min<int64_t>(N, pe * kQ8PanelCols) - p * kQ8PanelCols;
        tile(m, mr, p, np, static_cast<int>(std::min<int64_t>(ncols, int64_t(np) * kQ8PanelCols)));
      }
    }
  }
}

// Every int8 tile of the M-row product with B, split over the pool: tile(m, mr, panel, np,
// ncols, b_panel, b_stride) for each, with the panel's packed weights at b_panel.
template <class TileFn>
void for_each_q8_tile(const QKernelTable& kt, const PackedQ8& B, int64_t M, TileFn&& tile) {
  const int64_t N = B.n(), K = B.k();
  const int64_t panels = ceil_div(N, kQ8PanelCols);
  const int64_t b_stride = B.k4() * int64_t(sizeof(Q8PanelStep));
  const int unit = kt.q8_np[std::min<int64_t>(M, kt.q8_mr)];
  run_split(M, panels, kt.q8_mr, unit, double(M) * N * K, [&](int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
    q8_tiles(kt, B, m0, m1, p0, p1, [&](int64_t m, int mr, int64_t pp, int np, int ncols) {
      tile(m, mr, pp, np, ncols, B.panels() + pp * b_stride, b_stride);
    });
  });
}

}  // namespace

// ---- weight quantization and packing -----------------------------------------------------------

int64_t q4_groups(int64_t K) { return ceil_div(K, kQ4Group); }

Status quantize_weights_q8(int8_t* Q, float* scales, const float* W, int64_t ldw, int64_t N,
                           int64_t K) {
  if (!Q || !scales || !W) return InvalidArgument("quantize_weights_q8: null pointer");
  if (Status s = check_dims(0, N, K); !s.ok()) return s;
  if (ldw < K) return ShapeMismatch("Expected ldw >= K (" + num(K) + ") but received " + num(ldw));
  for (int64_t n = 0; n < N; ++n) {
    const float* w = W + n * ldw;
    float amax = 0.0f;
    for (int64_t k = 0; k < K; ++k) amax = std::max(amax, std::fabs(w[k]));
    if (!std::isfinite(amax)) return InvalidArgument("weight row " + num(n) + " holds a NaN or infinity");
    const float scale = amax > 0.0f ? amax / 127.0f : 1.0f;
    scales[n] = scale;
    for (int64_t k = 0; k < K; ++k)
      Q[n * K + k] = static_cast<int8_t>(std::nearbyint(std::min(std::max(w[k] / scale, -127.0f), 127.0f)));
  }
  return Status::Ok();
}

Status quantize_weights_q4(uint8_t* nibbles, uint16_t* scales_f16, const float* W, int64_t ldw,
                           int64_t N, int64_t K) {
  if (!nibbles || !scales_f16 || !W) return InvalidArgument("quantize_weights_q4: null pointer");
  if (Status s = check_dims(0, N, K); !s.ok()) return s;
  if (ldw < K) return ShapeMismatch("Expected ldw >= K (" + num(K) + ") but received " + num(ldw));
  const int64_t G = q4_groups(K), row_bytes = q4_row_bytes(K);
  for (int64_t n = 0; n < N; ++n) {
    const float* w = W + n * ldw;
    uint8_t* out = nibbles + n * row_bytes;
    std::memset(out, 0x88, row_bytes);  // 8 = zero in both nibbles, also the padding of an odd K
    for (int64_t g = 0; g < G; ++g) {
      const int64_t k0 = g * kQ4Group, k1 = std::min<int64_t>(K, k0 + kQ4Group);
      float amax = 0.0f;
      for (int64_t k = k0; k < k1; ++k) amax = std::max(amax, std::fabs(w[k]));
      if (!std::isfinite(amax)) return InvalidArgument("weight row " + num(n) + " holds a NaN or infinity");
      // The kernel multiplies by the fp16 scale: quantize against that rounded value.
      const uint16_t h = f32_to_f16(amax / 7.0f);
      scales_f16[n * G + g] = h;
      const float scale = f16_to_f32(h);
      for (int64_t k = k0; k < k1; ++k) {
        int q = scale > 0.0f ? static_cast<int>(std::nearbyint(w[k] / scale)) : 0;
        q = std::min(7, std::max(-8, q)) + 8;
        uint8_t& byte = out[k / 2];
        byte = (k & 1) ? static_cast<uint8_t>((byte & 0x0F) | (q << 4)) : static_cast<uint8_t>((byte & 0xF0) | q);
      }
    }
  }
  return Status::Ok();
}

PackedQ8::~PackedQ8() { std::free(block_); }
PackedQ4::~PackedQ4() { std::free(block_); }

Status pack_q8(std::unique_ptr<PackedQ8>* out, const int8_t* Q, int64_t ldq, const float* scales,
               int64_t N, int64_t K) {
  if (!out || !Q || !scales) return InvalidArgument("pack_q8: null pointer");
  if (Status s = check_dims(0, N, K); !s.ok()) return s;
  if (K > kMaxQ8K) return InvalidArgument("int8 GEMM supports K up to " + num(kMaxQ8K) + " (int32 accumulation) but received K=" + num(K));
  if (ldq < K) return ShapeMismatch("Expected ldq >= K (" + num(K) + ") but received " + num(ldq));
  const int64_t panels = ceil_div(N, kQ8PanelCols), k4 = ceil_div(K, 4);
  const int64_t cols = (panels + kPadPanels) * kQ8PanelCols;
  const size_t data_bytes = static_cast<size_t>(panels + kPadPanels) * k4 * sizeof(Q8PanelStep);
  const size_t data_rounded = (data_bytes + 63) / 64 * 64;
  const size_t total = data_rounded + static_cast<size_t>(cols) * (sizeof(float) + sizeof(int32_t));
  std::unique_ptr<PackedQ8> pb(new (std::nothrow) PackedQ8());
  if (!pb) return Status(ErrorCode::kOutOfMemory, "out of memory packing int8 weights");
  try {
    pb->block_ = aligned_bytes(total);
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "out of memory packing int8 weights (" + num(N) + "x" + num(K) + ")");
  }
  std::memset(pb->block_, 0, total);
  pb->n_ = N;
  pb->k_ = K;
  pb->bytes_ = total;
  pb->data_ = static_cast<int8_t*>(pb->block_);
  pb->scales_ = reinterpret_cast<float*>(static_cast<char*>(pb->block_) + data_rounded);
  pb->comp_ = reinterpret_cast<int32_t*>(pb->scales_ + cols);
  for (int64_t n = 0; n < N; ++n) {
    const int8_t* q = Q + n * ldq;
    int8_t* panel = pb->data_ + (n / kQ8PanelCols) * k4 * sizeof(Q8PanelStep) + (n % kQ8PanelCols) * 4;
    int32_t sum = 0;
    for (int64_t k = 0; k < K; ++k) {
      panel[(k / 4) * sizeof(Q8PanelStep) + (k % 4)] = q[k];
      sum += q[k];
    }
    pb->scales_[n] = scales[n];
    pb->comp_[n] = 128 * sum;
  }
  *out = std::move(pb);
  return Status::Ok();
}

Status pack_q4(std::unique_ptr<PackedQ4>* out, const uint8_t* nibbles, const uint16_t* scales_f16,
               int64_t N, int64_t K) {
  if (!out || !nibbles || !scales_f16) return InvalidArgument("pack_q4: null pointer");
  if (Status s = check_dims(0, N, K); !s.ok()) return s;
  const int64_t G = q4_groups(K), panels = ceil_div(N, kQ4PanelCols), row_bytes = q4_row_bytes(K);
  const int64_t panel_bytes = G * int64_t(sizeof(Q4Group)), panel_scales = G * kQ4PanelCols;
  const size_t data_bytes = static_cast<size_t>((panels + kPadPanels) * panel_bytes);
  const size_t total = data_bytes + static_cast<size_t>((panels + kPadPanels) * panel_scales) * sizeof(float);
  std::unique_ptr<PackedQ4> pb(new (std::nothrow) PackedQ4());
  if (!pb) return Status(ErrorCode::kOutOfMemory, "out of memory packing int4 weights");
  try {
    pb->block_ = aligned_bytes(total);
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "out of memory packing int4 weights (" + num(N) + "x" + num(K) + ")");
  }
  std::memset(pb->block_, 0x88, data_bytes);  // padding columns: all zeros (8)
  pb->n_ = N;
  pb->k_ = K;
  pb->groups_ = G;
  pb->bytes_ = total;
  pb->data_ = static_cast<uint8_t*>(pb->block_);
  pb->scales_ = reinterpret_cast<float*>(pb->data_ + data_bytes);
  std::memset(pb->scales_, 0, total - data_bytes);
  for (int64_t n = 0; n < N; ++n) {
    const uint8_t* row = nibbles + n * row_bytes;
    const int64_t p = n / kQ4PanelCols, c = n % kQ4PanelCols;
    uint8_t* panel = pb->data_ + p * panel_bytes;
    for (int64_t g = 0; g < G; ++g) {
      for (int blk = 0; blk < 4; ++blk)
        for (int i = 0; i < 4; ++i) {
          const int64_t klo = g * kQ4Group + 8 * blk + i, khi = klo + 4;
          // Past K (the last group's tail) the kernels see the zero nibble, 8.
          const uint8_t lo = klo < K ? (row[klo / 2] >> ((klo & 1) * 4)) & 15 : 8;
          const uint8_t hi = khi < K ? (row[khi / 2] >> ((khi & 1) * 4)) & 15 : 8;
          panel[g * sizeof(Q4Group) + blk * sizeof(Q4Block) + c * 4 + i] = static_cast<uint8_t>(lo | (hi << 4));
        }
      pb->scales_[p * panel_scales + g * kQ4PanelCols + c] = f16_to_f32(scales_f16[n * G + g]);
    }
  }
  *out = std::move(pb);
  return Status::Ok();
}

// ---- products ----------------------------------------------------------------------------------

Status quantize_rows_q8(int8_t* Q, float* scales, const float* A, int64_t lda, int64_t M,
                        int64_t K, float act_scale) {
  if (!Q || !scales || !A) return InvalidArgument("quantize_rows_q8: null pointer");
  if (Status s = check_dims(M, 1, K); !s.ok()) return s;
  if (lda < K) return ShapeMismatch("Expected lda >= K (" + num(K) + ") but received " + num(lda));
  const QKernelTable& kt = cpu::qkernels_for(active_qlevel());
  std::vector<uint8_t> row(static_cast<size_t>(ceil_div(K, 4) * 4));
  for (int64_t m = 0; m < M; ++m) {
    float scale = act_scale;
    if (!(scale > 0.0f)) {
      const float amax = kt.absmax(A + m * lda, K);
      scale = amax > 0.0f ? amax / 127.0f : 1.0f;
    }
    scales[m] = scale;
    kt.quantize_row_u8(row.data(), A + m * lda, K, static_cast<int64_t>(row.size()), 1.0f / scale);
    for (int64_t k = 0; k < K; ++k) Q[m * K + k] = static_cast<int8_t>(int(row[k]) - 128);
  }
  return Status::Ok();
}

Status qgemm_q8(float* C, int64_t ldc, const float* A, int64_t lda, const PackedQ8& B, int64_t M,
                const QGemmParams& p, QLevel level) {
  const QKernelTable* kt;
  const int64_t N = B.n(), K = B.k();
  bool skip = false;
  if (Status s = check_product("qgemm_q8", level, &kt, C, ldc, A, lda, M, N, K, &skip); !s.ok() || skip) return s;
  if (!(p.act_scale >= 0.0f) || !std::isfinite(p.act_scale))
    return InvalidArgument("Expected a finite act_scale >= 0 (0 = dynamic)");
  const int64_t k4 = B.k4(), kpad = k4 * 4;
  uint8_t* abuf;
  float* sa;
  try {
    char* base = static_cast<char*>(t_qscratch.get(static_cast<size_t>(M * kpad) + 64 + M * sizeof(float)));
    sa = reinterpret_cast<float*>(base);
    abuf = reinterpret_cast<uint8_t*>(base + (M * sizeof(float) + 63) / 64 * 64);
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "out of memory quantizing activations");
  }
  quantize_a_u8(*kt, abuf, kpad, sa, A, lda, M, K, p.act_scale);
  for_each_q8_tile(*kt, B, M, [&](int64_t m, int mr, int64_t pp, int np, int ncols, const int8_t* bp, int64_t b_stride) {
    const int64_t col = pp * kQ8PanelCols;
    Q8Tile t{abuf + m * kpad, kpad, bp, b_stride, k4, mr, np, ncols,
             false, nullptr, C + m * ldc + col, ldc, sa + m, B.scales() + col, B.comp() + col};
    kt->q8_micro(t);
    finish_epilogue(*kt, C + m * ldc + col, ldc, mr, ncols, p, col);
  });
  return Status::Ok();
}

Status qgemm_u8s8s32(int32_t* C, int64_t ldc, const uint8_t* A, int64_t lda, const PackedQ8& B,
                     int64_t M, QLevel level) {
  const QKernelTable* kt;
  const int64_t N = B.n(), K = B.k();
  bool skip = false;
  if (Status s = check_product("qgemm_u8s8s32", level, &kt, C, ldc, A, lda, M, N, K, &skip); !s.ok() || skip) return s;
  const int64_t k4 = B.k4(), kpad = k4 * 4;
  const uint8_t* a = A;
  int64_t a_ld = lda;
  if (K % 4 != 0) {  // the kernels read whole groups of 4: copy into padded rows
    uint8_t* buf;
    try {
      buf = static_cast<uint8_t*>(t_qscratch.get(static_cast<size_t>(M * kpad)));
    } catch (const std::bad_alloc&) {
      return Status(ErrorCode::kOutOfMemory, "out of memory padding A");
    }
    for (int64_t m = 0; m < M; ++m) {
      std::memcpy(buf + m * kpad, A + m * lda, K);
      std::memset(buf + m * kpad + K, 0, kpad - K);
    }
    a = buf;
    a_ld = kpad;
  }
  for_each_q8_tile(*kt, B, M, [&](int64_t m, int mr, int64_t pp, int np, int ncols, const int8_t* bp, int64_t b_stride) {
    const int64_t col = pp * kQ8PanelCols;
    Q8Tile t{a + m * a_ld, a_ld, bp, b_stride, k4, mr, np, ncols,
             true, C + m * ldc + col, nullptr, ldc, nullptr, B.scales() + col, B.comp() + col};
    kt->q8_micro(t);
  });
  return Status::Ok();
}

Status qgemm_q4(float* C, int64_t ldc, const float* A, int64_t lda, const PackedQ4& B, int64_t M,
                const QGemmParams& p, QLevel level) {
  const QKernelTable* kt;
  const int64_t N = B.n(), K = B.k(), G = B.groups();
  bool skip = false;
  if (Status s = check_product("qgemm_q4", level, &kt, C, ldc, A, lda, M, N, K, &skip); !s.ok() || skip) return s;
  const int64_t ldx = G * kQ4Group;
  int8_t* xq;
  float* xs;
  int32_t* xsum;
  try {
    const size_t meta = (static_cast<size_t>(M * G) * 8 + 63) / 64 * 64;
    char* base = static_cast<char*>(t_qscratch.get(meta + static_cast<size_t>(M * ldx)));
    xs = reinterpret_cast<float*>(base);
    xsum = reinterpret_cast<int32_t*>(base + M * G * 4);
    xq = reinterpret_cast<int8_t*>(base + meta);
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "out of memory quantizing activations");
  }
  for (int64_t m = 0; m < M; ++m) kt->quantize_groups(xq + m * ldx, xs + m * G, xsum + m * G, A + m * lda, K);
  const int64_t panels = ceil_div(N, kQ4PanelCols), b_stride = G * int64_t(sizeof(Q4Group)), ws_stride = G * kQ4PanelCols;
  const int unit = kt->q4_np[std::min<int64_t>(M, kt->q4_mr)];
  run_split(M, panels, kt->q4_mr, unit, double(M) * N * K, [&](int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
    for (int64_t m = m0; m < m1; m += kt->q4_mr) {
      const int mr = static_cast<int>(std::min<int64_t>(kt->q4_mr, m1 - m));
      const int np = kt->q4_np[mr];
      for (int64_t pp = p0; pp < p1; pp += np) {
        // Panels past the range (at most kPadPanels, zero padded) are computed but not stored.
        const int ncols = static_cast<int>(std::min<int64_t>(
            std::min<int64_t>(N, p1 * kQ4PanelCols) - pp * kQ4PanelCols, int64_t(np) * kQ4PanelCols));
        const int64_t col = pp * kQ4PanelCols;
        Q4Tile t{xq + m * ldx, ldx, xs + m * G, xsum + m * G, B.panels() + pp * b_stride, b_stride,
                 B.scales() + pp * ws_stride, ws_stride, G, mr, np, ncols, C + m * ldc + col, ldc};
        kt->q4_micro(t);
        finish_epilogue(*kt, C + m * ldc + col, ldc, mr, ncols, p, col);
      }
    }
  });
  return Status::Ok();
}

double measure_int8_peak_gops(QLevel level, int threads, double seconds) {
  const QKernelTable* kt;
  if (!check_level(level, &kt).ok()) return 0.0;
  return 2.0 * cpu::run_peak_probe(kt->dot_probe, threads, seconds, int64_t(1) << 14) / 1e9;  // MACs -> ops
}

}  // namespace amaas

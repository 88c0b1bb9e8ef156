// Quantized kernels: every level the CPU supports against the scalar twin, and every result
// against fp32 within an explicit error budget derived from the quantization steps.
//   int8 raw (u8 x s8 -> s32): exact against a 64-bit reference.
//   int8/int4 dequantized: bit-identical to the scalar level for identity/relu epilogues (same
//   integer sums, same float operations), within 1e-5 for the transcendental activations.
//   Against fp32 x*W^T: |err| <= sum_k |a| dw/2 + |w| da/2 + da dw/4 (+ float rounding).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include "amaas/qgemm.h"
#include "amaas/thread_pool.h"
#include "harness.h"

using namespace amaas;

namespace {

struct Shape {
  int64_t M, N, K;
};
const Shape kShapes[] = {{1, 1, 1},    {1, 7, 33},    {3, 33, 7},     {2, 10, 256},  {7, 65, 129},
                         {9, 100, 1000}, {33, 31, 64}, {64, 130, 96}, {1, 512, 784}, {5, 47, 31},
                         {17, 129, 260}};

std::vector<float> random_vec(size_t n, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// fp32 truth, double accumulation: C = A W^T (+ bias).
std::vector<double> truth(const std::vector<float>& A, const std::vector<float>& W, const Shape& s) {
  std::vector<double> C(s.M * s.N);
  for (int64_t m = 0; m < s.M; ++m)
    for (int64_t n = 0; n < s.N; ++n) {
      double acc = 0;
      for (int64_t k = 0; k < s.K; ++k) acc += double(A[m * s.K + k]) * W[n * s.K + k];
      C[m * s.N + n] = acc;
    }
  return C;
}

float f16(uint16_t h) {  // test-side decoder, independent of the engine's
  int e = (h >> 10) & 31, m = h & 1023;
  float v = e == 0 ? std::ldexp(float(m), -24) : std::ldexp(float(m | 1024), e - 25);
  return (h & 0x8000) ? -v : v;
}

}  // namespace

TEST(qgemm, weight_round_trip_bounds) {
  std::mt19937 rng(1);
  const int64_t N = 37, K = 70;
  auto W = random_vec(N * K, rng, -3.0f, 3.0f);
  W[5] = 0.0f;
  for (int64_t k = 0; k < K; ++k) W[3 * K + k] = 0.0f;  // an all-zero row
  std::vector<int8_t> Q(N * K);
  std::vector<float> s(N);
  CHECK(quantize_weights_q8(Q.data(), s.data(), W.data(), K, N, K).ok());
  int bad = 0;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k) {
      float err = std::fabs(W[n * K + k] - s[n] * Q[n * K + k]);
      if (err > 0.5f * s[n] * (1 + 1e-5f) || Q[n * K + k] < -127) ++bad;
    }
  CHECK_MSG(bad == 0, "%d int8 weights outside scale/2", bad);
  const int64_t G = q4_groups(K);
  std::vector<uint8_t> nib(N * q4_row_bytes(K));
  std::vector<uint16_t> s16(N * G);
  CHECK(quantize_weights_q4(nib.data(), s16.data(), W.data(), K, N, K).ok());
  bad = 0;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k) {
      uint8_t byte = nib[n * q4_row_bytes(K) + k / 2];
      int q = ((k & 1) ? byte >> 4 : byte & 15) - 8;
      float sc = f16(s16[n * G + k / 32]);
      float err = std::fabs(W[n * K + k] - sc * q);
      if (err > 0.5f * sc * (1 + 2e-3f) + 1e-7f) ++bad;
    }
  CHECK_MSG(bad == 0, "%d int4 weights outside scale/2", bad);
  CHECK(q4_row_bytes(K) == (K + 1) / 2);  // no padding to whole groups in the stored form
  std::vector<uint8_t> odd(3 * q4_row_bytes(5));
  std::vector<uint16_t> odd_s(3);
  CHECK(quantize_weights_q4(odd.data(), odd_s.data(), W.data(), K, 3, 5).ok());
  for (int n = 0; n < 3; ++n) CHECK((odd[n * 3 + 2] >> 4) == 8);  // an odd K's last nibble is zero
  // Activation rows: dynamic per-row scale, and a static one that clamps.
  std::vector<int8_t> qa(2 * K);
  std::vector<float> sa(2);
  CHECK(quantize_rows_q8(qa.data(), sa.data(), W.data(), K, 2, K, 0.0f).ok());
  for (int64_t k = 0; k < K; ++k) CHECK(std::fabs(W[k] - sa[0] * qa[k]) <= 0.5f * sa[0] * (1 + 1e-5f));
  CHECK(quantize_rows_q8(qa.data(), sa.data(), W.data(), K, 1, K, 0.001f).ok());
  CHECK(sa[0] == 0.001f);
  for (int64_t k = 0; k < K; ++k) CHECK(std::abs(int(qa[k])) <= 127);
}

TEST(qgemm, u8s8s32_exact_every_level) {
  std::mt19937 rng(2);
  std::uniform_int_distribution<int> u8(0, 255), s8(-127, 127);
  for (QLevel level : supported_qlevels())
    for (const Shape& s : kShapes) {
      std::vector<uint8_t> A(s.M * (s.K + 3));
      std::vector<int8_t> Q(s.N * s.K);
      for (auto& a : A) a = static_cast<uint8_t>(u8(rng));
      for (auto& q : Q) q = static_cast<int8_t>(s8(rng));
      std::vector<float> ones(s.N, 1.0f);
      std::unique_ptr<PackedQ8> pb;
      CHECK(pack_q8(&pb, Q.data(), s.K, ones.data(), s.N, s.K).ok());
      const int64_t lda = s.K + 3, ldc = s.N + 1;
      std::vector<int32_t> C(s.M * ldc, -7);
      Status st = qgemm_u8s8s32(C.data(), ldc, A.data(), lda, *pb, s.M, level);
      CHECK_MSG(st.ok(), "%s", st.message().c_str());
      int bad = 0;
      for (int64_t m = 0; m < s.M; ++m) {
        for (int64_t n = 0; n < s.N; ++n) {
          int64_t ref = 0;
          for (int64_t k = 0; k < s.K; ++k) ref += int64_t(A[m * lda + k]) * Q[n * s.K + k];
          if (C[m * ldc + n] != ref) ++bad;
        }
        if (C[m * ldc + s.N] != -7) ++bad;  // the stride gap is untouched
      }
      CHECK_MSG(bad == 0, "%s M=%lld N=%lld K=%lld: %d wrong", qlevel_name(level), (long long)s.M,
                (long long)s.N, (long long)s.K, bad);
    }
}

TEST(qgemm, int8_every_level_matches_twin_and_budget) {
  std::mt19937 rng(3);
  const Activation acts[] = {Activation::kIdentity, Activation::kRelu, Activation::kGelu,
                             Activation::kSigmoid, Activation::kTanh};
  int shape_i = 0;
  for (const Shape& s : kShapes) {
    auto A = random_vec(s.M * s.K, rng), W = random_vec(s.N * s.K, rng, -0.5f, 0.5f);
    auto bias = random_vec(s.N, rng);
    std::vector<int8_t> Q(s.N * s.K);
    std::vector<float> sw(s.N), sa(s.M);
    CHECK(quantize_weights_q8(Q.data(), sw.data(), W.data(), s.K, s.N, s.K).ok());
    std::unique_ptr<PackedQ8> pb;
    CHECK(pack_q8(&pb, Q.data(), s.K, sw.data(), s.N, s.K).ok());
    std::vector<int8_t> qa(s.M * s.K);
    CHECK(quantize_rows_q8(qa.data(), sa.data(), A.data(), s.K, s.M, s.K, 0.0f).ok());
    const Activation act = acts[shape_i++ % 5];
    QGemmParams p;
    p.bias = bias.data();
    p.act = act;
    std::vector<float> ref(s.M * s.N), plain(s.M * s.N);
    CHECK(qgemm_q8(ref.data(), s.N, A.data(), s.K, *pb, s.M, p, QLevel::kScalar).ok());
    CHECK(qgemm_q8(plain.data(), s.N, A.data(), s.K, *pb, s.M, QGemmParams{}, QLevel::kScalar).ok());
    // The twin against fp32, within the quantization budget.
    auto T = truth(A, W, s);
    int over = 0;
    for (int64_t m = 0; m < s.M; ++m)
      for (int64_t n = 0; n < s.N; ++n) {
        double budget = 0;
        for (int64_t k = 0; k < s.K; ++k)
          budget += std::fabs(A[m * s.K + k]) * sw[n] / 2 + std::fabs(W[n * s.K + k]) * sa[m] / 2 +
                    sa[m] * sw[n] / 4;
        budget += 1e-5 * (1 + std::fabs(T[m * s.N + n]));
        if (std::fabs(plain[m * s.N + n] - T[m * s.N + n]) > budget) ++over;
      }
    CHECK_MSG(over == 0, "M=%lld N=%lld K=%lld: %d outside the int8 budget", (long long)s.M, (long long)s.N,
              (long long)s.K, over);
    for (QLevel level : supported_qlevels()) {
      std::vector<float> C(s.M * s.N);
      Status st = qgemm_q8(C.data(), s.N, A.data(), s.K, *pb, s.M, p, level);
      CHECK_MSG(st.ok(), "%s", st.message().c_str());
      const bool exact = act == Activation::kIdentity || act == Activation::kRelu;
      int bad = 0;
      for (size_t i = 0; i < C.size(); ++i)
        if (exact ? C[i] != ref[i] : std::fabs(C[i] - ref[i]) > 1e-5f * (1 + std::fabs(ref[i]))) ++bad;
      CHECK_MSG(bad == 0, "%s %s M=%lld N=%lld K=%lld: %d differ from the twin", qlevel_name(level),
                activation_name(act), (long long)s.M, (long long)s.N, (long long)s.K, bad);
    }
  }
}

TEST(qgemm, int4_every_level_matches_twin_and_budget) {
  std::mt19937 rng(4);
  int shape_i = 0;
  for (const Shape& s : kShapes) {
    auto A = random_vec(s.M * s.K, rng), W = random_vec(s.N * s.K, rng, -0.5f, 0.5f);
    auto bias = random_vec(s.N, rng);
    const int64_t G = q4_groups(s.K);
    std::vector<uint8_t> nib(s.N * q4_row_bytes(s.K));
    std::vector<uint16_t> s16(s.N * G);
    CHECK(quantize_weights_q4(nib.data(), s16.data(), W.data(), s.K, s.N, s.K).ok());
    std::unique_ptr<PackedQ4> pb;
    CHECK(pack_q4(&pb, nib.data(), s16.data(), s.N, s.K).ok());
    QGemmParams p;
    p.bias = bias.data();
    p.act = shape_i++ % 2 ? Activation::kRelu : Activation::kIdentity;
    std::vector<float> ref(s.M * s.N), plain(s.M * s.N);
    CHECK(qgemm_q4(ref.data(), s.N, A.data(), s.K, *pb, s.M, p, QLevel::kScalar).ok());
    CHECK(qgemm_q4(plain.data(), s.N, A.data(), s.K, *pb, s.M, QGemmParams{}, QLevel::kScalar).ok());
    auto T = truth(A, W, s);
    int over = 0;
    for (int64_t m = 0; m < s.M; ++m)
      for (int64_t n = 0; n < s.N; ++n) {
        double budget = 1e-5 * (1 + std::fabs(T[m * s.N + n]));
        for (int64_t g = 0; g < G; ++g) {
          double amax_a = 0;
          for (int64_t k = g * 32; k < std::min<int64_t>(s.K, g * 32 + 32); ++k)
            amax_a = std::max(amax_a, std::fabs(double(A[m * s.K + k])));
          const double da = amax_a / 127, dw = f16(s16[n * G + g]);
          for (int64_t k = g * 32; k < std::min<int64_t>(s.K, g * 32 + 32); ++k)
            budget += std::fabs(A[m * s.K + k]) * dw / 2 * 1.002 + (std::fabs(W[n * s.K + k]) + dw) * da / 2;
        }
        if (std::fabs(plain[m * s.N + n] - T[m * s.N + n]) > budget) ++over;
      }
    CHECK_MSG(over == 0, "M=%lld N=%lld K=%lld: %d outside the int4 budget", (long long)s.M, (long long)s.N,
              (long long)s.K, over);
    for (QLevel level : supported_qlevels()) {
      std::vector<float> C(s.M * s.N);
      Status st = qgemm_q4(C.data(), s.N, A.data(), s.K, *pb, s.M, p, level);
      CHECK_MSG(st.ok(), "%s", st.message().c_str());
      int bad = 0;
      for (size_t i = 0; i < C.size(); ++i) bad += C[i] != ref[i];
      CHECK_MSG(bad == 0, "%s M=%lld N=%lld K=%lld: %d differ from the twin", qlevel_name(level),
                (long long)s.M, (long long)s.N, (long long)s.K, bad);
    }
  }
}

TEST(qgemm, thread_count_does_not_change_results) {
  std::mt19937 rng(5);
  auto& pool = ThreadPool::instance();
  const int before = pool.threads();
  const Shape s{96, 200, 300};
  auto A = random_vec(s.M * s.K, rng), W = random_vec(s.N * s.K, rng);
  std::vector<int8_t> Q(s.N * s.K);
  std::vector<float> sw(s.N);
  CHECK(quantize_weights_q8(Q.data(), sw.data(), W.data(), s.K, s.N, s.K).ok());
  std::unique_ptr<PackedQ8> pb;
  CHECK(pack_q8(&pb, Q.data(), s.K, sw.data(), s.N, s.K).ok());
  std::vector<float> c1(s.M * s.N), c2(s.M * s.N);
  pool.set_threads(1);
  CHECK(qgemm_q8(c1.data(), s.N, A.data(), s.K, *pb, s.M, QGemmParams{}, active_qlevel()).ok());
  pool.set_threads(pool.max_threads());
  CHECK(qgemm_q8(c2.data(), s.N, A.data(), s.K, *pb, s.M, QGemmParams{}, active_qlevel()).ok());
  CHECK(c1 == c2);
  pool.set_threads(before);
}

TEST(qgemm, bad_arguments_are_statuses) {
  std::vector<int8_t> Q(4 * 8, 1);
  std::vector<float> s(4, 1.0f), A(8, 1.0f), C(4);
  std::unique_ptr<PackedQ8> pb;
  CHECK(pack_q8(&pb, Q.data(), 8, s.data(), 4, 8).ok());
  CHECK(qgemm_q8(C.data(), 3, A.data(), 8, *pb, 1, QGemmParams{}, QLevel::kScalar).code() == ErrorCode::kShapeMismatch);
  CHECK(qgemm_q8(C.data(), 4, A.data(), 7, *pb, 1, QGemmParams{}, QLevel::kScalar).code() == ErrorCode::kShapeMismatch);
  QGemmParams bad;
  bad.act_scale = -1.0f;
  CHECK(qgemm_q8(C.data(), 4, A.data(), 8, *pb, 1, bad, QLevel::kScalar).code() == ErrorCode::kInvalidArgument);
  std::unique_ptr<PackedQ8> big;
  std::vector<int8_t> wide(70000, 0);
  std::vector<float> one(1, 1.0f);
  CHECK(pack_q8(&big, wide.data(), 70000, one.data(), 1, 70000).code() == ErrorCode::kInvalidArgument);
  QLevel unknown;
  CHECK(!parse_qlevel("avx1024", &unknown));
  bool all_known = true;
  for (QLevel l : {QLevel::kAvx2, QLevel::kAvxVnni, QLevel::kAvx512Vnni}) {
    auto sup = supported_qlevels();
    if (std::find(sup.begin(), sup.end(), l) == sup.end())
      all_known &= qgemm_q8(C.data(), 4, A.data(), 8, *pb, 1, QGemmParams{}, l).code() == ErrorCode::kUnavailable;
  }
  CHECK(all_known);
  std::printf("  levels here:");
  for (QLevel l : supported_qlevels()) std::printf(" %s", qlevel_name(l));
  std::printf(" (active %s)\n", qlevel_name(active_qlevel()));
}

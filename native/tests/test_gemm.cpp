// Every ISA level against the scalar reference twin (sgemm_reference) on odd shapes,
// transposes, strided rows, alpha/beta, fused epilogues and the packed-B path.
// Tolerance scales with K: |c - ref| <= 8 * eps * (K + 2) * sum_k |alpha a_ik b_kj| + ...
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include "amaas/cpu.h"
#include "amaas/gemm.h"
#include "amaas/thread_pool.h"
#include "harness.h"

using namespace amaas;

namespace {

struct Case {
  int64_t M, N, K;
  bool ta, tb;
  float alpha, beta;
  bool bias;
  Activation act;
  int64_t pad;  // extra elements per row (strided rows)
};

std::vector<float> random_vec(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Returns the number of mismatches for one case on the active ISA.
int run_case(const Case& c, bool packed, std::mt19937& rng) {
  int64_t a_rows = c.ta ? c.K : c.M, a_cols = c.ta ? c.M : c.K;
  int64_t b_rows = c.tb ? c.N : c.K, b_cols = c.tb ? c.K : c.N;
  int64_t lda = a_cols + c.pad, ldb = b_cols + c.pad, ldc = c.N + c.pad;
  auto A = random_vec(a_rows * lda, rng), B = random_vec(b_rows * ldb, rng);
  auto C0 = random_vec(c.M * ldc, rng), bias = random_vec(c.N, rng);
  auto C = C0, R = C0;
  GemmParams p;
  p.trans_a = c.ta;
  p.trans_b = c.tb;
  p.alpha = c.alpha;
  p.beta = c.beta;
  p.bias = c.bias ? bias.data() : nullptr;
  p.act = c.act;
  Status s;
  if (packed) {
    std::unique_ptr<PackedB> pb;
    s = pack_b(&pb, B.data(), ldb, c.K, c.N, c.tb);
    CHECK(s.ok());
    if (!s.ok()) return 1;
    s = sgemm_packed(C.data(), ldc, A.data(), lda, *pb, c.M, p);
  } else {
    s = sgemm(C.data(), ldc, A.data(), lda, B.data(), ldb, c.M, c.N, c.K, p);
  }
  CHECK_MSG(s.ok(), "%s", s.message().c_str());
  CHECK(sgemm_reference(R.data(), ldc, A.data(), lda, B.data(), ldb, c.M, c.N, c.K, p).ok());
  int bad = 0;
  const double eps = 1.1920929e-7;
  for (int64_t i = 0; i < c.M; ++i) {
    for (int64_t j = 0; j < c.N; ++j) {
      double mag = 0;
      for (int64_t k = 0; k < c.K; ++k) {
        double a = c.ta ? A[k * lda + i] : A[i * lda + k];
        double b = c.tb ? B[j * ldb + k] : B[k * ldb + j];
        mag += std::fabs(a * b);
      }
      mag = std::fabs(c.alpha) * mag + std::fabs(c.beta * C0[i * ldc + j]) + (c.bias ? 1.0 : 0.0);
      double tol = 8 * eps * (c.K + 2) * mag + 2e-6;
      double d = std::fabs(double(C[i * ldc + j]) - R[i * ldc + j]);
      if (!(d <= tol)) {
        if (bad < 3)
          std::fprintf(stderr, "    mismatch (%lld,%lld): got %.8g want %.8g tol %.3g\n",
                       (long long)i, (long long)j, C[i * ldc + j], R[i * ldc + j], tol);
        ++bad;
      }
    }
    // Padding between rows must be untouched.
    for (int64_t j = c.N; j < ldc; ++j)
      if (C[i * ldc + j] != C0[i * ldc + j]) ++bad;
  }
  return bad;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  const int64_t sizes[] = {1, 7, 33, 100};
  for (int64_t M : sizes)
    for (int64_t N : sizes)
      for (int64_t K : sizes)
        for (int t = 0; t < 4; ++t)
          out.push_back({M, N, K, bool(t & 1), bool(t & 2), 1.0f, 0.0f, false,
                         Activation::kIdentity, (M + N + K) % 3});
  // Larger and blocking-boundary shapes (KC=256, MC=96, NC=768 cross here).
  out.push_back({1000, 37, 300, false, false, 1.0f, 0.0f, false, Activation::kIdentity, 0});
  out.push_back({97, 1000, 513, false, true, 1.0f, 0.0f, false, Activation::kIdentity, 5});
  out.push_back({200, 800, 260, true, false, 0.5f, 0.0f, false, Activation::kIdentity, 1});
  out.push_back({1, 512, 784, false, true, 1.0f, 0.0f, true, Activation::kRelu, 0});
  out.push_back({256, 512, 784, false, true, 1.0f, 0.0f, true, Activation::kIdentity, 0});
  // alpha, beta and every epilogue.
  const Activation acts[] = {Activation::kIdentity, Activation::kRelu, Activation::kSigmoid,
                             Activation::kTanh, Activation::kGelu};
  for (Activation a : acts) {
    out.push_back({13, 47, 29, false, false, -0.75f, 0.5f, true, a, 2});
    out.push_back({70, 33, 300, true, true, 2.0f, 1.0f, true, a, 0});
    out.push_back({2, 65, 17, false, true, 1.0f, 0.0f, true, a, 1});
  }
  return out;
}

}  // namespace

TEST(gemm, every_isa_matches_reference) {
  std::mt19937 rng(42);
  Isa saved = active_isa();
  for (Isa isa : supported_isas()) {
    CHECK(set_active_isa(isa).ok());
    int failed = 0, n = 0;
    for (const Case& c : cases()) {
      for (bool packed : {false, true}) {
        int bad = run_case(c, packed, rng);
        if (bad) {
          std::fprintf(stderr, "  [%s] M=%lld N=%lld K=%lld ta=%d tb=%d packed=%d act=%s: %d bad\n",
                       isa_name(isa), (long long)c.M, (long long)c.N, (long long)c.K, c.ta, c.tb,
                       packed, activation_name(c.act), bad);
          ++failed;
        }
        ++n;
      }
    }
    std::printf("  %s: %d/%d cases match the reference\n", isa_name(isa), n - failed, n);
    CHECK(failed == 0);
  }
  CHECK(set_active_isa(saved).ok());
}

TEST(gemm, results_do_not_depend_on_thread_count) {
  std::mt19937 rng(7);
  const int64_t M = 301, N = 257, K = 300;
  auto A = random_vec(M * K, rng), B = random_vec(K * N, rng);
  std::vector<float> C1(M * N), C2(M * N);
  auto& pool = ThreadPool::instance();
  int saved = pool.threads();
  GemmParams p;
  pool.set_threads(1);
  CHECK(sgemm(C1.data(), N, A.data(), K, B.data(), N, M, N, K, p).ok());
  pool.set_threads(pool.max_threads());
  CHECK(sgemm(C2.data(), N, A.data(), K, B.data(), N, M, N, K, p).ok());
  pool.set_threads(saved);
  CHECK(C1 == C2);
}

TEST(gemm, packed_b_keeps_its_isa) {
  std::mt19937 rng(3);
  const int64_t M = 5, N = 40, K = 50;
  auto A = random_vec(M * K, rng), B = random_vec(K * N, rng);
  std::vector<float> C(M * N), R(M * N);
  Isa saved = active_isa();
  std::unique_ptr<PackedB> pb;
  CHECK(pack_b(&pb, B.data(), N, K, N, false).ok());
  CHECK(set_active_isa(Isa::kScalar).ok());  // switching after packing must not corrupt
  GemmParams p;
  CHECK(sgemm_packed(C.data(), N, A.data(), K, *pb, M, p).ok());
  CHECK(sgemm_reference(R.data(), N, A.data(), K, B.data(), N, M, N, K, p).ok());
  for (size_t i = 0; i < C.size(); ++i) CHECK(std::fabs(C[i] - R[i]) < 1e-4f);
  CHECK(set_active_isa(saved).ok());
}

TEST(gemm, bad_arguments_return_codes) {
  std::vector<float> A(16), B(16), C(16);
  GemmParams p;
  Status s = sgemm(C.data(), 4, A.data(), 4, B.data(), 4, 0, 4, 4, p);
  CHECK(s.code() == ErrorCode::kInvalidArgument);
  s = sgemm(C.data(), 4, A.data(), 3, B.data(), 4, 4, 4, 4, p);
  CHECK(s.code() == ErrorCode::kShapeMismatch);
  s = sgemm(C.data(), 3, A.data(), 4, B.data(), 4, 4, 4, 4, p);
  CHECK(s.code() == ErrorCode::kShapeMismatch);
  s = sgemm(nullptr, 4, A.data(), 4, B.data(), 4, 4, 4, 4, p);
  CHECK(s.code() == ErrorCode::kInvalidArgument);
  s = sgemm(C.data(), 4, A.data(), 4, B.data(), 4, int64_t(1) << 40, 4, 4, p);
  CHECK(s.code() == ErrorCode::kInvalidArgument);
  CHECK(std::string(error_code_name(ErrorCode::kShapeMismatch)) == "SHAPE_MISMATCH");
}

TEST(softmax, every_isa_matches_reference) {
  std::mt19937 rng(11);
  Isa saved = active_isa();
  for (Isa isa : supported_isas()) {
    CHECK(set_active_isa(isa).ok());
    for (int64_t cols : {1, 3, 8, 16, 17, 100, 1000}) {
      for (int64_t rows : {1, 5, 64}) {
        int64_t ld = cols + 3;
        auto X = random_vec(rows * ld, rng);
        for (auto& x : X) x *= 20.0f;  // large logits: max-subtraction matters
        std::vector<float> Y(rows * ld), R(rows * ld);
        CHECK(softmax_rows(Y.data(), ld, X.data(), ld, rows, cols).ok());
        CHECK(softmax_rows_reference(R.data(), ld, X.data(), ld, rows, cols).ok());
        int bad = 0;
        for (int64_t i = 0; i < rows; ++i) {
          double sum = 0;
          for (int64_t j = 0; j < cols; ++j) {
            float y = Y[i * ld + j], r = R[i * ld + j];
            if (!(std::fabs(y - r) <= 1e-6f + 1e-5f * r)) ++bad;
            sum += y;
          }
          if (std::fabs(sum - 1.0) > 1e-5) ++bad;
        }
        CHECK_MSG(bad == 0, "%s rows=%lld cols=%lld: %d bad", isa_name(isa), (long long)rows,
                  (long long)cols, bad);
      }
    }
    // In place.
    std::vector<float> X = {1, 2, 3, 4};
    CHECK(softmax_rows(X.data(), 4, X.data(), 4, 1, 4).ok());
    CHECK(std::fabs(X[3] - 0.6439142f) < 1e-6f);
  }
  CHECK(set_active_isa(saved).ok());
}

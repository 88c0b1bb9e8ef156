// CUDA backend tests. Suite `cuda_host` runs everywhere: the int8 scalar twins, and that without a
// usable device every entry point returns UNAVAILABLE with the same reason engineInfo shows.
// Suite `cuda` compares every CUDA kernel with its scalar CPU twin on odd shapes; without a device
// it prints "SKIPPED: <reason>" and exits 77 (ctest's SKIP_RETURN_CODE for this test).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <vector>

#include "amaas/cuda.h"
#include "amaas/engine.h"
#include "amaas/gemm.h"
#include "amaas/mlp.h"
#include "amaas/qgemm.h"
#include "harness.h"
#include "mlp_net.h"

using namespace amaas;

namespace {

std::vector<float> uniform(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

std::vector<int8_t> random_i8(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
  return v;
}

// Symmetric per-output-channel weight quantization (the scheme's weight half).
void quantize_weights(std::vector<int8_t>* q, std::vector<float>* scale, const std::vector<float>& W, int64_t N,
                      int64_t K) {
  q->assign(static_cast<size_t>(N * K), 0);
  scale->assign(static_cast<size_t>(N), 0.0f);
  CHECK(cuda::quantize_weights_reference(q->data(), scale->data(), W.data(), K, N, K).ok());
}

const int64_t kSizes[] = {1, 7, 33, 129, 1000};

}  // namespace

// ---- everywhere ---------------------------------------------------------------------------------

TEST(cuda_host, quantize_rows_reference_round_trips_within_half_a_step) {
  const int64_t rows = 7, cols = 33;
  auto X = uniform(rows * cols, 1, -3.0f, 3.0f);
  for (int64_t k = 0; k < cols; ++k) X[2 * cols + k] = 0.0f;  // an all-zero row
  std::vector<int8_t> Q(rows * cols);
  std::vector<float> s(rows);
  CHECK(cuda::quantize_rows_reference(Q.data(), cols, s.data(), X.data(), cols, rows, cols).ok());
  CHECK(s[2] == 1.0f);
  for (int64_t i = 0; i < rows; ++i) {
    int qmax = 0;
    for (int64_t k = 0; k < cols; ++k) {
      const float back = Q[i * cols + k] * s[i];
      CHECK_MSG(std::fabs(back - X[i * cols + k]) <= 0.5f * s[i] * 1.0001f, "row %lld col %lld", (long long)i, (long long)k);
      qmax = std::max(qmax, std::abs(static_cast<int>(Q[i * cols + k])));
    }
    if (i != 2) CHECK(qmax == 127);  // the largest magnitude maps to +-127
  }
}

TEST(cuda_host, weight_quantization_divides_and_stays_within_one_step_of_the_row_rule) {
  const int64_t N = 129, K = 33;
  auto W = uniform(N * K, 5, -2.0f, 2.0f);
  std::vector<int8_t> qw(N * K), qr(N * K);
  std::vector<float> sw(N), sr(N);
  CHECK(cuda::quantize_weights_reference(qw.data(), sw.data(), W.data(), K, N, K).ok());
  CHECK(cuda::quantize_rows_reference(qr.data(), K, sr.data(), W.data(), K, N, K).ok());
  for (int64_t n = 0; n < N; ++n) {
    CHECK(sw[n] == sr[n]);
    for (int64_t k = 0; k < K; ++k) {
      CHECK(std::abs(qw[n * K + k] - qr[n * K + k]) <= 1);  // w / s vs w * (1/s): a tie may round apart
      CHECK(qw[n * K + k] == static_cast<int8_t>(std::nearbyint(std::min(std::max(W[n * K + k] / sw[n], -127.0f), 127.0f))));
    }
  }
}

// The int8 twins here and the CPU int8 path (qgemm.h) are one scheme: identical int8 values and
// scales, and products equal up to fp32 rounding of the epilogue.
TEST(cuda_host, int8_twins_match_the_cpu_int8_path) {
  const int64_t M = 33, N = 129, K = 257;
  auto A = uniform(M * K, 31, -4.0f, 4.0f), W = uniform(N * K, 32), bias = uniform(N, 33);
  std::vector<int8_t> qw(N * K), qw_cpu(N * K), qa(M * K), qa_cpu(M * K);
  std::vector<float> sw(N), sw_cpu(N), sa(M), sa_cpu(M);
  CHECK(cuda::quantize_weights_reference(qw.data(), sw.data(), W.data(), K, N, K).ok());
  CHECK(quantize_weights_q8(qw_cpu.data(), sw_cpu.data(), W.data(), K, N, K).ok());
  CHECK(qw == qw_cpu && sw == sw_cpu);
  CHECK(cuda::quantize_rows_reference(qa.data(), K, sa.data(), A.data(), K, M, K).ok());
  CHECK(quantize_rows_q8(qa_cpu.data(), sa_cpu.data(), A.data(), K, M, K, 0.0f).ok());
  CHECK(qa == qa_cpu && sa == sa_cpu);
  std::unique_ptr<PackedQ8> packed;
  CHECK(pack_q8(&packed, qw_cpu.data(), K, sw_cpu.data(), N, K).ok());
  std::vector<float> ours(M * N), cpu(M * N);
  CHECK(cuda::qgemm_reference(ours.data(), N, A.data(), K, qw.data(), K, sw.data(), M, N, K, bias.data(),
                              Activation::kRelu).ok());
  QGemmParams qp;
  qp.bias = bias.data();
  qp.act = Activation::kRelu;
  CHECK(qgemm_q8(cpu.data(), N, A.data(), K, *packed, M, qp, QLevel::kScalar).ok());
  for (int64_t i = 0; i < M * N; ++i)
    CHECK_MSG(std::fabs(ours[i] - cpu[i]) <= 1e-5f * (std::fabs(cpu[i]) + 1.0f), "at %lld: %g vs %g", (long long)i, ours[i], cpu[i]);
}

TEST(cuda_host, qgemm_reference_is_dequantized_int32_product) {
  const int64_t M = 7, N = 5, K = 33;
  auto A = uniform(M * K, 2), W = uniform(N * K, 3), bias = uniform(N, 4);
  std::vector<int8_t> qw, qa(M * K);
  std::vector<float> ws, as(M);
  quantize_weights(&qw, &ws, W, N, K);
  CHECK(cuda::quantize_rows_reference(qa.data(), K, as.data(), A.data(), K, M, K).ok());
  std::vector<int32_t> acc(M * N);
  CHECK(cuda::qgemm_s32_reference(acc.data(), N, qa.data(), K, qw.data(), K, M, N, K).ok());
  std::vector<float> C(M * N), exact(M * N);
  CHECK(cuda::qgemm_reference(C.data(), N, A.data(), K, qw.data(), K, ws.data(), M, N, K, bias.data(),
                              Activation::kIdentity).ok());
  CHECK(sgemm_reference(exact.data(), N, A.data(), K, W.data(), K, M, N, K,
                        GemmParams{false, true, 1.0f, 0.0f, bias.data(), Activation::kIdentity}).ok());
  for (int64_t i = 0; i < M * N; ++i) {
    CHECK(C[i] == (as[i / N] * ws[i % N]) * static_cast<float>(acc[i]) + bias[i % N]);
    CHECK_MSG(std::fabs(C[i] - exact[i]) < 0.05f, "int8 error %g at %lld", std::fabs(C[i] - exact[i]), (long long)i);
  }
}

TEST(cuda_host, unavailable_device_gives_coded_reason_everywhere) {
  const Status st = cuda::device_status();
  const CudaInfo& info = cuda_info();
  CHECK(info.available == st.ok());
  if (st.ok()) {
    std::printf("  CUDA device present: %s\n", info.reason.c_str());
    return;
  }
  std::printf("  no usable CUDA device: %s\n", st.message().c_str());
  CHECK(st.code() == ErrorCode::kUnavailable);
  CHECK(!st.message().empty());
  CHECK(info.reason.find(st.message()) != std::string::npos);
  if (!cuda::built_with_cuda()) CHECK(st.message().rfind("built without CUDA", 0) == 0);
  float C[4], A[4] = {1, 2, 3, 4}, B[4] = {5, 6, 7, 8};
  Status g = cuda::gemm(C, 2, A, 2, B, 2, 2, 2, 2, GemmParams{}, cuda::Precision::kBf16);
  CHECK(g.code() == ErrorCode::kUnavailable && g.message() == st.message());
  int8_t q[4] = {1, 2, 3, 4};
  float sc[2] = {1, 1};
  CHECK(cuda::qgemm(C, 2, A, 2, q, 2, sc, 2, 2, 2, nullptr, Activation::kIdentity).code() == ErrorCode::kUnavailable);
  int32_t c32[4];
  CHECK(cuda::qgemm_s32(c32, 2, q, 2, q, 2, 2, 2, 2).code() == ErrorCode::kUnavailable);
  MlpSpec spec;
  spec.sizes = {2, 2};
  spec.output = OutputKind::kIdentity;
  float w[4] = {}, b[2] = {};
  MlpParams p;
  p.w = {w};
  p.b = {b};
  CHECK(cuda::mlp_forward(spec, p, A, 2, C).code() == ErrorCode::kUnavailable);
  TrainData d;
  d.X = A;
  d.Y = B;
  d.n = 2;
  TrainConfig cfg;
  cfg.loss = LossKind::kMse;
  TrainResult r;
  CHECK(cuda::mlp_train(spec, p, d, cfg, nullptr, nullptr, &r).code() == ErrorCode::kUnavailable);
}

// ---- on a device ----------------------------------------------------------------------------

// Registered first in the `cuda` suite: without a device nothing below can run.
TEST(cuda, device_present_or_skip) {
  const Status st = cuda::device_status();
  if (!st.ok()) {
    std::printf("SKIPPED: %s\n", st.message().c_str());
    std::fflush(stdout);
    std::exit(77);
  }
  cuda::DeviceProps p;
  CHECK(cuda::device_props(&p).ok());
  std::printf("  device 0: %s, sm_%d%d, %d SMs\n", p.name.c_str(), p.major, p.minor, p.sm_count);
}

namespace {

// Max over C of |gpu - ref| / bound, where bound is the precision's error model:
//   fp32: 1e-4 * sqrt(K) absolute (inputs in [-1, 1]);
//   tf32 / bf16: rel * (|alpha| |op(A)| |op(B)| + |beta C0| + |bias|), rel = 1e-2 / 2e-2, x1.2 for
//   the activation's slope (GELU's is at most 1.13), plus 1e-6.
double gemm_error_ratio(cuda::Precision prec, int64_t M, int64_t N, int64_t K, const GemmParams& p) {
  const int64_t ar = p.trans_a ? K : M, ac = p.trans_a ? M : K, br = p.trans_b ? N : K, bc = p.trans_b ? K : N;
  const int64_t lda = ac + 3, ldb = bc + 1, ldc = N + 2;  // strided on purpose
  const uint32_t seed = static_cast<uint32_t>(M * 131 + N * 17 + K);
  auto A = uniform(ar * lda, seed), B = uniform(br * ldb, seed + 1), C0 = uniform(M * ldc, seed + 2);
  auto bias = uniform(N, seed + 3);
  GemmParams q = p;
  if (p.bias) q.bias = bias.data();
  std::vector<float> ref = C0, got = C0;
  CHECK(sgemm_reference(ref.data(), ldc, A.data(), lda, B.data(), ldb, M, N, K, q).ok());
  Status st = cuda::gemm(got.data(), ldc, A.data(), lda, B.data(), ldb, M, N, K, q, prec);
  CHECK_MSG(st.ok(), "%s", st.message().c_str());
  std::vector<float> absA(A.size()), absB(B.size()), bound(M * ldc, 0.0f);
  for (size_t i = 0; i < A.size(); ++i) absA[i] = std::fabs(A[i]);
  for (size_t i = 0; i < B.size(); ++i) absB[i] = std::fabs(B[i]);
  GemmParams ab{p.trans_a, p.trans_b, std::fabs(p.alpha), 0.0f, nullptr, Activation::kIdentity};
  CHECK(sgemm_reference(bound.data(), ldc, absA.data(), lda, absB.data(), ldb, M, N, K, ab).ok());
  double worst = 0;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      const int64_t at = i * ldc + j;
      double tol;
      if (prec == cuda::Precision::kF32) {
        tol = 1e-4 * std::sqrt(static_cast<double>(K)) * std::max(1.0f, std::fabs(p.alpha));
      } else {
        const double rel = prec == cuda::Precision::kTf32 ? 1e-2 : 2e-2;
        const double mag = bound[at] + std::fabs(p.beta * C0[at]) + (q.bias ? std::fabs(bias[j]) : 0.0);
        tol = rel * 1.2 * mag + 1e-6;
      }
      worst = std::max(worst, std::fabs(static_cast<double>(got[at]) - ref[at]) / tol);
      if (!std::isfinite(got[at])) worst = 1e30;
    }
  // Row padding (ldc > N) must be untouched.
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = N; j < ldc; ++j) CHECK(got[i * ldc + j] == C0[i * ldc + j]);
  return worst;
}

}  // namespace

TEST(cuda, gemm_every_precision_matches_reference_on_odd_shapes) {
  for (cuda::Precision prec : {cuda::Precision::kF32, cuda::Precision::kTf32, cuda::Precision::kBf16}) {
    double worst = 0;
    for (int64_t M : kSizes)
      for (int64_t N : kSizes)
        for (int64_t K : kSizes) {
          // 1000^3 once per precision; other shapes with a 1000 in them only along one dimension.
          const int big = (M == 1000) + (N == 1000) + (K == 1000);
          if (big == 2) continue;
          GemmParams p;
          p.trans_b = (M + N + K) % 2 == 1;  // both layouts, spread over the shapes
          const double r = gemm_error_ratio(prec, M, N, K, p);
          CHECK_MSG(r <= 1.0, "%s M=%lld N=%lld K=%lld: error %.3g x tolerance", cuda::precision_name(prec),
                    (long long)M, (long long)N, (long long)K, r);
          worst = std::max(worst, r);
        }
    std::printf("  %s: worst error %.3g x tolerance\n", cuda::precision_name(prec), worst);
  }
}

TEST(cuda, gemm_transposes_alpha_beta_bias_and_activations) {
  const Activation acts[] = {Activation::kIdentity, Activation::kRelu, Activation::kSigmoid, Activation::kTanh,
                             Activation::kGelu};
  for (cuda::Precision prec : {cuda::Precision::kF32, cuda::Precision::kTf32, cuda::Precision::kBf16})
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (Activation act : acts) {
          GemmParams p;
          p.trans_a = ta;
          p.trans_b = tb;
          p.alpha = 0.75f;
          p.beta = act == Activation::kIdentity ? 0.5f : 0.0f;
          p.bias = reinterpret_cast<const float*>(1);  // "with bias": gemm_error_ratio supplies it
          p.act = act;
          const double r = gemm_error_ratio(prec, 129, 33, 257, p);
          CHECK_MSG(r <= 1.0, "%s transA=%d transB=%d %s: error %.3g x tolerance", cuda::precision_name(prec), ta,
                    tb, activation_name(act), r);
        }
}

TEST(cuda, gemm_pipelined_panels_match_one_shot) {
  // M large enough for the row-panel pipeline (2e9 flops, M >= 1024): panels must tile C exactly.
  const int64_t M = 2500, N = 700, K = 600;
  GemmParams p;
  p.beta = 1.0f;
  const double r = gemm_error_ratio(cuda::Precision::kF32, M, N, K, p);
  CHECK_MSG(r <= 1.0, "pipelined fp32: error %.3g x tolerance", r);
}

TEST(cuda, qgemm_s32_is_exact) {
  for (int64_t M : kSizes)
    for (int64_t N : {int64_t(1), int64_t(7), int64_t(33), int64_t(129)})
      for (int64_t K : kSizes) {
        const int64_t lda = K + 5, ldw = K + 3;
        auto QA = random_i8(M * lda, static_cast<uint32_t>(M + N + K)), QW = random_i8(N * ldw, static_cast<uint32_t>(M * N + K));
        std::vector<int32_t> ref(M * N), got(M * N, -1);
        CHECK(cuda::qgemm_s32_reference(ref.data(), N, QA.data(), lda, QW.data(), ldw, M, N, K).ok());
        Status st = cuda::qgemm_s32(got.data(), N, QA.data(), lda, QW.data(), ldw, M, N, K);
        CHECK_MSG(st.ok(), "%s", st.message().c_str());
        CHECK_MSG(got == ref, "int32 mismatch at M=%lld N=%lld K=%lld", (long long)M, (long long)N, (long long)K);
      }
}

TEST(cuda, qgemm_matches_reference_within_fp32_rounding) {
  const Activation acts[] = {Activation::kIdentity, Activation::kRelu, Activation::kGelu};
  for (int64_t M : kSizes)
    for (int64_t N : {int64_t(7), int64_t(129)})
      for (int64_t K : {int64_t(1), int64_t(33), int64_t(1000)})
        for (Activation act : acts) {
          auto A = uniform(M * K, 11), W = uniform(N * K, 12), bias = uniform(N, 13);
          std::vector<int8_t> qw;
          std::vector<float> ws;
          quantize_weights(&qw, &ws, W, N, K);
          std::vector<float> ref(M * N), got(M * N);
          CHECK(cuda::qgemm_reference(ref.data(), N, A.data(), K, qw.data(), K, ws.data(), M, N, K, bias.data(), act).ok());
          Status st = cuda::qgemm(got.data(), N, A.data(), K, qw.data(), K, ws.data(), M, N, K, bias.data(), act);
          CHECK_MSG(st.ok(), "%s", st.message().c_str());
          double worst = 0;
          for (int64_t i = 0; i < M * N; ++i)
            worst = std::max(worst, std::fabs(got[i] - ref[i]) / (1e-5 * (std::fabs(ref[i]) + 1.0)));
          CHECK_MSG(worst <= 1.0, "qgemm M=%lld N=%lld K=%lld %s: error %.3g x tolerance", (long long)M, (long long)N,
                    (long long)K, activation_name(act), worst);
        }
}

namespace {

// He-initialised with a seed, and non-zero biases so that bias gradients and updates are exercised.
Net seeded_net(const MlpSpec& s, uint64_t seed) {
  Net n(s);
  CHECK(mlp_init(n.spec, n.params(), InitKind::kHe, seed).ok());
  for (auto& x : n.b)
    for (size_t j = 0; j < x.size(); ++j) x[j] = 0.01f * static_cast<float>(j % 5);
  return n;
}

double max_param_diff(const Net& a, const Net& b) {
  double d = 0;
  for (size_t l = 0; l < a.w.size(); ++l) {
    for (size_t i = 0; i < a.w[l].size(); ++i) d = std::max(d, double(std::fabs(a.w[l][i] - b.w[l][i])));
    for (size_t i = 0; i < a.b[l].size(); ++i) d = std::max(d, double(std::fabs(a.b[l][i] - b.b[l][i])));
  }
  return d;
}

}  // namespace

TEST(cuda, mlp_forward_matches_cpu) {
  for (Activation act : {Activation::kRelu, Activation::kTanh, Activation::kGelu}) {
    MlpSpec s;
    s.sizes = {33, 129, 7, 5};
    s.hidden = act;
    s.output = OutputKind::kSoftmax;
    Net net = seeded_net(s, 5);
    const int64_t n = 1000;
    auto X = uniform(n * 33, 6);
    std::vector<float> cpu(n * 5), gpu(n * 5);
    CHECK(mlp_forward(s, net.params(), X.data(), n, cpu.data()).ok());
    Status st = cuda::mlp_forward(s, net.params(), X.data(), n, gpu.data());
    CHECK_MSG(st.ok(), "%s", st.message().c_str());
    double worst = 0;
    for (int64_t i = 0; i < n * 5; ++i) worst = std::max(worst, double(std::fabs(cpu[i] - gpu[i])));
    CHECK_MSG(worst < 1e-4, "%s forward: max |cpu - gpu| = %.3g", activation_name(act), worst);
  }
}

TEST(cuda, training_steps_match_cpu_loop) {
  struct Case {
    Activation hidden;
    OutputKind out;
    LossKind loss;
    OptimizerKind opt;
    float clip;
  } cases[] = {{Activation::kRelu, OutputKind::kSoftmax, LossKind::kCategoricalCrossEntropy, OptimizerKind::kSgd, 0.0f},
               {Activation::kGelu, OutputKind::kIdentity, LossKind::kMse, OptimizerKind::kSgd, 0.5f},
               {Activation::kTanh, OutputKind::kSigmoid, LossKind::kBinaryCrossEntropy, OptimizerKind::kAdam, 0.0f},
               {Activation::kSigmoid, OutputKind::kSoftmax, LossKind::kCategoricalCrossEntropy, OptimizerKind::kAdamW, 1.0f}};
  for (const Case& cs : cases) {
    MlpSpec s;
    s.sizes = {33, 17, 5};
    s.hidden = cs.hidden;
    s.output = cs.out;
    const int64_t n = 129, k = 5;
    auto X = uniform(n * 33, 21);
    std::vector<float> Y;
    std::mt19937 rng(22);
    if (cs.loss == LossKind::kCategoricalCrossEntropy)
      for (int64_t i = 0; i < n; ++i) Y.push_back(static_cast<float>(rng() % k));
    else
      for (int64_t i = 0; i < n * k; ++i) Y.push_back(static_cast<float>(rng() % 2));
    TrainConfig cfg;
    cfg.loss = cs.loss;
    cfg.optimizer = cs.opt;
    cfg.epochs = 2;
    cfg.batch_size = 33;  // 4 steps per epoch, the last one short (30 rows)
    cfg.shuffle = true;   // same splitmix64 order on both sides
    cfg.seed = 7;
    cfg.lr = cs.opt == OptimizerKind::kSgd ? 0.05f : 1e-3f;
    cfg.momentum = 0.9f;
    cfg.weight_decay = 1e-3f;
    cfg.clip_norm = cs.clip;
    TrainData d;
    d.X = X.data();
    d.Y = Y.data();
    d.n = n;
    // The first case also distils (soft targets) and prunes (a mask on layer 0), as main's loop can.
    std::vector<float> soft, mask0;
    if (&cs == &cases[0]) {
      soft = uniform(n * k, 23, 0.01f, 1.0f);
      for (int64_t i = 0; i < n; ++i) {
        double z = 0;
        for (int64_t j = 0; j < k; ++j) z += soft[i * k + j];
        for (int64_t j = 0; j < k; ++j) soft[i * k + j] = static_cast<float>(soft[i * k + j] / z);
      }
      d.soft = soft.data();
      cfg.distill_alpha = 0.3f;
      cfg.distill_temperature = 2.0f;
      for (int64_t i = 0; i < 33 * 17; ++i) mask0.push_back(i % 3 == 0 ? 0.0f : 1.0f);
      d.weight_masks = {mask0.data(), nullptr};
    }
    Net cpu = seeded_net(s, 9), gpu = seeded_net(s, 9);
    TrainResult rc, rg;
    CHECK(mlp_train(s, cpu.params(), d, cfg, nullptr, nullptr, &rc).ok());
    Status st = cuda::mlp_train(s, gpu.params(), d, cfg, nullptr, nullptr, &rg);
    CHECK_MSG(st.ok(), "%s", st.message().c_str());
    // SGD is linear in the gradient: fp32 reassociation only. Adam divides by sqrt(v): where a
    // gradient is ~0 its sign may differ, moving that weight by up to 2 lr per step.
    const double tol = cs.opt == OptimizerKind::kSgd ? 2e-5 : 2.0 * cfg.lr * 8 + 1e-5;
    const double diff = max_param_diff(cpu, gpu);
    CHECK_MSG(diff <= tol, "training %s/%d: max |w_cpu - w_gpu| = %.3g (tolerance %.3g)", activation_name(cs.hidden),
              static_cast<int>(cs.loss), diff, tol);
    CHECK(rc.steps == rg.steps && rc.history.size() == rg.history.size());
    if (!mask0.empty())
      for (int64_t i = 0; i < 33 * 17; ++i)
        if (mask0[i] == 0.0f) CHECK(gpu.w[0][i] == 0.0f);
    for (size_t e = 0; e < std::min(rc.history.size(), rg.history.size()); ++e)
      CHECK_MSG(std::fabs(rc.history[e].loss - rg.history[e].loss) <= 1e-4 * (1 + std::fabs(rc.history[e].loss)),
                "epoch %zu loss cpu %.6f gpu %.6f", e + 1, rc.history[e].loss, rg.history[e].loss);
  }
}

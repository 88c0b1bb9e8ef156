// MLP: finite-difference gradient checks for every hidden activation x every loss, determinism
// (same seed => same weights, for 1 and all threads), learning, cancellation, early stopping,
// and argument errors.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include "amaas/mlp.h"
#include "amaas/thread_pool.h"
#include "harness.h"
#include "mlp_net.h"

using namespace amaas;

namespace {

struct Problem {
  std::vector<float> X, Y;
  int64_t n;
};

Problem make_problem(const MlpSpec& s, LossKind loss, int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  Problem p{std::vector<float>(n * s.sizes[0]), {}, n};
  for (auto& x : p.X) x = u(rng);
  const int64_t k = s.sizes.back();
  if (loss == LossKind::kCategoricalCrossEntropy) {
    for (int64_t i = 0; i < n; ++i) p.Y.push_back(static_cast<float>(rng() % k));
  } else {
    for (int64_t i = 0; i < n * k; ++i)
      p.Y.push_back(loss == LossKind::kBinaryCrossEntropy ? static_cast<float>(rng() % 2) : u(rng));
  }
  return p;
}

double loss_of(Net& net, LossKind loss, const Problem& pr) {
  double l = 0, acc = 0;
  Status st = mlp_evaluate(net.spec, net.params(), loss, pr.X.data(), pr.Y.data(), pr.n, &l, &acc);
  CHECK(st.ok());
  return l;
}

}  // namespace

TEST(mlp, gradients_match_finite_differences) {
  const Activation acts[] = {Activation::kIdentity, Activation::kRelu, Activation::kSigmoid,
                             Activation::kTanh, Activation::kGelu};
  struct Head {
    OutputKind out;
    LossKind loss;
    int64_t k;
  } heads[] = {{OutputKind::kSoftmax, LossKind::kCategoricalCrossEntropy, 3},
               {OutputKind::kSigmoid, LossKind::kBinaryCrossEntropy, 2},
               {OutputKind::kIdentity, LossKind::kMse, 2}};
  for (Activation act : acts) {
    for (const Head& h : heads) {
      MlpSpec s;
      s.sizes = {5, 7, 6, h.k};
      s.hidden = act;
      s.output = h.out;
      Net net(s);
      CHECK(mlp_init(s, net.params(), InitKind::kXavier, 17).ok());
      for (auto& bl : net.b)
        for (auto& v : bl) v = 0.1f;  // non-zero biases exercise their gradients
      Problem pr = make_problem(s, h.loss, 6, 5);
      Net grads(s);
      CHECK(mlp_gradients(s, net.params(), h.loss, pr.X.data(), pr.Y.data(), pr.n, grads.params()).ok());
      int bad = 0, checked = 0;
      auto check_param = [&](float* p, float analytic) {
        const float saved = *p, eps = 1e-2f;
        *p = saved + eps;
        double up = loss_of(net, h.loss, pr);
        *p = saved - eps;
        double down = loss_of(net, h.loss, pr);
        *p = saved;
        double numeric = (up - down) / (2.0 * eps);
        ++checked;
        if (std::fabs(numeric - analytic) > 3e-2 * std::max(std::fabs(numeric), std::fabs(double(analytic))) + 3e-4) {
          if (bad < 3)
            std::fprintf(stderr, "    %s/%d: numeric %.6g analytic %.6g\n", activation_name(act),
                         static_cast<int>(h.loss), numeric, analytic);
          ++bad;
        }
      };
      for (int64_t l = 0; l < s.layers(); ++l) {
        for (size_t i = 0; i < net.w[l].size(); ++i) check_param(&net.w[l][i], grads.w[l][i]);
        for (size_t i = 0; i < net.b[l].size(); ++i) check_param(&net.b[l][i], grads.b[l][i]);
      }
      // A ReLU kink inside +-eps can flip a few; everything smooth must match.
      const int allowed = act == Activation::kRelu ? checked / 50 : 0;
      CHECK_MSG(bad <= allowed, "%s loss=%d: %d of %d gradients off", activation_name(act),
                static_cast<int>(h.loss), bad, checked);
    }
  }
}

static TrainResult train_once(Net& net, const Problem& pr, TrainConfig c) {
  TrainData d;
  d.X = pr.X.data();
  d.Y = pr.Y.data();
  d.n = pr.n;
  TrainResult r;
  Status st = mlp_train(net.spec, net.params(), d, c, nullptr, nullptr, &r);
  CHECK_MSG(st.ok(), "%s", st.message().c_str());
  return r;
}

TEST(mlp, same_seed_same_weights_for_any_thread_count) {
  MlpSpec s;
  s.sizes = {20, 64, 32, 4};
  s.dropout = 0.2f;
  Problem pr = make_problem(s, LossKind::kCategoricalCrossEntropy, 300, 9);
  TrainConfig c;
  c.epochs = 3;
  c.batch_size = 32;
  c.seed = 42;
  auto& pool = ThreadPool::instance();
  const int saved = pool.threads();
  std::vector<std::vector<float>> results;
  for (int threads : {1, pool.max_threads(), 1}) {
    pool.set_threads(threads);
    Net net(s);
    CHECK(mlp_init(s, net.params(), InitKind::kHe, 1).ok());
    train_once(net, pr, c);
    results.push_back(net.w[0]);
  }
  pool.set_threads(saved);
  CHECK(results[0] == results[1]);
  CHECK(results[0] == results[2]);
}

TEST(mlp, learns_a_separable_problem_with_every_optimizer) {
  // Two Gaussian blobs per class in 2-D, 3 classes.
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0, 0.3f);
  Problem pr{{}, {}, 600};
  const float cx[3] = {-2, 0, 2}, cy[3] = {0, 2, 0};
  for (int64_t i = 0; i < pr.n; ++i) {
    int c = static_cast<int>(i % 3);
    pr.X.push_back(cx[c] + nd(rng));
    pr.X.push_back(cy[c] + nd(rng));
    pr.Y.push_back(static_cast<float>(c));
  }
  for (OptimizerKind o : {OptimizerKind::kSgd, OptimizerKind::kAdam, OptimizerKind::kAdamW}) {
    MlpSpec s;
    s.sizes = {2, 16, 3};
    s.hidden = Activation::kTanh;
    Net net(s);
    CHECK(mlp_init(s, net.params(), InitKind::kXavier, 2).ok());
    TrainConfig c;
    c.optimizer = o;
    c.lr = o == OptimizerKind::kSgd ? 0.1f : 0.01f;
    c.momentum = 0.9f;
    c.nesterov = true;
    c.weight_decay = o == OptimizerKind::kSgd ? 0.0f : 1e-4f;
    c.epochs = 30;
    c.schedule = ScheduleKind::kCosine;
    c.clip_norm = 5.0f;
    TrainResult r = train_once(net, pr, c);
    CHECK(r.epochs_run == 30);
    CHECK_MSG(r.history.back().accuracy > 0.97, "optimizer %d accuracy %.3f", static_cast<int>(o),
              r.history.back().accuracy);
  }
}

TEST(mlp, cancel_and_early_stopping) {
  MlpSpec s;
  s.sizes = {4, 8, 2};
  s.output = OutputKind::kIdentity;
  Problem pr = make_problem(s, LossKind::kMse, 64, 4);
  Net net(s);
  CHECK(mlp_init(s, net.params(), InitKind::kHe, 3).ok());
  TrainConfig c;
  c.loss = LossKind::kMse;
  c.epochs = 5;
  volatile int32_t flag = 1;
  TrainData d;
  d.X = pr.X.data();
  d.Y = pr.Y.data();
  d.n = pr.n;
  TrainResult r;
  CHECK(mlp_train(s, net.params(), d, c, nullptr, &flag, &r).ok());
  CHECK(r.cancelled && r.steps == 0 && r.epochs_run == 0);
  // Random targets: the loss stops improving quickly at a high learning rate.
  c.epochs = 200;
  c.patience = 3;
  c.lr = 0.05f;
  r = train_once(net, pr, c);
  CHECK(r.stopped_early);
  CHECK(r.epochs_run < 200);
  CHECK(r.best_epoch >= 1 && r.best_epoch <= r.epochs_run);
}

TEST(mlp, argument_errors) {
  MlpSpec s;
  s.sizes = {3, 2};
  s.output = OutputKind::kSoftmax;
  Net net(s);
  CHECK(mlp_init(s, net.params(), InitKind::kHe, 0).ok());
  Problem pr = make_problem(s, LossKind::kCategoricalCrossEntropy, 4, 1);
  TrainConfig c;
  c.loss = LossKind::kMse;  // does not match softmax
  TrainData d;
  d.X = pr.X.data();
  d.Y = pr.Y.data();
  d.n = pr.n;
  TrainResult r;
  CHECK(mlp_train(s, net.params(), d, c, nullptr, nullptr, &r).code() == ErrorCode::kInvalidArgument);
  c.loss = LossKind::kCategoricalCrossEntropy;
  pr.Y[2] = 7;  // class index out of range
  Status st = mlp_train(s, net.params(), d, c, nullptr, nullptr, &r);
  CHECK(st.code() == ErrorCode::kInvalidArgument);
  CHECK(st.message().find("row 2") != std::string::npos);
  MlpSpec bad;
  bad.sizes = {3};
  CHECK(mlp_check(bad).code() == ErrorCode::kInvalidArgument);
  bad.sizes = {3, 0, 2};
  CHECK(mlp_check(bad).code() == ErrorCode::kInvalidArgument);
}

TEST(mlp, packed_forward_matches_plain_forward) {
  for (Activation act : {Activation::kRelu, Activation::kTanh, Activation::kGelu}) {
    for (OutputKind out : {OutputKind::kSoftmax, OutputKind::kSigmoid, OutputKind::kIdentity}) {
      MlpSpec s;
      s.sizes = {37, 50, 33, 5};
      s.hidden = act;
      s.output = out;
      Net net(s);
      CHECK(mlp_init(s, net.params(), InitKind::kXavier, 9).ok());
      for (auto& bl : net.b)
        for (auto& v : bl) v = 0.05f;
      Problem pr = make_problem(s, LossKind::kMse, 9, 2);
      std::vector<float> want(9 * 5), got(9 * 5);
      CHECK(mlp_forward(s, net.params(), pr.X.data(), 9, want.data()).ok());
      std::unique_ptr<PackedMlp> packed;
      CHECK(PackedMlp::create(s, net.params(), &packed).ok());
      CHECK(packed->bytes() > 0);
      for (int64_t rows : {int64_t(1), int64_t(9)}) {
        CHECK(packed->forward(pr.X.data(), rows, got.data()).ok());
        for (int64_t i = 0; i < rows * 5; ++i)
          CHECK_MSG(std::fabs(got[i] - want[i]) < 1e-5f, "%s out=%d: %g vs %g", activation_name(act),
                    static_cast<int>(out), got[i], want[i]);
      }
      CHECK(packed->forward(pr.X.data(), 0, got.data()).code() == ErrorCode::kInvalidArgument);
    }
  }
}

TEST(mlp, distillation_with_one_hot_soft_targets_is_cross_entropy) {
  // alpha = 1, T = 1 and soft targets = one-hot labels: the KL term equals the cross-entropy,
  // so training must follow the plain run (up to the p -> p^(1/T) renormalisation rounding).
  MlpSpec s;
  s.sizes = {12, 24, 3};
  Problem pr = make_problem(s, LossKind::kCategoricalCrossEntropy, 200, 11);
  std::vector<float> soft(pr.n * 3, 0.0f);
  for (int64_t i = 0; i < pr.n; ++i) soft[i * 3 + static_cast<int64_t>(pr.Y[i])] = 1.0f;
  TrainConfig c;
  c.epochs = 2;
  c.batch_size = 20;
  c.seed = 3;
  Net plain(s), distilled(s);
  CHECK(mlp_init(s, plain.params(), InitKind::kHe, 5).ok());
  CHECK(mlp_init(s, distilled.params(), InitKind::kHe, 5).ok());
  train_once(plain, pr, c);
  TrainData d;
  d.X = pr.X.data();
  d.Y = pr.Y.data();
  d.n = pr.n;
  d.soft = soft.data();
  c.distill_alpha = 1.0f;
  c.distill_temperature = 1.0f;
  TrainResult r;
  CHECK(mlp_train(s, distilled.params(), d, c, nullptr, nullptr, &r).ok());
  double worst = 0;
  for (size_t i = 0; i < plain.w[0].size(); ++i) worst = std::max(worst, double(std::fabs(plain.w[0][i] - distilled.w[0][i])));
  CHECK_MSG(worst < 1e-4, "weights differ by %g", worst);
  CHECK(std::fabs(r.history.back().loss - loss_of(plain, LossKind::kCategoricalCrossEntropy, pr)) < 0.5);
  // A temperature that softens the targets changes the result; bad settings are errors.
  c.distill_temperature = 0.0f;
  CHECK(mlp_train(s, distilled.params(), d, c, nullptr, nullptr, &r).code() == ErrorCode::kInvalidArgument);
  MlpSpec reg = s;
  reg.output = OutputKind::kIdentity;
  c.distill_temperature = 2.0f;
  c.loss = LossKind::kMse;
  Net rn(reg);
  Problem rp = make_problem(reg, LossKind::kMse, 50, 2);
  d.X = rp.X.data();
  d.Y = rp.Y.data();
  d.n = rp.n;
  CHECK(mlp_train(reg, rn.params(), d, c, nullptr, nullptr, &r).code() == ErrorCode::kInvalidArgument);
}

TEST(mlp, pruning_masks_hold_weights_at_zero) {
  MlpSpec s;
  s.sizes = {10, 16, 3};
  Problem pr = make_problem(s, LossKind::kCategoricalCrossEntropy, 120, 4);
  Net net(s);
  CHECK(mlp_init(s, net.params(), InitKind::kHe, 9).ok());
  std::vector<float> mask(10 * 16);
  for (size_t i = 0; i < mask.size(); ++i) mask[i] = (i % 3 == 0) ? 0.0f : 1.0f;
  TrainData d;
  d.X = pr.X.data();
  d.Y = pr.Y.data();
  d.n = pr.n;
  d.weight_masks = {mask.data(), nullptr};
  TrainConfig c;
  c.epochs = 3;
  c.batch_size = 16;
  TrainResult r;
  CHECK(mlp_train(s, net.params(), d, c, nullptr, nullptr, &r).ok());
  int nonzero_masked = 0, zero_kept = 0;
  for (size_t i = 0; i < mask.size(); ++i) {
    if (mask[i] == 0.0f && net.w[0][i] != 0.0f) ++nonzero_masked;
    if (mask[i] == 1.0f && net.w[0][i] == 0.0f) ++zero_kept;
  }
  CHECK(nonzero_masked == 0);
  CHECK(zero_kept == 0);
  d.weight_masks = {mask.data()};  // wrong count
  CHECK(mlp_train(s, net.params(), d, c, nullptr, nullptr, &r).code() == ErrorCode::kShapeMismatch);
}

// The rules the CPU training loop (mlp.cpp) and the GPU one (cuda/mlp_train.cu) must share to
// train the same way: the seeded splitmix64 generator (same shuffle order on both), the
// learning-rate schedule, the checks on a training request, and the end-of-epoch rules. Header-only so the CUDA
// library, which the engine links, does not need the engine's objects.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "amaas/mlp.h"
#include "amaas/status.h"

namespace amaas::train {

// splitmix64: small, seedable, good enough for shuffling, dropout masks and initialisation.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) {}
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
  uint64_t below(uint64_t n) { return next() % n; }
  double normal() {
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
};

// Learning rate of 0-based epoch `epoch0` under the config's schedule.
inline double lr_at(const TrainConfig& c, int64_t epoch0) {
  switch (c.schedule) {
    case ScheduleKind::kConstant: return c.lr;
    case ScheduleKind::kStep:
      return c.lr * std::pow(c.gamma, static_cast<double>(epoch0 / std::max<int64_t>(1, c.step_size)));
    case ScheduleKind::kExponential: return c.lr * std::pow(c.gamma, static_cast<double>(epoch0));
    case ScheduleKind::kCosine:
      return c.min_lr + (c.lr - c.min_lr) * 0.5 *
                            (1.0 + std::cos(3.141592653589793 * epoch0 / std::max<int64_t>(1, c.epochs)));
  }
  return c.lr;
}

// mlp_check's rules (layer sizes, dropout, softmax width).
inline Status check_spec(const MlpSpec& s) {
  if (s.sizes.size() < 2) return InvalidArgument("an MLP needs at least an input and an output size");
  for (size_t i = 0; i < s.sizes.size(); ++i)
    if (s.sizes[i] < 1 || s.sizes[i] > (int64_t(1) << 24))
      return InvalidArgument("layer size " + std::to_string(i) + " must be in [1, 2^24]; received " +
                             std::to_string(s.sizes[i]));
  if (!(s.dropout >= 0.0f && s.dropout < 1.0f))
    return InvalidArgument("dropout must be in [0, 1); received " + std::to_string(s.dropout));
  if (s.output == OutputKind::kSoftmax && s.sizes.back() < 2)
    return InvalidArgument("a softmax output needs at least 2 units");
  return Status::Ok();
}

inline Status check_loss(const MlpSpec& s, LossKind loss) {
  const bool ok = (loss == LossKind::kCategoricalCrossEntropy && s.output == OutputKind::kSoftmax) ||
                  (loss == LossKind::kBinaryCrossEntropy && s.output == OutputKind::kSigmoid) ||
                  (loss == LossKind::kMse && s.output == OutputKind::kIdentity);
  if (!ok)
    return InvalidArgument(
        "loss and output do not match: use categorical cross-entropy with softmax, binary "
        "cross-entropy with sigmoid, or MSE with identity");
  return Status::Ok();
}

// Class indices must be integers in [0, outputs) (categorical cross-entropy only).
inline Status check_targets(const MlpSpec& s, LossKind loss, const float* Y, int64_t n) {
  if (loss != LossKind::kCategoricalCrossEntropy) return Status::Ok();
  const int64_t k = s.sizes.back();
  for (int64_t i = 0; i < n; ++i) {
    const float y = Y[i];
    if (!(y >= 0 && y < k) || y != std::floor(y))
      return InvalidArgument("class index of row " + std::to_string(i) + " must be an integer in [0, " +
                             std::to_string(k) + ") but is " + std::to_string(y));
  }
  return Status::Ok();
}

// Everything a training request must satisfy before either loop allocates anything: the spec,
// loss and output, sizes, learning rate, class indices (training and validation), the
// distillation settings and one weight mask (or none) per layer.
inline Status check_request(const MlpSpec& s, const TrainData& d, const TrainConfig& c) {
  if (Status st = check_spec(s); !st.ok()) return st;
  if (Status st = check_loss(s, c.loss); !st.ok()) return st;
  if (d.n < 1) return InvalidArgument("training needs at least one sample");
  if (c.epochs < 1 || c.batch_size < 1)
    return InvalidArgument("epochs and batchSize must be positive; received epochs=" + std::to_string(c.epochs) +
                           ", batchSize=" + std::to_string(c.batch_size));
  if (!(c.lr > 0) || !std::isfinite(c.lr)) return InvalidArgument("learning rate must be positive");
  if (Status st = check_targets(s, c.loss, d.Y, d.n); !st.ok()) return st;
  if (d.X_val && d.n_val > 0)
    if (Status st = check_targets(s, c.loss, d.Y_val, d.n_val); !st.ok()) return st;
  if (d.soft) {
    if (s.output != OutputKind::kSoftmax || c.loss != LossKind::kCategoricalCrossEntropy)
      return InvalidArgument("distillation needs a softmax output trained with categorical cross-entropy");
    if (!(c.distill_alpha >= 0 && c.distill_alpha <= 1) || !(c.distill_temperature > 0) ||
        !std::isfinite(c.distill_temperature))
      return InvalidArgument("distillation needs alpha in [0, 1] and a positive temperature");
  }
  if (!d.weight_masks.empty() && static_cast<int64_t>(d.weight_masks.size()) != s.layers())
    return ShapeMismatch("Expected one weight mask (or null) per layer (" + std::to_string(s.layers()) +
                         ") but received " + std::to_string(d.weight_masks.size()));
  return Status::Ok();
}

// The end of an epoch, after its report is complete: a non-finite loss is an error; with
// early stopping (patience > 0) the monitored loss (validation, else training) either improves
// (the caller snapshots the weights when restore_best is set) or counts towards stopping.
class EpochEnd {
 public:
  enum class Verdict { kContinue, kImproved, kStop };

  Verdict update(const TrainConfig& c, const TrainReport& r, TrainResult* res, Status* error) {
    if (!std::isfinite(r.loss)) {
      *error = InvalidArgument("training diverged (loss is not finite) in epoch " + std::to_string(r.epoch) +
                               ": lower the learning rate or enable clipNorm");
      return Verdict::kStop;
    }
    res->history.push_back(r);
    res->epochs_run = r.epoch;
    if (c.patience <= 0) return Verdict::kContinue;
    const double monitored = r.val_loss >= 0 ? r.val_loss : r.loss;
    if (monitored < best_ - c.min_delta) {
      best_ = monitored;
      res->best_epoch = r.epoch;
      wait_ = 0;
      return Verdict::kImproved;
    }
    if (++wait_ >= c.patience) {
      res->stopped_early = true;
      return Verdict::kStop;
    }
    return Verdict::kContinue;
  }

  // Whether the weights of the best epoch must be copied back after the loop.
  static bool restore_best(const TrainConfig& c, const TrainResult& res) {
    return c.patience > 0 && c.restore_best && res.best_epoch > 0 && res.best_epoch != res.epochs_run;
  }

 private:
  double best_ = HUGE_VAL;
  int64_t wait_ = 0;
};

}  // namespace amaas::train

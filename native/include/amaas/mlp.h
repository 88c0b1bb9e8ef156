// Multi-layer perceptron: forward pass, backward pass, losses, optimizers and the training loop
// that runs whole epochs in native code (one call from JS, progress through a callback,
// cancellation through a flag). Weights live in caller-owned float buffers.
// Not here: data loading, splitting or preprocessing (TypeScript), or serving.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "amaas/gemm.h"
#include "amaas/status.h"

namespace amaas {

enum class OutputKind { kIdentity = 0, kSigmoid = 1, kSoftmax = 2 };
enum class LossKind { kMse = 0, kBinaryCrossEntropy = 1, kCategoricalCrossEntropy = 2 };
enum class OptimizerKind { kSgd = 0, kAdam = 1, kAdamW = 2 };
enum class ScheduleKind { kConstant = 0, kStep = 1, kExponential = 2, kCosine = 3 };
enum class InitKind { kHe = 0, kXavier = 1 };

struct MlpSpec {
  std::vector<int64_t> sizes;  // [inputs, hidden..., outputs]; layer l maps sizes[l] -> sizes[l+1]
  Activation hidden = Activation::kRelu;
  OutputKind output = OutputKind::kSoftmax;
  float dropout = 0.0f;        // on hidden activations, training only (inverted dropout)
  int64_t layers() const { return static_cast<int64_t>(sizes.size()) - 1; }
};

// Layer l: W (sizes[l+1], sizes[l]) row-major, b (sizes[l+1]). Caller-owned.
struct MlpParams {
  std::vector<float*> w;
  std::vector<float*> b;
};

Status mlp_check(const MlpSpec& spec);
Status mlp_init(const MlpSpec& spec, const MlpParams& params, InitKind init, uint64_t seed);

// Y (n, outputs) = the network applied to X (n, inputs), output activation included.
Status mlp_forward(const MlpSpec& spec, const MlpParams& params, const float* X, int64_t n,
                   float* Y);

// An MLP prepared for inference: every weight matrix packed once (PackedB, for the ISA active
// when packed), biases copied, activations fused into the GEMM epilogues. forward() is one call
// for the whole network: the serving hot path. Immutable after create(): safe to share.
class PackedMlp {
 public:
  static Status create(const MlpSpec& spec, const MlpParams& params, std::unique_ptr<PackedMlp>* out);
  // Y (n, outputs) = the network applied to X (n, inputs), output activation included.
  Status forward(const float* X, int64_t n, float* Y) const;
  const MlpSpec& spec() const { return spec_; }
  size_t bytes() const;

 private:
  PackedMlp() = default;
  MlpSpec spec_;
  std::vector<std::unique_ptr<PackedB>> weights_;
  std::vector<std::vector<float>> biases_;
};

// InvalidArgument naming the first NaN/Inf of X (n, cols) by row and column, else Ok.
Status check_finite_rows(const float* X, int64_t n, int64_t cols);

// Two ping-pong buffers for the activations of layers 1..stop of n rows (sized for the widest),
// owned by the calling thread and reused across forward passes (a batch-1 call must not hit
// malloc each time). Shared by PackedMlp and QuantizedMlp.
Status activation_buffers(const MlpSpec& s, int64_t n, int64_t stop, float* out[2]);

struct TrainConfig {
  LossKind loss = LossKind::kCategoricalCrossEntropy;
  int64_t epochs = 10;
  int64_t batch_size = 32;
  bool shuffle = true;
  uint64_t seed = 0;
  OptimizerKind optimizer = OptimizerKind::kAdam;
  float lr = 1e-3f;
  float momentum = 0.0f;  // SGD
  bool nesterov = false;  // SGD
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  float weight_decay = 0.0f;  // L2 added to the gradient (SGD, Adam); decoupled for AdamW
  ScheduleKind schedule = ScheduleKind::kConstant;
  int64_t step_size = 10;     // kStep: epochs between decays
  float gamma = 0.1f;         // kStep / kExponential factor
  float min_lr = 0.0f;        // kCosine floor
  float clip_norm = 0.0f;     // > 0: clip the global gradient norm
  int64_t patience = 0;       // > 0: early stopping on the validation (else training) loss
  float min_delta = 0.0f;
  bool restore_best = true;
  int64_t report_every = 0;   // > 0: also report every this many steps inside an epoch
  // Distillation (TrainData::soft set): loss = (1 - alpha) * CE(labels)
  //   + alpha * T^2 * KL(soft || softmax(z / T)), soft = the teacher's softmax at temperature T.
  float distill_alpha = 0.5f;
  float distill_temperature = 1.0f;
};

struct TrainReport {
  int64_t epoch = 0;          // 1-based; the epoch in progress for step reports
  int64_t step = 0;           // optimizer steps so far
  bool end_of_epoch = false;
  double loss = 0;            // running mean training loss over the epoch so far
  double accuracy = -1;       // classification only, else -1
  double val_loss = -1, val_accuracy = -1;  // -1 when not computed
  double samples_per_sec = 0;
  double lr = 0;
};

struct TrainResult {
  int64_t epochs_run = 0;
  int64_t steps = 0;
  int64_t best_epoch = 0;
  bool stopped_early = false;
  bool cancelled = false;
  std::vector<TrainReport> history;  // one per epoch
};

// Targets: for softmax + categorical cross-entropy, Y holds one class index per row (n);
// otherwise Y is (n, outputs). X_val may be null (no validation).
struct TrainData {
  const float* X = nullptr;
  const float* Y = nullptr;
  int64_t n = 0;
  const float* X_val = nullptr;
  const float* Y_val = nullptr;
  int64_t n_val = 0;
  // Distillation targets (n, outputs): the teacher's probabilities at the distillation
  // temperature, rows aligned with X. Softmax output + categorical cross-entropy only.
  const float* soft = nullptr;
  // Pruning masks: empty, or one per layer (null = dense) of W's shape with 0/1 entries.
  // Masked weights are zeroed before training and after every optimizer step.
  std::vector<const float*> weight_masks;
};

using ReportFn = std::function<void(const TrainReport&)>;

// Runs cfg.epochs epochs (or until early stopping / cancellation) updating params in place.
// `cancel` is polled before every batch: a non-zero value stops after the current step.
Status mlp_train(const MlpSpec& spec, const MlpParams& params, const TrainData& data,
                 const TrainConfig& cfg, const ReportFn& report, const volatile int32_t* cancel,
                 TrainResult* result);

// Loss of the network on (X, Y) and accuracy for classification (else -1): the evaluation
// used by the training loop, exposed for tests and gradient checks.
Status mlp_evaluate(const MlpSpec& spec, const MlpParams& params, LossKind loss, const float* X,
                    const float* Y, int64_t n, double* loss_out, double* accuracy_out);

// Gradients of the mean loss over (X, Y) w.r.t. every parameter (no dropout), into gw/gb
// shaped like params. For gradient checks.
Status mlp_gradients(const MlpSpec& spec, const MlpParams& params, LossKind loss, const float* X,
                     const float* Y, int64_t n, const MlpParams& grads);

}  // namespace amaas

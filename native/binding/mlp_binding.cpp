// JS entry points of the MLP: init, forward (sync and async), evaluate, and train. Training is
// one AsyncProgressQueueWorker: whole epochs run on a worker thread, every report is queued to the
// JS thread (none dropped), and a caller-owned Int32Array flag cancels between batches.
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "amaas/cuda.h"
#include "amaas/mlp.h"
#include "bindings.h"
#include "errors.h"
#include "packed_handle.h"
#include "worker.h"

namespace amaas::binding {
namespace {

double GetNumber(Napi::Env env, const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber())
    ThrowCode(env, ErrorCode::kInvalidArgument,
              std::string("Expected number for ") + key + " but received " + Describe(v));
  return v.As<Napi::Number>().DoubleValue();
}

int64_t GetInt(Napi::Env env, const Napi::Object& o, const char* key, int64_t fallback, int64_t lo,
               int64_t hi) {
  double d = GetNumber(env, o, key, static_cast<double>(fallback));
  if (d != static_cast<double>(static_cast<int64_t>(d)) || d < lo || d > hi)
    ThrowCode(env, ErrorCode::kInvalidArgument,
              std::string("Expected integer in [") + std::to_string(lo) + ", " + std::to_string(hi) +
                  "] for " + key + " but received " + Describe(o.Get(key)));
  return static_cast<int64_t>(d);
}

// spec: { sizes: number[], hidden: 0..4, output: 0..2, dropout: number }
}  // namespace

MlpSpec ReadSpec(Napi::Env env, Napi::Value v) {
  if (!v.IsObject()) ThrowCode(env, ErrorCode::kInvalidArgument, "Expected spec object but received " + Describe(v));
  Napi::Object o = v.As<Napi::Object>();
  Napi::Value sizes = o.Get("sizes");
  if (!sizes.IsArray())
    ThrowCode(env, ErrorCode::kInvalidArgument, "Expected array for spec.sizes but received " + Describe(sizes));
  MlpSpec s;
  Napi::Array a = sizes.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 1) || d != static_cast<double>(static_cast<int64_t>(d)))
      ThrowCode(env, ErrorCode::kInvalidArgument,
                "Expected positive integer layer sizes but received " + Describe(e) + " at index " + std::to_string(i));
    s.sizes.push_back(static_cast<int64_t>(d));
  }
  s.hidden = static_cast<Activation>(GetInt(env, o, "hidden", 1, 0, 4));
  s.output = static_cast<OutputKind>(GetInt(env, o, "output", 2, 0, 2));
  s.dropout = static_cast<float>(GetNumber(env, o, "dropout", 0.0));
  ThrowIfError(env, mlp_check(s));
  return s;
}

// weights: [W0, b0, W1, b1, ...] Float32Arrays of the spec's shapes.
MlpParams ReadParams(Napi::Env env, const MlpSpec& s, Napi::Value v, std::vector<Napi::Object>* keep) {
  if (!v.IsArray())
    ThrowCode(env, ErrorCode::kInvalidArgument, "Expected array of Float32Array weights but received " + Describe(v));
  Napi::Array a = v.As<Napi::Array>();
  if (a.Length() != static_cast<uint32_t>(2 * s.layers()))
    ThrowCode(env, ErrorCode::kShapeMismatch,
              "Expected " + std::to_string(2 * s.layers()) + " weight arrays (W, b per layer) but received " +
                  std::to_string(a.Length()));
  MlpParams p;
  for (int64_t l = 0; l < s.layers(); ++l) {
    for (int which = 0; which < 2; ++which) {
      Napi::Value e = a.Get(static_cast<uint32_t>(2 * l + which));
      size_t want = static_cast<size_t>(which == 0 ? s.sizes[l] * s.sizes[l + 1] : s.sizes[l + 1]);
      napi_typedarray_type type;
      size_t len = 0;
      void* data = nullptr;
      if (napi_get_typedarray_info(env, e, &type, &len, &data, nullptr, nullptr) != napi_ok ||
          type != napi_float32_array)
        ThrowCode(env, ErrorCode::kInvalidType, "Expected Float32Array for layer weights but received " + Describe(e));
      if (len != want)
        ThrowCode(env, ErrorCode::kShapeMismatch,
                  std::string(which == 0 ? "W" : "b") + std::to_string(l) + " needs " + std::to_string(want) +
                      " elements but has " + std::to_string(len));
      (which == 0 ? p.w : p.b).push_back(static_cast<float*>(data));
      if (keep) keep->push_back(e.As<Napi::Object>());
    }
  }
  return p;
}

const float* ReadMatrix(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t rows, int64_t cols,
                        std::vector<Napi::Object>* keep) {
  F32Arg a = ReadF32(info, i, name);
  if (static_cast<double>(a.length) != static_cast<double>(rows) * cols)
    ThrowCode(info.Env(), ErrorCode::kShapeMismatch,
              std::string(name) + " needs " + std::to_string(rows * cols) + " elements (" + std::to_string(rows) + "x" +
                  std::to_string(cols) + ") but has " + std::to_string(a.length));
  if (keep) keep->push_back(a.array);
  return a.data;
}

namespace {

// mlpInit(spec, weights, init: 0 he | 1 xavier, seed)
Napi::Value MlpInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MlpSpec s = ReadSpec(env, info[0]);
  MlpParams p = ReadParams(env, s, info[1], nullptr);
  int64_t init = ReadNonNegativeInt(info, 2, "init");
  if (init > 1) ThrowCode(env, ErrorCode::kInvalidArgument, "Expected init 0 (he) or 1 (xavier)");
  uint64_t seed = static_cast<uint64_t>(ReadNonNegativeInt(info, 3, "seed"));
  ThrowIfError(env, Guarded([&] { return mlp_init(s, p, static_cast<InitKind>(init), seed); }));
  return env.Undefined();
}

struct ForwardCall {
  MlpSpec spec;
  MlpParams params;
  const float* X;
  float* Y;
  int64_t n;
  std::vector<Napi::Object> keep;
};

// (spec, weights, X, n, Y)
ForwardCall ParseForward(const Napi::CallbackInfo& info, bool for_async) {
  Napi::Env env = info.Env();
  ForwardCall c;
  c.spec = ReadSpec(env, info[0]);
  c.params = ReadParams(env, c.spec, info[1], for_async ? &c.keep : nullptr);
  c.n = ReadPositiveInt(info, 3, "n");
  c.X = ReadMatrix(info, 2, "X", c.n, c.spec.sizes[0], for_async ? &c.keep : nullptr);
  c.Y = const_cast<float*>(ReadMatrix(info, 4, "Y", c.n, c.spec.sizes.back(), for_async ? &c.keep : nullptr));
  return c;
}

Napi::Value MlpForward(const Napi::CallbackInfo& info) {
  ForwardCall c = ParseForward(info, false);
  ThrowIfError(info.Env(), Guarded([&] { return mlp_forward(c.spec, c.params, c.X, c.n, c.Y); }));
  return info.Env().Undefined();
}

Napi::Value MlpForwardAsync(const Napi::CallbackInfo& info) {
  auto c = std::make_shared<ForwardCall>(ParseForward(info, true));
  return TaskWorker::Start(info.Env(), [c] { return mlp_forward(c->spec, c->params, c->X, c->n, c->Y); }, c->keep);
}

Napi::Object ReportObject(Napi::Env env, const TrainReport& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("epoch", static_cast<double>(r.epoch));
  o.Set("step", static_cast<double>(r.step));
  o.Set("endOfEpoch", r.end_of_epoch);
  o.Set("loss", r.loss);
  if (r.accuracy >= 0) o.Set("accuracy", r.accuracy);
  if (r.val_loss >= 0) o.Set("valLoss", r.val_loss);
  if (r.val_accuracy >= 0) o.Set("valAccuracy", r.val_accuracy);
  o.Set("samplesPerSec", r.samples_per_sec);
  o.Set("lr", r.lr);
  return o;
}

TrainConfig ReadConfig(Napi::Env env, Napi::Value v) {
  if (!v.IsObject()) ThrowCode(env, ErrorCode::kInvalidArgument, "Expected config object but received " + Describe(v));
  Napi::Object o = v.As<Napi::Object>();
  TrainConfig c;
  c.loss = static_cast<LossKind>(GetInt(env, o, "loss", 2, 0, 2));
  c.epochs = GetInt(env, o, "epochs", 10, 1, int64_t(1) << 31);
  c.batch_size = GetInt(env, o, "batchSize", 32, 1, int64_t(1) << 31);
  c.shuffle = GetNumber(env, o, "shuffle", 1) != 0;
  c.seed = static_cast<uint64_t>(GetInt(env, o, "seed", 0, 0, int64_t(1) << 52));
  c.optimizer = static_cast<OptimizerKind>(GetInt(env, o, "optimizer", 1, 0, 2));
  c.lr = static_cast<float>(GetNumber(env, o, "lr", 1e-3));
  c.momentum = static_cast<float>(GetNumber(env, o, "momentum", 0));
  c.nesterov = GetNumber(env, o, "nesterov", 0) != 0;
  c.beta1 = static_cast<float>(GetNumber(env, o, "beta1", 0.9));
  c.beta2 = static_cast<float>(GetNumber(env, o, "beta2", 0.999));
  c.eps = static_cast<float>(GetNumber(env, o, "eps", 1e-8));
  c.weight_decay = static_cast<float>(GetNumber(env, o, "weightDecay", 0));
  c.schedule = static_cast<ScheduleKind>(GetInt(env, o, "schedule", 0, 0, 3));
  c.step_size = GetInt(env, o, "stepSize", 10, 1, int64_t(1) << 31);
  c.gamma = static_cast<float>(GetNumber(env, o, "gamma", 0.1));
  c.min_lr = static_cast<float>(GetNumber(env, o, "minLr", 0));
  c.clip_norm = static_cast<float>(GetNumber(env, o, "clipNorm", 0));
  c.patience = GetInt(env, o, "patience", 0, 0, int64_t(1) << 31);
  c.min_delta = static_cast<float>(GetNumber(env, o, "minDelta", 0));
  c.restore_best = GetNumber(env, o, "restoreBest", 1) != 0;
  c.report_every = GetInt(env, o, "reportEvery", 0, 0, int64_t(1) << 31);
  c.distill_alpha = static_cast<float>(GetNumber(env, o, "distillAlpha", 0.5));
  c.distill_temperature = static_cast<float>(GetNumber(env, o, "distillTemperature", 1.0));
  return c;
}

// The training loop a worker runs: mlp_train (CPU) or cuda::mlp_train (GPU), same contract.
using TrainFn = Status (*)(const MlpSpec&, const MlpParams&, const TrainData&, const TrainConfig&,
                           const ReportFn&, const volatile int32_t*, TrainResult*);

class TrainWorker : public Napi::AsyncProgressQueueWorker<TrainReport> {
 public:
  TrainWorker(Napi::Env env, TrainFn train, MlpSpec spec, MlpParams params, TrainData data, TrainConfig cfg,
              const int32_t* cancel, Napi::Function on_report, const std::vector<Napi::Object>& keep)
      : Napi::AsyncProgressQueueWorker<TrainReport>(env, "amaas.train"),
        deferred_(Napi::Promise::Deferred::New(env)),
        train_(train),
        spec_(std::move(spec)),
        params_(std::move(params)),
        data_(data),
        cfg_(cfg),
        cancel_(cancel) {
    if (!on_report.IsEmpty()) on_report_ = Napi::Persistent(on_report);
    for (const auto& o : keep) refs_.push_back(Napi::Persistent(o));
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute(const ExecutionProgress& progress) override {
    status_ = Guarded([&] {
      return train_(spec_, params_, data_, cfg_,
                       [&progress](const TrainReport& r) { progress.Send(&r, 1); },
                       reinterpret_cast<const volatile int32_t*>(cancel_), &result_);
    });
  }

  void OnProgress(const TrainReport* data, size_t count) override {
    if (on_report_.IsEmpty()) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    for (size_t i = 0; i < count; ++i) {
      // A throwing callback must not abort training or the process: report it at the end.
      try {
        on_report_.Call({ReportObject(env, data[i])});
      } catch (const Napi::Error& e) {
        if (callback_error_.empty()) callback_error_ = e.Message();
      }
    }
  }

  void OnOK() override { Settle(); }
  void OnError(const Napi::Error&) override { Settle(); }

 private:
  void Settle() {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    refs_.clear();
    if (!status_.ok()) {
      deferred_.Reject(MakeError(env, status_.code(), status_.message()).Value());
      return;
    }
    Napi::Object r = Napi::Object::New(env);
    r.Set("epochsRun", static_cast<double>(result_.epochs_run));
    r.Set("steps", static_cast<double>(result_.steps));
    r.Set("bestEpoch", static_cast<double>(result_.best_epoch));
    r.Set("stoppedEarly", result_.stopped_early);
    r.Set("cancelled", result_.cancelled);
    Napi::Array h = Napi::Array::New(env, result_.history.size());
    for (size_t i = 0; i < result_.history.size(); ++i) h.Set(static_cast<uint32_t>(i), ReportObject(env, result_.history[i]));
    r.Set("history", h);
    if (!callback_error_.empty()) r.Set("callbackError", callback_error_);
    deferred_.Resolve(r);
  }

  Napi::Promise::Deferred deferred_;
  TrainFn train_;
  MlpSpec spec_;
  MlpParams params_;
  TrainData data_;
  TrainConfig cfg_;
  const int32_t* cancel_;
  Napi::FunctionReference on_report_;
  std::vector<Napi::ObjectReference> refs_;
  Status status_;
  TrainResult result_;
  std::string callback_error_;
};

// mlpTrain(spec, weights, X, Y, n, Xval|null, Yval|null, nVal, config, onReport|null, cancel: Int32Array(1)
//          [, soft|null, masks|null]) and cudaMlpTrain(same arguments): one parser, one worker, the
// loop chosen by `train`.
Napi::Value StartTrain(const Napi::CallbackInfo& info, TrainFn train, const char* name) {
  Napi::Env env = info.Env();
  if (info.Length() != 11 && info.Length() != 13)
    ThrowCode(env, ErrorCode::kInvalidArgument,
              std::string(name) + " expects 11 or 13 arguments but received " + std::to_string(info.Length()));
  std::vector<Napi::Object> keep;
  MlpSpec s = ReadSpec(env, info[0]);
  MlpParams p = ReadParams(env, s, info[1], &keep);
  TrainConfig cfg = ReadConfig(env, info[8]);
  const int64_t ty = cfg.loss == LossKind::kCategoricalCrossEntropy ? 1 : s.sizes.back();
  TrainData d;
  d.n = ReadPositiveInt(info, 4, "n");
  d.X = ReadMatrix(info, 2, "X", d.n, s.sizes[0], &keep);
  d.Y = ReadMatrix(info, 3, "Y", d.n, ty, &keep);
  if (!IsNullish(info[5])) {
    d.n_val = ReadPositiveInt(info, 7, "nVal");
    d.X_val = ReadMatrix(info, 5, "Xval", d.n_val, s.sizes[0], &keep);
    d.Y_val = ReadMatrix(info, 6, "Yval", d.n_val, ty, &keep);
  }
  // Optional: soft targets (n, outputs) for distillation, and per-layer pruning masks.
  if (info.Length() == 13) {
    if (!IsNullish(info[11])) d.soft = ReadMatrix(info, 11, "soft", d.n, s.sizes.back(), &keep);
    if (!IsNullish(info[12])) {
      if (!info[12].IsArray())
        ThrowCode(env, ErrorCode::kInvalidArgument, "Expected an array of masks but received " + Describe(info[12]));
      Napi::Array masks = info[12].As<Napi::Array>();
      if (masks.Length() != static_cast<uint32_t>(s.layers()))
        ThrowCode(env, ErrorCode::kShapeMismatch, "Expected " + std::to_string(s.layers()) + " masks (or nulls) but received " +
                                                      std::to_string(masks.Length()));
      for (uint32_t l = 0; l < masks.Length(); ++l) {
        Napi::Value m = masks.Get(l);
        if (IsNullish(m)) {
          d.weight_masks.push_back(nullptr);
          continue;
        }
        napi_typedarray_type mt;
        size_t mlen = 0;
        void* mdata = nullptr;
        if (napi_get_typedarray_info(env, m, &mt, &mlen, &mdata, nullptr, nullptr) != napi_ok || mt != napi_float32_array)
          ThrowCode(env, ErrorCode::kInvalidType, "Expected Float32Array mask for layer " + std::to_string(l) + " but received " + Describe(m));
        if (mlen != static_cast<size_t>(s.sizes[l] * s.sizes[l + 1]))
          ThrowCode(env, ErrorCode::kShapeMismatch, "mask " + std::to_string(l) + " needs " +
                                                        std::to_string(s.sizes[l] * s.sizes[l + 1]) + " elements but has " + std::to_string(mlen));
        d.weight_masks.push_back(static_cast<const float*>(mdata));
        keep.push_back(m.As<Napi::Object>());
      }
    }
  }
  Napi::Function cb;
  if (!IsNullish(info[9])) {
    if (!info[9].IsFunction())
      ThrowCode(env, ErrorCode::kInvalidArgument, "Expected function for onReport but received " + Describe(info[9]));
    cb = info[9].As<Napi::Function>();
  }
  napi_typedarray_type type;
  size_t len = 0;
  void* flag = nullptr;
  if (napi_get_typedarray_info(env, info[10], &type, &len, &flag, nullptr, nullptr) != napi_ok ||
      type != napi_int32_array || len < 1)
    ThrowCode(env, ErrorCode::kInvalidType, "Expected Int32Array(1) cancel flag but received " + Describe(info[10]));
  keep.push_back(info[10].As<Napi::Object>());
  auto* w = new TrainWorker(env, train, std::move(s), std::move(p), d, cfg, static_cast<const int32_t*>(flag), cb, keep);
  Napi::Promise promise = w->Promise();
  w->Queue();
  return promise;
}

Napi::Value MlpTrain(const Napi::CallbackInfo& info) { return StartTrain(info, mlp_train, "mlpTrain"); }
Napi::Value CudaMlpTrain(const Napi::CallbackInfo& info) { return StartTrain(info, cuda::mlp_train, "cudaMlpTrain"); }

Napi::Value CudaMlpForward(const Napi::CallbackInfo& info) {
  auto c = std::make_shared<ForwardCall>(ParseForward(info, true));
  return TaskWorker::Start(info.Env(), [c] { return cuda::mlp_forward(c->spec, c->params, c->X, c->n, c->Y); }, c->keep);
}

// mlpEvaluate(spec, weights, X, Y, n, loss) -> { loss, accuracy? }   (sync; callers batch)
Napi::Value MlpEvaluate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MlpSpec s = ReadSpec(env, info[0]);
  MlpParams p = ReadParams(env, s, info[1], nullptr);
  int64_t loss = ReadNonNegativeInt(info, 5, "loss");
  if (loss > 2) ThrowCode(env, ErrorCode::kInvalidArgument, "Expected loss code 0..2");
  const int64_t n = ReadPositiveInt(info, 4, "n");
  const int64_t ty = loss == 2 ? 1 : s.sizes.back();
  const float* X = ReadMatrix(info, 2, "X", n, s.sizes[0], nullptr);
  const float* Y = ReadMatrix(info, 3, "Y", n, ty, nullptr);
  double l = 0, acc = -1;
  ThrowIfError(env, Guarded([&] { return mlp_evaluate(s, p, static_cast<LossKind>(loss), X, Y, n, &l, &acc); }));
  Napi::Object o = Napi::Object::New(env);
  o.Set("loss", l);
  if (acc >= 0) o.Set("accuracy", acc);
  return o;
}

// ---- packed inference ---------------------------------------------------------------------

class PackedMlpWrap : public PackedHandle<PackedMlpWrap, PackedMlp> {
 public:
  static constexpr const char* kName = "PackedMlp";
  static Napi::Function Define(Napi::Env env) { return DefineClass(env, kName, HandleProperties()); }
  explicit PackedMlpWrap(const Napi::CallbackInfo& info) : PackedHandle(info) {}
};

// mlpPack(spec, weights) -> PackedMlp
Napi::Value MlpPack(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MlpSpec s = ReadSpec(env, info[0]);
  MlpParams p = ReadParams(env, s, info[1], nullptr);
  std::unique_ptr<PackedMlp> net;
  ThrowIfError(env, Guarded([&] { return PackedMlp::create(s, p, &net); }));
  Napi::Object obj = AddonData::Get(env).packed_mlp_ctor.New({});
  PackedMlpWrap::Unwrap(obj)->Adopt(env, std::move(net));
  return obj;
}

struct PackedPredictCall {
  PackedMlpWrap* wrap;
  const PackedMlp* net;
  const float* X;
  float* Y;
  int64_t n;
  std::vector<Napi::Object> keep;
};

// (packed, X, n, Y)
PackedPredictCall ParsePackedPredict(const Napi::CallbackInfo& info, bool for_async) {
  Napi::Env env = info.Env();
  Napi::Value pv = info[0];
  if (!pv.IsObject() || !pv.As<Napi::Object>().InstanceOf(AddonData::Get(env).packed_mlp_ctor.Value()))
    ThrowCode(env, ErrorCode::kInvalidType, "Expected PackedMlp (from mlpPack) but received " + Describe(pv));
  PackedPredictCall c;
  c.wrap = PackedMlpWrap::Unwrap(pv.As<Napi::Object>());
  c.net = &c.wrap->Use(env);
  c.n = ReadPositiveInt(info, 2, "n");
  const MlpSpec& s = c.net->spec();
  c.X = ReadMatrix(info, 1, "X", c.n, s.sizes[0], for_async ? &c.keep : nullptr);
  c.Y = const_cast<float*>(ReadMatrix(info, 3, "Y", c.n, s.sizes.back(), for_async ? &c.keep : nullptr));
  if (for_async) c.keep.push_back(pv.As<Napi::Object>());
  return c;
}

Napi::Value MlpPredictPacked(const Napi::CallbackInfo& info) {
  PackedPredictCall c = ParsePackedPredict(info, false);
  ThrowIfError(info.Env(), Guarded([&] { return c.net->forward(c.X, c.n, c.Y); }));
  return info.Env().Undefined();
}

Napi::Value MlpPredictPackedAsync(const Napi::CallbackInfo& info) {
  auto c = std::make_shared<PackedPredictCall>(ParsePackedPredict(info, true));
  c->wrap->Acquire();
  return TaskWorker::Start(info.Env(), [c] { return c->net->forward(c->X, c->n, c->Y); }, c->keep, nullptr,
                           [c] { c->wrap->Unacquire(); });
}

}  // namespace

void InitMlp(Napi::Env env, Napi::Object exports) {
  AddonData::Get(env).packed_mlp_ctor = Napi::Persistent(PackedMlpWrap::Define(env));
  exports.Set("mlpPack", Napi::Function::New<MlpPack>(env, "mlpPack"));
  exports.Set("mlpPredictPacked", Napi::Function::New<MlpPredictPacked>(env, "mlpPredictPacked"));
  exports.Set("mlpPredictPackedAsync", Napi::Function::New<MlpPredictPackedAsync>(env, "mlpPredictPackedAsync"));
  exports.Set("mlpInit", Napi::Function::New<MlpInit>(env, "mlpInit"));
  exports.Set("mlpForward", Napi::Function::New<MlpForward>(env, "mlpForward"));
  exports.Set("mlpForwardAsync", Napi::Function::New<MlpForwardAsync>(env, "mlpForwardAsync"));
  exports.Set("mlpTrain", Napi::Function::New<MlpTrain>(env, "mlpTrain"));
  exports.Set("mlpEvaluate", Napi::Function::New<MlpEvaluate>(env, "mlpEvaluate"));
  exports.Set("cudaMlpTrain", Napi::Function::New<CudaMlpTrain>(env, "cudaMlpTrain"));
  exports.Set("cudaMlpForward", Napi::Function::New<CudaMlpForward>(env, "cudaMlpForward"));
}

}  // namespace amaas::binding

// JS entry points of the CUDA backend: cudaInfo, cudaGemm and cudaQgemm (AsyncWorkers: a GPU call
// includes host<->device copies, far above the ~1 ms async threshold), and the int8 scheme's
// scalar twins (quantizeRowsReference, qgemmReference) that results are validated against.
// The MLP's GPU entries (cudaMlpTrain, cudaMlpForward) live in mlp_binding.cpp with their CPU
// twins, sharing the argument parsers and the training worker.
// Without a device every GPU call rejects with code UNAVAILABLE and the reason; nothing aborts.
#include <napi.h>

#include <cmath>
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "amaas/cuda.h"
#include "amaas/gemm.h"
#include "bindings.h"
#include "errors.h"
#include "worker.h"

namespace amaas::binding {
namespace {

// Reads an optional options object; `get(key)` returns undefined for a missing object.
class Options {
 public:
  Options(Napi::Env env, Napi::Value v, const char* what) : env_(env) {
    if (IsNullish(v)) return;
    if (!v.IsObject())
      ThrowCode(env, ErrorCode::kInvalidArgument, std::string("Expected options object for ") + what + " but received " + Describe(v));
    obj_ = v.As<Napi::Object>();
  }
  Napi::Value get(const char* key) const { return obj_.IsEmpty() ? env_.Undefined() : obj_.Get(key); }
  bool boolean(const char* key, bool fallback) const {
    Napi::Value v = get(key);
    if (v.IsUndefined()) return fallback;
    if (!v.IsBoolean())
      ThrowCode(env_, ErrorCode::kInvalidArgument, std::string("Expected boolean for ") + key + " but received " + Describe(v));
    return v.As<Napi::Boolean>().Value();
  }
  double number(const char* key, double fallback) const {
    Napi::Value v = get(key);
    if (v.IsUndefined()) return fallback;
    if (!v.IsNumber() || !std::isfinite(v.As<Napi::Number>().DoubleValue()))
      ThrowCode(env_, ErrorCode::kInvalidArgument, std::string("Expected finite number for ") + key + " but received " + Describe(v));
    return v.As<Napi::Number>().DoubleValue();
  }
  Activation activation() const {
    const double a = number("activation", 0);
    if (a != static_cast<int>(a) || a < 0 || a > static_cast<int>(Activation::kGelu))
      ThrowCode(env_, ErrorCode::kInvalidArgument,
                "Expected activation code 0..4 (identity, relu, sigmoid, tanh, gelu) but received " + Describe(get("activation")));
    return static_cast<Activation>(static_cast<int>(a));
  }
  // bias: Float32Array of exactly N elements, or absent/null.
  const float* bias(int64_t N, std::vector<Napi::Object>* keep) const {
    Napi::Value v = get("bias");
    if (IsNullish(v)) return nullptr;
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      ThrowCode(env_, ErrorCode::kInvalidType, "Expected Float32Array for bias but received " + Describe(v));
    Napi::Float32Array a = v.As<Napi::Float32Array>();
    if (static_cast<int64_t>(a.ElementLength()) != N)
      ThrowCode(env_, ErrorCode::kShapeMismatch,
                "bias needs " + std::to_string(N) + " elements (N) but has " + std::to_string(a.ElementLength()));
    keep->push_back(a);
    return a.Data();
  }

 private:
  Napi::Env env_;
  Napi::Object obj_;
};

// A contiguous matrix argument of exactly rows * cols elements.
template <typename T>
T* Exact(Napi::Env env, Napi::Value v, napi_typedarray_type type, const char* type_name, const char* name,
         int64_t rows, int64_t cols, std::vector<Napi::Object>* keep) {
  napi_typedarray_type got;
  size_t len = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, v, &got, &len, &data, nullptr, nullptr) != napi_ok || got != type)
    ThrowCode(env, ErrorCode::kInvalidType, std::string("Expected ") + type_name + " for " + name + " but received " + Describe(v));
  if (static_cast<double>(len) != static_cast<double>(rows) * static_cast<double>(cols))
    ThrowCode(env, ErrorCode::kShapeMismatch,
              std::string(name) + " needs " + std::to_string(rows * cols) + " elements (" + std::to_string(rows) + "x" +
                  std::to_string(cols) + ") but has " + std::to_string(len));
  if (keep) keep->push_back(v.As<Napi::Object>());
  return static_cast<T*>(data);
}

void CheckDistinct(Napi::Env env, const void* out, size_t out_bytes, const void* in, size_t in_bytes, const char* out_name,
                   const char* in_name) {
  const char* o = static_cast<const char*>(out);
  const char* i = static_cast<const char*>(in);
  if (o < i + in_bytes && i < o + out_bytes)
    ThrowCode(env, ErrorCode::kInvalidArgument,
              std::string(out_name) + " must not share memory with " + in_name + " (write to a separate Float32Array)");
}

Napi::Value CudaInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  cuda::DeviceProps p;
  const Status st = cuda::device_props(&p);
  o.Set("builtWithCuda", cuda::built_with_cuda());
  o.Set("available", st.ok());
  o.Set("reason", st.ok() ? std::string("CUDA backend active") : st.message());
  if (st.ok()) {
    Napi::Object d = Napi::Object::New(env);
    d.Set("index", p.index);
    d.Set("name", p.name);
    d.Set("computeCapability", std::to_string(p.major) + "." + std::to_string(p.minor));
    d.Set("smCount", p.sm_count);
    d.Set("totalMemory", static_cast<double>(p.total_memory));
    o.Set("device", d);
  }
  o.Set("runtimeVersion", p.runtime_version);
  o.Set("driverVersion", p.driver_version);
  return o;
}

// cudaGemm(C, A, B, M, N, K, { transA, transB, alpha, beta, bias, activation, precision }) -> Promise<void>
// Contiguous row-major matrices: A (M,K) or (K,M) with transA, B (K,N) or (N,K) with transB, C (M,N).
Napi::Value CudaGemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct Call {
    float* C;
    const float* A;
    const float* B;
    int64_t M, N, K;
    GemmParams p;
    cuda::Precision precision = cuda::Precision::kF32;
    std::vector<Napi::Object> keep;
  };
  auto c = std::make_shared<Call>();
  c->M = ReadPositiveInt(info, 3, "M");
  c->N = ReadPositiveInt(info, 4, "N");
  c->K = ReadPositiveInt(info, 5, "K");
  Options o(env, info[6], "cudaGemm");
  c->p.trans_a = o.boolean("transA", false);
  c->p.trans_b = o.boolean("transB", false);
  c->p.alpha = static_cast<float>(o.number("alpha", 1.0));
  c->p.beta = static_cast<float>(o.number("beta", 0.0));
  c->p.act = o.activation();
  c->p.bias = o.bias(c->N, &c->keep);
  Napi::Value prec = o.get("precision");
  if (!prec.IsUndefined()) {
    const std::string name = prec.IsString() ? prec.As<Napi::String>().Utf8Value() : std::string();
    if (!cuda::parse_precision(name.c_str(), &c->precision))
      ThrowCode(env, ErrorCode::kInvalidArgument,
                "Expected precision 'fp32', 'tf32' or 'bf16' but received " + (prec.IsString() ? "'" + name + "'" : Describe(prec)));
  }
  const int64_t M = c->M, N = c->N, K = c->K;
  c->C = Exact<float>(env, info[0], napi_float32_array, "Float32Array", "C", M, N, &c->keep);
  c->A = Exact<float>(env, info[1], napi_float32_array, "Float32Array", "A", c->p.trans_a ? K : M, c->p.trans_a ? M : K, &c->keep);
  c->B = Exact<float>(env, info[2], napi_float32_array, "Float32Array", "B", c->p.trans_b ? N : K, c->p.trans_b ? K : N, &c->keep);
  CheckDistinct(env, c->C, sizeof(float) * M * N, c->A, sizeof(float) * M * K, "C", "A");
  CheckDistinct(env, c->C, sizeof(float) * M * N, c->B, sizeof(float) * K * N, "C", "B");
  return TaskWorker::Start(
      env,
      [c] {
        return cuda::gemm(c->C, c->N, c->A, c->p.trans_a ? c->M : c->K, c->B, c->p.trans_b ? c->K : c->N, c->M, c->N,
                          c->K, c->p, c->precision);
      },
      c->keep);
}

struct QgemmCall {
  float* C;
  const float* A;
  const int8_t* W;
  const float* w_scale;
  int64_t M, N, K;
  const float* bias;
  Activation act;
  std::vector<Napi::Object> keep;
};

// (C, A, W, wScale, M, N, K, { bias, activation }): C (M,N), A (M,K) fp32, W (N,K) Int8Array, wScale (N).
QgemmCall ParseQgemm(const Napi::CallbackInfo& info, bool for_async) {
  Napi::Env env = info.Env();
  QgemmCall c;
  c.M = ReadPositiveInt(info, 4, "M");
  c.N = ReadPositiveInt(info, 5, "N");
  c.K = ReadPositiveInt(info, 6, "K");
  Options o(env, info[7], "qgemm");
  c.act = o.activation();
  c.bias = o.bias(c.N, &c.keep);
  std::vector<Napi::Object>* keep = for_async ? &c.keep : nullptr;
  c.C = Exact<float>(env, info[0], napi_float32_array, "Float32Array", "C", c.M, c.N, keep);
  c.A = Exact<float>(env, info[1], napi_float32_array, "Float32Array", "A", c.M, c.K, keep);
  c.W = Exact<int8_t>(env, info[2], napi_int8_array, "Int8Array", "W", c.N, c.K, keep);
  c.w_scale = Exact<float>(env, info[3], napi_float32_array, "Float32Array", "wScale", 1, c.N, keep);
  CheckDistinct(env, c.C, sizeof(float) * c.M * c.N, c.A, sizeof(float) * c.M * c.K, "C", "A");
  return c;
}

Napi::Value CudaQgemm(const Napi::CallbackInfo& info) {
  auto c = std::make_shared<QgemmCall>(ParseQgemm(info, true));
  return TaskWorker::Start(
      info.Env(),
      [c] { return cuda::qgemm(c->C, c->N, c->A, c->K, c->W, c->K, c->w_scale, c->M, c->N, c->K, c->bias, c->act); },
      c->keep);
}

// Synchronous scalar twin (single thread: for validation on small or sampled problems).
Napi::Value QgemmReference(const Napi::CallbackInfo& info) {
  QgemmCall c = ParseQgemm(info, false);
  ThrowIfError(info.Env(), Guarded([&] {
    return cuda::qgemm_reference(c.C, c.N, c.A, c.K, c.W, c.K, c.w_scale, c.M, c.N, c.K, c.bias, c.act);
  }));
  return info.Env().Undefined();
}

// quantizeRowsReference(X, rows, cols) / quantizeWeightsReference(W, N, K)
//   -> { q: Int8Array (rows*cols), scale: Float32Array (rows) }: the scheme's symmetric per-row
// quantization of activations (x * 1/scale) and of weights, one row per output channel (w / scale).
template <bool kWeights>
Napi::Value QuantizeReference(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t rows = ReadPositiveInt(info, 1, "rows"), cols = ReadPositiveInt(info, 2, "cols");
  const float* X = Exact<float>(env, info[0], napi_float32_array, "Float32Array", "X", rows, cols, nullptr);
  Napi::Int8Array q = Napi::Int8Array::New(env, static_cast<size_t>(rows * cols));
  Napi::Float32Array scale = Napi::Float32Array::New(env, static_cast<size_t>(rows));
  ThrowIfError(env, Guarded([&] {
    return kWeights ? cuda::quantize_weights_reference(q.Data(), scale.Data(), X, cols, rows, cols)
                    : cuda::quantize_rows_reference(q.Data(), cols, scale.Data(), X, cols, rows, cols);
  }));
  Napi::Object o = Napi::Object::New(env);
  o.Set("q", q);
  o.Set("scale", scale);
  return o;
}

// cudaKernelTime(kind, M, N, K, iters) -> Promise<median ms>: kernel only, operands on the device.
Napi::Value CudaKernelTime(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString())
    ThrowCode(env, ErrorCode::kInvalidArgument, "Expected 'fp32', 'tf32', 'bf16' or 'int8' for kind but received " + Describe(info[0]));
  auto kind = std::make_shared<std::string>(info[0].As<Napi::String>().Utf8Value());
  const int64_t M = ReadPositiveInt(info, 1, "M"), N = ReadPositiveInt(info, 2, "N"), K = ReadPositiveInt(info, 3, "K");
  const int iters = static_cast<int>(std::min<int64_t>(ReadPositiveInt(info, 4, "iters"), 10000));
  auto out = std::make_shared<double>(0.0);
  return TaskWorker::Start(
      env, [kind, M, N, K, iters, out] { return cuda::time_gemm_kernel(kind->c_str(), M, N, K, iters, out.get()); }, {},
      [out](Napi::Env e) { return Napi::Number::New(e, *out); });
}

}  // namespace

void InitCuda(Napi::Env env, Napi::Object exports) {
  exports.Set("cudaInfo", Napi::Function::New<CudaInfo>(env, "cudaInfo"));
  exports.Set("cudaGemm", Napi::Function::New<CudaGemm>(env, "cudaGemm"));
  exports.Set("cudaQgemm", Napi::Function::New<CudaQgemm>(env, "cudaQgemm"));
  exports.Set("cudaKernelTime", Napi::Function::New<CudaKernelTime>(env, "cudaKernelTime"));
  exports.Set("qgemmReference", Napi::Function::New<QgemmReference>(env, "qgemmReference"));
  exports.Set("quantizeRowsReference", Napi::Function::New<QuantizeReference<false>>(env, "quantizeRowsReference"));
  exports.Set("quantizeWeightsReference", Napi::Function::New<QuantizeReference<true>>(env, "quantizeWeightsReference"));
}

}  // namespace amaas::binding

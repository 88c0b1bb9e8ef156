// Quantized kernels for JS: weight quantization, packed int8/int4 handles, the products (sync,
// and on a worker for large ones), the raw u8s8s32 product for benchmarks and conformance, the
// int8 peak probe, and QuantizedMlp (one call per forward pass).
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "amaas/qgemm.h"
#include "amaas/qmlp.h"
#include "bindings.h"
#include "errors.h"
#include "packed_handle.h"
#include "worker.h"

namespace amaas::binding {
namespace {

template <class T>
struct TypedArg {
  Napi::Object array;
  T* data = nullptr;
  size_t length = 0;
};

const char* TypedName(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_float32_array: return "Float32Array";
    default: return "typed array";
  }
}

template <class T>
TypedArg<T> ReadTyped(Napi::Env env, Napi::Value v, napi_typedarray_type want, const std::string& name,
                      size_t expect) {
  napi_typedarray_type type;
  size_t len = 0;
  void* data = nullptr;
  if (!v.IsTypedArray() || napi_get_typedarray_info(env, v, &type, &len, &data, nullptr, nullptr) != napi_ok ||
      type != want)
    ThrowCode(env, ErrorCode::kInvalidType, "Expected " + std::string(TypedName(want)) + " for " + name +
                                                " but received " + Describe(v));
  if (expect != static_cast<size_t>(-1) && len != expect)
    ThrowCode(env, ErrorCode::kShapeMismatch,
              name + " needs " + std::to_string(expect) + " elements but has " + std::to_string(len));
  return {v.As<Napi::Object>(), static_cast<T*>(data), len};
}

QLevel ReadLevel(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || IsNullish(info[i])) return active_qlevel();
  if (!info[i].IsString())
    ThrowCode(info.Env(), ErrorCode::kInvalidArgument, "Expected a level name but received " + Describe(info[i]));
  QLevel level;
  std::string name = info[i].As<Napi::String>().Utf8Value();
  if (!parse_qlevel(name, &level))
    ThrowCode(info.Env(), ErrorCode::kInvalidArgument,
              "Unknown quantized kernel level '" + name + "' (scalar, avx2, avx-vnni, avx512-vnni-256, avx512-vnni)");
  return level;
}

Activation ReadAct(const Napi::CallbackInfo& info, size_t i) {
  int64_t a = ReadNonNegativeInt(info, i, "activation");
  if (a > 4) ThrowCode(info.Env(), ErrorCode::kInvalidArgument, "Expected activation 0..4");
  return static_cast<Activation>(a);
}

// A packed int8 (PackedQ8) or int4 (PackedQ4) weight matrix: the handle's properties plus k and n.
template <class T, const char* Name>
class PackedQWrap : public PackedHandle<PackedQWrap<T, Name>, T> {
 public:
  static constexpr const char* kName = Name;
  static Napi::Function Define(Napi::Env env) {
    auto props = PackedQWrap::HandleProperties();
    props.push_back(PackedQWrap::template InstanceAccessor<&PackedQWrap::GetK>("k"));
    props.push_back(PackedQWrap::template InstanceAccessor<&PackedQWrap::GetN>("n"));
    return PackedQWrap::DefineClass(env, kName, props);
  }
  explicit PackedQWrap(const Napi::CallbackInfo& info) : PackedHandle<PackedQWrap<T, Name>, T>(info) {}

 private:
  Napi::Value GetK(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), this->value() ? double(this->value()->k()) : 0); }
  Napi::Value GetN(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), this->value() ? double(this->value()->n()) : 0); }
};
constexpr char kPackedQ8Name[] = "PackedQ8";
constexpr char kPackedQ4Name[] = "PackedQ4";
using PackedQ8Wrap = PackedQWrap<PackedQ8, kPackedQ8Name>;
using PackedQ4Wrap = PackedQWrap<PackedQ4, kPackedQ4Name>;

class QuantizedMlpWrap : public PackedHandle<QuantizedMlpWrap, QuantizedMlp> {
 public:
  static constexpr const char* kName = "QuantizedMlp";
  static Napi::Function Define(Napi::Env env) {
    auto props = HandleProperties();
    props.push_back(InstanceAccessor<&QuantizedMlpWrap::GetLevel>("level"));
    return DefineClass(env, kName, props);
  }
  explicit QuantizedMlpWrap(const Napi::CallbackInfo& info) : PackedHandle(info) {}

 private:
  Napi::Value GetLevel(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), value() ? qlevel_name(value()->level()) : "");
  }
};

template <class Wrap>
Wrap* ReadHandle(Napi::Env env, Napi::Value v, Napi::FunctionReference& ctor, const char* from) {
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(ctor.Value()))
    ThrowCode(env, ErrorCode::kInvalidType,
              std::string("Expected ") + Wrap::kName + " (from " + from + ") but received " + Describe(v));
  return Wrap::Unwrap(v.As<Napi::Object>());
}

// qLevels() -> { supported: string[], active: string }
Napi::Value QLevels(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  Napi::Array all = Napi::Array::New(env);
  uint32_t i = 0;
  for (QLevel l : supported_qlevels()) all.Set(i++, Napi::String::New(env, qlevel_name(l)));
  out.Set("supported", all);
  out.Set("active", Napi::String::New(env, qlevel_name(active_qlevel())));
  return out;
}

// quantizeWeightsQ8(W, N, K, Q: Int8Array (N*K), scales: Float32Array (N))
Napi::Value QuantizeWeightsQ8(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t N = ReadPositiveInt(info, 1, "N"), K = ReadPositiveInt(info, 2, "K");
  const float* W = ReadMatrix(info, 0, "W", N, K, nullptr);
  auto Q = ReadTyped<int8_t>(env, info[3], napi_int8_array, "Q", size_t(N * K));
  auto s = ReadTyped<float>(env, info[4], napi_float32_array, "scales", size_t(N));
  ThrowIfError(env, Guarded([&] { return quantize_weights_q8(Q.data, s.data, W, K, N, K); }));
  return env.Undefined();
}

// quantizeWeightsQ4(W, N, K, nibbles: Uint8Array (N*ceil(K/2)), scales: Uint16Array (N*groups))
Napi::Value QuantizeWeightsQ4(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t N = ReadPositiveInt(info, 1, "N"), K = ReadPositiveInt(info, 2, "K");
  const float* W = ReadMatrix(info, 0, "W", N, K, nullptr);
  const int64_t G = q4_groups(K);
  auto q = ReadTyped<uint8_t>(env, info[3], napi_uint8_array, "nibbles", size_t(N * q4_row_bytes(K)));
  auto s = ReadTyped<uint16_t>(env, info[4], napi_uint16_array, "scales", size_t(N * G));
  ThrowIfError(env, Guarded([&] { return quantize_weights_q4(q.data, s.data, W, K, N, K); }));
  return env.Undefined();
}

// quantizeRowsQ8(A, M, K, actScale, Q: Int8Array (M*K), scales: Float32Array (M))
Napi::Value QuantizeRowsQ8(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t M = ReadPositiveInt(info, 1, "M"), K = ReadPositiveInt(info, 2, "K");
  const float* A = ReadMatrix(info, 0, "A", M, K, nullptr);
  float act_scale = static_cast<float>(ReadNumber(info, 3, "actScale"));
  auto Q = ReadTyped<int8_t>(env, info[4], napi_int8_array, "Q", size_t(M * K));
  auto s = ReadTyped<float>(env, info[5], napi_float32_array, "scales", size_t(M));
  ThrowIfError(env, Guarded([&] { return quantize_rows_q8(Q.data, s.data, A, K, M, K, act_scale); }));
  return env.Undefined();
}

// qPackQ8(Q: Int8Array, scales: Float32Array, N, K) -> PackedQ8
Napi::Value QPackQ8(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t N = ReadPositiveInt(info, 2, "N"), K = ReadPositiveInt(info, 3, "K");
  auto Q = ReadTyped<int8_t>(env, info[0], napi_int8_array, "Q", size_t(N * K));
  auto s = ReadTyped<float>(env, info[1], napi_float32_array, "scales", size_t(N));
  std::unique_ptr<PackedQ8> packed;
  ThrowIfError(env, Guarded([&] { return pack_q8(&packed, Q.data, K, s.data, N, K); }));
  Napi::Object obj = AddonData::Get(env).packed_q8_ctor.New({});
  PackedQ8Wrap::Unwrap(obj)->Adopt(env, std::move(packed));
  return obj;
}

// qPackQ4(nibbles: Uint8Array, scales: Uint16Array, N, K) -> PackedQ4
Napi::Value QPackQ4(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t N = ReadPositiveInt(info, 2, "N"), K = ReadPositiveInt(info, 3, "K");
  const int64_t G = q4_groups(K);
  auto q = ReadTyped<uint8_t>(env, info[0], napi_uint8_array, "nibbles", size_t(N * q4_row_bytes(K)));
  auto s = ReadTyped<uint16_t>(env, info[1], napi_uint16_array, "scales", size_t(N * G));
  std::unique_ptr<PackedQ4> packed;
  ThrowIfError(env, Guarded([&] { return pack_q4(&packed, q.data, s.data, N, K); }));
  Napi::Object obj = AddonData::Get(env).packed_q4_ctor.New({});
  PackedQ4Wrap::Unwrap(obj)->Adopt(env, std::move(packed));
  return obj;
}

// qgemmQ8|Q4(C, A, M, packed, bias|null, activation, actScale, level?)
struct QGemmCall {
  std::function<Status()> run;
  std::function<void()> release;
  std::vector<Napi::Object> keep;
};

QGemmCall ParseQGemm(const Napi::CallbackInfo& info, bool int4, bool for_async) {
  Napi::Env env = info.Env();
  AddonData& data = AddonData::Get(env);
  QGemmCall c;
  int64_t M = ReadPositiveInt(info, 2, "M");
  int64_t N, K;
  PackedQ8Wrap* w8 = nullptr;
  PackedQ4Wrap* w4 = nullptr;
  const PackedQ8* b8 = nullptr;
  const PackedQ4* b4 = nullptr;
  if (int4) {
    w4 = ReadHandle<PackedQ4Wrap>(env, info[3], data.packed_q4_ctor, "qPackQ4");
    b4 = &w4->Use(env);
    N = b4->n();
    K = b4->k();
  } else {
    w8 = ReadHandle<PackedQ8Wrap>(env, info[3], data.packed_q8_ctor, "qPackQ8");
    b8 = &w8->Use(env);
    N = b8->n();
    K = b8->k();
  }
  std::vector<Napi::Object>* keep = for_async ? &c.keep : nullptr;
  float* C = const_cast<float*>(ReadMatrix(info, 0, "C", M, N, keep));
  const float* A = ReadMatrix(info, 1, "A", M, K, keep);
  CheckNoOverlap(env, MatrixSpan(C, M, N, N), "C", MatrixSpan(A, M, K, K), "A");
  QGemmParams p;
  if (!IsNullish(info[4])) p.bias = ReadTyped<float>(env, info[4], napi_float32_array, "bias", size_t(N)).data;
  if (p.bias && keep) keep->push_back(info[4].As<Napi::Object>());
  p.act = ReadAct(info, 5);
  p.act_scale = static_cast<float>(ReadNumber(info, 6, "actScale"));
  const QLevel level = ReadLevel(info, 7);
  if (keep) keep->push_back(info[3].As<Napi::Object>());
  if (int4) {
    c.run = [=] { return qgemm_q4(C, N, A, K, *b4, M, p, level); };
    if (for_async) {
      w4->Acquire();
      c.release = [w4] { w4->Unacquire(); };
    }
  } else {
    c.run = [=] { return qgemm_q8(C, N, A, K, *b8, M, p, level); };
    if (for_async) {
      w8->Acquire();
      c.release = [w8] { w8->Unacquire(); };
    }
  }
  return c;
}

template <bool kInt4>
Napi::Value QGemm(const Napi::CallbackInfo& info) {
  QGemmCall c = ParseQGemm(info, kInt4, false);
  ThrowIfError(info.Env(), Guarded(c.run));
  return info.Env().Undefined();
}

template <bool kInt4>
Napi::Value QGemmAsync(const Napi::CallbackInfo& info) {
  auto c = std::make_shared<QGemmCall>(ParseQGemm(info, kInt4, true));
  return TaskWorker::Start(info.Env(), [c] { return c->run(); }, c->keep, nullptr, [c] { c->release(); });
}

// qgemmU8s8s32(C: Int32Array (M*N), A: Uint8Array (M*K), M, packed: PackedQ8, level?)
Napi::Value QGemmU8s8s32(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t M = ReadPositiveInt(info, 2, "M");
  auto* w = ReadHandle<PackedQ8Wrap>(env, info[3], AddonData::Get(env).packed_q8_ctor, "qPackQ8");
  const PackedQ8& b = w->Use(env);
  auto C = ReadTyped<int32_t>(env, info[0], napi_int32_array, "C", size_t(M * b.n()));
  auto A = ReadTyped<uint8_t>(env, info[1], napi_uint8_array, "A", size_t(M * b.k()));
  const QLevel level = ReadLevel(info, 4);
  ThrowIfError(env, Guarded([&] { return qgemm_u8s8s32(C.data, b.n(), A.data, b.k(), b, M, level); }));
  return env.Undefined();
}

// int8Peak(level|null, threads, seconds) -> GOP/s
Napi::Value Int8Peak(const Napi::CallbackInfo& info) {
  QLevel level = ReadLevel(info, 0);
  int64_t threads = ReadPositiveInt(info, 1, "threads");
  double seconds = ReadNumber(info, 2, "seconds");
  if (!(seconds > 0 && seconds <= 10))
    ThrowCode(info.Env(), ErrorCode::kInvalidArgument, "Expected seconds in (0, 10]");
  return Napi::Number::New(info.Env(), measure_int8_peak_gops(level, static_cast<int>(threads), seconds));
}

// qmlpCreate(spec, layers: [{ scheme: 0|1|2, w?, q8?, q8Scales?, actScale?, q4?, q4Scales?, bias }])
Napi::Value QmlpCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MlpSpec s = ReadSpec(env, info[0]);
  if (!info[1].IsArray())
    ThrowCode(env, ErrorCode::kInvalidArgument, "Expected an array of layers but received " + Describe(info[1]));
  Napi::Array arr = info[1].As<Napi::Array>();
  if (arr.Length() != static_cast<uint32_t>(s.layers()))
    ThrowCode(env, ErrorCode::kShapeMismatch, "Expected " + std::to_string(s.layers()) + " layers but received " +
                                                  std::to_string(arr.Length()));
  std::vector<QuantizedLayer> layers(static_cast<size_t>(s.layers()));
  for (uint32_t l = 0; l < arr.Length(); ++l) {
    Napi::Value v = arr.Get(l);
    if (!v.IsObject()) ThrowCode(env, ErrorCode::kInvalidArgument, "Expected a layer object at index " + std::to_string(l));
    Napi::Object o = v.As<Napi::Object>();
    const int64_t in = s.sizes[l], out = s.sizes[l + 1], G = q4_groups(in);
    const std::string at = " of layer " + std::to_string(l);
    Napi::Value scheme = o.Get("scheme");
    double sc = scheme.IsNumber() ? scheme.As<Napi::Number>().DoubleValue() : -1;
    if (sc != 0 && sc != 1 && sc != 2)
      ThrowCode(env, ErrorCode::kInvalidArgument, "Expected scheme 0 (fp32), 1 (int8) or 2 (int4)" + at);
    QuantizedLayer& q = layers[l];
    q.scheme = static_cast<LayerScheme>(static_cast<int>(sc));
    q.bias = ReadTyped<float>(env, o.Get("bias"), napi_float32_array, "bias" + at, size_t(out)).data;
    if (q.scheme == LayerScheme::kF32) {
      q.w = ReadTyped<float>(env, o.Get("w"), napi_float32_array, "w" + at, size_t(in * out)).data;
    } else if (q.scheme == LayerScheme::kInt8) {
      q.q8 = ReadTyped<int8_t>(env, o.Get("q8"), napi_int8_array, "q8" + at, size_t(in * out)).data;
      q.q8_scales = ReadTyped<float>(env, o.Get("q8Scales"), napi_float32_array, "q8Scales" + at, size_t(out)).data;
      Napi::Value as = o.Get("actScale");
      q.act_scale = as.IsNumber() ? as.As<Napi::Number>().FloatValue() : 0.0f;
    } else {
      q.q4 = ReadTyped<uint8_t>(env, o.Get("q4"), napi_uint8_array, "q4" + at, size_t(out * q4_row_bytes(in))).data;
      q.q4_scales = ReadTyped<uint16_t>(env, o.Get("q4Scales"), napi_uint16_array, "q4Scales" + at, size_t(out * G)).data;
    }
  }
  std::unique_ptr<QuantizedMlp> net;
  ThrowIfError(env, Guarded([&] { return QuantizedMlp::create(s, layers, &net); }));
  Napi::Object obj = AddonData::Get(env).qmlp_ctor.New({});
  QuantizedMlpWrap::Unwrap(obj)->Adopt(env, std::move(net));
  return obj;
}

struct QmlpCall {
  QuantizedMlpWrap* wrap;
  const QuantizedMlp* net;
  const float* X;
  float* Y;
  int64_t n, layer;
  std::vector<Napi::Object> keep;
};

// (qmlp, X, n, Y[, layer]): layer given = the output of that layer (Y sized for it)
QmlpCall ParseQmlp(const Napi::CallbackInfo& info, bool for_async) {
  Napi::Env env = info.Env();
  QmlpCall c;
  c.wrap = ReadHandle<QuantizedMlpWrap>(env, info[0], AddonData::Get(env).qmlp_ctor, "qmlpCreate");
  c.net = &c.wrap->Use(env);
  c.n = ReadPositiveInt(info, 2, "n");
  const MlpSpec& s = c.net->spec();
  c.layer = info.Length() > 4 && !IsNullish(info[4]) ? ReadNonNegativeInt(info, 4, "layer") : s.layers() - 1;
  if (c.layer >= s.layers()) ThrowCode(env, ErrorCode::kInvalidArgument, "layer index out of range");
  c.X = ReadMatrix(info, 1, "X", c.n, s.sizes[0], for_async ? &c.keep : nullptr);
  c.Y = const_cast<float*>(ReadMatrix(info, 3, "Y", c.n, s.sizes[c.layer + 1], for_async ? &c.keep : nullptr));
  if (for_async) c.keep.push_back(info[0].As<Napi::Object>());
  return c;
}

Napi::Value QmlpPredict(const Napi::CallbackInfo& info) {
  QmlpCall c = ParseQmlp(info, false);
  ThrowIfError(info.Env(), Guarded([&] { return c.net->forward_until(c.X, c.n, c.layer, c.Y); }));
  return info.Env().Undefined();
}

Napi::Value QmlpPredictAsync(const Napi::CallbackInfo& info) {
  auto c = std::make_shared<QmlpCall>(ParseQmlp(info, true));
  c->wrap->Acquire();
  return TaskWorker::Start(info.Env(), [c] { return c->net->forward_until(c->X, c->n, c->layer, c->Y); }, c->keep,
                           nullptr, [c] { c->wrap->Unacquire(); });
}

}  // namespace

void InitQuant(Napi::Env env, Napi::Object exports) {
  AddonData& data = AddonData::Get(env);
  data.packed_q8_ctor = Napi::Persistent(PackedQ8Wrap::Define(env));
  data.packed_q4_ctor = Napi::Persistent(PackedQ4Wrap::Define(env));
  data.qmlp_ctor = Napi::Persistent(QuantizedMlpWrap::Define(env));
  exports.Set("qLevels", Napi::Function::New<QLevels>(env, "qLevels"));
  exports.Set("quantizeWeightsQ8", Napi::Function::New<QuantizeWeightsQ8>(env, "quantizeWeightsQ8"));
  exports.Set("quantizeWeightsQ4", Napi::Function::New<QuantizeWeightsQ4>(env, "quantizeWeightsQ4"));
  exports.Set("quantizeRowsQ8", Napi::Function::New<QuantizeRowsQ8>(env, "quantizeRowsQ8"));
  exports.Set("qPackQ8", Napi::Function::New<QPackQ8>(env, "qPackQ8"));
  exports.Set("qPackQ4", Napi::Function::New<QPackQ4>(env, "qPackQ4"));
  exports.Set("qgemmQ8", Napi::Function::New<QGemm<false>>(env, "qgemmQ8"));
  exports.Set("qgemmQ8Async", Napi::Function::New<QGemmAsync<false>>(env, "qgemmQ8Async"));
  exports.Set("qgemmQ4", Napi::Function::New<QGemm<true>>(env, "qgemmQ4"));
  exports.Set("qgemmQ4Async", Napi::Function::New<QGemmAsync<true>>(env, "qgemmQ4Async"));
  exports.Set("qgemmU8s8s32", Napi::Function::New<QGemmU8s8s32>(env, "qgemmU8s8s32"));
  exports.Set("int8Peak", Napi::Function::New<Int8Peak>(env, "int8Peak"));
  exports.Set("qmlpCreate", Napi::Function::New<QmlpCreate>(env, "qmlpCreate"));
  exports.Set("qmlpPredict", Napi::Function::New<QmlpPredict>(env, "qmlpPredict"));
  exports.Set("qmlpPredictAsync", Napi::Function::New<QmlpPredictAsync>(env, "qmlpPredictAsync"));
}

}  // namespace amaas::binding

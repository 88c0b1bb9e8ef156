// Argument reading and error construction for the binding (see errors.h).
#include "errors.h"

#include <cmath>
#include <sstream>

namespace amaas::binding {

Napi::Error MakeError(Napi::Env env, ErrorCode code, const std::string& message) {
  Napi::Error e = code == ErrorCode::kInvalidType ? Napi::TypeError::New(env, message)
                                                   : Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, error_code_name(code)));
  return e;
}

void ThrowCode(Napi::Env env, ErrorCode code, const std::string& message) {
  throw MakeError(env, code, message);
}

std::string Describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (std::isnan(d)) return "NaN";
    std::ostringstream os;
    os << d;
    return os.str();
  }
  if (v.IsString()) return "string";
  if (v.IsBoolean()) return "boolean";
  if (v.IsTypedArray()) {
    switch (v.As<Napi::TypedArray>().TypedArrayType()) {
      case napi_int8_array: return "Int8Array";
      case napi_uint8_array: return "Uint8Array";
      case napi_uint8_clamped_array: return "Uint8ClampedArray";
      case napi_int16_array: return "Int16Array";
      case napi_uint16_array: return "Uint16Array";
      case napi_int32_array: return "Int32Array";
      case napi_uint32_array: return "Uint32Array";
      case napi_float32_array: return "Float32Array";
      case napi_float64_array: return "Float64Array";
      default: return "TypedArray";
    }
  }
  if (v.IsArray()) return "Array";
  if (v.IsFunction()) return "function";
  return "object";
}

bool IsNullish(const Napi::Value& v) { return v.IsUndefined() || v.IsNull(); }

F32Arg ReadF32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  // One N-API call on the hot path (a batch-1 inference call reads several of these).
  Napi::Value v = info[i];
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_status st = napi_get_typedarray_info(info.Env(), v, &type, &length, &data, nullptr, nullptr);
  if (st != napi_ok || type != napi_float32_array)
    ThrowCode(info.Env(), ErrorCode::kInvalidType,
              std::string("Expected Float32Array for ") + name + " but received " + Describe(v));
  F32Arg a;
  a.array = Napi::Float32Array(info.Env(), v);
  a.length = length;
  a.data = length ? static_cast<float*>(data) : nullptr;
  if (a.length && !a.data)
    ThrowCode(info.Env(), ErrorCode::kInvalidArgument,
              std::string(name) + " is backed by a detached ArrayBuffer");
  return a;
}

static double ReadIntLike(const Napi::CallbackInfo& info, size_t i, const char* name,
                          const char* expected, double min) {
  Napi::Value v = info[i];
  double d = 0;
  bool is_number = napi_get_value_double(info.Env(), v, &d) == napi_ok;
  if (!is_number || !std::isfinite(d) || d != std::floor(d) || d < min || d > 9007199254740991.0)
    ThrowCode(info.Env(), ErrorCode::kInvalidArgument,
              std::string("Expected ") + expected + " for " + name + " but received " + Describe(v));
  return d;
}

int64_t ReadPositiveInt(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return static_cast<int64_t>(ReadIntLike(info, i, name, "positive integer", 1));
}

int64_t ReadNonNegativeInt(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return static_cast<int64_t>(ReadIntLike(info, i, name, "non-negative integer", 0));
}

bool ReadBool(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  bool b = false;
  if (napi_get_value_bool(info.Env(), v, &b) != napi_ok)
    ThrowCode(info.Env(), ErrorCode::kInvalidArgument,
              std::string("Expected boolean for ") + name + " but received " + Describe(v));
  return b;
}

double ReadNumber(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  double d = 0;
  if (napi_get_value_double(info.Env(), v, &d) != napi_ok)
    ThrowCode(info.Env(), ErrorCode::kInvalidArgument,
              std::string("Expected number for ") + name + " but received " + Describe(v));
  return d;
}

float* CheckedMatrix(Napi::Env env, const F32Arg& a, int64_t offset, int64_t rows, int64_t cols,
                     int64_t ld, const char* name) {
  if (ld < cols)
    ThrowCode(env, ErrorCode::kShapeMismatch,
              std::string("Row stride of ") + name + " must be >= its row length " +
                  std::to_string(cols) + " but received " + std::to_string(ld));
  // Extent in elements, in double to avoid overflow; exact below 2^53.
  double need = static_cast<double>(offset) + static_cast<double>(rows - 1) * ld + cols;
  if (need > static_cast<double>(a.length))
    ThrowCode(env, ErrorCode::kShapeMismatch,
              std::string(name) + " needs " + std::to_string(static_cast<int64_t>(need)) +
                  " elements for a (" + std::to_string(rows) + "," + std::to_string(cols) +
                  ") matrix with row stride " + std::to_string(ld) + " at offset " +
                  std::to_string(offset) + " but has " + std::to_string(a.length));
  return a.data + offset;
}

Span MatrixSpan(const float* p, int64_t rows, int64_t cols, int64_t ld) {
  const char* b = reinterpret_cast<const char*>(p);
  return {b, b + sizeof(float) * static_cast<size_t>((rows - 1) * ld + cols)};
}

void CheckNoOverlap(Napi::Env env, Span out, const char* out_name, Span in, const char* in_name) {
  if (out.begin < in.end && in.begin < out.end)
    ThrowCode(env, ErrorCode::kInvalidArgument,
              std::string(out_name) + " must not share memory with " + in_name +
                  " (write to a separate Float32Array)");
}

}  // namespace amaas::binding

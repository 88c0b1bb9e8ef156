// Errors across the N-API boundary: engine Status -> JS Error with a stable `code` string, and
// argument readers whose messages say what was expected and what was received.
// The only place besides the other binding/*.cpp files that includes napi.h.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

#include "amaas/status.h"

namespace amaas::binding {

Napi::Error MakeError(Napi::Env env, ErrorCode code, const std::string& message);
[[noreturn]] void ThrowCode(Napi::Env env, ErrorCode code, const std::string& message);
inline void ThrowIfError(Napi::Env env, const Status& s) {
  if (!s.ok()) ThrowCode(env, s.code(), s.message());
}

// Describes a JS value for messages: "Float64Array", "string", "NaN", "-1", "undefined"...
std::string Describe(const Napi::Value& v);

struct F32Arg {
  Napi::Float32Array array;
  float* data = nullptr;  // element 0 of the typed array (its byteOffset applied)
  size_t length = 0;      // elements
};

F32Arg ReadF32(const Napi::CallbackInfo& info, size_t i, const char* name);
bool IsNullish(const Napi::Value& v);
int64_t ReadPositiveInt(const Napi::CallbackInfo& info, size_t i, const char* name);
int64_t ReadNonNegativeInt(const Napi::CallbackInfo& info, size_t i, const char* name);
bool ReadBool(const Napi::CallbackInfo& info, size_t i, const char* name);
double ReadNumber(const Napi::CallbackInfo& info, size_t i, const char* name);

// Checks that rows x cols with row stride ld starting at `offset` fits in the array, and
// returns a pointer to its first element. `name` is used in messages.
float* CheckedMatrix(Napi::Env env, const F32Arg& a, int64_t offset, int64_t rows, int64_t cols,
                     int64_t ld, const char* name);

// Byte span [begin, end) a matrix occupies, for overlap checks between outputs and inputs.
struct Span {
  const char* begin;
  const char* end;
};
Span MatrixSpan(const float* p, int64_t rows, int64_t cols, int64_t ld);
void CheckNoOverlap(Napi::Env env, Span out, const char* out_name, Span in, const char* in_name);

}  // namespace amaas::binding

// Status and error codes of the engine: every fallible engine call returns a Status.
// Not an exception hierarchy: the engine never throws across its API, and the N-API binding
// turns a Status into a JS error whose `code` is error_code_name(code).
#pragma once

#include <string>
#include <utility>

namespace amaas {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,  // a value out of its domain (negative size, NaN, unknown name)
  kShapeMismatch,    // sizes or strides that do not fit together
  kInvalidType,      // wrong element type or container
  kOutOfMemory,
  kBusy,             // resource held by another operation
  kUnavailable,      // feature not present on this machine (ISA, device)
  kInternal,
};

// Stable string for an error code ("INVALID_ARGUMENT", ...): part of the public API.
const char* error_code_name(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return Status(ErrorCode::kInvalidArgument, std::move(m)); }
inline Status ShapeMismatch(std::string m) { return Status(ErrorCode::kShapeMismatch, std::move(m)); }

}  // namespace amaas

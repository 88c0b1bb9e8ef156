// Stable names of the engine's error codes (they reach JS as error.code).
#include "amaas/status.h"

namespace amaas {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "OK";
    case ErrorCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case ErrorCode::kShapeMismatch: return "SHAPE_MISMATCH";
    case ErrorCode::kInvalidType: return "INVALID_TYPE";
    case ErrorCode::kOutOfMemory: return "OUT_OF_MEMORY";
    case ErrorCode::kBusy: return "RESOURCE_BUSY";
    case ErrorCode::kUnavailable: return "UNAVAILABLE";
    case ErrorCode::kInternal: return "INTERNAL";
  }
  return "INTERNAL";
}

}  // namespace amaas

// Per-environment addon state and the init functions of each binding file.
#pragma once

#include <napi.h>

#include <vector>

#include "amaas/mlp.h"

namespace amaas::binding {

struct AddonData {
  Napi::FunctionReference packed_ctor;
  Napi::FunctionReference packed_mlp_ctor;
  Napi::FunctionReference packed_q8_ctor;
  Napi::FunctionReference packed_q4_ctor;
  Napi::FunctionReference qmlp_ctor;
  static AddonData& Get(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }
};

void InitGemm(Napi::Env env, Napi::Object exports);
void InitMlp(Napi::Env env, Napi::Object exports);
void InitQuant(Napi::Env env, Napi::Object exports);
void InitCuda(Napi::Env env, Napi::Object exports);

// Shared argument readers (mlp_binding.cpp): the MLP spec object, the [W0, b0, ...] weights,
// and a Float32Array of exactly rows x cols (kept alive in `keep` for async calls when given).
MlpSpec ReadSpec(Napi::Env env, Napi::Value v);
MlpParams ReadParams(Napi::Env env, const MlpSpec& s, Napi::Value v, std::vector<Napi::Object>* keep);
const float* ReadMatrix(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t rows, int64_t cols,
                        std::vector<Napi::Object>* keep);

}  // namespace amaas::binding

// Per-environment addon state and the init functions of each binding file.
#pragma once

#include <napi.h>

namespace amaas::binding {

struct AddonData {
  Napi::FunctionReference packed_ctor;
  Napi::FunctionReference packed_mlp_ctor;
  static AddonData& Get(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }
};

void InitGemm(Napi::Env env, Napi::Object exports);
void InitMlp(Napi::Env env, Napi::Object exports);
void InitCuda(Napi::Env env, Napi::Object exports);

}  // namespace amaas::binding

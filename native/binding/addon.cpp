// Module entry: engine information and settings (ISA level, threads, FMA peak probe), then the
// kernel bindings of gemm_binding.cpp.
#include <napi.h>

#include "amaas/cpu.h"
#include "amaas/engine.h"
#include "amaas/gemm.h"
#include "amaas/thread_pool.h"
#include "bindings.h"
#include "errors.h"
#include "worker.h"

namespace amaas::binding {
namespace {

Napi::Value EngineInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("version", engine_version());
  o.Set("isa", isa_name(active_isa()));
  o.Set("isaReason", isa_reason());
  Napi::Array isas = Napi::Array::New(env);
  for (Isa i : supported_isas()) isas.Set(isas.Length(), isa_name(i));
  o.Set("isas", isas);
  auto& pool = ThreadPool::instance();
  o.Set("threads", pool.threads());
  o.Set("maxThreads", pool.max_threads());
  const CpuFeatures& f = cpu_features();
  Napi::Object cpu = Napi::Object::New(env);
  cpu.Set("vendor", f.vendor);
  cpu.Set("brand", f.brand);
  Napi::Object feats = Napi::Object::New(env);
  feats.Set("avx2", f.avx2);
  feats.Set("fma", f.fma);
  feats.Set("avx512f", f.avx512f);
  feats.Set("avx512bw", f.avx512bw);
  feats.Set("avx512vnni", f.avx512vnni);
  feats.Set("avx512bf16", f.avx512bf16);
  feats.Set("avxvnni", f.avxvnni);
  feats.Set("osAvx512", f.os_avx512);
  cpu.Set("features", feats);
  o.Set("cpu", cpu);
  const CudaInfo& c = cuda_info();
  Napi::Object cuda = Napi::Object::New(env);
  cuda.Set("available", c.available);
  cuda.Set("reason", c.reason);
  cuda.Set("driverVersion", c.driver_version);
  Napi::Array devs = Napi::Array::New(env);
  for (const auto& d : c.devices) {
    Napi::Object dv = Napi::Object::New(env);
    dv.Set("index", d.index);
    dv.Set("name", d.name);
    dv.Set("computeCapability", std::to_string(d.compute_major) + "." + std::to_string(d.compute_minor));
    dv.Set("totalMemory", static_cast<double>(d.total_memory));
    devs.Set(devs.Length(), dv);
  }
  cuda.Set("devices", devs);
  o.Set("cuda", cuda);
  return o;
}

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString())
    ThrowCode(env, ErrorCode::kInvalidArgument,
              "Expected 'scalar', 'avx2' or 'avx512' for isa but received " + Describe(info[0]));
  std::string name = info[0].As<Napi::String>();
  Isa isa;
  if (!parse_isa(name, &isa))
    ThrowCode(env, ErrorCode::kInvalidArgument,
              "Expected 'scalar', 'avx2' or 'avx512' for isa but received '" + name + "'");
  ThrowIfError(env, set_active_isa(isa));
  return Napi::String::New(env, isa_name(active_isa()));
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int64_t n = ReadPositiveInt(info, 0, "threads");
  auto& pool = ThreadPool::instance();
  pool.set_threads(static_cast<int>(std::min<int64_t>(n, pool.max_threads())));
  return Napi::Number::New(info.Env(), pool.threads());
}

// fmaPeak(threads, seconds) -> Promise<GFLOP/s>
Napi::Value FmaPeak(const Napi::CallbackInfo& info) {
  int threads = static_cast<int>(ReadPositiveInt(info, 0, "threads"));
  double seconds = ReadNumber(info, 1, "seconds");
  if (!(seconds > 0 && seconds <= 10))
    ThrowCode(info.Env(), ErrorCode::kInvalidArgument,
              "Expected seconds in (0, 10] but received " + Describe(info[1]));
  auto out = std::make_shared<double>(0.0);
  return TaskWorker::Start(
      info.Env(),
      [out, threads, seconds] {
        *out = measure_fma_peak_gflops(threads, seconds);
        return Status::Ok();
      },
      {}, [out](Napi::Env env) { return Napi::Number::New(env, *out); });
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new AddonData());
  exports.Set("engineInfo", Napi::Function::New<EngineInfo>(env, "engineInfo"));
  exports.Set("setIsa", Napi::Function::New<SetIsa>(env, "setIsa"));
  exports.Set("setThreads", Napi::Function::New<SetThreads>(env, "setThreads"));
  exports.Set("fmaPeak", Napi::Function::New<FmaPeak>(env, "fmaPeak"));
  InitGemm(env, exports);
  InitMlp(env, exports);
  InitQuant(env, exports);
  InitCuda(env, exports);
  return exports;
}

}  // namespace amaas::binding

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return amaas::binding::Init(env, exports);
}
NODE_API_MODULE(amaas_native, InitAddon)

// The three phases of every long native call: marshal on the JS thread (the caller reads and
// checks arguments), compute on a libuv worker (TaskWorker::Execute touches no N-API), settle
// on the JS thread (resolve, or reject with a coded error). Inputs stay referenced until then.
#pragma once

#include <napi.h>

#include <functional>
#include <new>
#include <vector>

#include "amaas/status.h"
#include "errors.h"

namespace amaas::binding {

// Runs `task` and turns C++ exceptions into a Status: nothing escapes into N-API or aborts.
inline Status Guarded(const std::function<Status()>& task) {
  try {
    return task();
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "out of memory");
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal, std::string("internal error: ") + e.what());
  } catch (...) {
    return Status(ErrorCode::kInternal, "internal error");
  }
}

class TaskWorker : public Napi::AsyncWorker {
 public:
  using Result = std::function<Napi::Value(Napi::Env)>;

  // Queues `task` on a worker thread and returns the promise it settles.
  static Napi::Promise Start(Napi::Env env, std::function<Status()> task,
                             const std::vector<Napi::Object>& keep_alive, Result result = nullptr,
                             std::function<void()> on_settle = nullptr) {
    auto* w = new TaskWorker(env, std::move(task), std::move(result), std::move(on_settle));
    for (const auto& o : keep_alive) w->refs_.push_back(Napi::Persistent(o));
    w->Queue();
    return w->deferred_.Promise();
  }

 protected:
  void Execute() override { status_ = Guarded(task_); }
  void OnOK() override { Settle(); }
  void OnError(const Napi::Error&) override { Settle(); }

 private:
  TaskWorker(Napi::Env env, std::function<Status()> task, Result result,
             std::function<void()> on_settle)
      : Napi::AsyncWorker(env, "amaas"),
        deferred_(Napi::Promise::Deferred::New(env)),
        task_(std::move(task)),
        result_(std::move(result)),
        on_settle_(std::move(on_settle)) {}

  void Settle() {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (on_settle_) on_settle_();
    refs_.clear();
    if (status_.ok())
      deferred_.Resolve(result_ ? result_(env) : env.Undefined());
    else
      deferred_.Reject(MakeError(env, status_.code(), status_.message()).Value());
  }

  Napi::Promise::Deferred deferred_;
  std::function<Status()> task_;
  Result result_;
  std::function<void()> on_settle_;
  std::vector<Napi::ObjectReference> refs_;
  Status status_;
};

}  // namespace amaas::binding

// The JS handle of an engine object packed once and reused (PackedB, PackedMlp): reports its
// memory to V8, refuses dispose() while an async call holds it, and releases it exactly once
// (dispose() or garbage collection). Derived supplies kName and its own accessors.
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "errors.h"

namespace amaas::binding {

template <class Derived, class T>
class PackedHandle : public Napi::ObjectWrap<Derived> {
 public:
  explicit PackedHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Derived>(info) {}
  ~PackedHandle() override { Release(); }

  void Adopt(Napi::Env env, std::unique_ptr<T> value) {
    value_ = std::move(value);
    accounted_ = static_cast<int64_t>(value_->bytes());
    env_ = env;
    Napi::MemoryManagement::AdjustExternalMemory(env, accounted_);
  }

  // Throws unless usable; returns the engine object.
  const T& Use(Napi::Env env) {
    if (!value_) ThrowCode(env, ErrorCode::kInvalidArgument, std::string(Derived::kName) + " was disposed");
    return *value_;
  }
  void Acquire() { busy_.fetch_add(1); }
  void Unacquire() { busy_.fetch_sub(1); }

 protected:
  // bytes, disposed and dispose(): the properties every handle has.
  static std::vector<typename Napi::ObjectWrap<Derived>::PropertyDescriptor> HandleProperties() {
    using W = Napi::ObjectWrap<Derived>;
    return {W::InstanceAccessor("bytes", &PackedHandle::GetBytes, nullptr),
            W::InstanceAccessor("disposed", &PackedHandle::GetDisposed, nullptr),
            W::InstanceMethod("dispose", &PackedHandle::Dispose)};
  }
  const T* value() const { return value_.get(); }

 private:
  Napi::Value GetBytes(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), value_ ? static_cast<double>(value_->bytes()) : 0);
  }
  Napi::Value GetDisposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !value_); }
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    if (busy_.load() > 0)
      ThrowCode(info.Env(), ErrorCode::kBusy,
                std::string(Derived::kName) + " is in use by a running operation; dispose it after the promise settles");
    Release();
    return info.Env().Undefined();
  }
  void Release() {
    if (!value_) return;
    value_.reset();
    if (accounted_ && env_) Napi::MemoryManagement::AdjustExternalMemory(env_, -accounted_);
    accounted_ = 0;
  }

  std::unique_ptr<T> value_;
  std::atomic<int> busy_{0};
  int64_t accounted_ = 0;
  napi_env env_ = nullptr;
};

}  // namespace amaas::binding

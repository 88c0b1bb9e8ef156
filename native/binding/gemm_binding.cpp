// JS entry points for GEMM, packed GEMM and softmax: sync (small work) and async (AsyncWorker)
// twins over one argument parser each. Positional arguments keep a batch-1 call near the bare
// N-API call cost; @amaas/core builds the friendly API on top.
#include <napi.h>

#include <memory>

#include "amaas/gemm.h"
#include "bindings.h"
#include "errors.h"
#include "packed_handle.h"
#include "worker.h"

namespace amaas::binding {
namespace {

Activation ReadActivation(const Napi::CallbackInfo& info, size_t i) {
  int64_t a = ReadNonNegativeInt(info, i, "activation");
  if (a > static_cast<int64_t>(Activation::kGelu))
    ThrowCode(info.Env(), ErrorCode::kInvalidArgument,
              "Expected activation code 0..4 (identity, relu, sigmoid, tanh, gelu) but received " +
                  std::to_string(a));
  return static_cast<Activation>(a);
}

const float* ReadBias(const Napi::CallbackInfo& info, size_t i, int64_t N,
                      std::vector<Napi::Object>* keep) {
  if (IsNullish(info[i])) return nullptr;
  F32Arg b = ReadF32(info, i, "bias");
  int64_t off = ReadNonNegativeInt(info, i + 1, "biasOffset");
  if (keep) keep->push_back(b.array);
  return CheckedMatrix(info.Env(), b, off, 1, N, N, "bias");
}

struct GemmCall {
  float* C;
  int64_t ldc;
  const float* A;
  int64_t lda;
  const float* B = nullptr;
  int64_t ldb = 0;
  int64_t M, N, K;
  GemmParams p;
  std::vector<Napi::Object> keep;
};

// (C, cOff, ldc, A, aOff, lda, B, bOff, ldb, M, N, K, transA, transB, alpha, beta, bias, biasOff, act)
// `for_async`: collect references that keep the inputs alive until a worker settles.
GemmCall ParseGemm(const Napi::CallbackInfo& info, bool for_async) {
  Napi::Env env = info.Env();
  if (info.Length() != 19)
    ThrowCode(env, ErrorCode::kInvalidArgument,
              "sgemm expects 19 arguments but received " + std::to_string(info.Length()));
  GemmCall g;
  F32Arg c = ReadF32(info, 0, "C"), a = ReadF32(info, 3, "A"), b = ReadF32(info, 6, "B");
  int64_t c_off = ReadNonNegativeInt(info, 1, "cOffset"), a_off = ReadNonNegativeInt(info, 4, "aOffset"),
          b_off = ReadNonNegativeInt(info, 7, "bOffset");
  g.ldc = ReadPositiveInt(info, 2, "ldc");
  g.lda = ReadPositiveInt(info, 5, "lda");
  g.ldb = ReadPositiveInt(info, 8, "ldb");
  g.M = ReadPositiveInt(info, 9, "M");
  g.N = ReadPositiveInt(info, 10, "N");
  g.K = ReadPositiveInt(info, 11, "K");
  g.p.trans_a = ReadBool(info, 12, "transA");
  g.p.trans_b = ReadBool(info, 13, "transB");
  g.p.alpha = static_cast<float>(ReadNumber(info, 14, "alpha"));
  g.p.beta = static_cast<float>(ReadNumber(info, 15, "beta"));
  g.p.bias = ReadBias(info, 16, g.N, for_async ? &g.keep : nullptr);
  g.p.act = ReadActivation(info, 18);
  int64_t ar = g.p.trans_a ? g.K : g.M, ac = g.p.trans_a ? g.M : g.K;
  int64_t br = g.p.trans_b ? g.N : g.K, bc = g.p.trans_b ? g.K : g.N;
  g.A = CheckedMatrix(env, a, a_off, ar, ac, g.lda, "A");
  g.B = CheckedMatrix(env, b, b_off, br, bc, g.ldb, "B");
  g.C = CheckedMatrix(env, c, c_off, g.M, g.N, g.ldc, "C");
  Span cs = MatrixSpan(g.C, g.M, g.N, g.ldc);
  CheckNoOverlap(env, cs, "C", MatrixSpan(g.A, ar, ac, g.lda), "A");
  CheckNoOverlap(env, cs, "C", MatrixSpan(g.B, br, bc, g.ldb), "B");
  if (g.p.bias) CheckNoOverlap(env, cs, "C", MatrixSpan(g.p.bias, 1, g.N, g.N), "bias");
  if (for_async) g.keep.insert(g.keep.end(), {c.array, a.array, b.array});
  return g;
}

Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  GemmCall g = ParseGemm(info, false);
  ThrowIfError(info.Env(), Guarded([&] {
    return sgemm(g.C, g.ldc, g.A, g.lda, g.B, g.ldb, g.M, g.N, g.K, g.p);
  }));
  return info.Env().Undefined();
}

Napi::Value SgemmReference(const Napi::CallbackInfo& info) {
  GemmCall g = ParseGemm(info, false);
  ThrowIfError(info.Env(), Guarded([&] {
    return sgemm_reference(g.C, g.ldc, g.A, g.lda, g.B, g.ldb, g.M, g.N, g.K, g.p);
  }));
  return info.Env().Undefined();
}

Napi::Value SgemmAsync(const Napi::CallbackInfo& info) {
  auto g = std::make_shared<GemmCall>(ParseGemm(info, true));
  return TaskWorker::Start(
      info.Env(),
      [g] { return sgemm(g->C, g->ldc, g->A, g->lda, g->B, g->ldb, g->M, g->N, g->K, g->p); },
      g->keep);
}

// ---- packed B ---------------------------------------------------------------------------

class PackedMatrix : public PackedHandle<PackedMatrix, PackedB> {
 public:
  static constexpr const char* kName = "PackedMatrix";
  static Napi::Function Define(Napi::Env env) {
    auto props = HandleProperties();
    props.push_back(InstanceAccessor<&PackedMatrix::GetK>("k"));
    props.push_back(InstanceAccessor<&PackedMatrix::GetN>("n"));
    props.push_back(InstanceAccessor<&PackedMatrix::GetIsa>("isa"));
    return DefineClass(env, kName, props);
  }
  explicit PackedMatrix(const Napi::CallbackInfo& info) : PackedHandle(info) {}

 private:
  Napi::Value GetK(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), value() ? double(value()->k()) : 0); }
  Napi::Value GetN(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), value() ? double(value()->n()) : 0); }
  Napi::Value GetIsa(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), value() ? isa_name(value()->isa()) : "none");
  }
};

// packB(B, bOff, ldb, K, N, transB) -> PackedMatrix
Napi::Value PackB(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 6)
    ThrowCode(env, ErrorCode::kInvalidArgument,
              "packB expects 6 arguments but received " + std::to_string(info.Length()));
  F32Arg b = ReadF32(info, 0, "B");
  int64_t off = ReadNonNegativeInt(info, 1, "bOffset");
  int64_t ldb = ReadPositiveInt(info, 2, "ldb");
  int64_t K = ReadPositiveInt(info, 3, "K"), N = ReadPositiveInt(info, 4, "N");
  bool trans = ReadBool(info, 5, "transB");
  const float* B = CheckedMatrix(env, b, off, trans ? N : K, trans ? K : N, ldb, "B");
  std::unique_ptr<PackedB> packed;
  ThrowIfError(env, Guarded([&] { return pack_b(&packed, B, ldb, K, N, trans); }));
  Napi::Object obj = AddonData::Get(env).packed_ctor.New({});
  PackedMatrix::Unwrap(obj)->Adopt(env, std::move(packed));
  return obj;
}

struct PackedCall {
  float* C;
  int64_t ldc;
  const float* A;
  int64_t lda;
  int64_t M;
  GemmParams p;
  PackedMatrix* wrap;
  const PackedB* B;
  std::vector<Napi::Object> keep;
};

// (C, cOff, ldc, A, aOff, lda, packed, M, transA, alpha, beta, bias, biasOff, act)
PackedCall ParsePacked(const Napi::CallbackInfo& info, bool for_async) {
  Napi::Env env = info.Env();
  if (info.Length() != 14)
    ThrowCode(env, ErrorCode::kInvalidArgument,
              "sgemmPacked expects 14 arguments but received " + std::to_string(info.Length()));
  PackedCall g;
  F32Arg c = ReadF32(info, 0, "C"), a = ReadF32(info, 3, "A");
  int64_t c_off = ReadNonNegativeInt(info, 1, "cOffset"), a_off = ReadNonNegativeInt(info, 4, "aOffset");
  g.ldc = ReadPositiveInt(info, 2, "ldc");
  g.lda = ReadPositiveInt(info, 5, "lda");
  Napi::Value pv = info[6];
  if (!pv.IsObject() || !pv.As<Napi::Object>().InstanceOf(AddonData::Get(env).packed_ctor.Value()))
    ThrowCode(env, ErrorCode::kInvalidType,
              "Expected PackedMatrix (from packB) for packed but received " + Describe(pv));
  g.wrap = PackedMatrix::Unwrap(pv.As<Napi::Object>());
  g.B = &g.wrap->Use(env);
  g.M = ReadPositiveInt(info, 7, "M");
  g.p.trans_a = ReadBool(info, 8, "transA");
  g.p.alpha = static_cast<float>(ReadNumber(info, 9, "alpha"));
  g.p.beta = static_cast<float>(ReadNumber(info, 10, "beta"));
  int64_t N = g.B->n(), K = g.B->k();
  g.p.bias = ReadBias(info, 11, N, for_async ? &g.keep : nullptr);
  g.p.act = ReadActivation(info, 13);
  int64_t ar = g.p.trans_a ? K : g.M, ac = g.p.trans_a ? g.M : K;
  g.A = CheckedMatrix(env, a, a_off, ar, ac, g.lda, "A");
  g.C = CheckedMatrix(env, c, c_off, g.M, N, g.ldc, "C");
  Span cs = MatrixSpan(g.C, g.M, N, g.ldc);
  CheckNoOverlap(env, cs, "C", MatrixSpan(g.A, ar, ac, g.lda), "A");
  if (g.p.bias) CheckNoOverlap(env, cs, "C", MatrixSpan(g.p.bias, 1, N, N), "bias");
  if (for_async) g.keep.insert(g.keep.end(), {c.array, a.array, pv.As<Napi::Object>()});
  return g;
}

Napi::Value SgemmPacked(const Napi::CallbackInfo& info) {
  PackedCall g = ParsePacked(info, false);
  ThrowIfError(info.Env(), Guarded([&] { return sgemm_packed(g.C, g.ldc, g.A, g.lda, *g.B, g.M, g.p); }));
  return info.Env().Undefined();
}

Napi::Value SgemmPackedAsync(const Napi::CallbackInfo& info) {
  auto g = std::make_shared<PackedCall>(ParsePacked(info, true));
  g->wrap->Acquire();  // dispose() refuses until the promise settles
  return TaskWorker::Start(
      info.Env(), [g] { return sgemm_packed(g->C, g->ldc, g->A, g->lda, *g->B, g->M, g->p); },
      g->keep, nullptr, [g] { g->wrap->Unacquire(); });
}

// ---- softmax ----------------------------------------------------------------------------

struct SoftmaxCall {
  float* Y;
  int64_t ldy;
  const float* X;
  int64_t ldx, rows, cols;
  std::vector<Napi::Object> keep;
};

// (Y, yOff, ldy, X, xOff, ldx, rows, cols); Y may be exactly X (in place).
SoftmaxCall ParseSoftmax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 8)
    ThrowCode(env, ErrorCode::kInvalidArgument,
              "softmax expects 8 arguments but received " + std::to_string(info.Length()));
  SoftmaxCall s;
  F32Arg y = ReadF32(info, 0, "Y"), x = ReadF32(info, 3, "X");
  int64_t y_off = ReadNonNegativeInt(info, 1, "yOffset"), x_off = ReadNonNegativeInt(info, 4, "xOffset");
  s.ldy = ReadPositiveInt(info, 2, "ldy");
  s.ldx = ReadPositiveInt(info, 5, "ldx");
  s.rows = ReadPositiveInt(info, 6, "rows");
  s.cols = ReadPositiveInt(info, 7, "cols");
  s.Y = CheckedMatrix(env, y, y_off, s.rows, s.cols, s.ldy, "Y");
  s.X = CheckedMatrix(env, x, x_off, s.rows, s.cols, s.ldx, "X");
  bool in_place = s.Y == s.X && s.ldy == s.ldx;
  if (!in_place)
    CheckNoOverlap(env, MatrixSpan(s.Y, s.rows, s.cols, s.ldy), "Y",
                   MatrixSpan(s.X, s.rows, s.cols, s.ldx), "X (unless exactly the same matrix)");
  s.keep = {y.array, x.array};
  return s;
}

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  SoftmaxCall s = ParseSoftmax(info);
  ThrowIfError(info.Env(), Guarded([&] { return softmax_rows(s.Y, s.ldy, s.X, s.ldx, s.rows, s.cols); }));
  return info.Env().Undefined();
}

Napi::Value SoftmaxAsync(const Napi::CallbackInfo& info) {
  auto s = std::make_shared<SoftmaxCall>(ParseSoftmax(info));
  return TaskWorker::Start(
      info.Env(), [s] { return softmax_rows(s->Y, s->ldy, s->X, s->ldx, s->rows, s->cols); }, s->keep);
}

}  // namespace

void InitGemm(Napi::Env env, Napi::Object exports) {
  AddonData::Get(env).packed_ctor = Napi::Persistent(PackedMatrix::Define(env));
  exports.Set("sgemm", Napi::Function::New<Sgemm>(env, "sgemm"));
  exports.Set("sgemmAsync", Napi::Function::New<SgemmAsync>(env, "sgemmAsync"));
  exports.Set("sgemmReference", Napi::Function::New<SgemmReference>(env, "sgemmReference"));
  exports.Set("packB", Napi::Function::New<PackB>(env, "packB"));
  exports.Set("sgemmPacked", Napi::Function::New<SgemmPacked>(env, "sgemmPacked"));
  exports.Set("sgemmPackedAsync", Napi::Function::New<SgemmPackedAsync>(env, "sgemmPackedAsync"));
  exports.Set("softmax", Napi::Function::New<Softmax>(env, "softmax"));
  exports.Set("softmaxAsync", Napi::Function::New<SoftmaxAsync>(env, "softmaxAsync"));
}

}  // namespace amaas::binding

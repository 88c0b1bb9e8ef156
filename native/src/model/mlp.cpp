// MLP forward/backward, losses, optimizers and the native training loop (see amaas/mlp.h).
// Every product is a call to sgemm (deterministic for any thread count); elementwise work is
// plain loops. Same seed + same thread count => bit-identical weights.
#include "amaas/mlp.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <string>

#include "amaas/thread_pool.h"
#include "cpu/kernels.h"
#include "model/train_rules.h"

namespace amaas {
namespace {

using train::Rng;
using train::check_loss;
using train::check_targets;
using train::lr_at;

std::string num(int64_t v) { return std::to_string(v); }

int64_t out_size(const MlpSpec& s) { return s.sizes.back(); }

bool is_classification(LossKind loss) { return loss != LossKind::kMse; }

double act_derivative(double h, double z, Activation act) {
  switch (act) {
    case Activation::kIdentity: return 1.0;
    case Activation::kRelu: return h > 0 ? 1.0 : 0.0;
    case Activation::kSigmoid: return h * (1.0 - h);
    case Activation::kTanh: return 1.0 - h * h;
    case Activation::kGelu: {
      const double cdf = 0.5 * (1.0 + std::erf(z * 0.7071067811865476));
      const double pdf = 0.3989422804014327 * std::exp(-0.5 * z * z);
      return cdf + z * pdf;
    }
  }
  return 1.0;
}

// Buffers for one batch of up to `rows` samples.
struct Workspace {
  int64_t rows = 0;
  std::vector<std::vector<float>> act;     // act[l]: (rows, sizes[l]) input of layer l (post-dropout)
  std::vector<std::vector<float>> hidden;  // hidden[l]: post-activation, pre-dropout (if dropout)
  std::vector<std::vector<float>> pre;     // pre[l]: pre-activation (GELU only)
  std::vector<std::vector<float>> mask;    // dropout multipliers
  std::vector<float> delta, delta_prev;
  std::vector<float> targets;
  std::vector<float> soft;  // distillation targets of the batch (when distilling)
  bool dropout_on = false;  // whether the last forward applied dropout masks

  void init(const MlpSpec& s, int64_t r) {
    rows = r;
    const int64_t L = s.layers();
    act.assign(L + 1, {});
    hidden.assign(L + 1, {});
    pre.assign(L + 1, {});
    mask.assign(L + 1, {});
    int64_t widest = 0;
    for (int64_t l = 0; l <= L; ++l) {
      act[l].assign(static_cast<size_t>(r * s.sizes[l]), 0.0f);
      widest = std::max(widest, s.sizes[l]);
      bool is_hidden = l > 0 && l < L;
      if (is_hidden && s.dropout > 0) {
        hidden[l].assign(act[l].size(), 0.0f);
        mask[l].assign(act[l].size(), 0.0f);
      }
      if (is_hidden && s.hidden == Activation::kGelu) pre[l].assign(act[l].size(), 0.0f);
    }
    delta.assign(static_cast<size_t>(r * widest), 0.0f);
    delta_prev.assign(delta.size(), 0.0f);
    targets.assign(static_cast<size_t>(r * out_size(s)), 0.0f);
  }
  void init_soft(const MlpSpec& s) { soft.assign(static_cast<size_t>(rows * out_size(s)), 0.0f); }
};

// Forward over `B` rows already in ws.act[0]. Training mode applies dropout using `rng`.
Status forward(const MlpSpec& s, const MlpParams& p, Workspace& ws, int64_t B, Rng* dropout_rng) {
  const int64_t L = s.layers();
  const auto& kt = cpu::active_kernels();
  ws.dropout_on = s.dropout > 0 && dropout_rng != nullptr;
  for (int64_t l = 0; l < L; ++l) {
    const int64_t in = s.sizes[l], out = s.sizes[l + 1];
    const bool is_hidden = l + 1 < L;
    float* y = ws.act[l + 1].data();
    const bool dropout = is_hidden && s.dropout > 0 && dropout_rng;
    float* h = dropout ? ws.hidden[l + 1].data() : y;
    GemmParams gp;
    gp.trans_b = true;  // x (B,in) * W^T, W (out,in)
    gp.bias = p.b[l];
    const bool gelu = is_hidden && s.hidden == Activation::kGelu;
    gp.act = is_hidden && !gelu ? s.hidden : Activation::kIdentity;
    if (gelu) {
      float* z = ws.pre[l + 1].data();
      Status st = sgemm(z, out, ws.act[l].data(), in, p.w[l], in, B, out, in, gp);
      if (!st.ok()) return st;
      std::memcpy(h, z, sizeof(float) * B * out);
      kt.epilogue(h, out, static_cast<int>(B), static_cast<int>(out), nullptr, Activation::kGelu);
    } else {
      Status st = sgemm(h, out, ws.act[l].data(), in, p.w[l], in, B, out, in, gp);
      if (!st.ok()) return st;
    }
    if (dropout) {
      const float keep = 1.0f - s.dropout, scale = 1.0f / keep;
      float* m = ws.mask[l + 1].data();
      for (int64_t i = 0; i < B * out; ++i) {
        m[i] = dropout_rng->uniform() < keep ? scale : 0.0f;
        y[i] = h[i] * m[i];
      }
    }
  }
  float* out = ws.act[L].data();
  const int64_t k = out_size(s);
  if (s.output == OutputKind::kSoftmax) return softmax_rows(out, k, out, k, B, k);
  if (s.output == OutputKind::kSigmoid)
    kt.epilogue(out, k, static_cast<int>(B), static_cast<int>(k), nullptr, Activation::kSigmoid);
  return Status::Ok();
}

// Loss summed over the batch, and dLoss/dz_out (mean over the batch) into ws.delta.
// Also counts correct predictions for classification.
double loss_and_delta(const MlpSpec& s, LossKind loss, Workspace& ws, const float* targets,
                      int64_t B, int64_t* correct, double scale_rows) {
  const int64_t k = out_size(s);
  const float* p = ws.act[s.layers()].data();
  float* d = ws.delta.data();
  double total = 0;
  constexpr double kTiny = 1e-12;
  for (int64_t i = 0; i < B; ++i) {
    const float* pi = p + i * k;
    float* di = d + i * k;
    if (loss == LossKind::kCategoricalCrossEntropy) {
      const int64_t y = static_cast<int64_t>(targets[i]);
      total -= std::log(std::max<double>(pi[y], kTiny));
      int64_t arg = 0;
      for (int64_t j = 0; j < k; ++j) {
        di[j] = static_cast<float>((pi[j] - (j == y ? 1.0 : 0.0)) * scale_rows);
        if (pi[j] > pi[arg]) arg = j;
      }
      if (correct && arg == y) ++*correct;
    } else {
      const float* ti = targets + i * k;
      for (int64_t j = 0; j < k; ++j) {
        const double diff = static_cast<double>(pi[j]) - ti[j];
        if (loss == LossKind::kBinaryCrossEntropy) {
          const double pj = std::min(std::max<double>(pi[j], kTiny), 1.0 - kTiny);
          total -= (ti[j] * std::log(pj) + (1.0 - ti[j]) * std::log(1.0 - pj)) / k;
          di[j] = static_cast<float>(diff * scale_rows / k);
          if (correct && ((pi[j] >= 0.5f) == (ti[j] >= 0.5f))) ++*correct;
        } else {
          total += diff * diff / k;
          di[j] = static_cast<float>(2.0 * diff * scale_rows / k);
        }
      }
    }
  }
  return total;
}

// Distillation: blends the label gradient already in ws.delta (mean over the batch) with the
// soft-target term. q = softmax(z / T) is computed from the student's probabilities p as
// p^(1/T) renormalised (log p = z - logsumexp z), so the logits are never needed.
// d/dz [T^2 KL(soft || q)] = T (q - soft). Returns the batch's summed blended loss.
double distill_delta(const MlpSpec& s, Workspace& ws, int64_t B, double label_loss, float alpha,
                     float T, double scale_rows) {
  const int64_t k = out_size(s);
  const float* p = ws.act[s.layers()].data();
  float* d = ws.delta.data();
  constexpr double kTiny = 1e-12;
  double kl_sum = 0;
  std::vector<double> q(static_cast<size_t>(k));
  for (int64_t i = 0; i < B; ++i) {
    const float* pi = p + i * k;
    const float* ti = ws.soft.data() + i * k;
    double z = 0;
    for (int64_t j = 0; j < k; ++j) z += q[j] = std::pow(std::max<double>(pi[j], kTiny), 1.0 / T);
    for (int64_t j = 0; j < k; ++j) {
      q[j] /= z;
      if (ti[j] > 0) kl_sum += ti[j] * (std::log(ti[j]) - std::log(std::max(q[j], kTiny)));
      float* dij = d + i * k + j;
      *dij = static_cast<float>((1.0 - alpha) * *dij + alpha * T * (q[j] - ti[j]) * scale_rows);
    }
  }
  return (1.0 - alpha) * label_loss + alpha * double(T) * T * kl_sum;
}

void apply_masks(const MlpSpec& s, const MlpParams& p, const std::vector<const float*>& masks) {
  for (size_t l = 0; l < masks.size(); ++l) {
    if (!masks[l]) continue;
    float* w = p.w[l];
    const float* m = masks[l];
    const int64_t n = s.sizes[l] * s.sizes[l + 1];
    for (int64_t i = 0; i < n; ++i) w[i] *= m[i];
  }
}

// Backward over B rows: grads from ws.delta (dLoss/dz_out). Uses ws.delta/delta_prev.
Status backward(const MlpSpec& s, const MlpParams& p, Workspace& ws, int64_t B,
                const MlpParams& g) {
  const int64_t L = s.layers();
  for (int64_t l = L - 1; l >= 0; --l) {
    const int64_t in = s.sizes[l], out = s.sizes[l + 1];
    const float* dz = ws.delta.data();  // (B, out)
    // gW (out, in) = dz^T (out, B) * act[l] (B, in)
    GemmParams gp;
    gp.trans_a = true;
    Status st = sgemm(g.w[l], in, dz, out, ws.act[l].data(), in, out, in, B, gp);
    if (!st.ok()) return st;
    for (int64_t j = 0; j < out; ++j) g.b[l][j] = 0.0f;
    for (int64_t i = 0; i < B; ++i)
      for (int64_t j = 0; j < out; ++j) g.b[l][j] += dz[i * out + j];
    if (l == 0) break;
    // d act[l] (B, in) = dz (B, out) * W (out, in)
    GemmParams gd;
    float* da = ws.delta_prev.data();
    st = sgemm(da, in, dz, out, p.w[l], in, B, in, out, gd);
    if (!st.ok()) return st;
    // Through dropout and the hidden activation of layer l.
    const bool dropout = ws.dropout_on && !ws.mask[l].empty();
    const float* h = dropout ? ws.hidden[l].data() : ws.act[l].data();
    const float* z = ws.pre[l].empty() ? nullptr : ws.pre[l].data();
    const float* mk = dropout ? ws.mask[l].data() : nullptr;
    if (s.hidden == Activation::kRelu) {  // the common case, kept branch-free and vectorizable
      for (int64_t i = 0; i < B * in; ++i) da[i] = h[i] > 0.0f ? da[i] : 0.0f;
    } else {
      for (int64_t i = 0; i < B * in; ++i)
        da[i] = static_cast<float>(da[i] * act_derivative(h[i], z ? z[i] : 0.0, s.hidden));
    }
    if (mk)
      for (int64_t i = 0; i < B * in; ++i) da[i] *= mk[i];
    std::swap(ws.delta, ws.delta_prev);
  }
  return Status::Ok();
}

void gather(const float* src, int64_t row_len, const std::vector<int64_t>& idx, int64_t start,
            int64_t B, float* dst) {
  for (int64_t i = 0; i < B; ++i)
    std::memcpy(dst + i * row_len, src + idx[start + i] * row_len, sizeof(float) * row_len);
}

struct OptState {
  std::vector<std::vector<float>> m, v;  // per parameter tensor (w0, b0, w1, b1, ...)
};

struct ParamView {
  float* p;
  float* g;
  int64_t n;
  bool is_weight;
};

std::vector<ParamView> views(const MlpSpec& s, const MlpParams& p, const MlpParams& g) {
  std::vector<ParamView> out;
  for (int64_t l = 0; l < s.layers(); ++l) {
    out.push_back({p.w[l], g.w[l], s.sizes[l] * s.sizes[l + 1], true});
    out.push_back({p.b[l], g.b[l], s.sizes[l + 1], false});
  }
  return out;
}


void optimizer_step(const TrainConfig& c, std::vector<ParamView>& pv, OptState& st, int64_t t,
                    double lr) {
  // Global-norm clipping first.
  double scale = 1.0;
  if (c.clip_norm > 0) {
    double sq = 0;
    for (auto& v : pv)
      for (int64_t i = 0; i < v.n; ++i) sq += static_cast<double>(v.g[i]) * v.g[i];
    const double norm = std::sqrt(sq);
    if (norm > c.clip_norm) scale = c.clip_norm / (norm + 1e-12);
  }
  const auto& kt = cpu::active_kernels();
  const double bc1 = 1.0 - std::pow(c.beta1, static_cast<double>(t));
  const double bc2 = 1.0 - std::pow(c.beta2, static_cast<double>(t));
  // Elementwise and independent per parameter: chunks of every tensor go to the pool's workers
  // (the result does not depend on how they are split).
  constexpr int64_t kChunk = 16384;
  std::vector<std::pair<size_t, int64_t>> chunks;  // (tensor, start)
  for (size_t k = 0; k < pv.size(); ++k)
    for (int64_t s0 = 0; s0 < pv[k].n; s0 += kChunk) chunks.emplace_back(k, s0);
  ThreadPool::instance().parallel_for(static_cast<int64_t>(chunks.size()), [&](int64_t b0, int64_t e0, int) {
    for (int64_t ci = b0; ci < e0; ++ci) {
      const size_t k = chunks[ci].first;
      const int64_t s0 = chunks[ci].second, n = std::min(kChunk, pv[k].n - s0);
      const float wd = pv[k].is_weight ? c.weight_decay : 0.0f;  // no decay on biases
      if (c.optimizer == OptimizerKind::kSgd) {
        cpu::SgdArgs a{pv[k].p + s0, pv[k].g + s0, st.m[k].data() + s0, n, static_cast<float>(lr),
                       c.momentum, wd, static_cast<float>(scale), c.nesterov};
        kt.sgd_update(a);
      } else {
        cpu::AdamArgs a{pv[k].p + s0, pv[k].g + s0, st.m[k].data() + s0, st.v[k].data() + s0, n,
                        static_cast<float>(lr), c.beta1, c.beta2, static_cast<float>(1.0 / bc1),
                        static_cast<float>(1.0 / std::sqrt(bc2)), c.eps, wd,
                        c.optimizer == OptimizerKind::kAdamW, static_cast<float>(scale)};
        kt.adam_update(a);
      }
    }
  });
}



struct Buffers {  // owned copies of parameters (gradients, best weights)
  std::vector<std::vector<float>> w, b;
  MlpParams view() {
    MlpParams p;
    for (auto& x : w) p.w.push_back(x.data());
    for (auto& x : b) p.b.push_back(x.data());
    return p;
  }
  void shape_like(const MlpSpec& s) {
    w.clear();
    b.clear();
    for (int64_t l = 0; l < s.layers(); ++l) {
      w.emplace_back(static_cast<size_t>(s.sizes[l] * s.sizes[l + 1]), 0.0f);
      b.emplace_back(static_cast<size_t>(s.sizes[l + 1]), 0.0f);
    }
  }
};

void copy_params(const MlpSpec& s, const MlpParams& from, const MlpParams& to) {
  for (int64_t l = 0; l < s.layers(); ++l) {
    std::memcpy(to.w[l], from.w[l], sizeof(float) * s.sizes[l] * s.sizes[l + 1]);
    std::memcpy(to.b[l], from.b[l], sizeof(float) * s.sizes[l + 1]);
  }
}

}  // namespace

Status mlp_check(const MlpSpec& s) { return train::check_spec(s); }

Status mlp_init(const MlpSpec& s, const MlpParams& p, InitKind init, uint64_t seed) {
  if (Status st = mlp_check(s); !st.ok()) return st;
  Rng rng(seed ^ 0xA5A5A5A5ull);
  for (int64_t l = 0; l < s.layers(); ++l) {
    const int64_t in = s.sizes[l], out = s.sizes[l + 1];
    if (init == InitKind::kHe) {
      const double sd = std::sqrt(2.0 / in);
      for (int64_t i = 0; i < in * out; ++i) p.w[l][i] = static_cast<float>(rng.normal() * sd);
    } else {
      const double a = std::sqrt(6.0 / (in + out));
      for (int64_t i = 0; i < in * out; ++i)
        p.w[l][i] = static_cast<float>((2.0 * rng.uniform() - 1.0) * a);
    }
    for (int64_t j = 0; j < out; ++j) p.b[l][j] = 0.0f;
  }
  return Status::Ok();
}

Status mlp_forward(const MlpSpec& s, const MlpParams& p, const float* X, int64_t n, float* Y) {
  if (Status st = mlp_check(s); !st.ok()) return st;
  if (n < 1) return InvalidArgument("forward needs at least one row");
  constexpr int64_t kChunk = 1024;
  Workspace ws;
  ws.init(s, std::min(n, kChunk));
  const int64_t in = s.sizes[0], k = out_size(s);
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t B = std::min(kChunk, n - start);
    std::memcpy(ws.act[0].data(), X + start * in, sizeof(float) * B * in);
    if (Status st = forward(s, p, ws, B, nullptr); !st.ok()) return st;
    std::memcpy(Y + start * k, ws.act[s.layers()].data(), sizeof(float) * B * k);
  }
  return Status::Ok();
}

Status PackedMlp::create(const MlpSpec& s, const MlpParams& p, std::unique_ptr<PackedMlp>* out) {
  if (Status st = mlp_check(s); !st.ok()) return st;
  std::unique_ptr<PackedMlp> m(new (std::nothrow) PackedMlp());
  if (!m) return Status(ErrorCode::kOutOfMemory, "out of memory");
  m->spec_ = s;
  try {
    for (int64_t l = 0; l < s.layers(); ++l) {
      std::unique_ptr<PackedB> w;
      // W (out, in) row-major is op(B)^T: pack it transposed once.
      if (Status st = pack_b(&w, p.w[l], s.sizes[l], s.sizes[l], s.sizes[l + 1], true); !st.ok()) return st;
      m->weights_.push_back(std::move(w));
      m->biases_.emplace_back(p.b[l], p.b[l] + s.sizes[l + 1]);
    }
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "out of memory packing the MLP");
  }
  *out = std::move(m);
  return Status::Ok();
}

size_t PackedMlp::bytes() const {
  size_t total = 0;
  for (const auto& w : weights_) total += w->bytes();
  for (const auto& b : biases_) total += b.size() * sizeof(float);
  return total;
}

// Index of the first NaN/Inf in x, or -1. The OR-reduction over exponent bits vectorizes (no
// early exit in the hot loop); the exact position is looked up only when something is wrong.
int64_t first_non_finite(const float* x, int64_t n) {
  uint32_t any = 0;
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    any |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  if (!any) return -1;
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i])) return i;
  return -1;
}

Status activation_buffers(const MlpSpec& s, int64_t n, int64_t stop, float* out[2]) {
  int64_t widest = 0;
  for (int64_t l = 1; l <= stop; ++l) widest = std::max(widest, s.sizes[l]);
  thread_local std::vector<float> buf[2];
  try {
    for (auto& b : buf)
      if (b.size() < static_cast<size_t>(n * widest)) b.resize(static_cast<size_t>(n * widest));
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "out of memory for MLP activations");
  }
  out[0] = buf[0].data();
  out[1] = buf[1].data();
  return Status::Ok();
}

Status check_finite_rows(const float* X, int64_t n, int64_t cols) {
  if (int64_t bad = first_non_finite(X, n * cols); bad >= 0)
    return InvalidArgument("X has a non-finite value (" + std::to_string(X[bad]) + ") at row " +
                           num(bad / cols) + ", column " + num(bad % cols) + ": impute or drop it first");
  return Status::Ok();
}

Status PackedMlp::forward(const float* X, int64_t n, float* Y) const {
  if (n < 1) return InvalidArgument("forward needs at least one row");
  const MlpSpec& s = spec_;
  if (Status st = check_finite_rows(X, n, s.sizes[0]); !st.ok()) return st;
  const int64_t L = s.layers();
  float* buf[2];
  if (Status st = activation_buffers(s, n, L - 1, buf); !st.ok()) return st;
  const float* in = X;
  for (int64_t l = 0; l < L; ++l) {
    const bool last = l + 1 == L;
    float* out = last ? Y : buf[l % 2];
    GemmParams gp;
    gp.bias = biases_[l].data();
    gp.act = !last ? s.hidden : (s.output == OutputKind::kSigmoid ? Activation::kSigmoid : Activation::kIdentity);
    if (Status st = sgemm_packed(out, s.sizes[l + 1], in, s.sizes[l], *weights_[l], n, gp); !st.ok()) return st;
    in = out;
  }
  if (s.output == OutputKind::kSoftmax) {
    const int64_t k = s.sizes.back();
    return softmax_rows(Y, k, Y, k, n, k);
  }
  return Status::Ok();
}

Status mlp_evaluate(const MlpSpec& s, const MlpParams& p, LossKind loss, const float* X,
                    const float* Y, int64_t n, double* loss_out, double* accuracy_out) {
  if (Status st = mlp_check(s); !st.ok()) return st;
  if (Status st = check_loss(s, loss); !st.ok()) return st;
  if (Status st = check_targets(s, loss, Y, n); !st.ok()) return st;
  constexpr int64_t kChunk = 1024;
  Workspace ws;
  ws.init(s, std::min(n, kChunk));
  const int64_t in = s.sizes[0];
  const int64_t ty = loss == LossKind::kCategoricalCrossEntropy ? 1 : out_size(s);
  double total = 0;
  int64_t correct = 0;
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t B = std::min(kChunk, n - start);
    std::memcpy(ws.act[0].data(), X + start * in, sizeof(float) * B * in);
    if (Status st = forward(s, p, ws, B, nullptr); !st.ok()) return st;
    total += loss_and_delta(s, loss, ws, Y + start * ty, B, &correct, 1.0);
  }
  *loss_out = total / n;
  if (accuracy_out) {
    const double denom = loss == LossKind::kBinaryCrossEntropy ? double(n) * out_size(s) : double(n);
    *accuracy_out = is_classification(loss) ? correct / denom : -1.0;
  }
  return Status::Ok();
}

Status mlp_gradients(const MlpSpec& s, const MlpParams& p, LossKind loss, const float* X,
                     const float* Y, int64_t n, const MlpParams& g) {
  if (Status st = mlp_check(s); !st.ok()) return st;
  if (Status st = check_loss(s, loss); !st.ok()) return st;
  Workspace ws;
  ws.init(s, n);
  std::memcpy(ws.act[0].data(), X, sizeof(float) * n * s.sizes[0]);
  if (Status st = forward(s, p, ws, n, nullptr); !st.ok()) return st;
  loss_and_delta(s, loss, ws, Y, n, nullptr, 1.0 / n);
  return backward(s, p, ws, n, g);
}

Status mlp_train(const MlpSpec& s, const MlpParams& p, const TrainData& d, const TrainConfig& c,
                 const ReportFn& report, const volatile int32_t* cancel, TrainResult* result) {
  using clock = std::chrono::steady_clock;
  if (Status st = train::check_request(s, d, c); !st.ok()) return st;

  const int64_t B = std::min(c.batch_size, d.n);
  const int64_t in = s.sizes[0];
  const int64_t ty = c.loss == LossKind::kCategoricalCrossEntropy ? 1 : out_size(s);
  Workspace ws;
  Buffers grads, best;
  OptState opt;
  try {
    ws.init(s, B);
    if (d.soft) ws.init_soft(s);
    grads.shape_like(s);
    if (c.patience > 0 && c.restore_best) best.shape_like(s);
    for (int64_t l = 0; l < s.layers(); ++l) {
      for (int64_t n : {s.sizes[l] * s.sizes[l + 1], s.sizes[l + 1]}) {
        opt.m.emplace_back(static_cast<size_t>(n), 0.0f);
        opt.v.emplace_back(static_cast<size_t>(c.optimizer == OptimizerKind::kSgd ? 0 : n), 0.0f);
      }
    }
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "out of memory allocating training buffers");
  }
  MlpParams g = grads.view();
  auto pv = views(s, p, g);
  Rng shuffle_rng(c.seed), dropout_rng(c.seed ^ 0xD1B54A32D192ED03ull);
  std::vector<int64_t> order(static_cast<size_t>(d.n));
  for (int64_t i = 0; i < d.n; ++i) order[i] = i;
  apply_masks(s, p, d.weight_masks);

  TrainResult res;
  train::EpochEnd epoch_end;
  int64_t t = 0;
  for (int64_t epoch = 0; epoch < c.epochs; ++epoch) {
    if (c.shuffle)
      for (int64_t i = d.n - 1; i > 0; --i) std::swap(order[i], order[shuffle_rng.below(i + 1)]);
    const double lr = lr_at(c, epoch);
    const auto t0 = clock::now();
    double loss_sum = 0;
    int64_t correct = 0, seen = 0;
    auto make_report = [&](bool end) {
      TrainReport r;
      r.epoch = epoch + 1;
      r.step = t;
      r.end_of_epoch = end;
      r.loss = seen ? loss_sum / seen : 0;
      if (is_classification(c.loss)) {
        const double denom = c.loss == LossKind::kBinaryCrossEntropy ? double(seen) * out_size(s) : double(seen);
        r.accuracy = seen ? correct / denom : 0;
      }
      const double secs = std::chrono::duration<double>(clock::now() - t0).count();
      r.samples_per_sec = secs > 0 ? seen / secs : 0;
      r.lr = lr;
      return r;
    };
    for (int64_t start = 0; start < d.n; start += B) {
      if (cancel && *cancel) {
        res.cancelled = true;
        break;
      }
      const int64_t b = std::min(B, d.n - start);
      gather(d.X, in, order, start, b, ws.act[0].data());
      gather(d.Y, ty, order, start, b, ws.targets.data());
      if (Status st = forward(s, p, ws, b, s.dropout > 0 ? &dropout_rng : nullptr); !st.ok()) return st;
      double batch_loss = loss_and_delta(s, c.loss, ws, ws.targets.data(), b, &correct, 1.0 / b);
      if (d.soft) {
        gather(d.soft, out_size(s), order, start, b, ws.soft.data());
        batch_loss = distill_delta(s, ws, b, batch_loss, c.distill_alpha, c.distill_temperature, 1.0 / b);
      }
      loss_sum += batch_loss;
      seen += b;
      if (Status st = backward(s, p, ws, b, g); !st.ok()) return st;
      optimizer_step(c, pv, opt, ++t, lr);
      apply_masks(s, p, d.weight_masks);
      if (c.report_every > 0 && t % c.report_every == 0 && report) report(make_report(false));
    }
    if (res.cancelled) break;
    TrainReport r = make_report(true);
    r.samples_per_sec = seen / std::max(1e-9, std::chrono::duration<double>(clock::now() - t0).count());
    if (d.X_val && d.n_val > 0) {
      double vl = 0, va = -1;
      if (Status st = mlp_evaluate(s, p, c.loss, d.X_val, d.Y_val, d.n_val, &vl, &va); !st.ok()) return st;
      r.val_loss = vl;
      r.val_accuracy = va;
    }
    Status error;
    const auto verdict = epoch_end.update(c, r, &res, &error);
    if (!error.ok()) return error;
    if (report) report(r);
    if (verdict == train::EpochEnd::Verdict::kImproved && c.restore_best) copy_params(s, p, best.view());
    if (verdict == train::EpochEnd::Verdict::kStop) break;
  }
  if (train::EpochEnd::restore_best(c, res)) copy_params(s, best.view(), p);
  res.steps = t;
  *result = std::move(res);
  return Status::Ok();
}

}  // namespace amaas

// The MLP on the GPU: forward (inference) and the native training loop of mlp.cpp (distillation and
// pruning masks included) with every tensor resident on the device (data uploaded once, batches
// gathered there, forward, loss, backward, clipping and the optimizer as kernels; the host only
// shuffles, polls the cancel flag and reads two numbers per report). Same math as mlp.cpp;
// comments point at what differs.
// Not here: the GEMM kernels (gemm_f32.cu, used in fp32 so results track the CPU within rounding).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "cuda/common.cuh"
#include "model/train_rules.h"

namespace amaas::cuda {
namespace {

// The rules the CPU loop shares (seeded shuffle, schedule, argument checks): model/train_rules.h.
using train::check_request;
using train::check_spec;
using train::lr_at;
using train::Rng;

// ---- kernels -------------------------------------------------------------------------------

constexpr int kThreads = 256;
unsigned blocks_for(int64_t n) { return static_cast<unsigned>(std::min<int64_t>((n + kThreads - 1) / kThreads, 65535)); }

#define GRID_STRIDE(i, n) \
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < (n); i += int64_t(gridDim.x) * blockDim.x)

// dst (B, cols) = rows order[start..start+B) of src (n, cols).
__global__ void gather_rows(float* dst, const float* src, const int64_t* order, int64_t start, int64_t B, int64_t cols) {
  GRID_STRIDE(e, B * cols) {
    const int64_t i = e / cols, j = e % cols;
    dst[e] = src[order[start + i] * cols + j];
  }
}

__global__ void apply_activation(float* y, const float* x, int64_t n, Activation act) {
  GRID_STRIDE(i, n) y[i] = activate(x[i], act);
}

// Counter-based dropout: u = splitmix64(seed, step, layer, i) -> [0, 1). A stream RNG like the
// CPU's cannot be shared across threads; masks are therefore different from the CPU's (same law).
__device__ __forceinline__ float hash_uniform(uint64_t key) {
  uint64_t z = key + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<float>((z >> 40) * (1.0 / 16777216.0));
}

__global__ void dropout_kernel(float* y, float* mask, const float* h, int64_t n, float keep, uint64_t key) {
  const float scale = 1.0f / keep;
  GRID_STRIDE(i, n) {
    const float m = hash_uniform(key ^ (static_cast<uint64_t>(i) * 0xD2B74407B1CE6E93ull)) < keep ? scale : 0.0f;
    mask[i] = m;
    y[i] = h[i] * m;
  }
}

// Row-wise softmax in place, one warp per row, with the CPU's formula (max, exp, sum, * 1/sum).
__global__ void softmax_rows_kernel(float* y, int64_t rows, int64_t k) {
  const int64_t row = blockIdx.x * int64_t(blockDim.x / 32) + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows) return;
  float* r = y + row * k;
  float mx = -INFINITY;
  for (int64_t j = lane; j < k; j += 32) mx = fmaxf(mx, r[j]);
  for (int off = 16; off > 0; off /= 2) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, off));
  float sum = 0.0f;
  for (int64_t j = lane; j < k; j += 32) {
    const float e = expf(r[j] - mx);
    r[j] = e;
    sum += e;
  }
  for (int off = 16; off > 0; off /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, off);
  const float inv = 1.0f / sum;
  for (int64_t j = lane; j < k; j += 32) r[j] *= inv;
}

// Per row: its loss (summed over outputs, as loss_and_delta in mlp.cpp), correct predictions,
// and dLoss/dz_out scaled by `scale_rows` into delta (B, k).
__global__ void loss_delta_kernel(float* delta, double* row_loss, double* row_correct, const float* p,
                                  const float* targets, int64_t B, int64_t k, LossKind loss, double scale_rows) {
  GRID_STRIDE(i, B) {
    const float* pi = p + i * k;
    float* di = delta + i * k;
    double total = 0, correct = 0;
    constexpr double kTiny = 1e-12;
    if (loss == LossKind::kCategoricalCrossEntropy) {
      const int64_t y = static_cast<int64_t>(targets[i]);
      total = -log(fmax(static_cast<double>(pi[y]), kTiny));
      int64_t arg = 0;
      for (int64_t j = 0; j < k; ++j) {
        di[j] = static_cast<float>((pi[j] - (j == y ? 1.0 : 0.0)) * scale_rows);
        if (pi[j] > pi[arg]) arg = j;
      }
      correct = arg == y ? 1 : 0;
    } else {
      const float* ti = targets + i * k;
      for (int64_t j = 0; j < k; ++j) {
        const double diff = static_cast<double>(pi[j]) - ti[j];
        if (loss == LossKind::kBinaryCrossEntropy) {
          const double pj = fmin(fmax(static_cast<double>(pi[j]), kTiny), 1.0 - kTiny);
          total -= (ti[j] * log(pj) + (1.0 - ti[j]) * log(1.0 - pj)) / k;
          di[j] = static_cast<float>(diff * scale_rows / k);
          correct += ((pi[j] >= 0.5f) == (ti[j] >= 0.5f)) ? 1 : 0;
        } else {
          total += diff * diff / k;
          di[j] = static_cast<float>(2.0 * diff * scale_rows / k);
        }
      }
    }
    row_loss[i] = total;
    row_correct[i] = correct;
  }
}

// stats[0] += sum(row_loss), stats[1] += sum(row_correct): one block, fixed order (deterministic).
__global__ void accumulate_stats(double* stats, const double* row_loss, const double* row_correct, int64_t B) {
  __shared__ double sl[kThreads], sc[kThreads];
  double l = 0, c = 0;
  for (int64_t i = threadIdx.x; i < B; i += kThreads) {
    l += row_loss[i];
    c += row_correct[i];
  }
  sl[threadIdx.x] = l;
  sc[threadIdx.x] = c;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s /= 2) {
    if (threadIdx.x < s) {
      sl[threadIdx.x] += sl[threadIdx.x + s];
      sc[threadIdx.x] += sc[threadIdx.x + s];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    stats[0] += sl[0];
    stats[1] += sc[0];
  }
}

// Distillation (mlp.cpp distill_delta): q = softmax(z / T) from the student's probabilities p as
// p^(1/T) renormalised; delta = (1 - alpha) delta + alpha T (q - soft) / B; the row's loss becomes
// (1 - alpha) label_loss + alpha T^2 KL(soft || q). One thread per row.
__global__ void distill_kernel(float* delta, double* row_loss, const float* p, const float* soft, int64_t B,
                               int64_t k, float alpha, float T, double scale_rows) {
  GRID_STRIDE(i, B) {
    constexpr double kTiny = 1e-12;
    const float* pi = p + i * k;
    const float* ti = soft + i * k;
    double z = 0;
    for (int64_t j = 0; j < k; ++j) z += pow(fmax(static_cast<double>(pi[j]), kTiny), 1.0 / T);
    double kl = 0;
    for (int64_t j = 0; j < k; ++j) {
      const double q = pow(fmax(static_cast<double>(pi[j]), kTiny), 1.0 / T) / z;
      if (ti[j] > 0) kl += ti[j] * (log(static_cast<double>(ti[j])) - log(fmax(q, kTiny)));
      float* dij = delta + i * k + j;
      *dij = static_cast<float>((1.0 - alpha) * *dij + alpha * T * (q - ti[j]) * scale_rows);
    }
    row_loss[i] = (1.0 - alpha) * row_loss[i] + alpha * double(T) * T * kl;
  }
}

// Pruning: w *= mask (0/1), before training and after every optimizer step, as the CPU loop does.
__global__ void apply_mask(float* w, const float* mask, int64_t n) {
  GRID_STRIDE(i, n) w[i] *= mask[i];
}

// gb (out) = column sums of dz (B, out), summed in row order like the CPU loop.
__global__ void bias_grad(float* gb, const float* dz, int64_t B, int64_t out) {
  GRID_STRIDE(j, out) {
    float s = 0.0f;
    for (int64_t i = 0; i < B; ++i) s += dz[i * out + j];
    gb[j] = s;
  }
}

// da *= f'(.) of the hidden activation (from h, or z for GELU), then *= the dropout mask.
__global__ void activation_backward(float* da, const float* h, const float* z, const float* mask, int64_t n,
                                    Activation act) {
  GRID_STRIDE(i, n) {
    float d = da[i];
    const float hi = h[i];
    switch (act) {
      case Activation::kIdentity: break;
      case Activation::kRelu: d = hi > 0.0f ? d : 0.0f; break;
      case Activation::kSigmoid: d = static_cast<float>(d * (static_cast<double>(hi) * (1.0 - hi))); break;
      case Activation::kTanh: d = static_cast<float>(d * (1.0 - static_cast<double>(hi) * hi)); break;
      case Activation::kGelu: {
        const double zi = z[i];
        const double cdf = 0.5 * (1.0 + erf(zi * 0.7071067811865476));
        const double pdf = 0.3989422804014327 * exp(-0.5 * zi * zi);
        d = static_cast<float>(d * (cdf + zi * pdf));
        break;
      }
    }
    if (mask) d *= mask[i];
    da[i] = d;
  }
}

// Global gradient norm for clipping: one block sums squares in a fixed order (deterministic), then
// writes the factor the optimizer multiplies gradients by, so the host never waits for it.
__global__ void clip_scale_kernel(float* scale_out, const float* g, int64_t n, float clip) {
  __shared__ double s[kThreads];
  double acc = 0;
  for (int64_t i = threadIdx.x; i < n; i += kThreads) acc += static_cast<double>(g[i]) * g[i];
  s[threadIdx.x] = acc;
  __syncthreads();
  for (int k = kThreads / 2; k > 0; k /= 2) {
    if (threadIdx.x < k) s[threadIdx.x] += s[threadIdx.x + k];
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    const double norm = sqrt(s[0]);
    *scale_out = norm > clip ? static_cast<float>(clip / (norm + 1e-12)) : 1.0f;
  }
}

// The CPU's adam_update_generic / sgd_update_generic (optim_kernels.h), per element.
struct OptArgs {
  OptimizerKind kind;
  float lr, beta1, beta2, inv_bc1, inv_sqrt_bc2, eps, weight_decay, momentum;
  bool nesterov;
  const float* grad_scale;  // device scalar, or null for 1
};

__global__ void optimizer_kernel(float* p, const float* g, float* m, float* v, int64_t n, OptArgs a) {
  const float gs = a.grad_scale ? *a.grad_scale : 1.0f;
  GRID_STRIDE(i, n) {
    if (a.kind == OptimizerKind::kSgd) {
      const float gi = g[i] * gs + a.weight_decay * p[i];
      if (a.momentum == 0.0f) {
        p[i] -= a.lr * gi;
      } else {
        const float mi = a.momentum * m[i] + gi;
        m[i] = mi;
        p[i] -= a.lr * (a.nesterov ? gi + a.momentum * mi : mi);
      }
    } else {
      const bool decoupled = a.kind == OptimizerKind::kAdamW;
      const float c_wd = decoupled ? 0.0f : a.weight_decay;
      const float d_wd = decoupled ? a.lr * a.weight_decay : 0.0f;
      const float gi = g[i] * gs + c_wd * p[i];
      const float mi = a.beta1 * m[i] + (1.0f - a.beta1) * gi;
      const float vi = a.beta2 * v[i] + (1.0f - a.beta2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] - d_wd * p[i] - (a.lr * a.inv_bc1) * mi / (sqrtf(vi) * a.inv_sqrt_bc2 + a.eps);
    }
  }
}

// ---- the network on the device ----------------------------------------------------------------

// All parameters in one buffer [W0 b0 W1 b1 ...]: gradients, Adam moments and the best-weights
// copy share the layout, so clipping is one kernel and snapshots are one memcpy.
struct Layout {
  std::vector<int64_t> w_off, b_off;
  int64_t total = 0;
  explicit Layout(const MlpSpec& s) {
    for (int64_t l = 0; l < s.layers(); ++l) {
      w_off.push_back(total);
      total += s.sizes[l] * s.sizes[l + 1];
      b_off.push_back(total);
      total += s.sizes[l + 1];
    }
  }
};

struct Workspace {
  int64_t rows = 0;
  std::vector<DeviceBuffer> act, hidden, pre, mask;
  DeviceBuffer delta, delta_prev, targets, row_loss, row_correct;
  bool dropout_on = false;

  Status init(const MlpSpec& s, int64_t r, int64_t target_cols) {
    rows = r;
    const int64_t L = s.layers();
    act.resize(L + 1);
    hidden.resize(L + 1);
    pre.resize(L + 1);
    mask.resize(L + 1);
    int64_t widest = 0;
    for (int64_t l = 0; l <= L; ++l) {
      const size_t bytes = sizeof(float) * r * s.sizes[l];
      AMAAS_TRY(DeviceBuffer::make(&act[l], bytes));
      widest = std::max(widest, s.sizes[l]);
      const bool is_hidden = l > 0 && l < L;
      if (is_hidden && s.dropout > 0) {
        AMAAS_TRY(DeviceBuffer::make(&hidden[l], bytes));
        AMAAS_TRY(DeviceBuffer::make(&mask[l], bytes));
      }
      if (is_hidden && s.hidden == Activation::kGelu) AMAAS_TRY(DeviceBuffer::make(&pre[l], bytes));
    }
    AMAAS_TRY(DeviceBuffer::make(&delta, sizeof(float) * r * widest));
    AMAAS_TRY(DeviceBuffer::make(&delta_prev, sizeof(float) * r * widest));
    AMAAS_TRY(DeviceBuffer::make(&targets, sizeof(float) * r * target_cols));
    AMAAS_TRY(DeviceBuffer::make(&row_loss, sizeof(double) * r));
    AMAAS_TRY(DeviceBuffer::make(&row_correct, sizeof(double) * r));
    return Status::Ok();
  }
};

struct Net {
  const MlpSpec& s;
  Layout lay;
  DeviceBuffer params;
  explicit Net(const MlpSpec& spec) : s(spec), lay(spec) {}
  float* w(int64_t l) const { return params.as<float>() + lay.w_off[l]; }
  float* b(int64_t l) const { return params.as<float>() + lay.b_off[l]; }

  Status upload(const MlpParams& p, cudaStream_t st) {
    AMAAS_TRY(DeviceBuffer::make(&params, sizeof(float) * lay.total));
    for (int64_t l = 0; l < s.layers(); ++l) {
      AMAAS_CUDA_TRY(cudaMemcpyAsync(w(l), p.w[l], sizeof(float) * s.sizes[l] * s.sizes[l + 1], cudaMemcpyHostToDevice, st));
      AMAAS_CUDA_TRY(cudaMemcpyAsync(b(l), p.b[l], sizeof(float) * s.sizes[l + 1], cudaMemcpyHostToDevice, st));
    }
    return Status::Ok();
  }
  Status download(const MlpParams& p, cudaStream_t st) const {
    for (int64_t l = 0; l < s.layers(); ++l) {
      AMAAS_CUDA_TRY(cudaMemcpyAsync(p.w[l], w(l), sizeof(float) * s.sizes[l] * s.sizes[l + 1], cudaMemcpyDeviceToHost, st));
      AMAAS_CUDA_TRY(cudaMemcpyAsync(p.b[l], b(l), sizeof(float) * s.sizes[l + 1], cudaMemcpyDeviceToHost, st));
    }
    AMAAS_CUDA_TRY(cudaStreamSynchronize(st));
    return Status::Ok();
  }

  // Forward over B rows already in ws.act[0]; dropout when dropout_key != 0 (training).
  Status forward(Workspace& ws, int64_t B, uint64_t dropout_key, cudaStream_t st) const {
    const int64_t L = s.layers();
    ws.dropout_on = s.dropout > 0 && dropout_key != 0;
    for (int64_t l = 0; l < L; ++l) {
      const int64_t in = s.sizes[l], out = s.sizes[l + 1];
      const bool is_hidden = l + 1 < L;
      const bool dropout = is_hidden && ws.dropout_on;
      float* y = ws.act[l + 1].as<float>();
      float* h = dropout ? ws.hidden[l + 1].as<float>() : y;
      const bool gelu = is_hidden && s.hidden == Activation::kGelu;
      // x (B,in) * W^T, W (out,in): the fused epilogue adds the bias and applies the activation,
      // except GELU, whose pre-activation z the backward pass needs.
      DeviceGemm g{gelu ? ws.pre[l + 1].as<float>() : h, out, ws.act[l].as<float>(), in, w(l), in, B, out, in};
      g.trans_b = true;
      g.bias = b(l);
      g.act = is_hidden && !gelu ? s.hidden : Activation::kIdentity;
      AMAAS_TRY(launch_gemm_f32(g, st));
      if (gelu) apply_activation<<<blocks_for(B * out), kThreads, 0, st>>>(h, ws.pre[l + 1].as<float>(), B * out, Activation::kGelu);
      if (dropout)
        dropout_kernel<<<blocks_for(B * out), kThreads, 0, st>>>(y, ws.mask[l + 1].as<float>(), h, B * out, 1.0f - s.dropout,
                                                                  dropout_key * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(l));
    }
    float* outp = ws.act[L].as<float>();
    const int64_t k = s.sizes.back();
    if (s.output == OutputKind::kSoftmax)
      softmax_rows_kernel<<<static_cast<unsigned>((B + 7) / 8), 256, 0, st>>>(outp, B, k);
    else if (s.output == OutputKind::kSigmoid)
      apply_activation<<<blocks_for(B * k), kThreads, 0, st>>>(outp, outp, B * k, Activation::kSigmoid);
    AMAAS_CUDA_TRY(cudaGetLastError());
    return Status::Ok();
  }

  // Gradients of the loss whose dLoss/dz_out is in ws.delta into grads (same layout as params).
  Status backward(Workspace& ws, int64_t B, float* grads, cudaStream_t st) const {
    const int64_t L = s.layers();
    for (int64_t l = L - 1; l >= 0; --l) {
      const int64_t in = s.sizes[l], out = s.sizes[l + 1];
      const float* dz = ws.delta.as<float>();  // (B, out)
      // gW (out, in) = dz^T (out, B) * act[l] (B, in)
      DeviceGemm gw{grads + lay.w_off[l], in, dz, out, ws.act[l].as<float>(), in, out, in, B};
      gw.trans_a = true;
      AMAAS_TRY(launch_gemm_f32(gw, st));
      bias_grad<<<blocks_for(out), kThreads, 0, st>>>(grads + lay.b_off[l], dz, B, out);
      if (l == 0) break;
      // d act[l] (B, in) = dz (B, out) * W (out, in), then through dropout and the activation.
      float* da = ws.delta_prev.as<float>();
      DeviceGemm gd{da, in, dz, out, w(l), in, B, in, out};
      AMAAS_TRY(launch_gemm_f32(gd, st));
      const bool dropout = ws.dropout_on && ws.mask[l].data();
      const float* h = dropout ? ws.hidden[l].as<float>() : ws.act[l].as<float>();
      activation_backward<<<blocks_for(B * in), kThreads, 0, st>>>(
          da, h, ws.pre[l].as<float>(), dropout ? ws.mask[l].as<float>() : nullptr, B * in, s.hidden);
      std::swap(ws.delta, ws.delta_prev);
    }
    AMAAS_CUDA_TRY(cudaGetLastError());
    return Status::Ok();
  }
};

// Loss and accuracy over (X, Y) already on the device, in chunks of ws.rows (no dropout).
Status evaluate_device(const Net& net, Workspace& ws, LossKind loss, const float* dX, const float* dY, int64_t n,
                       double* stats_dev, double* loss_out, double* acc_out, cudaStream_t st) {
  const MlpSpec& s = net.s;
  const int64_t in = s.sizes[0], k = s.sizes.back();
  const int64_t ty = loss == LossKind::kCategoricalCrossEntropy ? 1 : k;
  AMAAS_CUDA_TRY(cudaMemsetAsync(stats_dev, 0, 2 * sizeof(double), st));
  for (int64_t start = 0; start < n; start += ws.rows) {
    const int64_t B = std::min(ws.rows, n - start);
    AMAAS_CUDA_TRY(cudaMemcpyAsync(ws.act[0].data(), dX + start * in, sizeof(float) * B * in, cudaMemcpyDeviceToDevice, st));
    AMAAS_TRY(net.forward(ws, B, 0, st));
    loss_delta_kernel<<<blocks_for(B), kThreads, 0, st>>>(ws.delta.as<float>(), ws.row_loss.as<double>(),
                                                          ws.row_correct.as<double>(), ws.act[s.layers()].as<float>(),
                                                          dY + start * ty, B, k, loss, 1.0);
    accumulate_stats<<<1, kThreads, 0, st>>>(stats_dev, ws.row_loss.as<double>(), ws.row_correct.as<double>(), B);
  }
  AMAAS_CUDA_TRY(cudaGetLastError());
  double h[2];
  AMAAS_CUDA_TRY(cudaMemcpyAsync(h, stats_dev, sizeof h, cudaMemcpyDeviceToHost, st));
  AMAAS_CUDA_TRY(cudaStreamSynchronize(st));
  *loss_out = h[0] / n;
  const double denom = loss == LossKind::kBinaryCrossEntropy ? double(n) * k : double(n);
  *acc_out = loss == LossKind::kMse ? -1.0 : h[1] / denom;
  return Status::Ok();
}

Status upload(DeviceBuffer* out, const void* host, size_t bytes, cudaStream_t st) {
  AMAAS_TRY(DeviceBuffer::make(out, bytes));
  AMAAS_CUDA_TRY(cudaMemcpyAsync(out->data(), host, bytes, cudaMemcpyHostToDevice, st));
  return Status::Ok();
}

}  // namespace

Status mlp_forward(const MlpSpec& s, const MlpParams& p, const float* X, int64_t n, float* Y) {
  AMAAS_TRY(device_status());
  AMAAS_TRY(check_spec(s));
  if (n < 1) return InvalidArgument("forward needs at least one row");
  Net net(s);
  Workspace ws;
  StreamLease stream;
  AMAAS_TRY(StreamLease::make(&stream));
  cudaStream_t st = stream.get();
  AMAAS_TRY(net.upload(p, st));
  constexpr int64_t kChunk = 4096;
  AMAAS_TRY(ws.init(s, std::min(n, kChunk), 1));
  const int64_t in = s.sizes[0], k = s.sizes.back();
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t B = std::min(kChunk, n - start);
    AMAAS_CUDA_TRY(cudaMemcpyAsync(ws.act[0].data(), X + start * in, sizeof(float) * B * in, cudaMemcpyHostToDevice, st));
    AMAAS_TRY(net.forward(ws, B, 0, st));
    AMAAS_CUDA_TRY(cudaMemcpyAsync(Y + start * k, ws.act[s.layers()].data(), sizeof(float) * B * k, cudaMemcpyDeviceToHost, st));
  }
  AMAAS_CUDA_TRY(cudaStreamSynchronize(st));
  return Status::Ok();
}

Status mlp_train(const MlpSpec& s, const MlpParams& p, const TrainData& d, const TrainConfig& c,
                 const ReportFn& report, const volatile int32_t* cancel, TrainResult* result) {
  using clock = std::chrono::steady_clock;
  AMAAS_TRY(device_status());
  AMAAS_TRY(check_request(s, d, c));
  const bool has_val = d.X_val && d.n_val > 0;

  const int64_t L = s.layers(), in = s.sizes[0], k = s.sizes.back();
  const int64_t B = std::min(c.batch_size, d.n);
  const int64_t ty = c.loss == LossKind::kCategoricalCrossEntropy ? 1 : k;
  const bool classification = c.loss != LossKind::kMse;

  Net net(s);
  Workspace ws, ws_eval;
  DeviceBuffer dX, dY, dXv, dYv, dOrder, grads, m, v, best, stats, clip_scale, dSoft, batchSoft;
  std::vector<DeviceBuffer> masks(static_cast<size_t>(L));
  std::vector<int64_t> order(static_cast<size_t>(d.n));
  StreamLease stream;
  AMAAS_TRY(StreamLease::make(&stream));
  cudaStream_t st = stream.get();

  // The whole training set goes to the device once: no per-batch host->device traffic at all,
  // only the shuffled order (8 bytes per sample) per epoch.
  AMAAS_TRY(net.upload(p, st));
  AMAAS_TRY(upload(&dX, d.X, sizeof(float) * d.n * in, st));
  AMAAS_TRY(upload(&dY, d.Y, sizeof(float) * d.n * ty, st));
  if (has_val) {
    AMAAS_TRY(upload(&dXv, d.X_val, sizeof(float) * d.n_val * in, st));
    AMAAS_TRY(upload(&dYv, d.Y_val, sizeof(float) * d.n_val * ty, st));
    AMAAS_TRY(ws_eval.init(s, std::min<int64_t>(d.n_val, 1024), ty));
  }
  AMAAS_TRY(ws.init(s, B, ty));
  if (d.soft) {
    AMAAS_TRY(upload(&dSoft, d.soft, sizeof(float) * d.n * k, st));
    AMAAS_TRY(DeviceBuffer::make(&batchSoft, sizeof(float) * B * k));
  }
  auto apply_masks = [&]() {
    for (int64_t l = 0; l < L && !d.weight_masks.empty(); ++l)
      if (masks[l].data()) {
        const int64_t n = s.sizes[l] * s.sizes[l + 1];
        apply_mask<<<blocks_for(n), kThreads, 0, st>>>(net.w(l), masks[l].as<float>(), n);
      }
  };
  for (int64_t l = 0; l < L && !d.weight_masks.empty(); ++l)
    if (d.weight_masks[l])
      AMAAS_TRY(upload(&masks[l], d.weight_masks[l], sizeof(float) * s.sizes[l] * s.sizes[l + 1], st));
  apply_masks();
  const size_t pbytes = sizeof(float) * net.lay.total;
  AMAAS_TRY(DeviceBuffer::make(&dOrder, sizeof(int64_t) * d.n));
  AMAAS_TRY(DeviceBuffer::make(&grads, pbytes));
  AMAAS_TRY(DeviceBuffer::make(&m, pbytes));
  AMAAS_CUDA_TRY(cudaMemsetAsync(m.data(), 0, pbytes, st));
  if (c.optimizer != OptimizerKind::kSgd) {
    AMAAS_TRY(DeviceBuffer::make(&v, pbytes));
    AMAAS_CUDA_TRY(cudaMemsetAsync(v.data(), 0, pbytes, st));
  }
  if (c.patience > 0 && c.restore_best) AMAAS_TRY(DeviceBuffer::make(&best, pbytes));
  AMAAS_TRY(DeviceBuffer::make(&stats, 4 * sizeof(double)));  // [0..1] epoch, [2..3] evaluation
  AMAAS_TRY(DeviceBuffer::make(&clip_scale, sizeof(float)));

  Rng shuffle_rng(c.seed);
  for (int64_t i = 0; i < d.n; ++i) order[i] = i;
  TrainResult res;
  train::EpochEnd epoch_end;
  int64_t t = 0;
  for (int64_t epoch = 0; epoch < c.epochs; ++epoch) {
    if (c.shuffle)
      for (int64_t i = d.n - 1; i > 0; --i) std::swap(order[i], order[shuffle_rng.below(i + 1)]);
    // Pageable source: the copy completes before the call returns, so `order` may change after.
    AMAAS_CUDA_TRY(cudaMemcpyAsync(dOrder.data(), order.data(), sizeof(int64_t) * d.n, cudaMemcpyHostToDevice, st));
    AMAAS_CUDA_TRY(cudaMemsetAsync(stats.data(), 0, 2 * sizeof(double), st));
    const double lr = lr_at(c, epoch);
    const auto t0 = clock::now();
    int64_t seen = 0;
    auto make_report = [&](bool end, TrainReport* r) -> Status {
      double h[2];
      AMAAS_CUDA_TRY(cudaMemcpyAsync(h, stats.data(), sizeof h, cudaMemcpyDeviceToHost, st));
      AMAAS_CUDA_TRY(cudaStreamSynchronize(st));
      r->epoch = epoch + 1;
      r->step = t;
      r->end_of_epoch = end;
      r->loss = seen ? h[0] / seen : 0;
      if (classification) {
        const double denom = c.loss == LossKind::kBinaryCrossEntropy ? double(seen) * k : double(seen);
        r->accuracy = seen ? h[1] / denom : 0;
      }
      const double secs = std::chrono::duration<double>(clock::now() - t0).count();
      r->samples_per_sec = secs > 0 ? seen / secs : 0;
      r->lr = lr;
      return Status::Ok();
    };
    for (int64_t start = 0; start < d.n; start += B) {
      if (cancel && *cancel) {
        res.cancelled = true;
        break;
      }
      const int64_t b = std::min(B, d.n - start);
      gather_rows<<<blocks_for(b * in), kThreads, 0, st>>>(ws.act[0].as<float>(), dX.as<float>(), dOrder.as<int64_t>(), start, b, in);
      gather_rows<<<blocks_for(b * ty), kThreads, 0, st>>>(ws.targets.as<float>(), dY.as<float>(), dOrder.as<int64_t>(), start, b, ty);
      const uint64_t dropout_key = s.dropout > 0 ? (c.seed ^ 0xD1B54A32D192ED03ull) + static_cast<uint64_t>(t + 1) : 0;
      AMAAS_TRY(net.forward(ws, b, dropout_key, st));
      loss_delta_kernel<<<blocks_for(b), kThreads, 0, st>>>(ws.delta.as<float>(), ws.row_loss.as<double>(),
                                                            ws.row_correct.as<double>(), ws.act[L].as<float>(),
                                                            ws.targets.as<float>(), b, k, c.loss, 1.0 / b);
      if (d.soft) {
        gather_rows<<<blocks_for(b * k), kThreads, 0, st>>>(batchSoft.as<float>(), dSoft.as<float>(), dOrder.as<int64_t>(), start, b, k);
        distill_kernel<<<blocks_for(b), kThreads, 0, st>>>(ws.delta.as<float>(), ws.row_loss.as<double>(), ws.act[L].as<float>(),
                                                           batchSoft.as<float>(), b, k, c.distill_alpha, c.distill_temperature, 1.0 / b);
      }
      accumulate_stats<<<1, kThreads, 0, st>>>(stats.as<double>(), ws.row_loss.as<double>(), ws.row_correct.as<double>(), b);
      seen += b;
      AMAAS_TRY(net.backward(ws, b, grads.as<float>(), st));
      ++t;
      if (c.clip_norm > 0)
        clip_scale_kernel<<<1, kThreads, 0, st>>>(clip_scale.as<float>(), grads.as<float>(), net.lay.total, c.clip_norm);
      const double bc1 = 1.0 - std::pow(c.beta1, static_cast<double>(t));
      const double bc2 = 1.0 - std::pow(c.beta2, static_cast<double>(t));
      for (int64_t l = 0; l < L; ++l) {
        for (int which = 0; which < 2; ++which) {
          const int64_t off = which == 0 ? net.lay.w_off[l] : net.lay.b_off[l];
          const int64_t n = which == 0 ? s.sizes[l] * s.sizes[l + 1] : s.sizes[l + 1];
          OptArgs a{c.optimizer, static_cast<float>(lr), c.beta1, c.beta2, static_cast<float>(1.0 / bc1),
                    static_cast<float>(1.0 / std::sqrt(bc2)), c.eps, which == 0 ? c.weight_decay : 0.0f,
                    c.momentum, c.nesterov, c.clip_norm > 0 ? clip_scale.as<float>() : nullptr};
          optimizer_kernel<<<blocks_for(n), kThreads, 0, st>>>(net.params.as<float>() + off, grads.as<float>() + off,
                                                              m.as<float>() + off,
                                                              v.data() ? v.as<float>() + off : nullptr, n, a);
        }
      }
      apply_masks();
      AMAAS_CUDA_TRY(cudaGetLastError());
      if (c.report_every > 0 && t % c.report_every == 0 && report) {
        TrainReport r;
        AMAAS_TRY(make_report(false, &r));
        report(r);
      }
    }
    if (res.cancelled) break;
    TrainReport r;
    AMAAS_TRY(make_report(true, &r));
    if (has_val) {
      double vl = 0, va = -1;
      AMAAS_TRY(evaluate_device(net, ws_eval, c.loss, dXv.as<float>(), dYv.as<float>(), d.n_val,
                                stats.as<double>() + 2, &vl, &va, st));
      r.val_loss = vl;
      r.val_accuracy = va;
    }
    Status error;
    const auto verdict = epoch_end.update(c, r, &res, &error);
    if (!error.ok()) return error;
    if (report) report(r);
    if (verdict == train::EpochEnd::Verdict::kImproved && c.restore_best)
      AMAAS_CUDA_TRY(cudaMemcpyAsync(best.data(), net.params.data(), pbytes, cudaMemcpyDeviceToDevice, st));
    if (verdict == train::EpochEnd::Verdict::kStop) break;
  }
  if (train::EpochEnd::restore_best(c, res))
    AMAAS_CUDA_TRY(cudaMemcpyAsync(net.params.data(), best.data(), pbytes, cudaMemcpyDeviceToDevice, st));
  AMAAS_TRY(net.download(p, st));
  res.steps = t;
  *result = std::move(res);
  return Status::Ok();
}

}  // namespace amaas::cuda

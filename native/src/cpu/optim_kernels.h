// Optimizer updates as one generic template, instantiated by each kernel_*.cpp file so the
// compiler vectorizes it with that file's ISA flags. Plain float math, no branches in the loop.
#pragma once

#include <cmath>
#include <cstdint>

namespace amaas::cpu {

struct AdamArgs {
  float* p;
  const float* g;
  float* m;
  float* v;
  int64_t n;
  float lr;           // learning rate
  float beta1, beta2;
  float inv_bc1;      // 1 / (1 - beta1^t)
  float inv_sqrt_bc2; // 1 / sqrt(1 - beta2^t)
  float eps;
  float weight_decay; // L2 (coupled) or decoupled, see `decoupled`
  bool decoupled;     // AdamW
  float grad_scale;   // from gradient clipping
};

struct SgdArgs {
  float* p;
  const float* g;
  float* m;  // momentum buffer (unused when momentum == 0)
  int64_t n;
  float lr, momentum, weight_decay, grad_scale;
  bool nesterov;
};

inline void adam_update_generic(const AdamArgs& a) {
  float* __restrict p = a.p;
  const float* __restrict g = a.g;
  float* __restrict m = a.m;
  float* __restrict v = a.v;
  const float c_wd = a.decoupled ? 0.0f : a.weight_decay;
  const float d_wd = a.decoupled ? a.lr * a.weight_decay : 0.0f;
  const float step = a.lr * a.inv_bc1;
  for (int64_t i = 0; i < a.n; ++i) {
    const float gi = g[i] * a.grad_scale + c_wd * p[i];
    const float mi = a.beta1 * m[i] + (1.0f - a.beta1) * gi;
    const float vi = a.beta2 * v[i] + (1.0f - a.beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] - d_wd * p[i] - step * mi / (std::sqrt(vi) * a.inv_sqrt_bc2 + a.eps);
  }
}

inline void sgd_update_generic(const SgdArgs& a) {
  float* __restrict p = a.p;
  const float* __restrict g = a.g;
  float* __restrict m = a.m;
  if (a.momentum == 0.0f) {
    for (int64_t i = 0; i < a.n; ++i) p[i] -= a.lr * (g[i] * a.grad_scale + a.weight_decay * p[i]);
    return;
  }
  const float nest = a.nesterov ? 1.0f : 0.0f;
  for (int64_t i = 0; i < a.n; ++i) {
    const float gi = g[i] * a.grad_scale + a.weight_decay * p[i];
    const float mi = a.momentum * m[i] + gi;
    m[i] = mi;
    // nesterov: g + momentum * m_new; plain: m_new
    p[i] -= a.lr * (nest * (gi + a.momentum * mi) + (1.0f - nest) * mi);
  }
}

}  // namespace amaas::cpu

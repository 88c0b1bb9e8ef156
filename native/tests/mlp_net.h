// An MLP's parameters as owned buffers (weights (out, in) and biases per layer), for the CPU and
// the CUDA MLP tests.
#pragma once

#include <utility>
#include <vector>

#include "amaas/mlp.h"

struct Net {
  amaas::MlpSpec spec;
  std::vector<std::vector<float>> w, b;
  amaas::MlpParams params() {
    amaas::MlpParams p;
    for (auto& x : w) p.w.push_back(x.data());
    for (auto& x : b) p.b.push_back(x.data());
    return p;
  }
  explicit Net(amaas::MlpSpec s) : spec(std::move(s)) {
    for (int64_t l = 0; l < spec.layers(); ++l) {
      w.emplace_back(spec.sizes[l] * spec.sizes[l + 1]);
      b.emplace_back(spec.sizes[l + 1]);
    }
  }
};

// An MLP prepared for quantized inference: each layer int8 (W8A8, per-channel weights, dynamic
// or calibrated activation scale), int4 (group-wise weights) or fp32, chosen per layer (the
// usual recipe keeps a small output layer in fp32). forward() is one call for the whole network,
// like PackedMlp. Immutable after create(): safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "amaas/mlp.h"
#include "amaas/qgemm.h"

namespace amaas {

enum class LayerScheme { kF32 = 0, kInt8 = 1, kInt4 = 2 };

// One layer's stored form (what the model file holds); pointers are read during create() only.
struct QuantizedLayer {
  LayerScheme scheme = LayerScheme::kF32;
  const float* w = nullptr;           // kF32: W (out, in)
  const int8_t* q8 = nullptr;         // kInt8: Q (out, in) and per-row scales (out)
  const float* q8_scales = nullptr;
  float act_scale = 0.0f;             // kInt8: > 0 = calibrated static input scale
  const uint8_t* q4 = nullptr;        // kInt4: nibbles (out, ceil(in/2)), fp16 scales (out, groups)
  const uint16_t* q4_scales = nullptr;
  const float* bias = nullptr;        // (out)
};

class QuantizedMlp {
 public:
  static Status create(const MlpSpec& spec, const std::vector<QuantizedLayer>& layers,
                       std::unique_ptr<QuantizedMlp>* out);
  // Y (n, outputs) = the network applied to X (n, inputs), output activation included.
  Status forward(const float* X, int64_t n, float* Y) const;
  // Output of layer `layer` (before the next one) for X: the per-layer error report.
  Status forward_until(const float* X, int64_t n, int64_t layer, float* Y) const;
  const MlpSpec& spec() const { return spec_; }
  QLevel level() const { return level_; }
  size_t bytes() const;

 private:
  QuantizedMlp() = default;
  struct Layer {
    LayerScheme scheme;
    std::unique_ptr<PackedB> f32;
    std::unique_ptr<PackedQ8> q8;
    std::unique_ptr<PackedQ4> q4;
    float act_scale = 0.0f;
    std::vector<float> bias;
  };
  MlpSpec spec_;
  QLevel level_ = QLevel::kScalar;
  std::vector<Layer> layers_;
};

}  // namespace amaas

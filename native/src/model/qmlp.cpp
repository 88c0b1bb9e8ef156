// QuantizedMlp: per-layer int8 / int4 / fp32 inference over the packed quantized kernels.
#include "amaas/qmlp.h"

#include <new>
#include <string>
#include <utility>

namespace amaas {

Status QuantizedMlp::create(const MlpSpec& s, const std::vector<QuantizedLayer>& layers,
                            std::unique_ptr<QuantizedMlp>* out) {
  if (Status st = mlp_check(s); !st.ok()) return st;
  if (static_cast<int64_t>(layers.size()) != s.layers())
    return ShapeMismatch("Expected " + std::to_string(s.layers()) + " layers but received " +
                         std::to_string(layers.size()));
  std::unique_ptr<QuantizedMlp> m(new (std::nothrow) QuantizedMlp());
  if (!m) return Status(ErrorCode::kOutOfMemory, "out of memory");
  m->spec_ = s;
  m->level_ = active_qlevel();
  try {
    for (int64_t l = 0; l < s.layers(); ++l) {
      const QuantizedLayer& q = layers[l];
      const int64_t in = s.sizes[l], outs = s.sizes[l + 1];
      Layer layer;
      layer.scheme = q.scheme;
      if (!q.bias) return InvalidArgument("layer " + std::to_string(l) + " has no bias");
      layer.bias.assign(q.bias, q.bias + outs);
      Status st;
      switch (q.scheme) {
        case LayerScheme::kF32:
          if (!q.w) return InvalidArgument("layer " + std::to_string(l) + " (fp32) has no weights");
          st = pack_b(&layer.f32, q.w, in, in, outs, true);
          break;
        case LayerScheme::kInt8:
          if (!q.q8 || !q.q8_scales) return InvalidArgument("layer " + std::to_string(l) + " (int8) has no weights");
          if (!(q.act_scale >= 0.0f)) return InvalidArgument("layer " + std::to_string(l) + " has a negative activation scale");
          layer.act_scale = q.act_scale;
          st = pack_q8(&layer.q8, q.q8, in, q.q8_scales, outs, in);
          break;
        case LayerScheme::kInt4:
          if (!q.q4 || !q.q4_scales) return InvalidArgument("layer " + std::to_string(l) + " (int4) has no weights");
          st = pack_q4(&layer.q4, q.q4, q.q4_scales, outs, in);
          break;
        default:
          return InvalidArgument("layer " + std::to_string(l) + " has an unknown scheme");
      }
      if (!st.ok()) return st;
      m->layers_.push_back(std::move(layer));
    }
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "out of memory packing the quantized MLP");
  }
  *out = std::move(m);
  return Status::Ok();
}

size_t QuantizedMlp::bytes() const {
  size_t total = 0;
  for (const Layer& l : layers_) {
    total += l.bias.size() * sizeof(float);
    if (l.f32) total += l.f32->bytes();
    if (l.q8) total += l.q8->bytes();
    if (l.q4) total += l.q4->bytes();
  }
  return total;
}

Status QuantizedMlp::forward(const float* X, int64_t n, float* Y) const {
  return forward_until(X, n, spec_.layers() - 1, Y);
}

Status QuantizedMlp::forward_until(const float* X, int64_t n, int64_t stop, float* Y) const {
  if (n < 1) return InvalidArgument("forward needs at least one row");
  const MlpSpec& s = spec_;
  if (stop < 0 || stop >= s.layers()) return InvalidArgument("layer index out of range");
  if (Status st = check_finite_rows(X, n, s.sizes[0]); !st.ok()) return st;
  float* buf[2];
  if (Status st = activation_buffers(s, n, stop, buf); !st.ok()) return st;
  const float* in = X;
  const int64_t L = s.layers();
  for (int64_t l = 0; l <= stop; ++l) {
    const bool last = l + 1 == L;
    float* out = l == stop ? Y : buf[l % 2];
    const Activation act =
        !last ? s.hidden : (s.output == OutputKind::kSigmoid ? Activation::kSigmoid : Activation::kIdentity);
    const Layer& layer = layers_[l];
    const int64_t k = s.sizes[l], outs = s.sizes[l + 1];
    Status st;
    if (layer.scheme == LayerScheme::kF32) {
      GemmParams gp;
      gp.bias = layer.bias.data();
      gp.act = act;
      st = sgemm_packed(out, outs, in, k, *layer.f32, n, gp);
    } else {
      QGemmParams qp;
      qp.bias = layer.bias.data();
      qp.act = act;
      qp.act_scale = layer.act_scale;
      st = layer.scheme == LayerScheme::kInt8 ? qgemm_q8(out, outs, in, k, *layer.q8, n, qp, level_)
                                              : qgemm_q4(out, outs, in, k, *layer.q4, n, qp, level_);
    }
    if (!st.ok()) return st;
    in = out;
  }
  if (stop == L - 1 && s.output == OutputKind::kSoftmax) {
    const int64_t k = s.sizes.back();
    return softmax_rows(Y, k, Y, k, n, k);
  }
  return Status::Ok();
}

}  // namespace amaas

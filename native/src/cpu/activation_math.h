// The scalar activation formulas, one definition for the CPU's scalar epilogue (the twin every
// SIMD level is tested against), the CUDA scalar reference and the CUDA device epilogue. float
// libm (expf, tanhf, erff) on both sides: nvcc builds without --use_fast_math, so the GPU's
// results differ from the CPU's by accumulation order only.
#pragma once

#include <cmath>

#include "amaas/gemm.h"

#if defined(__CUDACC__)
#define AMAAS_HOST_DEVICE __host__ __device__
#else
#define AMAAS_HOST_DEVICE
#endif

namespace amaas {

AMAAS_HOST_DEVICE inline float activate_formula(float x, Activation act) {
  switch (act) {
    case Activation::kIdentity: return x;
    case Activation::kRelu: return x > 0.0f ? x : 0.0f;
    case Activation::kSigmoid: return 1.0f / (1.0f + expf(-x));
    case Activation::kTanh: return tanhf(x);
    case Activation::kGelu: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
  }
  return x;
}

}  // namespace amaas

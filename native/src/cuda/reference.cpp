// Scalar twins of the int8 scheme (quantize per row, int8 x int8 -> int32, dequantize + bias +
// activation) and the precision names: plain C++, single thread, built with or without CUDA.
// They define the numbers the CUDA int8 kernels must reproduce; not tuned in any way.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "amaas/cuda.h"
#include "cpu/activation_math.h"

namespace amaas::cuda {
namespace {

Status check_sizes(int64_t M, int64_t N, int64_t K) {
  if (M < 1 || N < 1 || K < 1)
    return InvalidArgument("M, N and K must be positive; received " + std::to_string(M) + ", " +
                           std::to_string(N) + ", " + std::to_string(K));
  return Status::Ok();
}

}  // namespace

const char* precision_name(Precision p) {
  switch (p) {
    case Precision::kF32: return "fp32";
    case Precision::kTf32: return "tf32";
    case Precision::kBf16: return "bf16";
  }
  return "fp32";
}

bool parse_precision(const char* name, Precision* out) {
  for (Precision p : {Precision::kF32, Precision::kTf32, Precision::kBf16})
    if (std::strcmp(name, precision_name(p)) == 0) {
      *out = p;
      return true;
    }
  return false;
}

Status quantize_rows_reference(int8_t* Q, int64_t ldq, float* scale, const float* X, int64_t ldx,
                               int64_t rows, int64_t cols) {
  if (rows < 1 || cols < 1 || ldq < cols || ldx < cols)
    return ShapeMismatch("quantize_rows: bad sizes or strides");
  for (int64_t i = 0; i < rows; ++i) {
    const float* x = X + i * ldx;
    float amax = 0.0f;
    for (int64_t k = 0; k < cols; ++k) amax = std::max(amax, std::fabs(x[k]));
    // A zero row gets scale 1 so that dequantization never divides by or multiplies with 0/NaN.
    const float s = amax > 0.0f ? amax / 127.0f : 1.0f;
    const float inv = 1.0f / s;
    scale[i] = s;
    for (int64_t k = 0; k < cols; ++k) {
      const float q = std::nearbyint(x[k] * inv);  // round half to even (default FP mode)
      Q[i * ldq + k] = static_cast<int8_t>(std::min(127.0f, std::max(-127.0f, q)));
    }
  }
  return Status::Ok();
}

Status quantize_weights_reference(int8_t* Q, float* scale, const float* W, int64_t ldw, int64_t N, int64_t K) {
  if (N < 1 || K < 1 || ldw < K) return ShapeMismatch("quantize_weights: bad sizes or strides");
  for (int64_t n = 0; n < N; ++n) {
    const float* w = W + n * ldw;
    float amax = 0.0f;
    for (int64_t k = 0; k < K; ++k) amax = std::max(amax, std::fabs(w[k]));
    const float s = amax > 0.0f ? amax / 127.0f : 1.0f;
    scale[n] = s;
    for (int64_t k = 0; k < K; ++k)
      Q[n * K + k] = static_cast<int8_t>(std::nearbyint(std::min(std::max(w[k] / s, -127.0f), 127.0f)));
  }
  return Status::Ok();
}

Status qgemm_s32_reference(int32_t* C, int64_t ldc, const int8_t* QA, int64_t lda, const int8_t* QW,
                           int64_t ldw, int64_t M, int64_t N, int64_t K) {
  if (Status st = check_sizes(M, N, K); !st.ok()) return st;
  if (lda < K || ldw < K || ldc < N) return ShapeMismatch("qgemm_s32: a row stride is below its row length");
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      int32_t acc = 0;
      for (int64_t k = 0; k < K; ++k) acc += int32_t(QA[i * lda + k]) * int32_t(QW[j * ldw + k]);
      C[i * ldc + j] = acc;
    }
  return Status::Ok();
}

Status qgemm_reference(float* C, int64_t ldc, const float* A, int64_t lda, const int8_t* W, int64_t ldw,
                       const float* w_scale, int64_t M, int64_t N, int64_t K, const float* bias,
                       Activation act) {
  if (Status st = check_sizes(M, N, K); !st.ok()) return st;
  if (lda < K || ldw < K || ldc < N) return ShapeMismatch("qgemm: a row stride is below its row length");
  std::vector<int8_t> qa(static_cast<size_t>(M * K));
  std::vector<float> row_scale(static_cast<size_t>(M));
  std::vector<int32_t> acc(static_cast<size_t>(N));
  if (Status st = quantize_rows_reference(qa.data(), K, row_scale.data(), A, lda, M, K); !st.ok()) return st;
  for (int64_t i = 0; i < M; ++i) {
    if (Status st = qgemm_s32_reference(acc.data(), N, qa.data() + i * K, K, W, ldw, 1, N, K); !st.ok()) return st;
    for (int64_t j = 0; j < N; ++j) {
      // Dequantize in this order (float product of the two scales, times the float accumulator)
      // on both sides so that the GPU result differs by fp32 rounding of the epilogue only.
      float v = (row_scale[i] * w_scale[j]) * static_cast<float>(acc[j]);
      if (bias) v += bias[j];
      C[i * ldc + j] = activate_formula(v, act);
    }
  }
  return Status::Ok();
}

}  // namespace amaas::cuda

#include <cmath>

#include "ops/cpu/blas.h"
#include "ops/cpu/vmath.h"
#include "ops/kernels.h"

namespace rnnkit::ops::kernels {

constexpr DeviceType kC = DeviceType::kCPU;

namespace {
// log(sum(exp(x))) of one row, stable.
float row_lse(const float* x, std::int64_t n) {
  float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
  for (std::int64_t i = 0; i < n; ++i) mx = std::max(mx, x[i]);
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (std::int64_t i = 0; i < n; ++i) s += cpu::fast_exp(x[i] - mx);
  return mx + std::log(s);
}
}  // namespace

template <>
void softmax<kC>(const Tensor& x, bool log, Tensor& out) {
  std::int64_t v = x.size(-1), rows = x.numel() / v;
  const float* in = x.data();
  float* o = out.data();
#pragma omp parallel for if (x.numel() > cpu::kParallelGrain)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* xr = in + r * v;
    float* orow = o + r * v;
    float lse = row_lse(xr, v);
    if (log) {
#pragma omp simd
      for (std::int64_t i = 0; i < v; ++i) orow[i] = xr[i] - lse;
    } else {
#pragma omp simd
      for (std::int64_t i = 0; i < v; ++i) orow[i] = cpu::fast_exp(xr[i] - lse);
    }
  }
}

template <>
void softmax_backward<kC>(const Tensor& y, const Tensor& dy, bool log, Tensor& out) {
  std::int64_t v = y.size(-1), rows = y.numel() / v;
  const float* yp = y.data();
  const float* g = dy.data();
  float* o = out.data();
#pragma omp parallel for if (y.numel() > cpu::kParallelGrain)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* yr = yp + r * v;
    const float* gr = g + r * v;
    float* orow = o + r * v;
    float dot = 0.0f;
    if (log) {  // dx = dy - softmax * sum(dy)
#pragma omp simd reduction(+ : dot)
      for (std::int64_t i = 0; i < v; ++i) dot += gr[i];
#pragma omp simd
      for (std::int64_t i = 0; i < v; ++i) orow[i] = gr[i] - cpu::fast_exp(yr[i]) * dot;
    } else {  // dx = y * (dy - sum(dy * y))
#pragma omp simd reduction(+ : dot)
      for (std::int64_t i = 0; i < v; ++i) dot += gr[i] * yr[i];
#pragma omp simd
      for (std::int64_t i = 0; i < v; ++i) orow[i] = yr[i] * (gr[i] - dot);
    }
  }
}

template <>
void cross_entropy<kC>(const Tensor& logits, const Tensor& targets, std::int32_t ignore,
                       CrossEntropyForward& out) {
  std::int64_t n = logits.size(0), v = logits.size(1);
  const float* x = logits.data();
  const std::int32_t* t = targets.data<std::int32_t>();
  float* lse = out.lse.data();
  // Targets are checked first so the error names the first bad row.
  for (std::int64_t r = 0; r < n; ++r)
    RNNKIT_CHECK(t[r] == ignore || (t[r] >= 0 && t[r] < v),
                 "cross_entropy: target {} at row {} out of range for {} classes", t[r], r, v);
  double loss = 0.0, count = 0.0;
#pragma omp parallel for reduction(+ : loss, count) if (logits.numel() > cpu::kParallelGrain)
  for (std::int64_t r = 0; r < n; ++r) {
    lse[r] = row_lse(x + r * v, v);
    if (t[r] != ignore) {
      loss += lse[r] - x[r * v + t[r]];
      count += 1.0;
    }
  }
  out.loss_sum.data()[0] = static_cast<float>(loss);
  out.count.data()[0] = static_cast<float>(count);
}

template <>
void cross_entropy_backward<kC>(const Tensor& logits, const Tensor& lse, const Tensor& targets,
                                std::int32_t ignore, const Tensor& grad_sum, Tensor& out) {
  std::int64_t n = logits.size(0), v = logits.size(1);
  const float* x = logits.data();
  const float* l = lse.data();
  const std::int32_t* t = targets.data<std::int32_t>();
  float g = grad_sum.data()[0];
  float* o = out.data();
#pragma omp parallel for if (logits.numel() > cpu::kParallelGrain)
  for (std::int64_t r = 0; r < n; ++r) {
    float* orow = o + r * v;
    if (t[r] == ignore) {
      for (std::int64_t i = 0; i < v; ++i) orow[i] = 0.0f;
      continue;
    }
    const float* xr = x + r * v;
    float m = l[r];
#pragma omp simd
    for (std::int64_t i = 0; i < v; ++i) orow[i] = g * cpu::fast_exp(xr[i] - m);
    orow[t[r]] -= g;
  }
}

}  // namespace rnnkit::ops::kernels

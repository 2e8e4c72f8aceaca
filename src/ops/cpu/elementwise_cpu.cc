#include <cmath>
#include <cstring>

#include "ops/cpu/blas.h"
#include "ops/cpu/vmath.h"
#include "ops/kernels.h"

namespace rnnkit::ops::kernels {

using cpu::kParallelGrain;
constexpr DeviceType kC = DeviceType::kCPU;

template <>
void fill<kC>(Tensor& t, float value) {
  float* p = t.data();
  std::int64_t n = t.numel();
#pragma omp parallel for simd if (n > kParallelGrain)
  for (std::int64_t i = 0; i < n; ++i) p[i] = value;
}

template <>
void uniform<kC>(Tensor& t, const Generator& gen, std::uint64_t offset, float lo, float hi) {
  float* p = t.data();
  cpu::parallel_chunks(t.numel(), [&](std::int64_t begin, std::int64_t end) {
    gen.for_each_uniform(offset, begin, end,
                         [&](std::int64_t i, float u) { p[i] = lo + (hi - lo) * u; });
  });
}

template <>
void binary<kC>(Binary op, const Tensor& a, const Tensor& b, Tensor& out) {
  const float* x = a.data();
  const float* y = b.data();
  float* o = out.data();
  std::int64_t n = a.numel(), m = b.numel(), rows = n / m;
#pragma omp parallel for if (n > kParallelGrain)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * m;
    float* orow = o + r * m;
    switch (op) {
      case Binary::kAdd:
#pragma omp simd
        for (std::int64_t i = 0; i < m; ++i) orow[i] = xr[i] + y[i];
        break;
      case Binary::kSub:
#pragma omp simd
        for (std::int64_t i = 0; i < m; ++i) orow[i] = xr[i] - y[i];
        break;
      case Binary::kMul:
#pragma omp simd
        for (std::int64_t i = 0; i < m; ++i) orow[i] = xr[i] * y[i];
        break;
    }
  }
}

template <>
void scale<kC>(const Tensor& a, float s, Tensor& out) {
  const float* x = a.data();
  float* o = out.data();
  std::int64_t n = a.numel();
#pragma omp parallel for simd if (n > kParallelGrain)
  for (std::int64_t i = 0; i < n; ++i) o[i] = x[i] * s;
}

template <>
void axpy<kC>(float alpha, const float* scale, const Tensor& x, Tensor& y) {
  if (scale) alpha *= *scale;
  const float* xp = x.data();
  float* yp = y.data();
  std::int64_t n = x.numel();
#pragma omp parallel for simd if (n > kParallelGrain)
  for (std::int64_t i = 0; i < n; ++i) yp[i] += alpha * xp[i];
}

template <>
void reduce_rows<kC>(const Tensor& g, Tensor& out) {
  std::int64_t cols = out.numel(), rows = g.numel() / cols;
  // Column sums as ones^T G: one streaming pass in BLAS.
  thread_local std::vector<float> ones;
  if (static_cast<std::int64_t>(ones.size()) < rows) ones.assign(static_cast<std::size_t>(rows), 1.0f);
  cpu::sgemm(false, false, 1, cols, rows, 1.0f, ones.data(), rows, g.data(), cols, 0.0f, out.data(),
             cols);
}

template <>
void activation<kC>(Activation f, const Tensor& x, Tensor& out) {
  const float* in = x.data();
  float* o = out.data();
  std::int64_t n = x.numel();
  switch (f) {
    case Activation::kSigmoid:
#pragma omp parallel for simd if (n > kParallelGrain)
      for (std::int64_t i = 0; i < n; ++i) o[i] = cpu::fast_sigmoid(in[i]);
      break;
    case Activation::kTanh:
#pragma omp parallel for simd if (n > kParallelGrain)
      for (std::int64_t i = 0; i < n; ++i) o[i] = cpu::fast_tanh(in[i]);
      break;
    case Activation::kRelu:
#pragma omp parallel for simd if (n > kParallelGrain)
      for (std::int64_t i = 0; i < n; ++i) o[i] = in[i] > 0.0f ? in[i] : 0.0f;
      break;
    case Activation::kLog:
#pragma omp parallel for simd if (n > kParallelGrain)
      for (std::int64_t i = 0; i < n; ++i) o[i] = std::log(in[i]);
      break;
    case Activation::kSoftplus:
#pragma omp parallel for simd if (n > kParallelGrain)
      for (std::int64_t i = 0; i < n; ++i) o[i] = cpu::fast_softplus(in[i]);
      break;
  }
}

template <>
void activation_backward<kC>(Activation f, const Tensor& y, const Tensor& dy, Tensor& out) {
  const float* yp = y.data();
  const float* g = dy.data();
  float* o = out.data();
  std::int64_t n = y.numel();
  switch (f) {
    case Activation::kSigmoid:
#pragma omp parallel for simd if (n > kParallelGrain)
      for (std::int64_t i = 0; i < n; ++i) o[i] = g[i] * yp[i] * (1.0f - yp[i]);
      break;
    case Activation::kTanh:
#pragma omp parallel for simd if (n > kParallelGrain)
      for (std::int64_t i = 0; i < n; ++i) o[i] = g[i] * (1.0f - yp[i] * yp[i]);
      break;
    case Activation::kRelu:
#pragma omp parallel for simd if (n > kParallelGrain)
      for (std::int64_t i = 0; i < n; ++i) o[i] = yp[i] > 0.0f ? g[i] : 0.0f;
      break;
    case Activation::kLog:  // d log x = dx / x, and x = exp(y)
#pragma omp parallel for simd if (n > kParallelGrain)
      for (std::int64_t i = 0; i < n; ++i) o[i] = g[i] * std::exp(-yp[i]);
      break;
    case Activation::kSoftplus:  // the derivative is sigmoid(x) = 1 - exp(-y)
#pragma omp parallel for simd if (n > kParallelGrain)
      for (std::int64_t i = 0; i < n; ++i) o[i] = g[i] * (1.0f - cpu::fast_exp(-yp[i]));
      break;
  }
}

template <>
void sum<kC>(const Tensor& x, bool squares, Tensor& out) {
  const float* p = x.data();
  std::int64_t n = x.numel();
  constexpr std::int64_t kBlock = 4096;
  // Float partial sums over blocks (vectorised), blocks added in double: exact
  // enough for millions of gradients and several times faster than all-double.
  double total = 0.0;
#pragma omp parallel for reduction(+ : total) if (n > kParallelGrain)
  for (std::int64_t b = 0; b < n; b += kBlock) {
    std::int64_t e = std::min(n, b + kBlock);
    float s = 0.0f;
    if (squares) {
#pragma omp simd reduction(+ : s)
      for (std::int64_t i = b; i < e; ++i) s += p[i] * p[i];
    } else {
#pragma omp simd reduction(+ : s)
      for (std::int64_t i = b; i < e; ++i) s += p[i];
    }
    total += s;
  }
  out.data()[0] = static_cast<float>(total);
}

template <>
bool all_finite<kC>(const Tensor& x) {
  const float* p = x.data();
  std::int64_t n = x.numel();
  int bad = 0;
#pragma omp parallel for reduction(| : bad) if (n > kParallelGrain)
  for (std::int64_t i = 0; i < n; ++i) bad |= !std::isfinite(p[i]);
  return !bad;
}

template <>
void clip_norm<kC>(Tensor& x, const Tensor& sum_sq, float max_norm, Tensor& norm) {
  float n = std::sqrt(sum_sq.data()[0]);
  norm.data()[0] = n;
  if (max_norm > 0.0f && n > max_norm) scale<kC>(x, max_norm / n, x);
}

template <>
void dropout_mask<kC>(Tensor& out, float p, const Generator& gen, std::uint64_t offset) {
  float* o = out.data();
  const float keep = 1.0f / (1.0f - p);
  cpu::parallel_chunks(out.numel(), [&](std::int64_t begin, std::int64_t end) {
    gen.for_each_uniform(offset, begin, end,
                         [&](std::int64_t i, float u) { o[i] = u >= p ? keep : 0.0f; });
  });
}

template <>
void copy_blocks<kC>(const Tensor& src, std::int64_t src_stride, std::int64_t src_off, Tensor& dst,
                     std::int64_t dst_stride, std::int64_t dst_off, std::int64_t outer,
                     std::int64_t block) {
  std::size_t es = dtype_size(src.dtype());
  const char* s = static_cast<const char*>(src.raw());
  char* d = static_cast<char*>(dst.raw());
  for (std::int64_t o = 0; o < outer; ++o)
    std::memcpy(d + (o * dst_stride + dst_off) * es, s + (o * src_stride + src_off) * es,
                static_cast<std::size_t>(block) * es);
}

template <>
void gemm<kC>(const Tensor& a, bool ta, const Tensor& b, bool tb, float alpha, float beta,
              Tensor& c) {
  std::int64_t m = c.size(0), n = c.size(1), k = ta ? a.size(0) : a.size(1);
  cpu::sgemm(ta, tb, m, n, k, alpha, a.data(), a.size(1), b.data(), b.size(1), beta, c.data(),
             n);
}

template <>
void optim_update<kC>(const OptimStep& s, Tensor& param, const Tensor& grad, Tensor& state0,
                      Tensor& state1) {
  float* w = param.data();
  const float* g = grad.data();
  std::int64_t n = param.numel();
  float wd = s.weight_decay;
  switch (s.kind) {
    case OptimStep::kSGD: {
      float mu = s.momentum_or_beta1;
      float* buf = mu != 0.0f ? state0.data() : nullptr;
#pragma omp parallel for simd if (n > kParallelGrain)
      for (std::int64_t i = 0; i < n; ++i) {
        float d = g[i] + wd * w[i];
        if (buf) d = buf[i] = mu * buf[i] + d;
        w[i] -= s.lr * d;
      }
      break;
    }
    case OptimStep::kAdaGrad: {
      float* acc = state0.data();
#pragma omp parallel for simd if (n > kParallelGrain)
      for (std::int64_t i = 0; i < n; ++i) {
        float d = g[i] + wd * w[i];
        acc[i] += d * d;
        w[i] -= s.lr * d / (std::sqrt(acc[i]) + s.eps);
      }
      break;
    }
    case OptimStep::kRMSProp: {
      float* sq = state0.data();
      float alpha = s.beta2_or_alpha;
#pragma omp parallel for simd if (n > kParallelGrain)
      for (std::int64_t i = 0; i < n; ++i) {
        float d = g[i] + wd * w[i];
        sq[i] = alpha * sq[i] + (1.0f - alpha) * d * d;
        w[i] -= s.lr * d / (std::sqrt(sq[i]) + s.eps);
      }
      break;
    }
    case OptimStep::kAdam: {
      float* m = state0.data();
      float* v = state1.data();
      const float b1 = s.momentum_or_beta1, b2 = s.beta2_or_alpha, lr = s.lr, eps = s.eps;
      const float c1 = 1.0f - std::pow(b1, static_cast<float>(s.step));
      const float c2 = 1.0f - std::pow(b2, static_cast<float>(s.step));
      const float step = lr / c1, root_c2 = std::sqrt(c2);
      // Two loops, so that neither branches per element and both vectorise.
      if (s.decoupled) {
#pragma omp parallel for simd if (n > kParallelGrain)
        for (std::int64_t i = 0; i < n; ++i) {
          const float d = g[i];
          w[i] -= lr * wd * w[i];
          m[i] = b1 * m[i] + (1.0f - b1) * d;
          v[i] = b2 * v[i] + (1.0f - b2) * d * d;
          w[i] -= step * m[i] / (std::sqrt(v[i]) / root_c2 + eps);
        }
      } else {
#pragma omp parallel for simd if (n > kParallelGrain)
        for (std::int64_t i = 0; i < n; ++i) {
          const float d = g[i] + wd * w[i];
          m[i] = b1 * m[i] + (1.0f - b1) * d;
          v[i] = b2 * v[i] + (1.0f - b2) * d * d;
          w[i] -= step * m[i] / (std::sqrt(v[i]) / root_c2 + eps);
        }
      }
      break;
    }
  }
}

}  // namespace rnnkit::ops::kernels

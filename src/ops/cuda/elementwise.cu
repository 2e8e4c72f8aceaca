#include "ops/cuda/common.cuh"
#include "ops/cuda/launch.h"

namespace rnnkit::cuda {
namespace {

__global__ void fill_k(float* p, i64 n, float v) {
  RNNKIT_GRID_STRIDE(i, n) p[i] = v;
}

// Same (key, stream, position) -> same number as Generator::uniform_at on the CPU.
__global__ void uniform_k(float* p, i64 n, PhiloxKey key, std::uint64_t stream,
                          std::uint64_t offset, float lo, float hi) {
  RNNKIT_GRID_STRIDE(i, n) {
    float u = uint_to_unit(philox_word(key, stream, offset + static_cast<std::uint64_t>(i)));
    p[i] = __fadd_rn(lo, __fmul_rn(hi - lo, u));  // no FMA: the CPU rounds twice
  }
}

__global__ void dropout_k(float* p, i64 n, float prob, float keep, PhiloxKey key,
                          std::uint64_t stream, std::uint64_t offset) {
  RNNKIT_GRID_STRIDE(i, n) {
    float u = uint_to_unit(philox_word(key, stream, offset + static_cast<std::uint64_t>(i)));
    p[i] = u >= prob ? keep : 0.0f;
  }
}

template <BinaryOp op>
__global__ void binary_k(const float* a, const float* b, float* out, i64 n, i64 m) {
  RNNKIT_GRID_STRIDE(i, n) {
    float y = b[m == n ? i : i % m];
    out[i] = op == BinaryOp::kAdd ? a[i] + y : op == BinaryOp::kSub ? a[i] - y : a[i] * y;
  }
}

__global__ void scale_k(const float* a, float k, float* out, i64 n) {
  RNNKIT_GRID_STRIDE(i, n) out[i] = a[i] * k;
}

__global__ void axpy_k(float alpha, const float* scale, const float* x, float* y, i64 n) {
  if (scale) alpha *= *scale;
  RNNKIT_GRID_STRIDE(i, n) y[i] += alpha * x[i];
}

template <Act f>
__global__ void activation_k(const float* x, float* out, i64 n) {
  RNNKIT_GRID_STRIDE(i, n) {
    float v = x[i];
    out[i] = f == Act::kSigmoid    ? sigmoidf(v)
             : f == Act::kTanh     ? tanhf(v)
             : f == Act::kLog      ? logf(v)
             : f == Act::kSoftplus ? fmaxf(v, 0.0f) + log1pf(expf(-fabsf(v)))
                                   : fmaxf(v, 0.0f);
  }
}

template <Act f>
__global__ void activation_backward_k(const float* y, const float* dy, float* out, i64 n) {
  RNNKIT_GRID_STRIDE(i, n) {
    float v = y[i], g = dy[i];
    out[i] = f == Act::kSigmoid ? g * v * (1.0f - v)
             : f == Act::kTanh  ? g * (1.0f - v * v)
             : f == Act::kLog   ? g * expf(-v)
             : f == Act::kSoftplus ? -g * expm1f(-v)
                                : (v > 0.0f ? g : 0.0f);
  }
}

// Two passes, no atomics: the same input gives the same bits every time.
__global__ void partial_sums_k(const float* x, i64 n, bool squares, float* partials) {
  __shared__ float scratch[32];
  float s = 0.0f;
  RNNKIT_GRID_STRIDE(i, n) s += squares ? x[i] * x[i] : x[i];
  s = block_reduce(s, Sum{}, scratch);
  if (threadIdx.x == 0) partials[blockIdx.x] = s;
}

__global__ void total_k(const float* partials, int count, float* out) {
  __shared__ double scratch[32];
  double s = 0.0;
  for (int i = threadIdx.x; i < count; i += blockDim.x) s += partials[i];
  s = block_reduce(s, Sum{}, scratch);
  if (threadIdx.x == 0) out[0] = static_cast<float>(s);
}

__global__ void clip_norm_k(float* x, i64 n, const float* sum_sq, float max_norm, float* norm) {
  float nv = sqrtf(*sum_sq);
  if (blockIdx.x == 0 && threadIdx.x == 0) *norm = nv;
  if (max_norm <= 0.0f || !(nv > max_norm)) return;
  float k = max_norm / nv;
  RNNKIT_GRID_STRIDE(i, n) x[i] *= k;
}

__global__ void nonfinite_k(const float* x, i64 n, int* flag) {
  RNNKIT_GRID_STRIDE(i, n) if (!isfinite(x[i])) *flag = 1;
}

__global__ void optim_k(OptimArgs a, float* w, const float* g, float* s0, float* s1, i64 n) {
  RNNKIT_GRID_STRIDE(i, n) {
    float wi = w[i];
    float d = a.decoupled ? g[i] : g[i] + a.wd * wi;
    switch (a.kind) {
      case OptimKind::kSGD:
        if (s0) d = s0[i] = a.b1 * s0[i] + d;
        wi -= a.lr * d;
        break;
      case OptimKind::kAdaGrad:
        s0[i] += d * d;
        wi -= a.lr * d / (sqrtf(s0[i]) + a.eps);
        break;
      case OptimKind::kRMSProp:
        s0[i] = a.b2 * s0[i] + (1.0f - a.b2) * d * d;
        wi -= a.lr * d / (sqrtf(s0[i]) + a.eps);
        break;
      case OptimKind::kAdam:
        if (a.decoupled) wi -= a.lr * a.wd * wi;
        s0[i] = a.b1 * s0[i] + (1.0f - a.b1) * d;
        s1[i] = a.b2 * s1[i] + (1.0f - a.b2) * d * d;
        wi -= a.step_size * s0[i] / (sqrtf(s1[i]) / a.root_c2 + a.eps);
        break;
    }
    w[i] = wi;
  }
}

}  // namespace

void fill(float* p, i64 n, float v, cudaStream_t s) {
  fill_k<<<grid_for(n), kThreads, 0, s>>>(p, n, v);
}

void uniform(float* p, i64 n, PhiloxKey key, std::uint64_t stream, std::uint64_t offset, float lo,
             float hi, cudaStream_t s) {
  uniform_k<<<grid_for(n), kThreads, 0, s>>>(p, n, key, stream, offset, lo, hi);
}

void dropout_mask(float* p, i64 n, float prob, PhiloxKey key, std::uint64_t stream,
                  std::uint64_t offset, cudaStream_t s) {
  dropout_k<<<grid_for(n), kThreads, 0, s>>>(p, n, prob, 1.0f / (1.0f - prob), key, stream, offset);
}

void binary(BinaryOp op, const float* a, const float* b, float* out, i64 n, i64 m, cudaStream_t s) {
  switch (op) {
    case BinaryOp::kAdd: binary_k<BinaryOp::kAdd><<<grid_for(n), kThreads, 0, s>>>(a, b, out, n, m); break;
    case BinaryOp::kSub: binary_k<BinaryOp::kSub><<<grid_for(n), kThreads, 0, s>>>(a, b, out, n, m); break;
    case BinaryOp::kMul: binary_k<BinaryOp::kMul><<<grid_for(n), kThreads, 0, s>>>(a, b, out, n, m); break;
  }
}

void scale(const float* a, float k, float* out, i64 n, cudaStream_t s) {
  scale_k<<<grid_for(n), kThreads, 0, s>>>(a, k, out, n);
}

void axpy(float alpha, const float* scale, const float* x, float* y, i64 n, cudaStream_t s) {
  axpy_k<<<grid_for(n), kThreads, 0, s>>>(alpha, scale, x, y, n);
}

void activation(Act f, const float* x, float* out, i64 n, cudaStream_t s) {
  switch (f) {
    case Act::kSigmoid: activation_k<Act::kSigmoid><<<grid_for(n), kThreads, 0, s>>>(x, out, n); break;
    case Act::kTanh: activation_k<Act::kTanh><<<grid_for(n), kThreads, 0, s>>>(x, out, n); break;
    case Act::kRelu: activation_k<Act::kRelu><<<grid_for(n), kThreads, 0, s>>>(x, out, n); break;
    case Act::kLog: activation_k<Act::kLog><<<grid_for(n), kThreads, 0, s>>>(x, out, n); break;
    case Act::kSoftplus: activation_k<Act::kSoftplus><<<grid_for(n), kThreads, 0, s>>>(x, out, n); break;
  }
}

void activation_backward(Act f, const float* y, const float* dy, float* out, i64 n, cudaStream_t s) {
  switch (f) {
    case Act::kSigmoid:
      activation_backward_k<Act::kSigmoid><<<grid_for(n), kThreads, 0, s>>>(y, dy, out, n);
      break;
    case Act::kTanh:
      activation_backward_k<Act::kTanh><<<grid_for(n), kThreads, 0, s>>>(y, dy, out, n);
      break;
    case Act::kRelu:
      activation_backward_k<Act::kRelu><<<grid_for(n), kThreads, 0, s>>>(y, dy, out, n);
      break;
    case Act::kLog:
      activation_backward_k<Act::kLog><<<grid_for(n), kThreads, 0, s>>>(y, dy, out, n);
      break;
    case Act::kSoftplus:
      activation_backward_k<Act::kSoftplus><<<grid_for(n), kThreads, 0, s>>>(y, dy, out, n);
      break;
  }
}

void sum(const float* x, i64 n, bool squares, float* partials, float* out, cudaStream_t s) {
  unsigned blocks = std::min<unsigned>(grid_for(n), kSumBlocks);
  partial_sums_k<<<blocks, kThreads, 0, s>>>(x, n, squares, partials);
  total_k<<<1, kThreads, 0, s>>>(partials, static_cast<int>(blocks), out);
}

void clip_norm(float* x, i64 n, const float* sum_sq, float max_norm, float* norm, cudaStream_t s) {
  clip_norm_k<<<grid_for(n), kThreads, 0, s>>>(x, n, sum_sq, max_norm, norm);
}

void count_nonfinite(const float* x, i64 n, int* flag, cudaStream_t s) {
  nonfinite_k<<<grid_for(n), kThreads, 0, s>>>(x, n, flag);
}

void optim_update(const OptimArgs& a, float* w, const float* g, float* s0, float* s1, i64 n,
                  cudaStream_t s) {
  optim_k<<<grid_for(n), kThreads, 0, s>>>(a, w, g, s0, s1, n);
}

}  // namespace rnnkit::cuda

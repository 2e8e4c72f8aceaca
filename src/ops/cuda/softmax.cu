// Row-wise softmax and the fused softmax-cross-entropy: one block per row.
#include <cmath>

#include "core/cuda/context.h"
#include "ops/cuda/common.cuh"
#include "ops/cuda/launch.h"

namespace rnnkit::cuda {
namespace {

constexpr int kRowThreads = 512;

// log(sum(exp(x))) of one row; every thread of the block gets it.
__device__ float row_lse(const float* x, i64 v, float* scratch) {
  float mx = -INFINITY;
  for (i64 i = threadIdx.x; i < v; i += blockDim.x) mx = fmaxf(mx, x[i]);
  mx = block_reduce(mx, Max{}, scratch);
  float s = 0.0f;
  for (i64 i = threadIdx.x; i < v; i += blockDim.x) s += expf(x[i] - mx);
  s = block_reduce(s, Sum{}, scratch);
  return mx + logf(s);
}

__global__ void softmax_k(const float* x, float* out, i64 v, bool log) {
  __shared__ float scratch[32];
  const float* xr = x + blockIdx.x * v;
  float* o = out + blockIdx.x * v;
  float lse = row_lse(xr, v, scratch);
  for (i64 i = threadIdx.x; i < v; i += blockDim.x) o[i] = log ? xr[i] - lse : expf(xr[i] - lse);
}

__global__ void softmax_backward_k(const float* y, const float* dy, float* out, i64 v, bool log) {
  __shared__ float scratch[32];
  const float* yr = y + blockIdx.x * v;
  const float* g = dy + blockIdx.x * v;
  float* o = out + blockIdx.x * v;
  float dot = 0.0f;
  for (i64 i = threadIdx.x; i < v; i += blockDim.x) dot += log ? g[i] : g[i] * yr[i];
  dot = block_reduce(dot, Sum{}, scratch);
  for (i64 i = threadIdx.x; i < v; i += blockDim.x)
    o[i] = log ? g[i] - expf(yr[i]) * dot : yr[i] * (g[i] - dot);
}

__global__ void cross_entropy_k(const float* x, const std::int32_t* t, i64 v, std::int32_t ignore,
                                float* lse, float* row_loss, int* error) {
  __shared__ float scratch[32];
  i64 r = blockIdx.x;
  const float* xr = x + r * v;
  float l = row_lse(xr, v, scratch);
  if (threadIdx.x != 0) return;
  lse[r] = l;
  std::int32_t target = t[r];
  if (target == ignore) {
    row_loss[r] = NAN;  // marks "not counted" for the sum below
  } else if (target < 0 || target >= v) {
    record_error(error, kTargetOutOfRange, target, r, v);
    row_loss[r] = NAN;
  } else {
    row_loss[r] = l - xr[target];
  }
}

__global__ void loss_total_k(const float* row_loss, i64 rows, float* loss_sum, float* count) {
  __shared__ double scratch[32];
  double s = 0.0, c = 0.0;
  for (i64 i = threadIdx.x; i < rows; i += blockDim.x) {
    float l = row_loss[i];
    if (!isnan(l)) {
      s += l;
      c += 1.0;
    }
  }
  s = block_reduce(s, Sum{}, scratch);
  c = block_reduce(c, Sum{}, scratch);
  if (threadIdx.x == 0) {
    *loss_sum = static_cast<float>(s);
    *count = static_cast<float>(c);
  }
}

__global__ void cross_entropy_backward_k(const float* x, const float* lse, const std::int32_t* t,
                                         i64 v, std::int32_t ignore, const float* grad_sum,
                                         float* out) {
  i64 r = blockIdx.x;
  const float* xr = x + r * v;
  float* o = out + r * v;
  std::int32_t target = t[r];
  bool skip = target == ignore || target < 0 || target >= v;
  float g = skip ? 0.0f : *grad_sum, m = lse[r];
  for (i64 i = threadIdx.x; i < v; i += blockDim.x)
    o[i] = skip ? 0.0f : g * expf(xr[i] - m) - (i == target ? g : 0.0f);
}

}  // namespace

void softmax(const float* x, float* out, i64 rows, i64 v, bool log, cudaStream_t s) {
  if (rows > 0) softmax_k<<<rows, kRowThreads, 0, s>>>(x, out, v, log);
}

void softmax_backward(const float* y, const float* dy, float* out, i64 rows, i64 v, bool log,
                      cudaStream_t s) {
  if (rows > 0) softmax_backward_k<<<rows, kRowThreads, 0, s>>>(y, dy, out, v, log);
}

void cross_entropy(const float* x, const std::int32_t* t, i64 rows, i64 v, std::int32_t ignore,
                   float* lse, float* row_loss, float* loss_sum, float* count, int* error,
                   cudaStream_t s) {
  if (rows > 0) cross_entropy_k<<<rows, kRowThreads, 0, s>>>(x, t, v, ignore, lse, row_loss, error);
  loss_total_k<<<1, 1024, 0, s>>>(row_loss, rows, loss_sum, count);
}

void cross_entropy_backward(const float* x, const float* lse, const std::int32_t* t, i64 rows,
                            i64 v, std::int32_t ignore, const float* grad_sum, float* out,
                            cudaStream_t s) {
  if (rows > 0)
    cross_entropy_backward_k<<<rows, kRowThreads, 0, s>>>(x, lse, t, v, ignore, grad_sum, out);
}

}  // namespace rnnkit::cuda

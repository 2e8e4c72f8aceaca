#include "ops/cuda/common.cuh"
#include "ops/cuda/launch.h"

namespace rnnkit::cuda {
namespace {

// One thread per (sequence, unit), walking its steps.
__global__ void max_over_time_k(const float* x, const std::int32_t* len, i64 B, i64 H,
                                float* values, std::int32_t* steps) {
  RNNKIT_GRID_STRIDE(k, B * H) {
    i64 b = k / H, h = k % H;
    float best = 0.0f;
    std::int32_t at = -1;
    for (std::int32_t t = 0; t < len[b]; ++t) {
      float v = x[(t * B + b) * H + h];
      if (at < 0 || v > best) {
        best = v;
        at = t;
      }
    }
    values[k] = best;
    steps[k] = at;
  }
}

__global__ void max_over_time_backward_k(const float* dy, const std::int32_t* steps, i64 B, i64 H,
                                         float* dx) {
  RNNKIT_GRID_STRIDE(k, B * H) {
    std::int32_t t = steps[k];
    if (t >= 0) dx[t * B * H + k] += dy[k];
  }
}

}  // namespace

void max_over_time(const float* x, const std::int32_t* len, i64, i64 B, i64 H, float* values,
                   std::int32_t* steps, cudaStream_t s) {
  max_over_time_k<<<grid_for(B * H), kThreads, 0, s>>>(x, len, B, H, values, steps);
}

void max_over_time_backward(const float* dy, const std::int32_t* steps, i64 B, i64 H, float* dx,
                            cudaStream_t s) {
  max_over_time_backward_k<<<grid_for(B * H), kThreads, 0, s>>>(dy, steps, B, H, dx);
}

}  // namespace rnnkit::cuda

// Helpers shared by the kernel files.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

namespace rnnkit::cuda {

constexpr int kThreads = 256;

// Blocks for a grid-stride loop over n elements: enough to fill the GPU,
// few enough that each thread does several.
inline unsigned grid_for(std::int64_t n) {
  return static_cast<unsigned>(std::max<std::int64_t>(1, std::min<std::int64_t>((n + kThreads - 1) / kThreads, 8192)));
}

#define RNNKIT_GRID_STRIDE(i, n)                                                       \
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; \
       i < (n); i += static_cast<std::int64_t>(blockDim.x) * gridDim.x)

__device__ inline float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

// Sum over a block of blockDim.x threads (a multiple of 32, at most 1024);
// every thread gets the total. `scratch` holds 32 values.
template <typename T, typename Op>
__device__ T block_reduce(T v, Op op, T* scratch) {
  for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  __syncthreads();  // scratch may still be read by a previous reduction
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = scratch[0];
  for (int w = 1; w < warps; ++w) v = op(v, scratch[w]);
  return v;
}

struct Sum {
  template <typename T>
  __device__ T operator()(T a, T b) const { return a + b; }
};
struct Max {
  __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

// Records the first bad value a kernel met (see ErrorCode in core/cuda/context.h).
__device__ inline void record_error(int* error, int code, int value, std::int64_t pos, std::int64_t limit) {
  if (atomicCAS(error, 0, code) == 0) {
    error[1] = value;
    error[2] = static_cast<int>(pos);
    error[3] = static_cast<int>(limit);
  }
}

}  // namespace rnnkit::cuda

#include <cmath>

#include "ops/cuda/common.cuh"
#include "ops/cuda/launch.h"

namespace rnnkit::cuda {
namespace {

// One warp per row: key sequences are short (tens to a few hundred units).
__global__ void masked_softmax_k(float* w, const std::int32_t* len, i64 rows, i64 Tq, i64 Tk) {
  i64 row = (blockIdx.x * static_cast<i64>(blockDim.x) + threadIdx.x) / 32;
  int lane = threadIdx.x & 31;
  if (row >= rows) return;
  float* r = w + row * Tk;
  i64 n = len[row / Tq];
  float mx = -INFINITY;
  for (i64 j = lane; j < n; j += 32) mx = fmaxf(mx, r[j]);
  for (int o = 16; o > 0; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
  float s = 0.0f;
  for (i64 j = lane; j < n; j += 32) s += expf(r[j] - mx);
  for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
  for (i64 j = lane; j < Tk; j += 32) r[j] = j < n ? expf(r[j] - mx) / s : 0.0f;
}

__global__ void softmax_grad_rows_k(const float* w, float* ds, i64 rows, i64 Tk) {
  i64 row = (blockIdx.x * static_cast<i64>(blockDim.x) + threadIdx.x) / 32;
  int lane = threadIdx.x & 31;
  if (row >= rows) return;
  const float* wr = w + row * Tk;
  float* d = ds + row * Tk;
  float dot = 0.0f;
  for (i64 j = lane; j < Tk; j += 32) dot += d[j] * wr[j];
  for (int o = 16; o > 0; o >>= 1) dot += __shfl_xor_sync(0xffffffffu, dot, o);
  for (i64 j = lane; j < Tk; j += 32) d[j] = wr[j] * (d[j] - dot);
}

unsigned warps_grid(i64 rows) { return static_cast<unsigned>((rows * 32 + kThreads - 1) / kThreads); }

}  // namespace

void masked_softmax(float* w, const std::int32_t* len, i64 B, i64 Tq, i64 Tk, cudaStream_t s) {
  if (B * Tq > 0) masked_softmax_k<<<warps_grid(B * Tq), kThreads, 0, s>>>(w, len, B * Tq, Tq, Tk);
}

void softmax_grad_rows(const float* w, float* ds, i64 rows, i64 Tk, cudaStream_t s) {
  if (rows > 0) softmax_grad_rows_k<<<warps_grid(rows), kThreads, 0, s>>>(w, ds, rows, Tk);
}

}  // namespace rnnkit::cuda

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

__global__ void additive_scores_k(AdditiveDims d, const float* qa, const float* ka, const float* v,
                                  const std::int32_t* len, float* w) {
  RNNKIT_GRID_STRIDE(idx, d.B * d.Tq * d.Tk) {
    i64 j = idx % d.Tk, i = (idx / d.Tk) % d.Tq, b = idx / (d.Tk * d.Tq);
    if (j >= len[b]) continue;
    const float* q = qa + (i * d.B + b) * d.A;
    const float* k = ka + (j * d.B + b) * d.A;
    float s = 0.0f;
    for (i64 a = 0; a < d.A; ++a) s += v[a] * tanhf(q[a] + k[a]);
    w[idx] = s;
  }
}

// dqa[i, b, a] = sum_j ds[b, i, j] v_a (1 - t^2); dka likewise over i.
__global__ void additive_dq_k(AdditiveDims d, const float* qa, const float* ka, const float* v,
                              const float* ds, float* dqa, bool keys) {
  i64 outer = keys ? d.Tk : d.Tq, inner = keys ? d.Tq : d.Tk;
  RNNKIT_GRID_STRIDE(idx, outer * d.B * d.A) {
    i64 a = idx % d.A, b = (idx / d.A) % d.B, o = idx / (d.A * d.B);
    float acc = 0.0f;
    for (i64 n = 0; n < inner; ++n) {
      i64 i = keys ? n : o, j = keys ? o : n;
      float g = ds[(b * d.Tq + i) * d.Tk + j];
      if (g == 0.0f) continue;
      float t = tanhf(qa[(i * d.B + b) * d.A + a] + ka[(j * d.B + b) * d.A + a]);
      acc += g * v[a] * (1.0f - t * t);
    }
    dqa[idx] = acc;
  }
}

__global__ void additive_dv_k(AdditiveDims d, const float* qa, const float* ka, const float* ds, float* dv) {
  __shared__ float scratch[32];
  i64 a = blockIdx.x;
  float acc = 0.0f;
  for (i64 idx = threadIdx.x; idx < d.B * d.Tq * d.Tk; idx += blockDim.x) {
    float g = ds[idx];
    if (g == 0.0f) continue;
    i64 j = idx % d.Tk, i = (idx / d.Tk) % d.Tq, b = idx / (d.Tk * d.Tq);
    acc += g * tanhf(qa[(i * d.B + b) * d.A + a] + ka[(j * d.B + b) * d.A + a]);
  }
  acc = block_reduce(acc, Sum{}, scratch);
  if (threadIdx.x == 0) dv[a] = acc;
}

unsigned warps_grid(i64 rows) { return static_cast<unsigned>((rows * 32 + kThreads - 1) / kThreads); }

}  // namespace

void masked_softmax(float* w, const std::int32_t* len, i64 B, i64 Tq, i64 Tk, cudaStream_t s) {
  if (B * Tq > 0) masked_softmax_k<<<warps_grid(B * Tq), kThreads, 0, s>>>(w, len, B * Tq, Tq, Tk);
}

void additive_scores(const AdditiveDims& d, const float* qa, const float* ka, const float* v,
                     const std::int32_t* len, float* w, cudaStream_t s) {
  additive_scores_k<<<grid_for(d.B * d.Tq * d.Tk), kThreads, 0, s>>>(d, qa, ka, v, len, w);
}

void additive_scores_backward(const AdditiveDims& d, const float* qa, const float* ka, const float* v,
                              const float* ds, float* dqa, float* dka, float* dv, cudaStream_t s) {
  additive_dq_k<<<grid_for(d.Tq * d.B * d.A), kThreads, 0, s>>>(d, qa, ka, v, ds, dqa, false);
  additive_dq_k<<<grid_for(d.Tk * d.B * d.A), kThreads, 0, s>>>(d, qa, ka, v, ds, dka, true);
  if (d.A > 0) additive_dv_k<<<static_cast<unsigned>(d.A), kThreads, 0, s>>>(d, qa, ka, ds, dv);
}

void softmax_grad_rows(const float* w, float* ds, i64 rows, i64 Tk, cudaStream_t s) {
  if (rows > 0) softmax_grad_rows_k<<<warps_grid(rows), kThreads, 0, s>>>(w, ds, rows, Tk);
}

}  // namespace rnnkit::cuda

#include "core/cuda/context.h"
#include "ops/cuda/common.cuh"
#include "ops/cuda/launch.h"

namespace rnnkit::cuda {
namespace {

__global__ void embedding_k(const float* w, i64 vocab, i64 d, const std::int32_t* ids, i64 n,
                            float* out, int* error) {
  RNNKIT_GRID_STRIDE(k, n * d) {
    i64 i = k / d, j = k % d;
    std::int32_t id = ids[i];
    if (id < 0 || id >= vocab) {
      if (j == 0) record_error(error, kIdOutOfRange, id, i, vocab);
      out[k] = 0.0f;
    } else {
      out[k] = w[static_cast<i64>(id) * d + j];
    }
  }
}

// Repeated ids add into the same row: atomics (the order of the adds, and so
// the last bits, may differ between runs).
__global__ void embedding_backward_k(float* dw, i64 vocab, i64 d, const std::int32_t* ids, i64 n,
                                     const float* dy) {
  RNNKIT_GRID_STRIDE(k, n * d) {
    i64 i = k / d, j = k % d;
    std::int32_t id = ids[i];
    if (id >= 0 && id < vocab) atomicAdd(dw + static_cast<i64>(id) * d + j, dy[k]);
  }
}

}  // namespace

void embedding(const float* w, i64 vocab, i64 d, const std::int32_t* ids, i64 n, float* out,
               int* error, cudaStream_t s) {
  embedding_k<<<grid_for(n * d), kThreads, 0, s>>>(w, vocab, d, ids, n, out, error);
}

void embedding_backward(float* dw, i64 vocab, i64 d, const std::int32_t* ids, i64 n,
                        const float* dy, cudaStream_t s) {
  embedding_backward_k<<<grid_for(n * d), kThreads, 0, s>>>(dw, vocab, d, ids, n, dy);
}

}  // namespace rnnkit::cuda

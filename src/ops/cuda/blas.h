// Row-major products on cuBLAS (column-major): C = A B is computed as
// C^T = B^T A^T, so the operands swap and nothing is transposed in memory.
#pragma once

#include <cstdint>

#include "core/cuda/context.h"
#include "core/cuda/cublas.h"

namespace rnnkit::cuda {

// C[m,n] = alpha op(A) op(B) + beta C, row-major with leading dimensions.
inline void sgemm(Context& c, bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k,
                  float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb,
                  float beta, float* out, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  RNNKIT_CUDA_CHECK(cublas().sgemm(
      c.blas, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N, static_cast<int>(n),
      static_cast<int>(m), static_cast<int>(k), &alpha, b, static_cast<int>(ldb), a,
      static_cast<int>(lda), &beta, out, static_cast<int>(ldc)));
}

// The same product for `batch` matrices, each operand `stride_*` floats after the last.
inline void sgemm_batched(Context& c, bool ta, bool tb, std::int64_t m, std::int64_t n,
                          std::int64_t k, float alpha, const float* a, std::int64_t lda,
                          std::int64_t stride_a, const float* b, std::int64_t ldb,
                          std::int64_t stride_b, float beta, float* out, std::int64_t ldc,
                          std::int64_t stride_c, std::int64_t batch) {
  if (m == 0 || n == 0 || batch == 0) return;
  RNNKIT_CUDA_CHECK(cublas().sgemm_strided_batched(
      c.blas, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N, static_cast<int>(n),
      static_cast<int>(m), static_cast<int>(k), &alpha, b, static_cast<int>(ldb), stride_b, a,
      static_cast<int>(lda), stride_a, &beta, out, static_cast<int>(ldc), stride_c,
      static_cast<int>(batch)));
}

// out[cols] = column sums of g[rows, cols] (ones^T G through cuBLAS: deterministic).
inline void column_sums(Context& c, const float* g, std::int64_t rows, std::int64_t cols, float* out) {
  sgemm(c, false, false, 1, cols, rows, 1.0f, ones(c, rows), rows, g, cols, 0.0f, out, cols);
}

}  // namespace rnnkit::cuda

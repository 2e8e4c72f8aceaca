// Row-major GEMM on raw pointers through CBLAS: C = alpha op(A) op(B) + beta C.
#pragma once

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "rnnkit/ops/blas_info.h"

namespace rnnkit::ops::cpu {

// Below this many elements a loop runs on one thread: waking the team costs more.
inline constexpr std::int64_t kParallelGrain = 1 << 15;

// f(begin, end) over [0, n): one contiguous chunk per thread (all of it on one
// thread below kParallelGrain).
template <typename F>
void parallel_chunks(std::int64_t n, F f) {
  if (n <= kParallelGrain) return f(std::int64_t{0}, n);
#pragma omp parallel
  {
    const std::int64_t t = omp_get_thread_num(), threads = omp_get_num_threads();
    f(n * t / threads, n * (t + 1) / threads);
  }
}

// y = alpha op(A) x + beta y for row-major A [rows, cols]. Ours rather than
// BLAS's for the small products of batch-1 recurrences: OpenBLAS threads even
// small products, and with a passive wait policy the wake-up then costs more
// than the product. A large A (a vocabulary's output layer, a word-vector
// index) is bound by memory, where OpenBLAS's kernel streams about 8% faster.
inline void sgemv(bool trans, std::int64_t rows, std::int64_t cols, float alpha, const float* a,
                  std::int64_t lda, const float* x, std::int64_t incx, float beta, float* y,
                  std::int64_t incy) {
  const bool par = rows * cols > (1 << 21);  // smaller ones are bound by cache, not cores
  if (!trans && par) {
    blas_info();  // the first product reads and self-tests the BLAS (once)
    // y may be uninitialised: 0 * NaN must not reach the result.
    if (beta == 0.0f)
      for (std::int64_t i = 0; i < rows; ++i) y[i * incy] = 0.0f;
    cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<blasint>(rows), static_cast<blasint>(cols),
                alpha, a, static_cast<blasint>(lda), x, static_cast<blasint>(incx), beta, y,
                static_cast<blasint>(incy));
    return;
  }
  if (!trans) {  // y[i] = dot(A[i], x), eight rows at a time: one x load feeds eight FMA chains
    const float* xv = x;
    std::vector<float> packed;
    if (incx != 1) {
      packed.resize(static_cast<std::size_t>(cols));
      for (std::int64_t j = 0; j < cols; ++j) packed[static_cast<std::size_t>(j)] = x[j * incx];
      xv = packed.data();
    }
    constexpr std::int64_t kRows = 8;
    const std::int64_t blocks = (rows + kRows - 1) / kRows;
    for (std::int64_t blk = 0; blk < blocks; ++blk) {
      const std::int64_t i0 = blk * kRows, n = std::min(kRows, rows - i0);
      const float* r[kRows];
      for (std::int64_t q = 0; q < kRows; ++q) r[q] = a + (i0 + std::min(q, n - 1)) * lda;
      float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3, s4, s5, s6, s7)
      for (std::int64_t j = 0; j < cols; ++j) {
        const float xj = xv[j];
        s0 += r[0][j] * xj;
        s1 += r[1][j] * xj;
        s2 += r[2][j] * xj;
        s3 += r[3][j] * xj;
        s4 += r[4][j] * xj;
        s5 += r[5][j] * xj;
        s6 += r[6][j] * xj;
        s7 += r[7][j] * xj;
      }
      const float sums[kRows] = {s0, s1, s2, s3, s4, s5, s6, s7};
      for (std::int64_t q = 0; q < n; ++q) {
        float& out = y[(i0 + q) * incy];
        out = alpha * sums[q] + (beta == 0.0f ? 0.0f : beta * out);
      }
    }
    return;
  }
  // y[j] = sum_i A[i][j] x[i]: row updates over column blocks, one block per thread.
  constexpr std::int64_t kCols = 256;
#pragma omp parallel for if (par)
  for (std::int64_t c0 = 0; c0 < cols; c0 += kCols) {
    std::int64_t c1 = std::min(cols, c0 + kCols);
    float acc[kCols] = {};
    for (std::int64_t i = 0; i < rows; ++i) {
      const float* r = a + i * lda;
      float xi = x[i * incx];
#pragma omp simd
      for (std::int64_t j = c0; j < c1; ++j) acc[j - c0] += r[j] * xi;
    }
    for (std::int64_t j = c0; j < c1; ++j) {
      float& out = y[j * incy];
      out = alpha * acc[j - c0] + (beta == 0.0f ? 0.0f : beta * out);
    }
  }
}

inline void sgemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                  const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta,
                  float* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  // A single row or column is a matrix-vector product. OpenBLAS's GEMM would
  // pack the whole matrix on every call, which dominates batch-1 recurrences.
  if (m == 1) {  // c[1, n] = op(B)^T op(A)^T: a row vector times op(B)
    sgemv(!tb, tb ? n : k, tb ? k : n, alpha, b, ldb, a, ta ? lda : 1, beta, c, 1);
    return;
  }
  if (n == 1) {  // c[m, 1] = op(A) times a column vector
    sgemv(ta, ta ? k : m, ta ? m : k, alpha, a, lda, b, tb ? 1 : ldb, beta, c, ldc);
    return;
  }
  blas_info();  // the first product reads and self-tests the BLAS (once)
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), alpha, a,
              static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
              static_cast<blasint>(ldc));
}

}  // namespace rnnkit::ops::cpu

// Row-major GEMM on raw pointers through CBLAS: C = alpha op(A) op(B) + beta C.
#pragma once

#include <cblas.h>

#include <cstdint>

namespace rnnkit::ops::cpu {

inline void sgemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                  const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta,
                  float* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), alpha, a,
              static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
              static_cast<blasint>(ldc));
}

// Below this many elements a loop runs on one thread: waking the team costs more.
inline constexpr std::int64_t kParallelGrain = 1 << 15;

}  // namespace rnnkit::ops::cpu

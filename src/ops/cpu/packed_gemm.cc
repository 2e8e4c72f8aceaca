#include "ops/cpu/packed_gemm.h"

#include <omp.h>

#include <algorithm>
#include <cstring>

#include "rnnkit/core/parallel.h"

namespace rnnkit::ops::cpu {

namespace {

constexpr std::int64_t kP = PackedMatrix::kPanel;
// Depth of one pass: a panel's slice (kDepth x 32 floats, 32 KB) stays in
// L1/L2 while every row block of A goes over it.
constexpr std::int64_t kDepth = 256;
constexpr int kRows = 8;
// Rows per unit of parallel work: 8 tiles sharing A's rows across panels.
constexpr std::int64_t kChunk = 64;

// Sixteen floats: one AVX-512 register; the compiler splits it on narrower CPUs.
using Vec = float __attribute__((vector_size(64)));

Vec load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
void store(float* p, Vec v) {
  std::memcpy(p, &v, sizeof v);
}

// C[MR, cols] (+)= A[MR, depth] P[depth, 32]: 2 * MR accumulators in registers,
// each step one row of the panel times a broadcast element of every row of A.
template <int MR>
void tile(std::int64_t depth, const float* a, std::int64_t lda, const float* p, float* c,
          std::int64_t ldc, std::int64_t cols, bool accumulate, const float* bias) {
  Vec lo[MR], hi[MR];
  Vec bias_lo{}, bias_hi{};
  if (bias) {
    float t[kP] = {};
    std::memcpy(t, bias, sizeof(float) * cols);
    bias_lo = load(t);
    bias_hi = load(t + 16);
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    lo[r] = bias_lo;
    hi[r] = bias_hi;
  }
  for (std::int64_t k = 0; k < depth; ++k) {
    const Vec b0 = load(p + k * kP), b1 = load(p + k * kP + 16);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const float x = a[r * lda + k];
      lo[r] += x * b0;
      hi[r] += x * b1;
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    float* cr = c + r * ldc;
    if (cols == kP) {
      store(cr, accumulate ? load(cr) + lo[r] : lo[r]);
      store(cr + 16, accumulate ? load(cr + 16) + hi[r] : hi[r]);
    } else {  // the last panel: only its real columns
      float t[kP];
      store(t, lo[r]);
      store(t + 16, hi[r]);
      for (std::int64_t j = 0; j < cols; ++j) cr[j] = (accumulate ? cr[j] : 0.0f) + t[j];
    }
  }
}

using Tile = void (*)(std::int64_t, const float*, std::int64_t, const float*, float*,
                     std::int64_t, std::int64_t, bool, const float*);
// The tile for the last m % kRows rows of a panel, by their count.
constexpr Tile kTail[kRows] = {nullptr, tile<1>, tile<2>, tile<3>,
                               tile<4>,  tile<5>, tile<6>, tile<7>};

// Rows [0, m) of one panel, kRows at a time, then the remainder.
void panel_rows(std::int64_t m, std::int64_t depth, const float* a, std::int64_t lda,
                const float* p, float* c, std::int64_t ldc, std::int64_t cols, bool accumulate,
                const float* bias) {
  std::int64_t i = 0;
  for (; i + kRows <= m; i += kRows)
    tile<kRows>(depth, a + i * lda, lda, p, c + i * ldc, ldc, cols, accumulate, bias);
  if (i < m) kTail[m - i](depth, a + i * lda, lda, p, c + i * ldc, ldc, cols, accumulate, bias);
}

}  // namespace

PackedMatrix::PackedMatrix(const float* b, std::int64_t ldb, bool trans, std::int64_t k,
                           std::int64_t n)
    : k_(k), n_(n), data_(Tensor::empty({(n + kP - 1) / kP * k * kP})) {
  const std::int64_t panels = (n + kP - 1) / kP;
#pragma omp parallel for if (k * n >= (1 << 18) && !omp_in_parallel())
  for (std::int64_t q = 0; q < panels; ++q) {
    float* p = data_.data() + q * k * kP;
    const std::int64_t cols = std::min(kP, n - q * kP);
    if (cols < kP) std::memset(p, 0, sizeof(float) * k * kP);
    if (trans) {  // column j of the panel is row q * 32 + j of B; written row by row
      const float* src = b + q * kP * ldb;
      for (std::int64_t i = 0; i < k; ++i)
        for (std::int64_t j = 0; j < cols; ++j) p[i * kP + j] = src[j * ldb + i];
    } else {
      for (std::int64_t i = 0; i < k; ++i)
        std::memcpy(p + i * kP, b + i * ldb + q * kP, sizeof(float) * cols);
    }
  }
}

void gemm_packed(std::int64_t m, const float* a, std::int64_t lda, const PackedMatrix& b,
                 bool accumulate, float* c, std::int64_t ldc, const float* bias) {
  const std::int64_t k = b.k(), n = b.n(), panels = (n + kP - 1) / kP;
  const std::int64_t chunks = (m + kChunk - 1) / kChunk;
  if (m == 0 || n == 0) return;
  const bool par = m * n * k >= (1 << 23) && num_threads() > 1 && !omp_in_parallel();
#pragma omp parallel for collapse(2) schedule(static) if (par)
  for (std::int64_t i = 0; i < chunks; ++i)
    for (std::int64_t q = 0; q < panels; ++q) {
      const std::int64_t rows = std::min(kChunk, m - i * kChunk), cols = std::min(kP, n - q * kP);
      const float* ai = a + i * kChunk * lda;
      float* cq = c + i * kChunk * ldc + q * kP;
      const float* bq = bias ? bias + q * kP : nullptr;
      if (k == 0) panel_rows(rows, 0, ai, lda, b.panel(q), cq, ldc, cols, accumulate, bq);
      for (std::int64_t k0 = 0; k0 < k; k0 += kDepth)
        panel_rows(rows, std::min(kDepth, k - k0), ai + k0, lda, b.panel(q) + k0 * kP, cq, ldc,
                   cols, accumulate || k0 > 0, k0 == 0 ? bq : nullptr);
    }
}

}  // namespace rnnkit::ops::cpu

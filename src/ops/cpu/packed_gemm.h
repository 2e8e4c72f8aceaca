// Products with a matrix packed once and used many times: the recurrent
// weights, multiplied at every time step. BLAS packs both operands again at
// every call; at the sizes of one step (a batch of rows times W_hh) that
// packing costs a fifth to a half of the product itself.
#pragma once

#include <cstdint>

#include "rnnkit/core/tensor.h"

namespace rnnkit::ops::cpu {

// op(B) [k, n] in column panels of kPanel floats, each panel k rows deep,
// the last one zero-padded: the layout the product's inner loop streams.
class PackedMatrix {
 public:
  static constexpr std::int64_t kPanel = 32;

  // op(B) = B, row-major [k, n] (trans false), or B^T with B row-major [n, k].
  PackedMatrix(const float* b, std::int64_t ldb, bool trans, std::int64_t k, std::int64_t n);

  std::int64_t k() const { return k_; }
  std::int64_t n() const { return n_; }
  const float* panel(std::int64_t q) const { return data_.data() + q * k_ * kPanel; }

 private:
  std::int64_t k_, n_;
  Tensor data_;
};

// C[m, n] = A[m, k] op(B) + bias (a row of n, if given), plus C when
// accumulate. Threads over blocks of rows and panels unless already inside a
// parallel region (a team member computing its rows).
void gemm_packed(std::int64_t m, const float* a, std::int64_t lda, const PackedMatrix& b,
                 bool accumulate, float* c, std::int64_t ldc, const float* bias = nullptr);

}  // namespace rnnkit::ops::cpu

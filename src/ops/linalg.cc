#include "ops/check.h"
#include "ops/dispatch.h"
#include "ops/kernels.h"

namespace rnnkit::ops {

void gemm(const Tensor& a, bool trans_a, const Tensor& b, bool trans_b, float alpha, float beta,
          Tensor& c) {
  check_same_device(a, b, "gemm");
  check_same_device(a, c, "gemm");
  RNNKIT_CHECK(a.dim() == 2 && b.dim() == 2 && c.dim() == 2, "gemm: needs 2-D tensors, got {} {} {}",
               shape_str(a.shape()), shape_str(b.shape()), shape_str(c.shape()));
  std::int64_t m = trans_a ? a.size(1) : a.size(0), k = trans_a ? a.size(0) : a.size(1);
  std::int64_t kb = trans_b ? b.size(1) : b.size(0), n = trans_b ? b.size(0) : b.size(1);
  RNNKIT_CHECK(k == kb && c.size(0) == m && c.size(1) == n,
               "gemm: {}{} x {}{} does not give {}", shape_str(a.shape()), trans_a ? "^T" : "",
               shape_str(b.shape()), trans_b ? "^T" : "", shape_str(c.shape()));
  RNNKIT_DISPATCH(a.device(), kernels::gemm<D>(a, trans_a, b, trans_b, alpha, beta, c));
}

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  RNNKIT_CHECK(a.dim() == 2 && b.dim() == 2, "matmul: needs 2-D tensors, got {} and {}",
               shape_str(a.shape()), shape_str(b.shape()));
  Tensor c = Tensor::empty({trans_a ? a.size(1) : a.size(0), trans_b ? b.size(0) : b.size(1)},
                           a.device());
  gemm(a, trans_a, b, trans_b, 1.0f, 0.0f, c);
  return c;
}

}  // namespace rnnkit::ops

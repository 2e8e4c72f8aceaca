#include "ops/check.h"
#include "ops/dispatch.h"
#include "ops/kernels.h"

namespace rnnkit::ops {

AttentionForward attention_forward(const Tensor& q, const Tensor& k, const Tensor& k_len) {
  RNNKIT_CHECK(q.dim() == 3 && k.dim() == 3 && q.size(1) == k.size(1) && q.size(2) == k.size(2),
               "attention: queries {} and keys {} must be [Tq, B, H] and [Tk, B, H]",
               shape_str(q.shape()), shape_str(k.shape()));
  check_same_device(q, k, "attention");
  check_same_device(q, k_len, "attention");
  RNNKIT_CHECK(k_len.dtype() == DType::kInt32 && k_len.numel() == q.size(1),
               "attention: key lengths must be int32 [{}], got {} {}", q.size(1),
               dtype_name(k_len.dtype()), shape_str(k_len.shape()));
  AttentionForward f;
  f.context = Tensor::empty(q.shape(), q.device());
  f.weights = Tensor::empty({q.size(1), q.size(0), k.size(0)}, q.device());
  RNNKIT_DISPATCH(q.device(), kernels::attention_forward<D>(q, k, k_len, f));
  return f;
}

AttentionGrads attention_backward(const Tensor& q, const Tensor& k, const AttentionForward& f,
                                  const Tensor& dcontext) {
  check_shape(dcontext, q.shape(), "attention", "dcontext");
  AttentionGrads g;
  g.dq = Tensor::empty(q.shape(), q.device());
  g.dk = Tensor::empty(k.shape(), k.device());
  RNNKIT_DISPATCH(q.device(), kernels::attention_backward<D>(q, k, f, dcontext, g));
  return g;
}

}  // namespace rnnkit::ops

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

AttentionForward additive_attention_forward(const Tensor& qa, const Tensor& ka, const Tensor& v,
                                            const Tensor& values, const Tensor& k_len) {
  RNNKIT_CHECK(qa.dim() == 3 && ka.dim() == 3 && values.dim() == 3 && qa.size(1) == ka.size(1) &&
                   qa.size(2) == ka.size(2) && v.numel() == qa.size(2) && values.size(0) == ka.size(0) &&
                   values.size(1) == ka.size(1),
               "additive attention: queries {}, keys {}, v {} and values {} do not fit",
               shape_str(qa.shape()), shape_str(ka.shape()), shape_str(v.shape()), shape_str(values.shape()));
  for (const Tensor* t : {&ka, &v, &values, &k_len}) check_same_device(qa, *t, "additive attention");
  RNNKIT_CHECK(k_len.dtype() == DType::kInt32 && k_len.numel() == qa.size(1),
               "additive attention: key lengths must be int32 [{}]", qa.size(1));
  AttentionForward f;
  f.context = Tensor::empty({qa.size(0), qa.size(1), values.size(2)}, qa.device());
  f.weights = Tensor::empty({qa.size(1), qa.size(0), ka.size(0)}, qa.device());
  RNNKIT_DISPATCH(qa.device(), kernels::additive_attention_forward<D>(qa, ka, v, values, k_len, f));
  return f;
}

AdditiveAttentionGrads additive_attention_backward(const Tensor& qa, const Tensor& ka, const Tensor& v,
                                                   const Tensor& values, const AttentionForward& f,
                                                   const Tensor& dcontext) {
  check_shape(dcontext, f.context.shape(), "additive attention", "dcontext");
  AdditiveAttentionGrads g;
  g.dqa = Tensor::empty(qa.shape(), qa.device());
  g.dka = Tensor::empty(ka.shape(), ka.device());
  g.dv = Tensor::empty(v.shape(), v.device());
  g.dvalues = Tensor::empty(values.shape(), values.device());
  RNNKIT_DISPATCH(qa.device(), kernels::additive_attention_backward<D>(qa, ka, v, values, f, dcontext, g));
  return g;
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

#include "ops/check.h"
#include "ops/dispatch.h"
#include "ops/kernels.h"

namespace rnnkit::ops {
namespace {
Tensor softmax_impl(const Tensor& x, bool log) {
  check_float(x, "softmax", "x");
  RNNKIT_CHECK(x.dim() >= 1 && x.size(-1) > 0, "softmax: empty last dimension in {}",
               shape_str(x.shape()));
  Tensor out = Tensor::empty(x.shape(), x.device());
  RNNKIT_DISPATCH(x.device(), kernels::softmax<D>(x, log, out));
  return out;
}
Tensor softmax_backward_impl(const Tensor& y, const Tensor& dy, bool log) {
  check_same_device(y, dy, "softmax_backward");
  check_shape(dy, y.shape(), "softmax_backward", "dy");
  Tensor out = Tensor::empty(y.shape(), y.device());
  RNNKIT_DISPATCH(y.device(), kernels::softmax_backward<D>(y, dy, log, out));
  return out;
}
}  // namespace

Tensor softmax(const Tensor& x) { return softmax_impl(x, false); }
Tensor log_softmax(const Tensor& x) { return softmax_impl(x, true); }
Tensor softmax_backward(const Tensor& y, const Tensor& dy) { return softmax_backward_impl(y, dy, false); }
Tensor log_softmax_backward(const Tensor& y, const Tensor& dy) {
  return softmax_backward_impl(y, dy, true);
}

CrossEntropyForward cross_entropy(const Tensor& logits, const Tensor& targets,
                                  std::int32_t ignore_index) {
  check_float(logits, "cross_entropy", "logits");
  check_same_device(logits, targets, "cross_entropy");
  RNNKIT_CHECK(logits.dim() == 2 && targets.dtype() == DType::kInt32 &&
                   targets.numel() == logits.size(0),
               "cross_entropy: logits {} need int32 targets of {} rows, got {} {}",
               shape_str(logits.shape()), logits.size(0), dtype_name(targets.dtype()),
               shape_str(targets.shape()));
  CrossEntropyForward out;
  out.loss_sum = Tensor::empty({1}, logits.device());
  out.count = Tensor::empty({1}, logits.device());
  out.lse = Tensor::empty({logits.size(0)}, logits.device());
  RNNKIT_DISPATCH(logits.device(), kernels::cross_entropy<D>(logits, targets, ignore_index, out));
  return out;
}

Tensor cross_entropy_backward(const Tensor& logits, const Tensor& lse, const Tensor& targets,
                              std::int32_t ignore_index, const Tensor& grad_sum) {
  check_same_device(logits, grad_sum, "cross_entropy_backward");
  RNNKIT_CHECK(grad_sum.numel() == 1, "cross_entropy_backward: grad must be a scalar, got {}",
               shape_str(grad_sum.shape()));
  Tensor out = Tensor::empty(logits.shape(), logits.device());
  RNNKIT_DISPATCH(logits.device(), kernels::cross_entropy_backward<D>(logits, lse, targets,
                                                                      ignore_index, grad_sum, out));
  return out;
}

}  // namespace rnnkit::ops

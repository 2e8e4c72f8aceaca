#include "core/cuda/context.h"
#include "ops/cuda/launch.h"
#include "ops/kernels.h"

namespace rnnkit::ops::kernels {

constexpr DeviceType kG = DeviceType::kCUDA;

template <>
void softmax<kG>(const Tensor& x, bool log, Tensor& out) {
  std::int64_t v = x.size(-1);
  cuda::softmax(x.data(), out.data(), x.numel() / v, v, log,
                cuda::context(x.device().index).stream);
  cuda::check_launch("softmax");
}

template <>
void softmax_backward<kG>(const Tensor& y, const Tensor& dy, bool log, Tensor& out) {
  std::int64_t v = y.size(-1);
  cuda::softmax_backward(y.data(), dy.data(), out.data(), y.numel() / v, v, log,
                         cuda::context(y.device().index).stream);
  cuda::check_launch("softmax_backward");
}

template <>
void cross_entropy<kG>(const Tensor& logits, const Tensor& targets, std::int32_t ignore,
                       CrossEntropyForward& out) {
  cuda::Context& c = cuda::context(logits.device().index);
  std::int64_t n = logits.size(0);
  Tensor row_loss = Tensor::empty({n}, logits.device());
  cuda::cross_entropy(logits.data(), targets.data<std::int32_t>(), n, logits.size(1), ignore,
                      out.lse.data(), row_loss.data(), out.loss_sum.data(), out.count.data(),
                      c.error_device, c.stream);
  cuda::check_launch("cross_entropy");
}

template <>
void cross_entropy_backward<kG>(const Tensor& logits, const Tensor& lse, const Tensor& targets,
                                std::int32_t ignore, const Tensor& grad_sum, Tensor& out) {
  cuda::cross_entropy_backward(logits.data(), lse.data(), targets.data<std::int32_t>(),
                               logits.size(0), logits.size(1), ignore, grad_sum.data(), out.data(),
                               cuda::context(logits.device().index).stream);
  cuda::check_launch("cross_entropy_backward");
}

}  // namespace rnnkit::ops::kernels

// Softmax family and the fused cross-entropy, with their gradient rules.
#include "rnnkit/autograd/functions.h"

namespace rnnkit::fn {

Var softmax(const Var& x) {
  Var out(ops::softmax(x.value()), needs_grad({&x}));
  if (out.requires_grad()) {
    Tape::current().record([x, out]() mutable {
      if (out.has_grad()) x.accumulate_grad(ops::softmax_backward(out.value(), out.grad()), true);
    });
  }
  return out;
}

Var log_softmax(const Var& x) {
  Var out(ops::log_softmax(x.value()), needs_grad({&x}));
  if (out.requires_grad()) {
    Tape::current().record([x, out]() mutable {
      if (out.has_grad())
        x.accumulate_grad(ops::log_softmax_backward(out.value(), out.grad()), true);
    });
  }
  return out;
}

Var cross_entropy(const Var& logits, const Tensor& targets, const CrossEntropyOptions& opts) {
  Tensor l2 = logits.value().view({-1, logits.value().size(-1)});
  ops::CrossEntropyForward f = ops::cross_entropy(l2, targets.view({-1}), opts.ignore_index);
  Tensor loss = f.loss_sum;
  Tensor norm;  // 1/count for the mean, kept on the device
  if (opts.reduction == Reduction::kMean) {
    float count = f.count.item();
    RNNKIT_CHECK(count > 0, "cross_entropy: every target is the ignore index {}", opts.ignore_index);
    loss = ops::scale(loss, 1.0f / count);
    norm = Tensor::full({1}, 1.0f / count, loss.device());
  }
  Var out(loss, needs_grad({&logits}));
  if (out.requires_grad()) {
    Tape::current().record([logits, out, f, targets, norm, ignore = opts.ignore_index]() mutable {
      if (!out.has_grad()) return;
      Tensor g = norm.defined() ? ops::mul(out.grad(), norm) : out.grad();
      Tensor l2 = logits.value().view({-1, logits.value().size(-1)});
      logits.accumulate_grad(ops::cross_entropy_backward(l2, f.lse, targets.view({-1}), ignore, g),
                             true);
    });
  }
  return out;
}

}  // namespace rnnkit::fn

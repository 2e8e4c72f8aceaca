// Dot-product attention and its gradient rule.
#include "rnnkit/autograd/functions.h"

namespace rnnkit::fn {

AttentionResult attention(const Var& q, const Var& k, const Tensor& k_len) {
  auto f = std::make_shared<ops::AttentionForward>(ops::attention_forward(q.value(), k.value(), k_len));
  bool grad = needs_grad({&q, &k});
  AttentionResult r{Var(f->context, grad), f->weights};
  if (grad) {
    Var ctx = r.context;
    Tape::current().record([=]() mutable {
      if (!ctx.has_grad()) return;
      ops::AttentionGrads g = ops::attention_backward(q.value(), k.value(), *f, ctx.grad());
      if (q.requires_grad()) q.accumulate_grad(g.dq, true);
      if (k.requires_grad()) k.accumulate_grad(g.dk, true);
    });
  }
  return r;
}

}  // namespace rnnkit::fn

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

AttentionResult additive_attention(const Var& qa, const Var& ka, const Var& v, const Var& values,
                                   const Tensor& k_len) {
  auto f = std::make_shared<ops::AttentionForward>(
      ops::additive_attention_forward(qa.value(), ka.value(), v.value(), values.value(), k_len));
  bool grad = needs_grad({&qa, &ka, &v, &values});
  AttentionResult r{Var(f->context, grad), f->weights};
  if (grad) {
    Var ctx = r.context;
    Tape::current().record([=]() mutable {
      if (!ctx.has_grad()) return;
      auto g = ops::additive_attention_backward(qa.value(), ka.value(), v.value(), values.value(), *f,
                                                ctx.grad());
      if (qa.requires_grad()) qa.accumulate_grad(g.dqa, true);
      if (ka.requires_grad()) ka.accumulate_grad(g.dka, true);
      if (v.requires_grad()) v.accumulate_grad(g.dv, true);
      if (values.requires_grad()) values.accumulate_grad(g.dvalues, true);
    });
  }
  return r;
}

}  // namespace rnnkit::fn

// Embedding lookup; its gradient is scattered into the touched rows only.
#include "rnnkit/autograd/functions.h"

namespace rnnkit::fn {

Var embedding(const Var& weight, const Tensor& ids) {
  Var out(ops::embedding(weight.value(), ids), needs_grad({&weight}));
  if (out.requires_grad()) {
    Tape::current().record([weight, ids, out]() mutable {
      if (!out.has_grad()) return;
      if (!weight.has_grad()) weight.accumulate_grad(Tensor::zeros(weight.shape(), ids.device()), true);
      Tensor g = weight.grad();
      ops::embedding_backward_(g, ids, out.grad());
    });
  }
  return out;
}

}  // namespace rnnkit::fn

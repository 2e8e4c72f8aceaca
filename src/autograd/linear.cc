// Matrix products and their gradient rules.
#include "rnnkit/autograd/functions.h"

namespace rnnkit::fn {

Var linear(const Var& x, const Var& weight, const Var& bias) {
  const Tensor& w = weight.value();
  std::int64_t k = w.size(1), n = w.size(0);
  RNNKIT_CHECK(x.value().size(-1) == k, "linear: input {} does not match weight {}",
               shape_str(x.shape()), shape_str(w.shape()));
  Tensor x2 = x.value().view({-1, k});
  Tensor y = Tensor::empty({x2.size(0), n}, w.device());
  ops::gemm(x2, false, w, true, 1.0f, 0.0f, y);
  if (bias.defined()) ops::add_(y, bias.value());
  Shape shape = x.shape();
  shape.back() = n;
  Var out(y.view(shape), needs_grad({&x, &weight, &bias}));
  if (out.requires_grad()) {
    Tape::current().record([x, weight, bias, out, k, n]() mutable {
      if (!out.has_grad()) return;
      Tensor dy = out.grad().view({-1, n});
      Tensor x2 = x.value().view({-1, k});
      if (x.requires_grad()) x.accumulate_grad(ops::matmul(dy, weight.value()), true);
      if (weight.requires_grad()) {
        if (weight.has_grad()) {  // accumulate straight into the buffer: no temporary
          Tensor g = weight.grad();
          ops::gemm(dy, true, x2, false, 1.0f, 1.0f, g);
        } else {
          weight.accumulate_grad(ops::matmul(dy, x2, true, false), true);
        }
      }
      if (bias.defined() && bias.requires_grad())
        bias.accumulate_grad(ops::reduce_to(dy, bias.shape()), true);
    });
  }
  return out;
}

Var matmul(const Var& a, const Var& b, bool trans_a, bool trans_b) {
  Var out(ops::matmul(a.value(), b.value(), trans_a, trans_b), needs_grad({&a, &b}));
  if (out.requires_grad()) {
    Tape::current().record([a, b, out, trans_a, trans_b]() mutable {
      if (!out.has_grad()) return;
      const Tensor& g = out.grad();
      // C = op(A) op(B): dA = g op(B)^T (transposed back if A was), likewise dB.
      if (a.requires_grad())
        a.accumulate_grad(trans_a ? ops::matmul(b.value(), g, trans_b, true)
                                  : ops::matmul(g, b.value(), false, !trans_b),
                          true);
      if (b.requires_grad())
        b.accumulate_grad(trans_b ? ops::matmul(g, a.value(), true, trans_a)
                                  : ops::matmul(a.value(), g, !trans_a, false),
                          true);
    });
  }
  return out;
}

}  // namespace rnnkit::fn

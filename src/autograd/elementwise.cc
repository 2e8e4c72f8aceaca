// Elementwise functions and their gradient rules.
#include "rnnkit/autograd/functions.h"

namespace rnnkit::fn {
namespace {

// dL/db for a broadcast operand: sum over the repeated dimensions.
Tensor unbroadcast(const Tensor& g, const Var& b) { return ops::reduce_to(g, b.shape()); }

Var record_unary(const Var& x, Tensor y, ops::Activation f) {
  Var out(std::move(y), needs_grad({&x}));
  if (out.requires_grad()) {
    Tape::current().record([x, out, f]() mutable {
      if (!out.has_grad()) return;
      x.accumulate_grad(ops::activation_backward(f, out.value(), out.grad()), true);
    });
  }
  return out;
}

}  // namespace

Var add(const Var& a, const Var& b) {
  Var out(ops::add(a.value(), b.value()), needs_grad({&a, &b}));
  if (out.requires_grad()) {
    Tape::current().record([a, b, out]() mutable {
      if (!out.has_grad()) return;
      if (a.requires_grad()) a.accumulate_grad(out.grad());
      if (b.requires_grad()) b.accumulate_grad(unbroadcast(out.grad(), b));
    });
  }
  return out;
}

Var sub(const Var& a, const Var& b) {
  Var out(ops::sub(a.value(), b.value()), needs_grad({&a, &b}));
  if (out.requires_grad()) {
    Tape::current().record([a, b, out]() mutable {
      if (!out.has_grad()) return;
      if (a.requires_grad()) a.accumulate_grad(out.grad());
      if (b.requires_grad()) b.accumulate_grad(ops::scale(unbroadcast(out.grad(), b), -1.0f), true);
    });
  }
  return out;
}

Var mul(const Var& a, const Var& b) {
  Var out(ops::mul(a.value(), b.value()), needs_grad({&a, &b}));
  if (out.requires_grad()) {
    Tape::current().record([a, b, out]() mutable {
      if (!out.has_grad()) return;
      if (a.requires_grad()) a.accumulate_grad(ops::mul(out.grad(), b.value()), true);
      if (b.requires_grad())
        b.accumulate_grad(unbroadcast(ops::mul(out.grad(), a.value()), b), true);
    });
  }
  return out;
}

Var scale(const Var& a, float s) {
  Var out(ops::scale(a.value(), s), needs_grad({&a}));
  if (out.requires_grad()) {
    Tape::current().record([a, out, s]() mutable {
      if (out.has_grad()) a.accumulate_grad(ops::scale(out.grad(), s), true);
    });
  }
  return out;
}

Var sigmoid(const Var& x) {
  return record_unary(x, ops::activation(ops::Activation::kSigmoid, x.value()),
                      ops::Activation::kSigmoid);
}
Var tanh(const Var& x) {
  return record_unary(x, ops::activation(ops::Activation::kTanh, x.value()),
                      ops::Activation::kTanh);
}
Var relu(const Var& x) {
  return record_unary(x, ops::activation(ops::Activation::kRelu, x.value()),
                      ops::Activation::kRelu);
}
Var softplus(const Var& x) {
  return record_unary(x, ops::activation(ops::Activation::kSoftplus, x.value()), ops::Activation::kSoftplus);
}
Var log(const Var& x) {
  return record_unary(x, ops::activation(ops::Activation::kLog, x.value()), ops::Activation::kLog);
}

Var sum(const Var& x) {
  Var out(ops::sum(x.value()), needs_grad({&x}));
  if (out.requires_grad()) {
    Tape::current().record([x, out]() mutable {
      if (out.has_grad()) x.accumulate_grad(ops::broadcast_to(out.grad(), x.shape()), true);
    });
  }
  return out;
}

Var mean(const Var& x) { return scale(sum(x), 1.0f / static_cast<float>(x.value().numel())); }

Var dropout(const Var& x, float p, Generator& gen, const Shape& mask_shape) {
  if (p == 0.0f) return x;
  std::int64_t n = shape_numel(mask_shape);
  Tensor mask = ops::dropout_mask(mask_shape, p, gen, gen.reserve(static_cast<std::uint64_t>(n)),
                                  x.value().device());
  Var out(ops::mul(x.value(), mask), needs_grad({&x}));
  if (out.requires_grad()) {
    Tape::current().record([x, out, mask]() mutable {
      if (out.has_grad()) x.accumulate_grad(ops::mul(out.grad(), mask), true);
    });
  }
  return out;
}

}  // namespace rnnkit::fn

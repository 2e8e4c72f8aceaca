// Shape functions (reshape, concat, slice) and their gradient rules.
#include "rnnkit/autograd/functions.h"

namespace rnnkit::fn {

Var reshape(const Var& x, const Shape& shape) {
  Var out(x.value().view(shape), needs_grad({&x}));
  if (out.requires_grad()) {
    Tape::current().record([x, out]() mutable {
      if (out.has_grad()) x.accumulate_grad(out.grad().view(x.shape()));
    });
  }
  return out;
}

Var concat(const std::vector<Var>& xs, std::int64_t dim) {
  std::vector<Tensor> values;
  bool grad = false;
  for (const auto& x : xs) {
    values.push_back(x.value());
    grad = grad || needs_grad({&x});
  }
  Var out(ops::concat(values, dim), grad);
  if (grad) {
    Tape::current().record([xs, out, dim]() mutable {
      if (!out.has_grad()) return;
      std::int64_t start = 0;
      for (auto& x : xs) {
        std::int64_t len = x.value().size(dim);
        if (x.requires_grad()) x.accumulate_grad(ops::slice(out.grad(), dim, start, len), true);
        start += len;
      }
    });
  }
  return out;
}

Var slice(const Var& x, std::int64_t dim, std::int64_t start, std::int64_t length) {
  Var out(ops::slice(x.value(), dim, start, length), needs_grad({&x}));
  if (out.requires_grad()) {
    Tape::current().record([x, out, dim, start]() mutable {
      if (!out.has_grad()) return;
      Tensor g = Tensor::zeros(x.shape(), x.value().device());
      ops::slice_assign_(g, dim, start, out.grad());
      x.accumulate_grad(g, true);
    });
  }
  return out;
}

Var max_over_time(const Var& x, const Tensor& lengths) {
  ops::MaxOverTime m = ops::max_over_time(x.value(), lengths);
  Var out(m.values, needs_grad({&x}));
  if (out.requires_grad()) {
    const std::int64_t T = x.value().size(0);
    Tape::current().record([x, out, steps = m.steps, T]() mutable {
      if (out.has_grad())
        x.accumulate_grad(ops::max_over_time_backward(out.grad(), steps, T), true);
    });
  }
  return out;
}

Var reverse_sequences(const Var& x, const Tensor& lengths) {
  Var out(ops::reverse_sequences(x.value(), lengths), needs_grad({&x}));
  if (out.requires_grad()) {
    Tape::current().record([x, out, lengths]() mutable {
      if (out.has_grad()) x.accumulate_grad(ops::reverse_sequences(out.grad(), lengths), true);
    });
  }
  return out;
}

}  // namespace rnnkit::fn

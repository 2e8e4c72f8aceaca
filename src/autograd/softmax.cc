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
    RNNKIT_CHECK(count > 0, "cross_entropy: every target is the ignore index {}",
                 opts.ignore_index);
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

Var linear_cross_entropy(const Var& x, const Var& weight, const Var& bias, const Tensor& targets,
                         std::int64_t chunk_rows, const CrossEntropyOptions& opts) {
  const Tensor& w = weight.value();
  const std::int64_t k = w.size(1), v = w.size(0);
  RNNKIT_CHECK(x.value().size(-1) == k, "linear_cross_entropy: input {} does not match weight {}",
               shape_str(x.shape()), shape_str(w.shape()));
  RNNKIT_CHECK(chunk_rows > 0, "linear_cross_entropy: chunk of {} rows", chunk_rows);
  Tensor x2 = x.value().view({-1, k}), t1 = targets.view({-1});
  const std::int64_t n = x2.size(0);
  RNNKIT_CHECK(t1.numel() == n, "linear_cross_entropy: {} targets for {} rows", t1.numel(), n);
  const Device dev = w.device();
  const bool grad = needs_grad({&x, &weight, &bias});
  Tensor loss = Tensor::zeros({1}, dev), count = Tensor::zeros({1}, dev);
  Tensor dx, dw, db, unit;
  if (grad) {
    dx = Tensor::empty({n, k}, dev);
    dw = Tensor::empty({v, k}, dev);  // the first chunk writes it, the rest add
    unit = Tensor::full({1}, 1.0f, dev);
  }
  Tensor logits = Tensor::empty({std::min(chunk_rows, n), v}, dev);
  for (std::int64_t start = 0; start < n; start += chunk_rows) {
    const std::int64_t rows = std::min(chunk_rows, n - start);
    Tensor xc = x2.narrow0(start, rows), tc = t1.narrow0(start, rows), lc = logits.narrow0(0, rows);
    ops::gemm(xc, false, w, true, 1.0f, 0.0f, lc);
    if (bias.defined()) ops::add_(lc, bias.value());
    ops::CrossEntropyForward f = ops::cross_entropy(lc, tc, opts.ignore_index);
    ops::add_(loss, f.loss_sum);
    ops::add_(count, f.count);
    if (!grad) continue;
    Tensor d = ops::cross_entropy_backward(lc, f.lse, tc, opts.ignore_index, unit);
    Tensor dxc = dx.narrow0(start, rows);
    ops::gemm(d, false, w, false, 1.0f, 0.0f, dxc);
    ops::gemm(d, true, xc, false, 1.0f, start == 0 ? 0.0f : 1.0f, dw);
    if (bias.defined()) {
      Tensor dbc = ops::reduce_to(d, {v});
      if (start == 0)
        db = dbc;
      else
        ops::add_(db, dbc);
    }
  }
  Tensor norm;  // 1/count for the mean, kept on the device
  if (opts.reduction == Reduction::kMean) {
    float c = count.item();
    RNNKIT_CHECK(c > 0, "linear_cross_entropy: every target is the ignore index {}",
                 opts.ignore_index);
    loss = ops::scale(loss, 1.0f / c);
    norm = Tensor::full({1}, 1.0f / c, dev);
  }
  Var out(loss, grad);
  if (grad) {
    Tape::current().record([x, weight, bias, out, dx, dw, db, norm]() mutable {
      if (!out.has_grad()) return;
      Tensor g = norm.defined() ? ops::mul(out.grad(), norm) : out.grad();
      // The gradients were formed for a unit upstream gradient: scale them by
      // g on their way in, in one pass where a gradient already exists.
      auto add = [&g](const Var& v, const Tensor& d) {
        if (!v.has_grad()) return v.accumulate_grad(ops::mul(d, g).view(v.shape()), true);
        Tensor acc = v.grad();
        ops::axpy_(1.0f, d, acc, g);
      };
      if (x.requires_grad()) add(x, dx);
      if (weight.requires_grad()) add(weight, dw);
      if (bias.defined() && bias.requires_grad()) add(bias, db);
    });
  }
  return out;
}

}  // namespace rnnkit::fn

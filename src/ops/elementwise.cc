#include "ops/check.h"
#include "ops/dispatch.h"
#include "ops/kernels.h"

namespace rnnkit::ops {
namespace {

// b broadcasts over a when it is a scalar or its shape is a suffix of a's.
void check_broadcast(const Tensor& a, const Tensor& b, const char* op) {
  check_same_device(a, b, op);
  check_float(a, op, "a");
  check_float(b, op, "b");
  if (b.numel() == 1 || a.shape() == b.shape()) return;
  bool suffix = b.dim() <= a.dim();
  for (std::int64_t i = 1; suffix && i <= b.dim(); ++i) suffix = a.size(-i) == b.size(-i);
  RNNKIT_CHECK(suffix, "{}: shape {} does not broadcast over {}", op, shape_str(b.shape()),
               shape_str(a.shape()));
}

Tensor binary(kernels::Binary kind, const Tensor& a, const Tensor& b, const char* name) {
  check_broadcast(a, b, name);
  Tensor out = Tensor::empty(a.shape(), a.device());
  RNNKIT_DISPATCH(a.device(), kernels::binary<D>(kind, a, b, out));
  return out;
}

}  // namespace

void fill_(Tensor& t, float value) {
  check_float(t, "fill_", "t");
  RNNKIT_DISPATCH(t.device(), kernels::fill<D>(t, value));
}

void uniform_(Tensor& t, const Generator& gen, std::uint64_t offset, float lo, float hi) {
  check_float(t, "uniform_", "t");
  RNNKIT_DISPATCH(t.device(), kernels::uniform<D>(t, gen, offset, lo, hi));
}

void copy_(Tensor& dst, const Tensor& src) {
  RNNKIT_CHECK(dst.numel() == src.numel() && dst.dtype() == src.dtype(),
               "copy_: {} {} into {} {}", dtype_name(src.dtype()), shape_str(src.shape()),
               dtype_name(dst.dtype()), shape_str(dst.shape()));
  if (src.device() == dst.device()) {
    RNNKIT_DISPATCH(dst.device(),
                    kernels::copy_blocks<D>(src, 0, 0, dst, 0, 0, 1, src.numel()));
  } else {
    Tensor tmp = src.to(dst.device());
    RNNKIT_DISPATCH(dst.device(),
                    kernels::copy_blocks<D>(tmp, 0, 0, dst, 0, 0, 1, tmp.numel()));
  }
}

Tensor add(const Tensor& a, const Tensor& b) { return binary(kernels::Binary::kAdd, a, b, "add"); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(kernels::Binary::kSub, a, b, "sub"); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(kernels::Binary::kMul, a, b, "mul"); }

Tensor scale(const Tensor& a, float s) {
  check_float(a, "scale", "a");
  Tensor out = Tensor::empty(a.shape(), a.device());
  RNNKIT_DISPATCH(a.device(), kernels::scale<D>(a, s, out));
  return out;
}

void scale_(Tensor& a, float s) {
  check_float(a, "scale_", "a");
  RNNKIT_DISPATCH(a.device(), kernels::scale<D>(a, s, a));
}

void add_(Tensor& y, const Tensor& x) {
  if (x.numel() == y.numel()) return axpy_(1.0f, x, y);
  check_broadcast(y, x, "add_");
  RNNKIT_DISPATCH(y.device(), kernels::binary<D>(kernels::Binary::kAdd, y, x, y));
}

void axpy_(float alpha, const Tensor& x, Tensor& y, const Tensor& scale) {
  check_same_device(x, y, "axpy_");
  check_float(x, "axpy_", "x");
  check_float(y, "axpy_", "y");
  RNNKIT_CHECK(x.numel() == y.numel(), "axpy_: x {} and y {} differ in size", shape_str(x.shape()),
               shape_str(y.shape()));
  if (scale.defined()) {
    check_same_device(scale, y, "axpy_");
    check_float(scale, "axpy_", "scale");
    RNNKIT_CHECK(scale.numel() == 1, "axpy_: scale must have one element, got {}",
                 shape_str(scale.shape()));
  }
  const float* s = scale.defined() ? scale.data() : nullptr;
  RNNKIT_DISPATCH(y.device(), kernels::axpy<D>(alpha, s, x, y));
}

Tensor reduce_to(const Tensor& g, const Shape& shape) {
  check_float(g, "reduce_to", "g");
  std::int64_t n = shape_numel(shape);
  RNNKIT_CHECK(n > 0 && g.numel() % n == 0, "reduce_to: {} does not reduce to {}",
               shape_str(g.shape()), shape_str(shape));
  if (n == g.numel()) return g.view(shape);
  Tensor out = Tensor::empty(shape, g.device());
  RNNKIT_DISPATCH(g.device(), kernels::reduce_rows<D>(g, out));
  return out;
}

Tensor broadcast_to(const Tensor& b, const Shape& shape) {
  Tensor out = Tensor::zeros(shape, b.device());
  add_(out, b);
  return out;
}

Tensor activation(Activation f, const Tensor& x) {
  check_float(x, "activation", "x");
  Tensor out = Tensor::empty(x.shape(), x.device());
  RNNKIT_DISPATCH(x.device(), kernels::activation<D>(f, x, out));
  return out;
}

Tensor activation_backward(Activation f, const Tensor& y, const Tensor& dy) {
  check_same_device(y, dy, "activation_backward");
  RNNKIT_CHECK(y.numel() == dy.numel(), "activation_backward: y {} vs dy {}", shape_str(y.shape()),
               shape_str(dy.shape()));
  Tensor out = Tensor::empty(y.shape(), y.device());
  RNNKIT_DISPATCH(y.device(), kernels::activation_backward<D>(f, y, dy, out));
  return out;
}

Tensor sum(const Tensor& x) {
  check_float(x, "sum", "x");
  Tensor out = Tensor::empty({1}, x.device());
  RNNKIT_DISPATCH(x.device(), kernels::sum<D>(x, false, out));
  return out;
}

Tensor sum_squares(const Tensor& x) {
  check_float(x, "sum_squares", "x");
  Tensor out = Tensor::empty({1}, x.device());
  RNNKIT_DISPATCH(x.device(), kernels::sum<D>(x, true, out));
  return out;
}

bool all_finite(const Tensor& x) {
  check_float(x, "all_finite", "x");
  bool ok = true;
  RNNKIT_DISPATCH(x.device(), ok = kernels::all_finite<D>(x));
  return ok;
}

Tensor clip_norm_(Tensor& x, float max_norm) {
  check_float(x, "clip_norm_", "x");
  Tensor sum_sq = sum_squares(x);
  Tensor norm = Tensor::empty({1}, x.device());
  RNNKIT_DISPATCH(x.device(), kernels::clip_norm<D>(x, sum_sq, max_norm, norm));
  return norm;
}

Tensor dropout_mask(const Shape& shape, float p, const Generator& gen, std::uint64_t offset,
                    Device device) {
  RNNKIT_CHECK(p >= 0.0f && p < 1.0f, "dropout: probability {} is outside [0, 1)", p);
  Tensor out = Tensor::empty(shape, device);
  RNNKIT_DISPATCH(device, kernels::dropout_mask<D>(out, p, gen, offset));
  return out;
}

}  // namespace rnnkit::ops

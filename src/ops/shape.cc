#include "ops/check.h"
#include "ops/dispatch.h"
#include "ops/kernels.h"

namespace rnnkit::ops {
namespace {
std::int64_t norm_dim(std::int64_t dim, std::int64_t ndim, const char* op) {
  RNNKIT_CHECK(dim >= -ndim && dim < ndim, "{}: dimension {} out of range for {} dimensions", op,
               dim, ndim);
  return dim < 0 ? dim + ndim : dim;
}
// Elements before and after dimension `dim`.
std::pair<std::int64_t, std::int64_t> outer_inner(const Shape& s, std::int64_t dim) {
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t i = 0; i < dim; ++i) outer *= s[static_cast<std::size_t>(i)];
  for (std::size_t i = static_cast<std::size_t>(dim) + 1; i < s.size(); ++i) inner *= s[i];
  return {outer, inner};
}
}  // namespace

Tensor concat(const std::vector<Tensor>& xs, std::int64_t dim) {
  RNNKIT_CHECK(!xs.empty(), "concat: no tensors");
  dim = norm_dim(dim, xs[0].dim(), "concat");
  Shape shape = xs[0].shape();
  std::int64_t total = 0;
  for (const auto& x : xs) {
    check_same_device(x, xs[0], "concat");
    RNNKIT_CHECK(x.dim() == xs[0].dim(), "concat: {} and {} differ in rank", shape_str(x.shape()),
                 shape_str(shape));
    for (std::int64_t i = 0; i < x.dim(); ++i)
      RNNKIT_CHECK(i == dim || x.size(i) == xs[0].size(i), "concat: {} and {} differ off dim {}",
                   shape_str(x.shape()), shape_str(xs[0].shape()), dim);
    total += x.size(dim);
  }
  shape[static_cast<std::size_t>(dim)] = total;
  Tensor out = Tensor::empty(shape, xs[0].device(), xs[0].dtype());
  std::int64_t start = 0;
  for (const auto& x : xs) {
    slice_assign_(out, dim, start, x);
    start += x.size(dim);
  }
  return out;
}

Tensor slice(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length) {
  dim = norm_dim(dim, x.dim(), "slice");
  RNNKIT_CHECK(start >= 0 && length >= 0 && start + length <= x.size(dim),
               "slice: [{}, {}) out of range for dimension {} of {}", start, start + length, dim,
               shape_str(x.shape()));
  Shape shape = x.shape();
  shape[static_cast<std::size_t>(dim)] = length;
  Tensor out = Tensor::empty(shape, x.device(), x.dtype());
  auto [outer, inner] = outer_inner(x.shape(), dim);
  RNNKIT_DISPATCH(x.device(), kernels::copy_blocks<D>(x, x.size(dim) * inner, start * inner, out,
                                                      length * inner, 0, outer, length * inner));
  return out;
}

Tensor index_select(const Tensor& x, std::int64_t dim, const std::vector<std::int64_t>& index) {
  dim = norm_dim(dim, x.dim(), "index_select");
  Shape shape = x.shape();
  const std::int64_t n = static_cast<std::int64_t>(index.size());
  shape[static_cast<std::size_t>(dim)] = n;
  Tensor out = Tensor::empty(shape, x.device(), x.dtype());
  auto [outer, inner] = outer_inner(x.shape(), dim);
  for (std::int64_t p = 0; p < n; ++p) {
    std::int64_t i = index[static_cast<std::size_t>(p)];
    RNNKIT_CHECK(i >= 0 && i < x.size(dim), "index_select: index {} out of range for dimension {} of {}",
                 i, dim, shape_str(x.shape()));
    RNNKIT_DISPATCH(x.device(), kernels::copy_blocks<D>(x, x.size(dim) * inner, i * inner, out,
                                                        n * inner, p * inner, outer, inner));
  }
  return out;
}

Tensor reverse_sequences(const Tensor& x, const Tensor& lengths) {
  RNNKIT_CHECK(x.dim() >= 2 && lengths.dtype() == DType::kInt32 && lengths.numel() == x.size(1),
               "reverse_sequences: x {} needs int32 lengths [{}], got {} {}", shape_str(x.shape()),
               x.dim() >= 2 ? x.size(1) : 0, dtype_name(lengths.dtype()), shape_str(lengths.shape()));
  const std::int64_t T = x.size(0), B = x.size(1), row = x.numel() / std::max<std::int64_t>(1, T * B);
  Tensor out = Tensor::zeros(x.shape(), x.device(), x.dtype());
  auto len = lengths.to_ids();
  for (std::int64_t b = 0; b < B; ++b) {
    std::int64_t n = len[static_cast<std::size_t>(b)];
    RNNKIT_CHECK(n >= 0 && n <= T, "reverse_sequences: length {} of sequence {} outside [0, {}]", n, b, T);
    for (std::int64_t t = 0; t < n; ++t)
      RNNKIT_DISPATCH(x.device(), kernels::copy_blocks<D>(x, 0, ((n - 1 - t) * B + b) * row, out, 0,
                                                          (t * B + b) * row, 1, row));
  }
  return out;
}

void slice_assign_(Tensor& dst, std::int64_t dim, std::int64_t start, const Tensor& src) {
  dim = norm_dim(dim, dst.dim(), "slice_assign_");
  check_same_device(dst, src, "slice_assign_");
  std::int64_t length = src.dim() == dst.dim() ? src.size(dim) : -1;
  bool ok = length >= 0 && start >= 0 && start + length <= dst.size(dim);
  for (std::int64_t i = 0; ok && i < dst.dim(); ++i) ok = i == dim || src.size(i) == dst.size(i);
  RNNKIT_CHECK(ok, "slice_assign_: {} does not fit dimension {} of {} at {}", shape_str(src.shape()),
               dim, shape_str(dst.shape()), start);
  auto [outer, inner] = outer_inner(dst.shape(), dim);
  RNNKIT_DISPATCH(dst.device(), kernels::copy_blocks<D>(src, length * inner, 0, dst,
                                                        dst.size(dim) * inner, start * inner, outer,
                                                        length * inner));
}

}  // namespace rnnkit::ops

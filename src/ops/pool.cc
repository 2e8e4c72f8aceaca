#include "ops/check.h"
#include "ops/dispatch.h"
#include "ops/kernels.h"

namespace rnnkit::ops {

MaxOverTime max_over_time(const Tensor& x, const Tensor& lengths) {
  check_float(x, "max_over_time", "x");
  check_same_device(x, lengths, "max_over_time");
  RNNKIT_CHECK(x.dim() == 3 && lengths.dtype() == DType::kInt32 && lengths.numel() == x.size(1),
               "max_over_time: x {} needs int32 lengths [{}], got {} {}", shape_str(x.shape()),
               x.dim() == 3 ? x.size(1) : 0, dtype_name(lengths.dtype()),
               shape_str(lengths.shape()));
  const std::int64_t T = x.size(0);
  for (std::int32_t n : lengths.to_ids())
    RNNKIT_CHECK(n >= 0 && n <= T, "max_over_time: length {} outside [0, {}]", n, T);
  MaxOverTime out{Tensor::empty({x.size(1), x.size(2)}, x.device()),
                  Tensor::empty({x.size(1), x.size(2)}, x.device(), DType::kInt32)};
  RNNKIT_DISPATCH(x.device(), kernels::max_over_time<D>(x, lengths, out));
  return out;
}

Tensor max_over_time_backward(const Tensor& dy, const Tensor& steps, std::int64_t T) {
  check_same_device(dy, steps, "max_over_time_backward");
  RNNKIT_CHECK(dy.dim() == 2 && steps.dtype() == DType::kInt32 && steps.shape() == dy.shape(),
               "max_over_time_backward: dy {} needs int32 steps of its shape, got {}",
               shape_str(dy.shape()), shape_str(steps.shape()));
  Tensor dx = Tensor::zeros({T, dy.size(0), dy.size(1)}, dy.device());
  RNNKIT_DISPATCH(dy.device(), kernels::max_over_time_backward<D>(dy, steps, dx));
  return dx;
}

}  // namespace rnnkit::ops

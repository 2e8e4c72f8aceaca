#include "core/cuda/context.h"
#include "ops/cuda/launch.h"
#include "ops/kernels.h"

namespace rnnkit::ops::kernels {

constexpr DeviceType kG = DeviceType::kCUDA;

template <>
void max_over_time<kG>(const Tensor& x, const Tensor& lengths, MaxOverTime& out) {
  cuda::max_over_time(x.data(), lengths.data<std::int32_t>(), x.size(0), x.size(1), x.size(2),
                      out.values.data(), out.steps.data<std::int32_t>(),
                      cuda::context(x.device().index).stream);
  cuda::check_launch("max_over_time");
}

template <>
void max_over_time_backward<kG>(const Tensor& dy, const Tensor& steps, Tensor& dx) {
  cuda::max_over_time_backward(dy.data(), steps.data<std::int32_t>(), dy.size(0), dy.size(1),
                               dx.data(), cuda::context(dy.device().index).stream);
  cuda::check_launch("max_over_time_backward");
}

}  // namespace rnnkit::ops::kernels

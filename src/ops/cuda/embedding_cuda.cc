#include "core/cuda/context.h"
#include "ops/cuda/launch.h"
#include "ops/kernels.h"

namespace rnnkit::ops::kernels {

constexpr DeviceType kG = DeviceType::kCUDA;

// An id out of range is found on the GPU and reported at the next
// synchronisation (the row reads as zeros meanwhile).
template <>
void embedding<kG>(const Tensor& weight, const Tensor& ids, Tensor& out) {
  cuda::Context& c = cuda::context(weight.device().index);
  cuda::embedding(weight.data(), weight.size(0), weight.size(1), ids.data<std::int32_t>(),
                  ids.numel(), out.data(), c.error_device, c.stream);
  cuda::check_launch("embedding");
}

template <>
void embedding_backward<kG>(Tensor& dweight, const Tensor& ids, const Tensor& dy) {
  cuda::embedding_backward(dweight.data(), dweight.size(0), dweight.size(1),
                           ids.data<std::int32_t>(), ids.numel(), dy.data(),
                           cuda::context(dweight.device().index).stream);
  cuda::check_launch("embedding_backward");
}

}  // namespace rnnkit::ops::kernels

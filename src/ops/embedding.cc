#include "ops/check.h"
#include "ops/dispatch.h"
#include "ops/kernels.h"

namespace rnnkit::ops {

// Out-of-range ids are reported by the kernel with the offending id and position.
Tensor embedding(const Tensor& weight, const Tensor& ids) {
  check_float(weight, "embedding", "weight");
  check_same_device(weight, ids, "embedding");
  RNNKIT_CHECK(weight.dim() == 2 && ids.dtype() == DType::kInt32,
               "embedding: weight {} must be 2-D and ids int32 (got {})", shape_str(weight.shape()),
               dtype_name(ids.dtype()));
  Shape shape = ids.shape();
  shape.push_back(weight.size(1));
  Tensor out = Tensor::empty(shape, weight.device());
  RNNKIT_DISPATCH(weight.device(), kernels::embedding<D>(weight, ids, out));
  return out;
}

void embedding_backward_(Tensor& dweight, const Tensor& ids, const Tensor& dy) {
  check_same_device(dweight, dy, "embedding_backward_");
  RNNKIT_CHECK(dy.numel() == ids.numel() * dweight.size(1),
               "embedding_backward_: dy {} does not match ids {} x dim {}", shape_str(dy.shape()),
               shape_str(ids.shape()), dweight.size(1));
  RNNKIT_DISPATCH(dweight.device(), kernels::embedding_backward<D>(dweight, ids, dy));
}

}  // namespace rnnkit::ops

// Shared argument checks for ops.
#pragma once

#include "rnnkit/core/tensor.h"

namespace rnnkit::ops {

inline void check_defined(const Tensor& t, const char* op, const char* name) {
  RNNKIT_CHECK(t.defined(), "{}: {} is undefined", op, name);
}

inline void check_same_device(const Tensor& a, const Tensor& b, const char* op) {
  RNNKIT_CHECK(a.device() == b.device(), "{}: tensors on {} and {}", op, a.device().str(),
               b.device().str());
}

inline void check_float(const Tensor& t, const char* op, const char* name) {
  RNNKIT_CHECK(t.dtype() == DType::kFloat32, "{}: {} must be float32, got {}", op, name,
               dtype_name(t.dtype()));
}

inline void check_shape(const Tensor& t, const Shape& want, const char* op, const char* name) {
  RNNKIT_CHECK(t.shape() == want, "{}: {} has shape {}, expected {}", op, name,
               shape_str(t.shape()), shape_str(want));
}

}  // namespace rnnkit::ops

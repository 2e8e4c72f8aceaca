// Device-specific memory primitives used by core. The CPU ones live in
// device.cc; the CUDA ones in cuda_hooks.cu, or in no_cuda.cc when the backend
// is not built.
#pragma once

#include <cstddef>

#include "rnnkit/core/device.h"

namespace rnnkit::detail {

void* cuda_malloc(std::size_t bytes, int device);
void cuda_free(void* p, int device);
// Copies n bytes between any two devices (host<->device, device<->device).
void cuda_copy(void* dst, Device dst_dev, const void* src, Device src_dev, std::size_t n);
void cuda_memset_zero(void* p, std::size_t n, int device);
bool cuda_device_present();
CudaInfo cuda_query();
void cuda_set_tf32(bool on);

}  // namespace rnnkit::detail

// Built when the CUDA backend is not: every CUDA request fails clearly.
#include "core/backend_hooks.h"
#include "rnnkit/core/error.h"

namespace rnnkit::detail {
namespace {
[[noreturn]] void unavailable() {
  throw InvalidArgument("this rnnkit was built without the CUDA backend (use --device cpu)");
}
}  // namespace

void* cuda_malloc(std::size_t, int) { unavailable(); }
void cuda_free(void*, int) {}
void cuda_copy(void*, Device, const void*, Device, std::size_t) { unavailable(); }
void cuda_memset_zero(void*, std::size_t, int) { unavailable(); }
bool cuda_device_present() { return false; }
CudaInfo cuda_query() {
  return {};
}
void cuda_set_tf32(bool) {}

}  // namespace rnnkit::detail

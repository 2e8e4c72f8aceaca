#include "rnnkit/core/device.h"

#include <fmt/format.h>

#include <cstdlib>

#include "core/backend_hooks.h"
#include "rnnkit/core/error.h"

namespace rnnkit {
namespace {
#ifdef RNNKIT_WITH_CUDA
constexpr bool kCudaBuilt = true;
#else
constexpr bool kCudaBuilt = false;
#endif
}  // namespace

std::string Device::str() const {
  return type == DeviceType::kCPU ? "cpu" : fmt::format("cuda:{}", index);
}

Device Device::parse(const std::string& s) {
  if (s == "cpu") return kCPU;
  if (s == "cuda") return {DeviceType::kCUDA, 0};
  if (s.rfind("cuda:", 0) == 0) {
    char* end = nullptr;
    long i = std::strtol(s.c_str() + 5, &end, 10);
    if (end && *end == '\0' && i >= 0 && s.size() > 5) return {DeviceType::kCUDA, static_cast<int>(i)};
  }
  throw InvalidArgument(fmt::format("unknown device '{}' (expected cpu, cuda or cuda:N)", s));
}

bool cuda_available() { return detail::cuda_device_present(); }

CudaInfo cuda_info() {
  return detail::cuda_query();
}

Device available_device(const std::string& name) {
  Device d = Device::parse(name);
  if (d.type == DeviceType::kCUDA && !cuda_available())
    throw InvalidArgument(fmt::format("device {}: no CUDA GPU is usable here{} (use --device cpu)",
                                      d.str(), kCudaBuilt ? "" : " (built without the CUDA backend)"));
  return d;
}

void set_cuda_tf32(bool on) { detail::cuda_set_tf32(on); }

}  // namespace rnnkit

#include "rnnkit/core/device.h"

#include <fmt/format.h>

#include <cstdlib>

#include "core/backend_hooks.h"
#include "rnnkit/core/error.h"

namespace rnnkit {

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

}  // namespace rnnkit

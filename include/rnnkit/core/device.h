#pragma once

#include <string>

namespace rnnkit {

enum class DeviceType { kCPU, kCUDA };

struct Device {
  DeviceType type = DeviceType::kCPU;
  int index = 0;

  bool operator==(const Device&) const = default;
  std::string str() const;
  // "cpu", "cuda", "cuda:1"
  static Device parse(const std::string& s);
};

inline constexpr Device kCPU{DeviceType::kCPU, 0};

// True when this build includes the CUDA backend and a device is present.
bool cuda_available();

}  // namespace rnnkit

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

// Parses a device name and checks that this build and machine can use it.
Device available_device(const std::string& name);

// Lets cuBLAS use TF32 tensor cores for float32 products (off by default:
// about 1e-3 relative error instead of 1e-6).
void set_cuda_tf32(bool on);

}  // namespace rnnkit

#pragma once

#include <string>
#include <vector>

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

// What `rnnkit info` and bug reports need to know of the GPUs.
struct CudaDeviceInfo {
  int index = 0;
  std::string name;
  double memory_gib = 0;
  int compute_major = 0, compute_minor = 0;
};
struct CudaInfo {
  bool built = false;                           // this build has the CUDA backend
  int driver_version = 0, runtime_version = 0;  // as CUDA reports them (12040 = 12.4); 0: none
  std::vector<CudaDeviceInfo> devices;
  std::string error;  // why no device could be listed, if one could not
};
CudaInfo cuda_info();

// Lets cuBLAS use TF32 tensor cores for float32 products (off by default:
// about 1e-3 relative error instead of 1e-6).
void set_cuda_tf32(bool on);

}  // namespace rnnkit

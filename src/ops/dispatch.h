// Runs a statement with `D` bound to the device type of `device`, so that
// device-independent op code calls kernels<D>. The only place that knows
// whether the CUDA backend was built.
#pragma once

#include "rnnkit/core/device.h"
#include "rnnkit/core/error.h"

#ifdef RNNKIT_WITH_CUDA
#define RNNKIT_CUDA_CASE(...)                            \
  case ::rnnkit::DeviceType::kCUDA: {                    \
    constexpr ::rnnkit::DeviceType D = ::rnnkit::DeviceType::kCUDA; \
    __VA_ARGS__;                                         \
    break;                                               \
  }
#else
#define RNNKIT_CUDA_CASE(...)       \
  case ::rnnkit::DeviceType::kCUDA: \
    throw ::rnnkit::InvalidArgument("this rnnkit was built without the CUDA backend");
#endif

#define RNNKIT_DISPATCH(device, ...)                                 \
  switch ((device).type) {                                           \
    case ::rnnkit::DeviceType::kCPU: {                               \
      constexpr ::rnnkit::DeviceType D = ::rnnkit::DeviceType::kCPU; \
      __VA_ARGS__;                                                   \
      break;                                                         \
    }                                                                \
      RNNKIT_CUDA_CASE(__VA_ARGS__)                                  \
  }

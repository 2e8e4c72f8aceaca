// Per-device CUDA state shared by core (memory) and ops (kernels): one stream
// that every copy, kernel and cuBLAS call of a device runs on, in order, so
// the caching allocator may hand a freed block to the next op without a sync.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <cstdint>

namespace rnnkit::cuda {

[[noreturn]] void fail(const char* call, const char* why);
inline void check(cudaError_t e, const char* call) {
  if (e != cudaSuccess) fail(call, cudaGetErrorString(e));
}
void check(cublasStatus_t s, const char* call);
#define RNNKIT_CUDA_CHECK(expr) ::rnnkit::cuda::check((expr), #expr)

// Kernels cannot throw: one that finds bad data (an id out of range) records
// {code, value, position} in this mapped host memory, and the next
// synchronize() turns it into an exception, as CUDA reports its own errors.
enum ErrorCode : int { kNoError = 0, kIdOutOfRange = 1, kTargetOutOfRange = 2 };

struct Context {
  int device = 0;
  cudaStream_t stream = nullptr;
  cublasHandle_t blas = nullptr;
  int* error_host = nullptr;  // 4 ints: code, value, position, limit
  int* error_device = nullptr;
  float* ones = nullptr;  // a vector of ones for column sums
  std::int64_t ones_size = 0;
};

// Makes `device` current and returns its context (created on first use).
Context& context(int device);
// Waits for the device's stream and reports any error a kernel recorded.
void synchronize(int device);
// Reports a failed launch (bad configuration, no kernel image for this GPU).
void check_launch(const char* kernel);
// A device vector of at least n ones.
const float* ones(Context& ctx, std::int64_t n);

}  // namespace rnnkit::cuda

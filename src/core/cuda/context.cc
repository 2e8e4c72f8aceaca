#include "core/cuda/context.h"

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <new>
#include <vector>

#include "core/backend_hooks.h"
#include "core/cuda/cublas.h"
#include "rnnkit/core/device.h"
#include "rnnkit/core/error.h"

namespace rnnkit::cuda {
namespace {
std::mutex mu;
bool tf32 = false;

std::map<int, Context*>& contexts() {
  static auto* m = new std::map<int, Context*>();  // never destroyed: used by static tensors' frees
  return *m;
}

void apply_math_mode(Context& c) {
  RNNKIT_CUDA_CHECK(
      cublas().set_math_mode(c.blas, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
}
}  // namespace

void fail(const char* call, const char* why) {
  throw Error(fmt::format("CUDA error in {}: {}", call, why));
}

void check(cublasStatus_t s, const char* call) {
  if (s != CUBLAS_STATUS_SUCCESS) fail(call, cublas().status_string(s));
}

Context& context(int device) {
  std::lock_guard lock(mu);
  Context*& c = contexts()[device];
  if (!c) {
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || device >= count) {
      cudaGetLastError();
      throw InvalidArgument(fmt::format("cuda:{} is not available ({}); use --device cpu", device,
                                        e != cudaSuccess ? cudaGetErrorString(e)
                                                         : fmt::format("{} GPU(s) found", count)));
    }
  }
  RNNKIT_CUDA_CHECK(cudaSetDevice(device));
  if (!c) {
    auto* n = new Context();
    n->device = device;
    RNNKIT_CUDA_CHECK(cudaStreamCreate(&n->stream));
    RNNKIT_CUDA_CHECK(cublas().create(&n->blas));
    RNNKIT_CUDA_CHECK(cublas().set_stream(n->blas, n->stream));
    apply_math_mode(*n);
    RNNKIT_CUDA_CHECK(cudaHostAlloc(reinterpret_cast<void**>(&n->error_host), 4 * sizeof(int),
                                    cudaHostAllocMapped));
    for (int i = 0; i < 4; ++i) n->error_host[i] = 0;
    RNNKIT_CUDA_CHECK(cudaHostGetDevicePointer(reinterpret_cast<void**>(&n->error_device),
                                               n->error_host, 0));
    c = n;
  }
  return *c;
}

void synchronize(int device) {
  Context& c = context(device);
  RNNKIT_CUDA_CHECK(cudaStreamSynchronize(c.stream));
  int* e = c.error_host;
  if (e[0] == kNoError) return;
  int code = e[0], value = e[1], pos = e[2], limit = e[3];
  e[0] = e[1] = e[2] = e[3] = 0;
  if (code == kIdOutOfRange)
    throw InvalidArgument(fmt::format(
        "embedding: id {} at position {} out of range for a vocabulary of {}", value, pos, limit));
  throw InvalidArgument(fmt::format(
      "cross_entropy: target {} at row {} out of range for {} classes", value, pos, limit));
}

void check_launch(const char* kernel) { check(cudaGetLastError(), kernel); }

const float* ones(Context& c, std::int64_t n) {
  if (c.ones_size < n) {
    std::int64_t size = std::max<std::int64_t>(n, 4096);
    std::vector<float> host(static_cast<std::size_t>(size), 1.0f);
    if (c.ones) RNNKIT_CUDA_CHECK(cudaFree(c.ones));
    RNNKIT_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&c.ones), size * sizeof(float)));
    RNNKIT_CUDA_CHECK(cudaMemcpy(c.ones, host.data(), size * sizeof(float), cudaMemcpyHostToDevice));
    c.ones_size = size;
  }
  return c.ones;
}

}  // namespace rnnkit::cuda

// The memory hooks of core/backend_hooks.h.
namespace rnnkit::detail {

void* cuda_malloc(std::size_t bytes, int device) {
  cuda::context(device);
  void* p = nullptr;
  cudaError_t e = cudaMalloc(&p, bytes);
  if (e == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // clear it; the allocator frees its cache and tries once more
    throw std::bad_alloc();
  }
  cuda::check(e, "cudaMalloc");
  return p;
}

void cuda_free(void* p, int device) {
  cudaSetDevice(device);
  cudaFree(p);  // errors at process exit (driver shutting down) are not actionable
}

void cuda_copy(void* dst, Device dd, const void* src, Device sd, std::size_t n) {
  if (dd.type == DeviceType::kCUDA && sd.type == DeviceType::kCUDA && dd.index != sd.index) {
    cuda::synchronize(sd.index);
    cuda::synchronize(dd.index);
    RNNKIT_CUDA_CHECK(cudaMemcpyPeer(dst, dd.index, src, sd.index, n));
    return;
  }
  int dev = dd.type == DeviceType::kCUDA ? dd.index : sd.index;
  cuda::Context& c = cuda::context(dev);
  RNNKIT_CUDA_CHECK(cudaMemcpyAsync(dst, src, n, cudaMemcpyDefault, c.stream));
  // The host reads the result at once; host-to-device copies from pageable
  // memory are staged before cudaMemcpyAsync returns, so need no wait.
  if (dd.type == DeviceType::kCPU) cuda::synchronize(dev);
}

void cuda_memset_zero(void* p, std::size_t n, int device) {
  cuda::Context& c = cuda::context(device);
  RNNKIT_CUDA_CHECK(cudaMemsetAsync(p, 0, n, c.stream));
}

bool cuda_device_present() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();
    return false;
  }
  return n > 0;
}

CudaInfo cuda_query() {
  CudaInfo info;
  info.built = true;
  cudaDriverGetVersion(&info.driver_version);
  cudaRuntimeGetVersion(&info.runtime_version);
  if (info.driver_version == 0) {
    info.error = "no NVIDIA driver is loaded";
    return info;
  }
  int n = 0;
  if (cudaError_t e = cudaGetDeviceCount(&n); e != cudaSuccess) {
    info.error = cudaGetErrorString(e);
    cudaGetLastError();
    return info;
  }
  for (int d = 0; d < n; ++d) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, d) != cudaSuccess) {
      cudaGetLastError();
      continue;
    }
    info.devices.push_back(
        {d, p.name, static_cast<double>(p.totalGlobalMem) / (1 << 30), p.major, p.minor});
  }
  return info;
}

void cuda_set_tf32(bool on) {
  std::lock_guard lock(cuda::mu);
  cuda::tf32 = on;
  for (auto& [d, c] : cuda::contexts()) {
    cudaSetDevice(d);
    cuda::apply_math_mode(*c);
  }
}

}  // namespace rnnkit::detail

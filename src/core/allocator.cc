#include "rnnkit/core/allocator.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>

#include "core/backend_hooks.h"

namespace rnnkit {
namespace {

class CpuAllocator final : public Allocator {
  void* system_allocate(std::size_t bytes) override {
    void* p = std::aligned_alloc(64, bytes);
    if (!p) throw std::bad_alloc();
    return p;
  }
  void system_free(void* p) override { std::free(p); }
};

class CudaAllocator final : public Allocator {
 public:
  explicit CudaAllocator(int device) : device_(device) {}

 private:
  void* system_allocate(std::size_t bytes) override { return detail::cuda_malloc(bytes, device_); }
  void system_free(void* p) override { detail::cuda_free(p, device_); }
  int device_;
};

}  // namespace

std::size_t Allocator::round_size(std::size_t bytes) {
  // Small blocks to 64 bytes; larger ones to 1/8 of their power of two, so the
  // free lists stay few and waste stays under 12.5%.
  if (bytes <= 4096) return (bytes + 63) & ~std::size_t{63};
  std::size_t p = 4096;
  while (p * 2 <= bytes) p *= 2;
  std::size_t step = p / 8;
  return (bytes + step - 1) / step * step;
}

void* Allocator::allocate(std::size_t bytes) {
  std::size_t size = round_size(bytes == 0 ? 1 : bytes);
  {
    std::lock_guard lock(mu_);
    auto it = free_.find(size);
    if (it != free_.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      stats_.cached_bytes -= size;
      stats_.live_bytes += size;
      stats_.peak_live_bytes = std::max(stats_.peak_live_bytes, stats_.live_bytes);
      return p;
    }
  }
  void* p;
  try {
    p = system_allocate(size);
  } catch (const std::bad_alloc&) {
    release_cached();  // memory may be parked in other size classes
    p = system_allocate(size);
  }
  std::lock_guard lock(mu_);
  ++stats_.system_allocs;
  stats_.live_bytes += size;
  stats_.peak_live_bytes = std::max(stats_.peak_live_bytes, stats_.live_bytes);
  return p;
}

void Allocator::deallocate(void* p, std::size_t bytes) {
  if (!p) return;
  std::size_t size = round_size(bytes == 0 ? 1 : bytes);
  std::lock_guard lock(mu_);
  free_[size].push_back(p);
  stats_.cached_bytes += size;
  stats_.live_bytes -= size;
}

void Allocator::release_cached() {
  std::lock_guard lock(mu_);
  for (auto& [size, list] : free_)
    for (void* p : list) system_free(p);
  free_.clear();
  stats_.cached_bytes = 0;
}

void Allocator::reset_peak() {
  std::lock_guard lock(mu_);
  stats_.peak_live_bytes = stats_.live_bytes;
}

AllocatorStats Allocator::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

Allocator& Allocator::of(Device d) {
  // Leaked on purpose: tensors in static objects may be freed after main returns.
  static Allocator* cpu = new CpuAllocator();
  if (d.type == DeviceType::kCPU) return *cpu;
  static std::mutex mu;
  static std::map<int, Allocator*>* cuda = new std::map<int, Allocator*>();
  std::lock_guard lock(mu);
  auto& slot = (*cuda)[d.index];
  if (!slot) slot = new CudaAllocator(d.index);
  return *slot;
}

}  // namespace rnnkit

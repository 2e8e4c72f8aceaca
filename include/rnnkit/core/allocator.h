// Caching allocator: freed blocks go to per-size free lists and are handed out
// again, so a training step allocates nothing from the system once warm.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "rnnkit/core/device.h"

namespace rnnkit {

struct AllocatorStats {
  std::size_t system_allocs = 0;  // calls that reached the system allocator
  std::size_t cached_bytes = 0;   // bytes held in free lists
  std::size_t live_bytes = 0;     // bytes handed out and not yet returned
  std::size_t peak_live_bytes = 0;  // the most live_bytes since reset_peak()
};

class Allocator {
 public:
  virtual ~Allocator() = default;
  void* allocate(std::size_t bytes);
  void deallocate(void* p, std::size_t bytes);
  void release_cached();  // return every cached block to the system
  AllocatorStats stats() const;
  void reset_peak();  // peak_live_bytes = live_bytes

  // The allocator of a device (one per device, created on first use).
  static Allocator& of(Device d);

 protected:
  virtual void* system_allocate(std::size_t bytes) = 0;
  virtual void system_free(void* p) = 0;

 private:
  static std::size_t round_size(std::size_t bytes);
  mutable std::mutex mu_;
  std::map<std::size_t, std::vector<void*>> free_;
  AllocatorStats stats_;
};

}  // namespace rnnkit

// A dense, contiguous, row-major tensor on one device. Views share storage.
// data() is a device pointer: only ops/ dereferences it; everything above goes
// through ops or copies to the CPU with to(kCPU).
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "rnnkit/core/device.h"
#include "rnnkit/core/dtype.h"
#include "rnnkit/core/error.h"

namespace rnnkit {

using Shape = std::vector<std::int64_t>;
std::string shape_str(const Shape& s);
std::int64_t shape_numel(const Shape& s);

class Storage {
 public:
  Storage(std::size_t bytes, Device device);
  // Host memory owned elsewhere (a NumPy array): `release` runs instead of a free.
  Storage(void* data, std::size_t bytes, std::function<void()> release);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
  Device device_;
  std::function<void()> release_;
};

class Tensor {
 public:
  Tensor() = default;
  // Uninitialised contents.
  static Tensor empty(const Shape& shape, Device device = kCPU, DType dtype = DType::kFloat32);
  static Tensor zeros(const Shape& shape, Device device = kCPU, DType dtype = DType::kFloat32);
  static Tensor full(const Shape& shape, float value, Device device = kCPU);
  // Copies host data into a new tensor on `device`.
  static Tensor from_vector(const std::vector<float>& v, const Shape& shape, Device device = kCPU);
  static Tensor from_ids(const std::vector<std::int32_t>& v, const Shape& shape,
                         Device device = kCPU);
  // A CPU tensor over host memory it does not own, without a copy: `release`
  // runs when the last tensor sharing it goes.
  static Tensor from_external(void* data, const Shape& shape, DType dtype,
                              std::function<void()> release);

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  std::int64_t dim() const { return static_cast<std::int64_t>(shape_.size()); }
  std::int64_t size(std::int64_t i) const;  // negative i counts from the end
  std::int64_t numel() const { return numel_; }
  DType dtype() const { return dtype_; }
  Device device() const;
  std::size_t bytes() const { return static_cast<std::size_t>(numel_) * dtype_size(dtype_); }

  template <typename T = float>
  T* data() const {
    check_dtype(dtype_of<T>());
    return static_cast<T*>(storage_->data()) + offset_;
  }

  // Untyped device pointer to the first element.
  void* raw() const {
    RNNKIT_CHECK(storage_, "access to an undefined tensor");
    return static_cast<char*>(storage_->data()) + offset_ * static_cast<std::int64_t>(dtype_size(dtype_));
  }

  // Same storage, new shape (numel must match; one dimension may be -1).
  Tensor view(Shape shape) const;
  // Rows [start, start+len) of dimension 0, sharing storage.
  Tensor narrow0(std::int64_t start, std::int64_t len) const;
  // Deep copy to a device (a copy even when the device is the same).
  Tensor to(Device device) const;
  Tensor clone() const { return to(device()); }

  // Host-side access for the layers above ops (io, text, tests): copies if needed.
  std::vector<float> to_vector() const;
  std::vector<std::int32_t> to_ids() const;
  float item() const;  // single-element tensor's value

  bool same_storage(const Tensor& o) const { return storage_ == o.storage_; }

 private:
  void check_dtype(DType want) const;
  std::shared_ptr<Storage> storage_;
  std::int64_t offset_ = 0;  // in elements
  Shape shape_;
  std::int64_t numel_ = 0;
  DType dtype_ = DType::kFloat32;
};

}  // namespace rnnkit

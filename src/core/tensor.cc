#include "rnnkit/core/tensor.h"

#include <cstring>

#include "core/backend_hooks.h"
#include "rnnkit/core/allocator.h"

namespace rnnkit {

const char* dtype_name(DType t) { return t == DType::kFloat32 ? "F32" : "I32"; }

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

std::int64_t shape_numel(const Shape& s) {
  std::int64_t n = 1;
  for (auto d : s) {
    RNNKIT_CHECK(d >= 0, "negative dimension in shape {}", shape_str(s));
    RNNKIT_CHECK(!__builtin_mul_overflow(n, d, &n), "shape {} has more elements than fit 64 bits",
                 shape_str(s));
  }
  return n;
}

namespace {
void copy_bytes(void* dst, Device dd, const void* src, Device sd, std::size_t n) {
  if (n == 0) return;
  if (dd.type == DeviceType::kCPU && sd.type == DeviceType::kCPU)
    std::memcpy(dst, src, n);
  else
    detail::cuda_copy(dst, dd, src, sd, n);
}
}  // namespace

Storage::Storage(std::size_t bytes, Device device) : bytes_(bytes), device_(device) {
  data_ = Allocator::of(device).allocate(bytes);
}

Storage::Storage(void* data, std::size_t bytes, std::function<void()> release)
    : data_(data), bytes_(bytes), device_(kCPU), release_(std::move(release)) {}

Storage::~Storage() {
  if (release_)
    release_();
  else
    Allocator::of(device_).deallocate(data_, bytes_);
}

Tensor Tensor::empty(const Shape& shape, Device device, DType dtype) {
  Tensor t;
  t.numel_ = shape_numel(shape);
  t.shape_ = shape;
  t.dtype_ = dtype;
  t.storage_ = std::make_shared<Storage>(t.bytes(), device);
  return t;
}

Tensor Tensor::from_external(void* data, const Shape& shape, DType dtype,
                             std::function<void()> release) {
  Tensor t;
  t.numel_ = shape_numel(shape);
  t.shape_ = shape;
  t.dtype_ = dtype;
  t.storage_ = std::make_shared<Storage>(data, t.bytes(), std::move(release));
  return t;
}

Tensor Tensor::zeros(const Shape& shape, Device device, DType dtype) {
  Tensor t = empty(shape, device, dtype);
  if (device.type == DeviceType::kCPU)
    std::memset(t.storage_->data(), 0, t.bytes());
  else
    detail::cuda_memset_zero(t.storage_->data(), t.bytes(), device.index);
  return t;
}

Tensor Tensor::full(const Shape& shape, float value, Device device) {
  return from_vector(std::vector<float>(static_cast<std::size_t>(shape_numel(shape)), value), shape,
                     device);
}

Tensor Tensor::from_vector(const std::vector<float>& v, const Shape& shape, Device device) {
  RNNKIT_CHECK(static_cast<std::int64_t>(v.size()) == shape_numel(shape),
               "from_vector: {} values for shape {}", v.size(), shape_str(shape));
  Tensor t = empty(shape, device);
  copy_bytes(t.storage_->data(), device, v.data(), kCPU, t.bytes());
  return t;
}

Tensor Tensor::from_ids(const std::vector<std::int32_t>& v, const Shape& shape, Device device) {
  RNNKIT_CHECK(static_cast<std::int64_t>(v.size()) == shape_numel(shape),
               "from_ids: {} values for shape {}", v.size(), shape_str(shape));
  Tensor t = empty(shape, device, DType::kInt32);
  copy_bytes(t.storage_->data(), device, v.data(), kCPU, t.bytes());
  return t;
}

std::int64_t Tensor::size(std::int64_t i) const {
  std::int64_t d = dim();
  RNNKIT_CHECK(i >= -d && i < d, "dimension {} out of range for shape {}", i, shape_str(shape_));
  return shape_[static_cast<std::size_t>(i < 0 ? i + d : i)];
}

Device Tensor::device() const { return storage_ ? storage_->device() : kCPU; }

void Tensor::check_dtype(DType want) const {
  RNNKIT_CHECK(storage_, "access to an undefined tensor");
  RNNKIT_CHECK(dtype_ == want, "tensor holds {} but was read as {}", dtype_name(dtype_),
               dtype_name(want));
}

Tensor Tensor::view(Shape shape) const {
  std::int64_t known = 1;
  int infer = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      RNNKIT_CHECK(infer < 0, "view: more than one -1 in {}", shape_str(shape));
      infer = static_cast<int>(i);
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    RNNKIT_CHECK(known > 0 && numel_ % known == 0, "view: cannot infer {} from {} elements",
                 shape_str(shape), numel_);
    shape[static_cast<std::size_t>(infer)] = numel_ / known;
  }
  RNNKIT_CHECK(shape_numel(shape) == numel_, "view: shape {} does not match {} ({} elements)",
               shape_str(shape), shape_str(shape_), numel_);
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::narrow0(std::int64_t start, std::int64_t len) const {
  RNNKIT_CHECK(dim() >= 1 && start >= 0 && len >= 0 && start + len <= shape_[0],
               "narrow0: rows [{}, {}) out of range for shape {}", start, start + len,
               shape_str(shape_));
  Tensor t = *this;
  std::int64_t row = numel_ / std::max<std::int64_t>(shape_[0], 1);
  t.offset_ += start * row;
  t.shape_[0] = len;
  t.numel_ = len * row;
  return t;
}

Tensor Tensor::to(Device device) const {
  RNNKIT_CHECK(defined(), "to({}): undefined tensor", device.str());
  Tensor t = empty(shape_, device, dtype_);
  copy_bytes(t.storage_->data(), device,
             static_cast<char*>(storage_->data()) + offset_ * dtype_size(dtype_), this->device(),
             bytes());
  return t;
}

std::vector<float> Tensor::to_vector() const {
  check_dtype(DType::kFloat32);
  std::vector<float> v(static_cast<std::size_t>(numel_));
  copy_bytes(v.data(), kCPU, data<float>(), device(), bytes());
  return v;
}

std::vector<std::int32_t> Tensor::to_ids() const {
  check_dtype(DType::kInt32);
  std::vector<std::int32_t> v(static_cast<std::size_t>(numel_));
  copy_bytes(v.data(), kCPU, data<std::int32_t>(), device(), bytes());
  return v;
}

float Tensor::item() const {
  RNNKIT_CHECK(numel_ == 1, "item() on a tensor of shape {}", shape_str(shape_));
  return to_vector()[0];
}

}  // namespace rnnkit

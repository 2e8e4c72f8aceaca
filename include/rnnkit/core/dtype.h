#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rnnkit {

enum class DType { kFloat32, kInt32 };

inline std::size_t dtype_size(DType) { return 4; }
const char* dtype_name(DType t);  // safetensors spelling: "F32", "I32"

template <typename T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() { return DType::kFloat32; }
template <>
constexpr DType dtype_of<std::int32_t>() { return DType::kInt32; }

}  // namespace rnnkit

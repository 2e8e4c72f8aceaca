// JSON of files and outputs: numbers read without the undefined behaviour of
// converting an out-of-range value; text written even when it is not UTF-8.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>

#include "rnnkit/core/error.h"

namespace rnnkit {

// A number from a file, converted without undefined behaviour: an integer
// field must hold an integer in its type's range, a float field a finite
// number in float's range. Absent or null: the fallback.
template <typename T, typename Json>
T json_read(const Json& j, const std::string& key, T fallback) {
  if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return fallback;
  const auto& v = j.at(key);
  auto bad = [&] {
    return InvalidArgument(fmt::format("field '{}' is {}: out of range", key, v.dump()));
  };
  if (!v.is_number()) throw InvalidArgument(fmt::format("field '{}' is not a number", key));
  if constexpr (std::is_integral_v<T>) {
    using Limits = std::numeric_limits<T>;
    if (v.is_number_unsigned()) {
      const auto u = v.template get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(Limits::max())) throw bad();
      return static_cast<T>(u);
    }
    if (v.is_number_integer()) {
      const auto i = v.template get<std::int64_t>();
      if (i < 0 && !Limits::is_signed) throw bad();
      if (i > static_cast<std::int64_t>(std::min<std::uint64_t>(Limits::max(), INT64_MAX)) ||
          (Limits::is_signed && i < static_cast<std::int64_t>(Limits::min())))
        throw bad();
      return static_cast<T>(i);
    }
    const double d = v.template get<double>();
    if (!(d == std::floor(d) && d >= static_cast<double>(Limits::min()) &&
          d < std::ldexp(1.0, Limits::digits)))
      throw bad();
    return static_cast<T>(d);
  } else {
    const double d = v.template get<double>();
    if (!std::isfinite(d) || std::abs(d) > static_cast<double>(std::numeric_limits<T>::max()))
      throw bad();
    return static_cast<T>(d);
  }
}

// A value that must be there.
template <typename T, typename Json>
T json_require(const Json& j, const std::string& key) {
  if (!j.is_object() || !j.contains(key))
    throw InvalidArgument(fmt::format("field '{}' is missing", key));
  return json_read<T>(j, key, T{});
}

// Paths and words may not be UTF-8: replaced (U+FFFD), never an exception.
template <typename Json>
std::string json_dump(const Json& j, int indent = -1) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace rnnkit

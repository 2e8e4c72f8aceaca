// Floats as JSON numbers: the shortest decimal that reads back as the same
// float (0.3, not 0.30000001192092896).
#pragma once

#include <fmt/format.h>

#include <cstdlib>

namespace rnnkit {

inline double shortest_decimal(float f) {
  return std::strtod(fmt::format("{}", f).c_str(), nullptr);
}

}  // namespace rnnkit

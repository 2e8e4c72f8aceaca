#include "rnnkit/core/rng.h"

namespace rnnkit {

PhiloxKey Generator::key() const {
  return {static_cast<std::uint32_t>(seed_), static_cast<std::uint32_t>(seed_ >> 32)};
}

float Generator::uniform_at(std::uint64_t p) const { return uint_to_unit(philox_word(key(), stream_, p)); }

std::uint32_t Generator::next_u32() { return philox_word(key(), stream_, reserve(1)); }

}  // namespace rnnkit

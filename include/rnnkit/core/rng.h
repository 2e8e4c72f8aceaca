// Counter-based random numbers (Philox4x32-10, Salmon et al. 2011). The value at
// position i of a stream depends only on (seed, stream, i), never on thread
// count or scheduling, so results are reproducible and the CUDA backend can draw
// the same numbers.
#pragma once

#include <array>
#include <cstdint>

#include "rnnkit/core/host_device.h"  // the generator core is shared verbatim by the CUDA kernels

namespace rnnkit {

struct PhiloxKey {
  std::uint32_t k0, k1;
};

// Four 32-bit random words for counter (c0, c1, c2, c3) under key.
RNNKIT_HOST_DEVICE inline std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> c,
                                                                 PhiloxKey key) {
  constexpr std::uint32_t kM0 = 0xD2511F53, kM1 = 0xCD9E8D57;
  constexpr std::uint32_t kW0 = 0x9E3779B9, kW1 = 0xBB67AE85;
  std::uint32_t k0 = key.k0, k1 = key.k1;
  for (int round = 0; round < 10; ++round) {
    std::uint64_t p0 = static_cast<std::uint64_t>(kM0) * c[0];
    std::uint64_t p1 = static_cast<std::uint64_t>(kM1) * c[2];
    std::uint32_t hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
    std::uint32_t hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
    c = {hi1 ^ c[1] ^ k0, lo1, hi0 ^ c[3] ^ k1, lo0};
    k0 += kW0;
    k1 += kW1;
  }
  return c;
}

// Uniform in [0, 1) with 24 random bits.
RNNKIT_HOST_DEVICE inline float uint_to_unit(std::uint32_t x) {
  return static_cast<float>(x >> 8) * (1.0f / 16777216.0f);
}

// The 32-bit word at position p of stream `stream` under key.
RNNKIT_HOST_DEVICE inline std::uint32_t philox_word(PhiloxKey key, std::uint64_t stream,
                                                    std::uint64_t p) {
  std::uint64_t block = p >> 2;
  auto r = philox4x32({static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(block >> 32),
                       static_cast<std::uint32_t>(stream), static_cast<std::uint32_t>(stream >> 32)},
                      key);
  return r[p & 3];
}

// A named random stream: (seed, stream id) with a running offset. Each consumer
// (initialiser, dropout layer, sampler, data shuffler) takes its own stream id,
// and a future rank id goes into the stream too.
class Generator {
 public:
  Generator() = default;
  Generator(std::uint64_t seed, std::uint64_t stream) : seed_(seed), stream_(stream) {}

  std::uint64_t seed() const { return seed_; }
  std::uint64_t stream() const { return stream_; }
  std::uint64_t offset() const { return offset_; }
  void set_offset(std::uint64_t o) { offset_ = o; }

  // Reserves n consecutive positions and returns the first; the caller computes
  // position p's value with value_at(p), in any order, on any thread.
  std::uint64_t reserve(std::uint64_t n) {
    std::uint64_t o = offset_;
    offset_ += n;
    return o;
  }
  // Uniform [0,1) at absolute position p of this stream.
  float uniform_at(std::uint64_t p) const;
  // f(i, uniform_at(offset + i)) for i in [begin, end): one Philox block per
  // four positions instead of one per position.
  template <typename F>
  void for_each_uniform(std::uint64_t offset, std::int64_t begin, std::int64_t end, F f) const;
  // Sequential draws (single consumer).
  float uniform() { return uniform_at(reserve(1)); }
  std::uint32_t next_u32();

  PhiloxKey key() const;

 private:
  std::uint64_t seed_ = 0;
  std::uint64_t stream_ = 0;
  std::uint64_t offset_ = 0;
};

// Sequential draws from one (seed, stream), four words per Philox call: for
// hot loops that consume numbers in order (word2vec, samplers).
class PhiloxStream {
 public:
  PhiloxStream(std::uint64_t seed, std::uint64_t stream)
      : key_{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)},
        stream_(stream) {}
  std::uint32_t next_u32() {
    if (used_ == 4) refill();
    return buf_[used_++];
  }
  float uniform() { return uint_to_unit(next_u32()); }
  // Uniform integer in [0, n) (n small: the modulo bias is below 2^-20).
  std::uint32_t below(std::uint32_t n) { return next_u32() % n; }
  std::uint64_t position() const { return block_ * 4 - (4 - used_); }

 private:
  void refill() {
    buf_ = philox4x32({static_cast<std::uint32_t>(block_), static_cast<std::uint32_t>(block_ >> 32),
                       static_cast<std::uint32_t>(stream_), static_cast<std::uint32_t>(stream_ >> 32)},
                      key_);
    ++block_;
    used_ = 0;
  }
  PhiloxKey key_;
  std::uint64_t stream_;
  std::uint64_t block_ = 0;
  std::array<std::uint32_t, 4> buf_{};
  int used_ = 4;
};

template <typename F>
void Generator::for_each_uniform(std::uint64_t offset, std::int64_t begin, std::int64_t end,
                                 F f) const {
  const PhiloxKey k = key();
  std::int64_t i = begin;
  while (i < end) {
    const std::uint64_t p = offset + static_cast<std::uint64_t>(i), block = p >> 2;
    const auto r =
        philox4x32({static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(block >> 32),
                    static_cast<std::uint32_t>(stream_), static_cast<std::uint32_t>(stream_ >> 32)},
                   k);
    for (std::uint64_t w = p & 3; w < 4 && i < end; ++w, ++i) f(i, uint_to_unit(r[w]));
  }
}

}  // namespace rnnkit

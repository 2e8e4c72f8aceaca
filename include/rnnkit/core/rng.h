// Counter-based random numbers (Philox4x32-10, Salmon et al. 2011). The value at
// position i of a stream depends only on (seed, stream, i), never on thread
// count or scheduling, so results are reproducible and the CUDA backend can draw
// the same numbers.
#pragma once

#include <array>
#include <cstdint>

namespace rnnkit {

struct PhiloxKey {
  std::uint32_t k0, k1;
};

// Four 32-bit random words for counter (c0, c1, c2, c3) under key.
std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> counter, PhiloxKey key);

// Uniform in [0, 1) with 24 random bits.
inline float uint_to_unit(std::uint32_t x) { return static_cast<float>(x >> 8) * (1.0f / 16777216.0f); }

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

}  // namespace rnnkit

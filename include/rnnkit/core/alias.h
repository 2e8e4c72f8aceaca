// Walker/Vose alias table: O(1) draws from a fixed discrete distribution (the
// noise distribution of negative sampling, NCE, sampled softmax, BlackOut).
#pragma once

#include <cstdint>
#include <vector>

#include "rnnkit/core/rng.h"

namespace rnnkit {

class AliasTable {
 public:
  AliasTable() = default;
  // Weights need not be normalised; at least one must be positive.
  explicit AliasTable(const std::vector<double>& weights);
  // weights[i] = counts[i]^power (word2vec: power 0.75).
  static AliasTable from_counts(const std::vector<std::int64_t>& counts, double power);

  std::int64_t size() const { return static_cast<std::int64_t>(bins_.size()); }
  // Draws with two uniforms u1, u2 in [0, 1).
  std::int32_t sample(float u1, float u2) const {
    auto i = static_cast<std::size_t>(u1 * static_cast<float>(bins_.size()));
    if (i >= bins_.size()) i = bins_.size() - 1;
    return u2 < bins_[i].prob ? static_cast<std::int32_t>(i) : bins_[i].alias;
  }
  std::int32_t sample(Generator& g) const {
    float u1 = g.uniform();
    return sample(u1, g.uniform());
  }
  double probability(std::int32_t i) const { return p_[static_cast<std::size_t>(i)]; }

 private:
  // Probability and alias side by side: one cache line per draw.
  struct Bin {
    float prob;
    std::int32_t alias;
  };
  std::vector<Bin> bins_;
  std::vector<double> p_;
};

}  // namespace rnnkit

#include "rnnkit/core/alias.h"

#include <cmath>

#include "rnnkit/core/error.h"

namespace rnnkit {

AliasTable::AliasTable(const std::vector<double>& weights) {
  std::size_t n = weights.size();
  RNNKIT_CHECK(n > 0 && n < (std::size_t{1} << 31), "alias table: {} outcomes", n);
  double total = 0;
  for (double w : weights) {
    RNNKIT_CHECK(w >= 0 && std::isfinite(w), "alias table: weight {} is negative or not finite", w);
    total += w;
  }
  RNNKIT_CHECK(total > 0, "alias table: every weight is zero");
  p_.resize(n);
  bins_.assign(n, Bin{1.0f, 0});
  std::vector<double> scaled(n);
  std::vector<std::int32_t> small, large;
  for (std::size_t i = 0; i < n; ++i) {
    p_[i] = weights[i] / total;
    scaled[i] = p_[i] * static_cast<double>(n);
    bins_[i].alias = static_cast<std::int32_t>(i);
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::int32_t>(i));
  }
  // Vose: pair each under-full bucket with an over-full one.
  while (!small.empty() && !large.empty()) {
    std::int32_t s = small.back(), l = large.back();
    small.pop_back();
    bins_[static_cast<std::size_t>(s)] = {static_cast<float>(scaled[static_cast<std::size_t>(s)]), l};
    scaled[static_cast<std::size_t>(l)] -= 1.0 - scaled[static_cast<std::size_t>(s)];
    if (scaled[static_cast<std::size_t>(l)] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Leftovers are full buckets up to rounding.
}

AliasTable AliasTable::from_counts(const std::vector<std::int64_t>& counts, double power) {
  std::vector<double> w(counts.size());
  for (std::size_t i = 0; i < counts.size(); ++i) w[i] = std::pow(static_cast<double>(counts[i]), power);
  return AliasTable(w);
}

}  // namespace rnnkit

#include "rnnkit/eval/cells.h"

#include <algorithm>
#include <cmath>

#include "rnnkit/core/error.h"

namespace rnnkit::eval {

namespace {

// An opening and a closing unit; the same for straight quotes.
struct Pair {
  const char* name;
  std::vector<std::string> open, close;
};

}  // namespace

std::vector<TextFeature> text_features(const std::vector<std::string>& tokens) {
  const std::vector<Pair> pairs = {
      {"inside quotes", {"\"", "\xE2\x80\x9C"}, {"\"", "\xE2\x80\x9D"}},
      {"inside brackets", {"(", "["}, {")", "]"}},
      {"inside \xE3\x80\x8C\xE2\x80\xA6\xE3\x80\x8D", {"\xE3\x80\x8C"}, {"\xE3\x80\x8D"}}};
  std::vector<TextFeature> out;
  TextFeature position{"position in line", {}};
  std::int64_t column = 0;
  for (const auto& t : tokens) {
    position.values.push_back(static_cast<double>(column));
    column = t == "<eos>" ? 0 : column + 1;
  }
  out.push_back(std::move(position));
  // A feature that never changes in the text tracks nothing.
  const auto varies = [](const TextFeature& f) {
    return std::any_of(f.values.begin(), f.values.end(),
                       [&](double v) { return v != f.values.front(); });
  };
  if (!varies(out.back())) out.pop_back();
  for (const auto& p : pairs) {
    TextFeature f{p.name, {}};
    int depth = 0;
    bool seen = false;
    for (const auto& t : tokens) {
      const bool opens = std::find(p.open.begin(), p.open.end(), t) != p.open.end();
      const bool closes = std::find(p.close.begin(), p.close.end(), t) != p.close.end();
      if (t == "<eos>") depth = 0;  // a quote does not run past its line
      if (closes && depth > 0) {    // a straight quote closes when one is open
        --depth;
      } else if (opens) {
        ++depth;
      }
      seen = seen || depth > 0;
      f.values.push_back(depth > 0 ? 1.0 : 0.0);
    }
    if (seen && varies(f)) out.push_back(std::move(f));
  }
  return out;
}

std::vector<UnitScore> rank_units(const decode::StateTrace& trace, bool cell,
                                  const std::vector<double>& feature, std::size_t top) {
  const std::vector<float>& v = cell ? trace.c : trace.h;
  RNNKIT_CHECK(!cell || !v.empty(), "only an LSTM has cell states");
  RNNKIT_CHECK(static_cast<std::int64_t>(feature.size()) == trace.steps,
               "a feature of {} values for {} tokens", feature.size(), trace.steps);
  const auto n = static_cast<double>(trace.steps);
  double fm = 0, fv = 0;
  for (double x : feature) fm += x;
  fm /= std::max(n, 1.0);
  for (double x : feature) fv += (x - fm) * (x - fm);
  std::vector<UnitScore> scores;
  const std::int64_t width = trace.layers * trace.hidden;
  for (std::int64_t l = 0; l < trace.layers; ++l)
    for (std::int64_t u = 0; u < trace.hidden; ++u) {
      double m = 0, var = 0, cov = 0;
      for (std::int64_t t = 0; t < trace.steps; ++t)
        m += v[static_cast<std::size_t>(t * width + l * trace.hidden + u)];
      m /= std::max(n, 1.0);
      for (std::int64_t t = 0; t < trace.steps; ++t) {
        const double x = v[static_cast<std::size_t>(t * width + l * trace.hidden + u)] - m;
        var += x * x;
        cov += x * (feature[static_cast<std::size_t>(t)] - fm);
      }
      const double r = var > 0 && fv > 0 ? cov / std::sqrt(var * fv) : 0.0;
      scores.push_back({l, u, r});
    }
  top = std::min(top, scores.size());
  std::partial_sort(scores.begin(), scores.begin() + static_cast<std::ptrdiff_t>(top), scores.end(),
                    [](const UnitScore& a, const UnitScore& b) {
                      return std::abs(a.correlation) > std::abs(b.correlation);
                    });
  scores.resize(top);
  return scores;
}

}  // namespace rnnkit::eval

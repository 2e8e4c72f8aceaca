// What a recurrent language model's units track (Karpathy, Johnson & Fei-Fei
// 2015): simple features of the text at each token, and the units whose state
// follows each feature most closely.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rnnkit/decode/sampling.h"

namespace rnnkit::eval {

// A feature's value at each token of a text.
struct TextFeature {
  std::string name;            // "position in line", "inside quotes", ...
  std::vector<double> values;  // one per token
};
// Position in the line (tokens since the last end of line), and whether the
// token is inside "quotes", (brackets) and, for Japanese text, 「…」, as
// 0/1; a feature that never changes in the text is left out. `tokens` are a
// segmenter's units with "<eos>" ending each line.
std::vector<TextFeature> text_features(const std::vector<std::string>& tokens);

struct UnitScore {
  std::int64_t layer = 0, unit = 0;
  double correlation = 0;  // Pearson's r of the unit's state with the feature
};
// The `top` units (of every layer) whose state, the cell's (`cell`) or the
// hidden one, correlates most with `feature` (by |r|), best first.
std::vector<UnitScore> rank_units(const decode::StateTrace& trace, bool cell,
                                  const std::vector<double>& feature, std::size_t top);

}  // namespace rnnkit::eval

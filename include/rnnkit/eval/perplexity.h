#pragma once

#include <cstdint>
#include <vector>

#include "rnnkit/models/language_model.h"

namespace rnnkit::eval {

struct PerplexityResult {
  double nll_sum = 0.0;  // natural log
  std::int64_t tokens = 0;
  double seconds = 0.0;
  double perplexity() const;
  double tokens_per_second() const { return seconds > 0 ? tokens / seconds : 0.0; }
};

// Perplexity of a stream of ids, read as `batch` continuous streams of
// `steps`-long windows with the state carried across windows (batch 1: the
// whole stream as one sequence, every token after the first predicted).
PerplexityResult evaluate_perplexity(const models::LanguageModel& model,
                                     const std::vector<std::int32_t>& ids, std::int64_t batch,
                                     std::int64_t steps, Device device);

// Each line scored on its own, as KenLM's query and SRILM's -debug 1 do: from
// the start state after an <eos>, every word and the closing <eos>.
struct LineScore {
  double nll = 0;           // natural log, summed over the predictions
  std::int64_t tokens = 0;  // predictions: the words and the <eos>
};
// `lines`: each line's ids, its closing <eos> included.
std::vector<LineScore> score_lines(const models::LanguageModel& model,
                                   const std::vector<std::vector<std::int32_t>>& lines,
                                   std::int32_t eos, Device device);

}  // namespace rnnkit::eval

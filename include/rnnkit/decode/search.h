// Greedy and beam search over any step function, batched: rows = batch x width.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace rnnkit::decode {

// Given each row's previous token and the row it continues (its parent among
// the previous step's rows), returns log-probabilities, row-major [rows, V].
// Step 0 passes the start token and parents 0..rows-1.
using StepFn = std::function<std::vector<float>(const std::vector<std::int32_t>& tokens,
                                                const std::vector<std::int64_t>& parents)>;

struct Hypothesis {
  std::vector<std::int32_t> tokens;  // without the final <eos>
  float log_prob = 0.0f;             // sum over the tokens and the <eos>
  float score = 0.0f;                // log_prob / (length + 1)^length_penalty
};

struct SearchOptions {
  std::int32_t start = 0, eos = 0;
  std::int64_t max_length = 50;
  std::int64_t width = 5;
  float length_penalty = 1.0f;  // 0: raw log-probability
  std::int64_t nbest = 1;
};

// Argmax at each step for `batch` sequences (rows = batch).
std::vector<Hypothesis> greedy_search(std::int64_t batch, std::int64_t vocab, const StepFn& step,
                                      const SearchOptions& opts);

// Beam search (rows = batch * width, sequence b on rows b*width ...): keeps the
// `width` best unfinished prefixes per sequence; a prefix that takes <eos> is
// finished; a sequence is done when it has `width` finished hypotheses or
// reaches max_length. Returns per sequence the n best by score.
std::vector<std::vector<Hypothesis>> beam_search(std::int64_t batch, std::int64_t vocab,
                                                 const StepFn& step, const SearchOptions& opts);

}  // namespace rnnkit::decode

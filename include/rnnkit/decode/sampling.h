// Sampling the next token: temperature, top-k and top-p (nucleus), seeded.
#pragma once

#include <string>
#include <vector>

#include "rnnkit/core/rng.h"
#include "rnnkit/models/language_model.h"
#include "rnnkit/text/corpus.h"

namespace rnnkit::decode {

struct SamplingOptions {
  float temperature = 1.0f;  // 0: greedy
  std::int64_t top_k = 0;    // 0: no limit
  float top_p = 1.0f;        // 1: no limit
  void validate() const;
};

// Draws an id from logits [V] (on the CPU).
std::int32_t sample(const std::vector<float>& logits, const SamplingOptions& opts, Generator& gen);

struct GenerateOptions {
  SamplingOptions sampling;
  std::int64_t length = 50;  // tokens to generate
  std::uint64_t seed = 1;
  bool stop_at_eos = false;
  bool ban_unk = false;  // never emit <unk>
};

// Feeds the prompt, then samples `length` tokens. Unknown prompt words map to <unk>.
std::vector<std::string> generate(const models::LanguageModel& model, const text::Vocabulary& vocab,
                                  const std::vector<std::string>& prompt,
                                  const GenerateOptions& opts, Device device);

}  // namespace rnnkit::decode

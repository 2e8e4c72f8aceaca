// Generating text from a language model: sampling the next token
// (temperature, top-k and top-p (nucleus), seeded) or beam search.
#pragma once

#include <string>
#include <vector>

#include "rnnkit/core/rng.h"
#include "rnnkit/models/language_model.h"
#include "rnnkit/text/corpus.h"
#include "rnnkit/text/segmenter.h"

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

// The likeliest continuation of the prompt by beam search (decode::beam_search):
// up to `length` tokens, ending before <eos>; `opts.sampling` and the seed
// are not used.
std::vector<std::string> generate_beam(const models::LanguageModel& model, const text::Vocabulary& vocab,
                                       const std::vector<std::string>& prompt, const GenerateOptions& opts,
                                       std::int64_t width, float length_penalty, Device device);

// A continuation of `prompt`: sampled (beam 1, generate) or the likeliest
// one by beam search (generate_beam); what `lm generate` and the Python
// module run.
std::vector<std::string> continue_prompt(const models::LanguageModel& model,
                                         const text::Vocabulary& vocab,
                                         const std::vector<std::string>& prompt,
                                         const GenerateOptions& opts, std::int64_t beam,
                                         float length_penalty, Device device);

// The log-probabilities [V] of the token after `prefix` (empty: after an end
// of sentence, as at the start of a line).
std::vector<float> next_token_log_probs(const models::LanguageModel& model,
                                        const text::Vocabulary& vocab,
                                        const std::vector<std::string>& prefix, Device device);

// What a recurrent language model holds after each token of `ids`, per layer:
// the hidden state h and, for an LSTM, the cell state c (empty otherwise),
// each [steps, layers, hidden] row-major. What a cell inspector shows.
struct StateTrace {
  std::int64_t steps = 0, layers = 0, hidden = 0;
  std::vector<float> h, c;
};
StateTrace state_trace(const models::LanguageModel& model, const std::vector<std::int32_t>& ids,
                       Device device);

// Generated tokens as text: each line (ended by an <eos>) joined as its unit
// joins (SentencePiece restores spaces; MeCab words and characters are
// concatenated), a word line starting with a space.
std::string continuation_text(const text::Segmenter& units, const std::vector<std::string>& tokens);

}  // namespace rnnkit::decode

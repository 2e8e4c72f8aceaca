// Translation with an encoder-decoder: raw sentences in, the n best outputs
// (greedy or beam search, batched across sentences) and, on request, the
// best output's attention weights out.
#pragma once

#include <string>
#include <vector>

#include "rnnkit/models/seq2seq.h"
#include "rnnkit/text/corpus.h"
#include "rnnkit/text/segmenter.h"

namespace rnnkit::decode {

struct Translation {
  std::vector<std::string> units;  // the output, in target units
  float score = 0;                 // normalised log-probability
  std::vector<float> attention;    // [units + 1, source units] (attention models, best only)
  bool cropped = false;            // the source was longer than max_source_length, and cut
};

// What the commands and the Python module cut inputs to by default (a 10 MB
// line would otherwise take minutes and gigabytes).
inline constexpr std::int64_t kMaxSourceLength = 400;

struct TranslateOptions {
  std::int64_t beam = 1, nbest = 1, max_length = 100, batch = 64;
  // Longer sources are cut to this many units (0: no limit): one huge line must
  // not take the memory of a batch (Marian crops too).
  std::int64_t max_source_length = 0;
  float length_penalty = 1.0f;
  bool attention = false;  // collect the attention weights of the best output
};

// Translates sentences (split by `source_units`); returns per sentence the n
// best. The model must be in evaluation mode.
std::vector<std::vector<Translation>> translate(const models::Seq2Seq& model,
                                                const text::Segmenter& source_units,
                                                const text::Vocabulary& source_vocab,
                                                const text::Vocabulary& target_vocab,
                                                const std::vector<std::string>& sentences,
                                                const TranslateOptions& opts, Device device);

// Per pair of id sequences (the target in reading order), how many of the
// target's units and its closing <eos> the model predicts when fed the true
// previous units (teacher forcing), and out of how many.
struct ForcedScore {
  std::int64_t correct = 0, total = 0;
};
std::vector<ForcedScore> teacher_forced_scores(
    const models::Seq2Seq& model, const std::vector<std::vector<std::int32_t>>& sources,
    const std::vector<std::vector<std::int32_t>>& targets, std::int32_t eos, Device device);

// Each sentence's code: the encoder's last layer's final state [hidden]
// (bidirectional: both directions'), the fixed-size vector an autoencoder learns.
std::vector<std::vector<float>> sentence_codes(const models::Seq2Seq& model,
                                               const text::Segmenter& source_units,
                                               const text::Vocabulary& source_vocab,
                                               const std::vector<std::string>& sentences,
                                               Device device, std::int64_t max_length = 0);

}  // namespace rnnkit::decode

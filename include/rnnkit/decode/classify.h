// Classification with a trained classifier: raw sentences in, one probability
// per label out (softmax, or an independent sigmoid per label for one-vs-all
// models), batched over sentences of similar length.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rnnkit/models/classifier.h"
#include "rnnkit/text/corpus.h"
#include "rnnkit/text/segmenter.h"

namespace rnnkit::decode {

struct ClassifyOptions {
  std::int64_t batch = 64;
  // Longer sentences are cut to this many units (0: no limit).
  std::int64_t max_length = 0;
};

// A sentence as the model reads it: lower-cased if the model says so,
// segmented, and mapped to ids (an empty sentence reads as one <unk>).
// A line without its leading labels (fastText's "__label__yes some text" is
// classified as "some text"); an empty prefix leaves it whole.
std::string_view without_labels(std::string_view line, const std::string& prefix);

std::vector<std::int32_t> classifier_ids(const models::ClassifierConfig& config,
                                         const text::Segmenter& units,
                                         const text::Vocabulary& vocab,
                                         const std::string& sentence);

// Per sentence, the probability of each label. The model must be in evaluation mode.
std::vector<std::vector<float>> classify(const models::Classifier& model,
                                         const std::vector<std::vector<std::int32_t>>& ids,
                                         const ClassifyOptions& opts, Device device);

// The labels above `threshold` (one-vs-all), or the most probable one.
std::vector<int> predicted_labels(const std::vector<float>& probabilities, bool one_vs_all,
                                  float threshold);
// Label indices by descending probability, at most k.
std::vector<int> top_labels(const std::vector<float>& probabilities, std::size_t k);

}  // namespace rnnkit::decode

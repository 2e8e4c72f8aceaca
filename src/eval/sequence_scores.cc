#include "rnnkit/eval/sequence_scores.h"

#include "rnnkit/core/error.h"

namespace rnnkit::eval {

SequenceScores score_outputs(const std::vector<std::vector<std::string>>& outputs,
                             const std::vector<std::vector<std::string>>& references) {
  RNNKIT_CHECK(outputs.size() == references.size() && !outputs.empty(),
               "scoring: {} outputs for {} references", outputs.size(), references.size());
  SequenceScores s;
  std::int64_t exact = 0, hits = 0, units = 0;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    exact += outputs[i] == references[i];
    for (std::size_t k = 0; k < references[i].size(); ++k)
      hits += k < outputs[i].size() && outputs[i][k] == references[i][k];
    units += static_cast<std::int64_t>(references[i].size());
  }
  s.accuracy = static_cast<double>(exact) / static_cast<double>(outputs.size());
  s.token_accuracy = units ? static_cast<double>(hits) / static_cast<double>(units) : 0.0;
  s.bleu = corpus_bleu(outputs, references);
  return s;
}

}  // namespace rnnkit::eval

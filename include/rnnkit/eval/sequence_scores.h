// Scores of generated sequences against references: exact match, token
// accuracy and corpus BLEU.
#pragma once

#include <string>
#include <vector>

#include "rnnkit/eval/bleu.h"

namespace rnnkit::eval {

struct SequenceScores {
  double accuracy = 0;        // whole outputs equal to their reference
  double token_accuracy = 0;  // position-wise matches over the references' units
  BleuResult bleu;
};
// Outputs and references in scoring units (text::Segmenter::scoring_units).
SequenceScores score_outputs(const std::vector<std::vector<std::string>>& outputs,
                             const std::vector<std::vector<std::string>>& references);

}  // namespace rnnkit::eval

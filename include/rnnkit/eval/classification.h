// A classifier's figures: accuracy, per-label precision, recall and F1, their
// macro average, and the confusion matrix (as JSON and as an SVG heat map).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rnnkit::eval {

struct LabelScores {
  std::string label;
  double precision = 0, recall = 0, f1 = 0;  // 0 where undefined (nothing predicted or true)
  std::int64_t support = 0;                  // examples that carry the label
};

struct ClassificationScores {
  std::int64_t examples = 0;
  // Single-label: the predicted label is the true one. Several labels per
  // example: the top label is one of them (fastText's precision at 1).
  double accuracy = 0;
  double macro_f1 = 0;  // the mean of per-label F1 over labels with support or predictions
  std::vector<LabelScores> labels;
  // Single-label: counts [true label][predicted label]; empty otherwise.
  std::vector<std::vector<std::int64_t>> confusion;
};

// One true and one predicted label index per example, over `labels`.
ClassificationScores score_labels(const std::vector<int>& truth, const std::vector<int>& predicted,
                                  const std::vector<std::string>& labels);
// Several labels per example: each true set, each predicted set (sigmoid above
// the threshold), and the top-scoring label (for accuracy).
ClassificationScores score_label_sets(const std::vector<std::vector<int>>& truth,
                                      const std::vector<std::vector<int>>& predicted,
                                      const std::vector<int>& top,
                                      const std::vector<std::string>& labels);

nlohmann::ordered_json to_json(const ClassificationScores& s);
// The confusion matrix as a heat map: rows the true labels, columns the
// predictions, each cell's count written in it and shaded by its share of the row.
std::string confusion_svg(const ClassificationScores& s, const std::string& title);

}  // namespace rnnkit::eval

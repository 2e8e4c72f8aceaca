#include "rnnkit/eval/classification.h"

#include <fmt/format.h>

#include <algorithm>

#include "rnnkit/core/error.h"
#include "rnnkit/eval/plot.h"

namespace rnnkit::eval {

namespace {

// Per-label figures from true positives, predictions and support; the macro
// F1 over labels that occur (as scikit-learn's, less the labels never seen).
void finish(ClassificationScores& s, const std::vector<std::string>& labels,
            const std::vector<std::int64_t>& tp, const std::vector<std::int64_t>& predicted,
            const std::vector<std::int64_t>& support) {
  double f1_sum = 0;
  int counted = 0;
  for (std::size_t l = 0; l < labels.size(); ++l) {
    LabelScores x;
    x.label = labels[l];
    x.support = support[l];
    const double t = static_cast<double>(tp[l]);
    x.precision = predicted[l] > 0 ? t / static_cast<double>(predicted[l]) : 0.0;
    x.recall = support[l] > 0 ? t / static_cast<double>(support[l]) : 0.0;
    x.f1 = x.precision + x.recall > 0 ? 2 * x.precision * x.recall / (x.precision + x.recall) : 0.0;
    if (support[l] > 0 || predicted[l] > 0) {
      f1_sum += x.f1;
      ++counted;
    }
    s.labels.push_back(x);
  }
  s.macro_f1 = counted > 0 ? f1_sum / counted : 0.0;
}

void check_index(int i, std::size_t n) {
  RNNKIT_CHECK(i >= 0 && static_cast<std::size_t>(i) < n, "label index {} outside [0, {})", i, n);
}

}  // namespace

ClassificationScores score_labels(const std::vector<int>& truth, const std::vector<int>& predicted,
                                  const std::vector<std::string>& labels) {
  RNNKIT_CHECK(truth.size() == predicted.size(), "{} true labels but {} predictions", truth.size(),
               predicted.size());
  const std::size_t L = labels.size();
  ClassificationScores s;
  s.examples = static_cast<std::int64_t>(truth.size());
  s.confusion.assign(L, std::vector<std::int64_t>(L, 0));
  std::vector<std::int64_t> tp(L), pred(L), support(L);
  std::int64_t right = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    check_index(truth[i], L);
    check_index(predicted[i], L);
    ++s.confusion[truth[i]][predicted[i]];
    ++support[truth[i]];
    ++pred[predicted[i]];
    if (truth[i] == predicted[i]) {
      ++tp[truth[i]];
      ++right;
    }
  }
  s.accuracy = truth.empty() ? 0.0 : static_cast<double>(right) / static_cast<double>(truth.size());
  finish(s, labels, tp, pred, support);
  return s;
}

ClassificationScores score_label_sets(const std::vector<std::vector<int>>& truth,
                                      const std::vector<std::vector<int>>& predicted,
                                      const std::vector<int>& top,
                                      const std::vector<std::string>& labels) {
  RNNKIT_CHECK(truth.size() == predicted.size() && truth.size() == top.size(),
               "{} true label sets but {} predicted sets and {} top labels", truth.size(),
               predicted.size(), top.size());
  const std::size_t L = labels.size();
  ClassificationScores s;
  s.examples = static_cast<std::int64_t>(truth.size());
  std::vector<std::int64_t> tp(L), pred(L), support(L);
  std::int64_t right = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const auto& t = truth[i];
    for (int l : t) {
      check_index(l, L);
      ++support[l];
    }
    for (int l : predicted[i]) {
      check_index(l, L);
      ++pred[l];
      tp[l] += std::find(t.begin(), t.end(), l) != t.end();
    }
    right += std::find(t.begin(), t.end(), top[i]) != t.end();
  }
  s.accuracy = truth.empty() ? 0.0 : static_cast<double>(right) / static_cast<double>(truth.size());
  finish(s, labels, tp, pred, support);
  return s;
}

nlohmann::ordered_json to_json(const ClassificationScores& s) {
  nlohmann::ordered_json per = nlohmann::ordered_json::array();
  for (const auto& l : s.labels)
    per.push_back({{"label", l.label},
                   {"precision", l.precision},
                   {"recall", l.recall},
                   {"f1", l.f1},
                   {"support", l.support}});
  nlohmann::ordered_json j = {{"examples", s.examples},
                              {"accuracy", s.accuracy},
                              {"macro_f1", s.macro_f1},
                              {"labels", per}};
  if (!s.confusion.empty()) j["confusion"] = s.confusion;
  return j;
}

std::string confusion_svg(const ClassificationScores& s, const std::string& title) {
  RNNKIT_CHECK(!s.confusion.empty(),
               "confusion_svg: no confusion matrix (several labels per example)");
  HeatMap m;
  m.title = fmt::format("{}: accuracy {:.2f}%, macro-F1 {:.2f}% ({} examples)", title,
                        100 * s.accuracy, 100 * s.macro_f1, s.examples);
  for (const auto& l : s.labels) {
    m.columns.push_back(l.label);
    m.rows.push_back(l.label);
  }
  for (const auto& row : s.confusion) {
    std::int64_t total = 0;
    for (auto c : row) total += c;
    for (auto c : row) {
      m.values.push_back(total > 0 ? static_cast<float>(c) / static_cast<float>(total) : 0.0f);
      m.cell_text.push_back(std::to_string(c));
    }
  }
  m.scale_label = "share of row";
  m.footer = "rows: true label; columns: predicted label";
  return heat_map_svg(m);
}

}  // namespace rnnkit::eval

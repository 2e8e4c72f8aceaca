#include "train/learning_curve.h"

#include <cmath>

#include "rnnkit/eval/plot.h"

namespace rnnkit::train {

std::string learning_curve_svg(const std::vector<EpochRecord>& history,
                               const std::string& loss_display) {
  const bool ppl = loss_display == "ppl";
  std::string set = "evaluation";
  eval::Series train{ppl ? "train" : "train " + loss_display, {}, {}};
  std::vector<eval::Series> figures;
  for (const EpochRecord& r : history) {
    train.x.push_back(r.epoch);
    train.y.push_back(ppl ? std::exp(r.train_loss) : r.train_loss);
    if (!r.eval_set.empty()) set = r.eval_set;
    for (const Metric& m : r.metrics) {
      const bool percent = m.name.find("accuracy") != std::string::npos;
      const std::string name = r.eval_set + " " + m.name + (percent ? " (%)" : "");
      auto it = std::find_if(figures.begin(), figures.end(),
                             [&](const eval::Series& s) { return s.name == name; });
      if (it == figures.end()) it = figures.insert(figures.end(), {name, {}, {}});
      it->x.push_back(r.epoch);
      it->y.push_back(percent ? 100 * m.value : m.value);
    }
  }
  eval::ChartOptions o;
  o.x_label = "epoch";
  o.integer_x = true;
  if (ppl) {
    o.title = "Perplexity by epoch";
    o.y_label = "perplexity";
    o.log_y = true;
    std::vector<eval::Series> all{train};
    for (auto& f : figures)
      if (f.name.find(" ppl") != std::string::npos) all.push_back(f);
    return eval::line_chart_svg(o, all);
  }
  o.title = "Training " + loss_display + " by epoch";
  o.y_label = loss_display + " per token";
  std::vector<std::string> charts{eval::line_chart_svg(o, {train})};
  if (!figures.empty()) {
    o.title = (set == "valid"  ? "Validation"
               : set == "test" ? "Test"
                               : "Evaluation") +
              std::string(" figures by epoch");
    o.y_label = "";
    bool log = true;
    for (const auto& f : figures) log &= f.name.find(" ppl") != std::string::npos;
    o.log_y = log;
    charts.push_back(eval::line_chart_svg(o, figures));
  }
  return eval::stack_svg(charts);
}

}  // namespace rnnkit::train

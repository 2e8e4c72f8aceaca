// Minimal SVG line charts for learning curves (no plotting dependency).
#pragma once

#include <string>
#include <vector>

namespace rnnkit::eval {

struct Series {
  std::string name;
  std::vector<double> x, y;
};

// A chart with linear x and logarithmic y when log_y is set.
std::string line_chart_svg(const std::string& title, const std::string& x_label,
                           const std::string& y_label, const std::vector<Series>& series,
                           bool log_y = false);

// Attention weights as a heat map: one row per target unit, one column per
// source unit (weights row-major [target, source], each row summing to 1).
std::string attention_svg(const std::vector<float>& weights, const std::vector<std::string>& source,
                          const std::vector<std::string>& target, const std::string& title);

struct AttentionExample {
  std::string title;
  std::vector<std::string> source, target;
  std::vector<float> weights;  // [target.size(), source.size()]
};
// A self-contained HTML page with one heat map per example.
std::string attention_html(const std::vector<AttentionExample>& examples, const std::string& title);

}  // namespace rnnkit::eval

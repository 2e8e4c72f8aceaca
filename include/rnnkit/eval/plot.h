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

}  // namespace rnnkit::eval

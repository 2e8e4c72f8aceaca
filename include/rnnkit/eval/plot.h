// Minimal SVG line charts for learning curves (no plotting dependency).
#pragma once

#include <string>
#include <vector>

#include "rnnkit/eval/cells.h"

namespace rnnkit::eval {

struct Series {
  std::string name;
  std::vector<double> x, y;
  std::vector<double> lower{}, upper{};  // a shaded band around the line (empty: none)
  bool dashed = false;
  bool marks = true;  // a dot on every point (off for long series)
};

struct ChartOptions {
  std::string title, x_label, y_label;
  bool log_y = false;      // logarithmic y axis (the label says so)
  bool integer_x = false;  // ticks on whole numbers only (epochs)
  double width = 640, height = 400;
};
// Lines (a single marked point shows too), bands, a legend, and linear x.
// Names and titles are text (escaped here).
std::string line_chart_svg(const ChartOptions& options, const std::vector<Series>& series);
// Charts (each a whole <svg> of line_chart_svg or another function here)
// stacked top to bottom in one SVG, each at its own height.
std::string stack_svg(const std::vector<std::string>& charts);

// A grid of shaded cells (0 white to 1 black) with row and column names, a
// colour scale and, optionally, a text in every cell.
struct HeatMap {
  std::string title;
  std::vector<std::string> columns, rows;  // columns written upwards along the top
  std::vector<float> values;               // [rows, columns], each in [0, 1]
  std::vector<std::string> cell_text;      // [rows, columns] or empty
  std::string scale_label = "weight";
  std::string footer;          // a line below the grid ("" if none)
  bool visible_space = false;  // draw a space unit as a visible character
};
std::string heat_map_svg(const HeatMap& map);

struct AttentionExample {
  std::string title;
  std::vector<std::string> source, target;
  std::vector<float> weights;  // [target.size(), source.size()], each row summing to 1
  std::string reference;       // the expected output, shown below the map ("" if none)
};
// Attention weights as a heat map (one row per target unit, one column per
// source unit) with its colour scale.
std::string attention_svg(const AttentionExample& example);
// A self-contained HTML page with one heat map per example.
std::string attention_html(const std::vector<AttentionExample>& examples, const std::string& title);

// A recurrent model's units over a text: the text coloured token by token
// by each unit's state (red positive, blue negative, scaled by the unit's
// largest magnitude in the text; the value in each token's tooltip), and the
// units that track each simple feature of the text best.
struct CellView {
  std::string title;
  std::vector<std::string> tokens;  // a segmenter's units, "<eos>" ending each line
  bool spaced = false;              // words: a space between tokens
  std::string state;                // "cell state c" or "hidden state h"
  struct Unit {
    std::int64_t layer = 0, unit = 0;
    std::vector<float> values;  // one per token
  };
  std::vector<Unit> units;
  struct Ranking {
    std::string feature;
    std::vector<UnitScore> units;
  };
  std::vector<Ranking> rankings;
};
// A self-contained HTML page (no script, nothing loaded from elsewhere).
std::string cell_html(const CellView& view);

}  // namespace rnnkit::eval

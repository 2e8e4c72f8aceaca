#include "rnnkit/eval/plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace rnnkit::eval {

namespace {
// Up to about `n` round tick values covering [lo, hi] (1, 2 or 5 times a power of ten).
std::vector<double> ticks(double lo, double hi, int n, bool integer) {
  double step = (hi - lo) / n;
  const double p = std::pow(10.0, std::floor(std::log10(step)));
  step = step / p < 1.5 ? p : step / p < 3.5 ? 2 * p : step / p < 7.5 ? 5 * p : 10 * p;
  if (integer) step = std::max(1.0, std::round(step));
  std::vector<double> out;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + 1e-9 * step; t += step)
    out.push_back(std::abs(t) < 1e-12 * step ? 0.0 : t);
  return out;
}

std::string xml_escape(const std::string& s, bool visible_space = false) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else if (c == ' ' && visible_space)
      out += "\u2423";  // a space as a character unit
    else
      out += c;
  }
  return out;
}
}  // namespace

std::string line_chart_svg(const ChartOptions& o, const std::vector<Series>& series) {
  const double w = o.width, h = o.height, left = 70, right = 20, top = 40, bottom = 50;
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  auto ty = [&](double y) { return o.log_y ? std::log10(std::max(y, 1e-12)) : y; };
  for (const auto& s : series)
    for (std::size_t i = 0; i < s.x.size(); ++i)
      for (const auto* v : {&s.y, &s.lower, &s.upper}) {
        if (i >= v->size() || !std::isfinite((*v)[i])) continue;
        x0 = std::min(x0, s.x[i]);
        x1 = std::max(x1, s.x[i]);
        y0 = std::min(y0, ty((*v)[i]));
        y1 = std::max(y1, ty((*v)[i]));
      }
  if (x0 > x1) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (x1 == x0) x0 -= 1, x1 += 1;  // a single epoch sits in the middle
  if (y1 == y0) y0 -= 0.5, y1 += 0.5;
  const double pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * (w - left - right); };
  auto py = [&](double y) { return h - bottom - (ty(y) - y0) / (y1 - y0) * (h - top - bottom); };
  static const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"};
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" "
      "fill=\"white\"/>\n<text x=\"{}\" y=\"24\" text-anchor=\"middle\" "
      "font-size=\"15\">{}</text>\n",
      w, h, w / 2, xml_escape(o.title));
  svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"black\"/>\n"
                     "<line x1=\"{0}\" y1=\"{3}\" x2=\"{0}\" y2=\"{1}\" stroke=\"black\"/>\n",
                     left, h - bottom, w - right, top);
  for (double t : ticks(x0, x1, 8, o.integer_x))
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"black\"/>"
        "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\">{4:.4g}</text>\n",
        px(t), h - bottom, h - bottom + 4, h - bottom + 17, t);
  // Log axes tick at 1-2-5 steps of the value, linear ones of the axis.
  std::vector<double> yt;
  if (o.log_y) {
    for (double d = std::pow(10.0, std::floor(y0)); d <= std::pow(10.0, y1); d *= 10)
      for (double m : {1.0, 2.0, 5.0})
        if (std::log10(m * d) >= y0 && std::log10(m * d) <= y1) yt.push_back(m * d);
  } else {
    yt = ticks(y0, y1, 5, false);
  }
  for (double t : yt) {
    const double yy =
        o.log_y ? h - bottom - (std::log10(t) - y0) / (y1 - y0) * (h - top - bottom) : py(t);
    svg += fmt::format(
        "<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#ddd\"/>"
        "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5:.4g}</text>\n",
        left, yy, w - right, left - 6, yy + 4, t);
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                     (left + w - right) / 2, h - 12, xml_escape(o.x_label));
  const std::string y_label = o.log_y ? o.y_label + " (log scale)" : o.y_label;
  svg += fmt::format(
      "<text x=\"16\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 16 "
      "{0})\">{1}</text>\n",
      h / 2, xml_escape(y_label));
  for (std::size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    const char* c = colors[k % 5];
    if (s.lower.size() == s.x.size() && s.upper.size() == s.x.size() && !s.x.empty()) {
      std::string band;  // along the upper bound, back along the lower
      for (std::size_t i = 0; i < s.x.size(); ++i)
        band += fmt::format("{:.1f},{:.1f} ", px(s.x[i]), py(s.upper[i]));
      for (std::size_t i = s.x.size(); i-- > 0;)
        band += fmt::format("{:.1f},{:.1f} ", px(s.x[i]), py(s.lower[i]));
      svg += fmt::format(
          "<polygon fill=\"{}\" fill-opacity=\"0.2\" stroke=\"none\" points=\"{}\"/>\n", c, band);
    }
    std::string pts, marks;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      pts += fmt::format("{:.1f},{:.1f} ", px(s.x[i]), py(s.y[i]));
      if (s.marks || s.x.size() == 1)
        marks += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>",
                             px(s.x[i]), py(s.y[i]), c);
    }
    svg += fmt::format(
        "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{} points=\"{}\"/>{}\n", c,
        s.dashed ? 1.5 : 2, s.dashed ? " stroke-dasharray=\"6 4\"" : "", pts, marks);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"{}\">{}</text>\n", w - right - 150,
                       top + 16 + 16 * k, c, xml_escape(s.name));
  }
  return svg + "</svg>\n";
}

std::string stack_svg(const std::vector<std::string>& charts) {
  // A chart's size: the width and height attributes of its opening tag.
  auto size = [](const std::string& c, const char* name) {
    const auto tag_end = c.find('>');
    const auto at = c.find(std::string(" ") + name + "=\"");
    return at < tag_end ? std::stod(c.substr(at + std::strlen(name) + 3)) : 0.0;
  };
  double width = 0, height = 0;
  std::string body;
  for (const auto& c : charts) {
    // A nested <svg> placed at its offset.
    auto at = c.find("<svg ");
    body += c.substr(0, at + 5) + fmt::format("y=\"{}\" ", height) + c.substr(at + 5);
    width = std::max(width, size(c, "width"));
    height += size(c, "height");
  }
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\">\n{}</svg>\n", width,
      height, body);
}

std::string heat_map_svg(const HeatMap& m) {
  const double cell = m.cell_text.empty() ? 22 : 44, left = 90, top = 90, scale_w = 70;
  const std::size_t S = m.columns.size(), T = m.rows.size();
  const double grid_w = cell * static_cast<double>(S), grid_h = cell * static_cast<double>(T);
  const double w = std::max(left + grid_w + scale_w + 20, 420.0);
  const double h = top + std::max(grid_h, 120.0) + (m.footer.empty() ? 20 : 44);
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" "
      "font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"10\" y=\"20\" font-size=\"14\">{}</text>\n",
      w, h, xml_escape(m.title));
  auto shade = [](float v) {
    return 255 - static_cast<int>(std::lround(255.0 * std::clamp(v, 0.0f, 1.0f)));
  };
  for (std::size_t j = 0; j < S; ++j) {  // columns along the top, written upwards
    double x = left + cell * (static_cast<double>(j) + 0.6), y = top - 6;
    svg += fmt::format(
        "<text x=\"{:.1f}\" y=\"{:.1f}\" transform=\"rotate(-60 {:.1f} {:.1f})\">{}</text>\n", x, y,
        x, y, xml_escape(m.columns[j], m.visible_space));
  }
  for (std::size_t i = 0; i < T; ++i) {
    double y = top + cell * static_cast<double>(i);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", left - 6,
                       y + cell * 0.7, xml_escape(m.rows[i], m.visible_space));
    for (std::size_t j = 0; j < S; ++j) {
      const std::size_t k = i * S + j;
      float v = k < m.values.size() ? m.values[k] : 0.0f;
      int g = shade(v);
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{}\" height=\"{}\" fill=\"rgb({},{},{})\" "
          "stroke=\"#ddd\"><title>{:.3f}</title></rect>\n",
          left + cell * static_cast<double>(j), y, cell, cell, g, g, g, v);
      if (k < m.cell_text.size())
        svg += fmt::format(
            "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"{}\">{}</text>\n",
            left + cell * (static_cast<double>(j) + 0.5), y + cell * 0.6,
            v > 0.5f ? "white" : "black", xml_escape(m.cell_text[k]));
    }
  }
  // The colour scale: 0 (white) to 1 (black).
  const double sx = left + grid_w + 24, sy = top, sh = 100;
  for (int k = 0; k < 10; ++k) {
    int g = shade(1.0f - (static_cast<float>(k) + 0.5f) / 10.0f);
    svg += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"14\" height=\"{:.1f}\" fill=\"rgb({},{},{})\"/>",
        sx, sy + sh * k / 10.0, sh / 10.0, g, g, g);
  }
  svg += fmt::format(
      "<rect x=\"{0:.1f}\" y=\"{1:.1f}\" width=\"14\" height=\"{2:.1f}\" fill=\"none\" "
      "stroke=\"black\"/>"
      "<text x=\"{3:.1f}\" y=\"{4:.1f}\">1</text><text x=\"{3:.1f}\" y=\"{5:.1f}\">0</text>"
      "<text x=\"{0:.1f}\" y=\"{6:.1f}\">{7}</text>\n",
      sx, sy, sh, sx + 18, sy + 10, sy + sh, sy + sh + 16, xml_escape(m.scale_label));
  if (!m.footer.empty())
    svg += fmt::format("<text x=\"10\" y=\"{:.1f}\">{}</text>\n", h - 14, xml_escape(m.footer));
  return svg + "</svg>\n";
}

std::string attention_svg(const AttentionExample& e) {
  HeatMap m;
  m.title = e.title;
  m.columns = e.source;
  m.rows = e.target;
  m.values = e.weights;
  m.footer = e.reference.empty() ? "" : "reference: " + e.reference;
  m.visible_space = true;
  return heat_map_svg(m);
}

std::string attention_html(const std::vector<AttentionExample>& examples, const std::string& title) {
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{0}</title></head>\n"
      "<body style=\"font-family:sans-serif\">\n<h1>{0}</h1>\n<p>Rows: output units; columns: "
      "input "
      "units; darker = more attention (scale beside each map); the reference is below the "
      "map.</p>\n",
      xml_escape(title));
  for (const auto& e : examples)
    html += "<div style=\"display:inline-block;margin:8px;vertical-align:top\">\n" +
            attention_svg(e) + "</div>\n";
  return html + "</body></html>\n";
}

std::string cell_html(const CellView& view) {
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{0}</title>\n<style>"
      "body{{font-family:sans-serif;margin:2em}} .text{{font-family:monospace;white-space:pre-wrap;"
      "line-height:1.6;border:1px solid #ccc;padding:8px}} table{{border-collapse:collapse}} "
      "td,th{{padding:2px 10px;text-align:left}}</style></head>\n<body>\n<h1>{0}</h1>\n"
      "<p>Each token coloured by one unit's {1}: red positive, blue negative, the strongest "
      "colour at the unit's largest magnitude in this text (hover for the value). "
      "&#x23CE; ends a line.</p>\n",
      xml_escape(view.title), xml_escape(view.state));
  if (!view.rankings.empty()) {
    html +=
        "<h2>Units that track the text</h2>\n<table>\n<tr><th>feature</th><th>units "
        "(layer:unit, Pearson's r)</th></tr>\n";
    for (const auto& r : view.rankings) {
      std::string cells;
      for (const auto& u : r.units) {
        const bool shown = std::any_of(view.units.begin(), view.units.end(), [&](const auto& v) {
          return v.layer == u.layer && v.unit == u.unit;
        });
        const std::string name = fmt::format("{}:{}", u.layer, u.unit);
        cells += fmt::format(
            "{}{} {:+.2f}", cells.empty() ? "" : ", ",
            shown ? fmt::format("<a href=\"#u{}_{}\">{}</a>", u.layer, u.unit, name) : name,
            u.correlation);
      }
      html += fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", xml_escape(r.feature), cells);
    }
    html += "</table>\n";
  }
  for (const auto& u : view.units) {
    float scale = 0;
    for (float v : u.values) scale = std::max(scale, std::abs(v));
    html += fmt::format("<h2 id=\"u{0}_{1}\">layer {0}, unit {1}</h2>\n<div class=\"text\">",
                        u.layer, u.unit);
    for (std::size_t i = 0; i < view.tokens.size() && i < u.values.size(); ++i) {
      const float x = scale > 0 ? u.values[i] / scale : 0.0f;
      const bool eos = view.tokens[i] == "<eos>";
      html += fmt::format(
          "<span title=\"{:.4g}\" style=\"background:rgba({},{},{},{:.2f})\">{}</span>{}",
          u.values[i], x > 0 ? 220 : 30, 60, x > 0 ? 30 : 220, std::abs(x),
          eos ? "&#x23CE;" : xml_escape(view.tokens[i]), eos ? "\n" : (view.spaced ? " " : ""));
    }
    html += "</div>\n";
  }
  return html + "</body></html>\n";
}

}  // namespace rnnkit::eval

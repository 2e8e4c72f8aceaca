#include "rnnkit/eval/plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace rnnkit::eval {

std::string line_chart_svg(const std::string& title, const std::string& x_label,
                           const std::string& y_label, const std::vector<Series>& series,
                           bool log_y) {
  const double w = 640, h = 400, left = 70, right = 20, top = 40, bottom = 50;
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  auto ty = [&](double y) { return log_y ? std::log10(std::max(y, 1e-12)) : y; };
  for (const auto& s : series)
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      x0 = std::min(x0, s.x[i]);
      x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, ty(s.y[i]));
      y1 = std::max(y1, ty(s.y[i]));
    }
  if (x0 > x1) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (x1 == x0) x1 = x0 + 1;
  if (y1 == y0) y1 = y0 + 1;
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * (w - left - right); };
  auto py = [&](double y) { return h - bottom - (ty(y) - y0) / (y1 - y0) * (h - top - bottom); };
  static const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"};
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" "
      "font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n",
      w, h, w / 2, title);
  svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"black\"/>\n"
                     "<line x1=\"{0}\" y1=\"{3}\" x2=\"{0}\" y2=\"{1}\" stroke=\"black\"/>\n",
                     left, h - bottom, w - right, top);
  for (int i = 0; i <= 4; ++i) {
    double fx = x0 + (x1 - x0) * i / 4, fy = y0 + (y1 - y0) * i / 4;
    double label_y = log_y ? std::pow(10.0, fy) : fy;
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{:.4g}</text>\n",
                       px(fx), h - bottom + 16, fx);
    double yy = h - bottom - (fy - y0) / (y1 - y0) * (h - top - bottom);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{:.4g}</text>\n",
                       left - 6, yy + 4, label_y);
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", (left + w - right) / 2,
                     h - 12, x_label);
  svg += fmt::format("<text x=\"16\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {})\">{}</text>\n",
                     h / 2, h / 2, y_label);
  for (std::size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    const char* c = colors[k % 5];
    std::string pts;
    for (std::size_t i = 0; i < s.x.size(); ++i)
      pts += fmt::format("{:.1f},{:.1f} ", px(s.x[i]), py(s.y[i]));
    svg += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n", c, pts);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"{}\">{}</text>\n", w - right - 120,
                       top + 16 + 16 * k, c, s.name);
  }
  return svg + "</svg>\n";
}

namespace {
std::string xml_escape(const std::string& s, bool visible_space = false) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else if (c == ' ' && visible_space) out += "\u2423";  // a space as a character unit
    else out += c;
  }
  return out;
}
}  // namespace

std::string attention_svg(const std::vector<float>& weights, const std::vector<std::string>& source,
                          const std::vector<std::string>& target, const std::string& title) {
  const double cell = 22, left = 90, top = 90;
  const std::size_t S = source.size(), T = target.size();
  double w = left + cell * static_cast<double>(S) + 20, h = top + cell * static_cast<double>(T) + 20;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" "
      "font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"10\" y=\"20\" font-size=\"14\">{}</text>\n",
      w, h, xml_escape(title));
  for (std::size_t j = 0; j < S; ++j) {  // source along the top, written upwards
    double x = left + cell * (static_cast<double>(j) + 0.6), y = top - 6;
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" transform=\"rotate(-60 {:.1f} {:.1f})\">{}</text>\n", x, y,
                       x, y, xml_escape(source[j], true));
  }
  for (std::size_t i = 0; i < T; ++i) {
    double y = top + cell * static_cast<double>(i);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", left - 6,
                       y + cell * 0.7, xml_escape(target[i], true));
    for (std::size_t j = 0; j < S; ++j) {
      float v = i * S + j < weights.size() ? weights[i * S + j] : 0.0f;
      int shade = 255 - static_cast<int>(std::lround(255.0 * std::clamp(v, 0.0f, 1.0f)));
      svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{}\" height=\"{}\" fill=\"rgb({},{},{})\" "
                         "stroke=\"#ddd\"><title>{:.3f}</title></rect>\n",
                         left + cell * static_cast<double>(j), y, cell, cell, shade, shade, shade, v);
    }
  }
  return svg + "</svg>\n";
}

std::string attention_html(const std::vector<AttentionExample>& examples, const std::string& title) {
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{0}</title></head>\n"
      "<body style=\"font-family:sans-serif\">\n<h1>{0}</h1>\n<p>Rows: output units; columns: input "
      "units; darker = more attention.</p>\n",
      xml_escape(title));
  for (const auto& e : examples)
    html += "<div style=\"display:inline-block;margin:8px;vertical-align:top\">\n" +
            attention_svg(e.weights, e.source, e.target, e.title) + "</div>\n";
  return html + "</body></html>\n";
}

}  // namespace rnnkit::eval

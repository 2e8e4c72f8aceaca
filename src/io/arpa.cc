#include "rnnkit/io/arpa.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>

#include "rnnkit/core/error.h"
#include "rnnkit/io/safetensors.h"
#include "rnnkit/text/corpus.h"

namespace rnnkit::io {

void save_arpa(const std::string& path, const models::NgramModel& model) {
  const int order = model.order();
  std::string out = "\\data\\\n";
  for (int n = 1; n <= order; ++n) out += fmt::format("ngram {}={}\n", n, model.num_ngrams(n));
  struct Line {
    std::vector<std::int32_t> ids;
    float prob, backoff;
  };
  for (int n = 1; n <= order; ++n) {
    std::vector<Line> lines;
    lines.reserve(static_cast<std::size_t>(model.num_ngrams(n)));
    model.for_each(n, [&](const std::vector<std::int32_t>& ids, float p, float b) { lines.push_back({ids, p, b}); });
    std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) { return a.ids < b.ids; });
    out += fmt::format("\n\\{}-grams:\n", n);
    for (const auto& l : lines) {
      out += fmt::format("{:.7g}\t", l.prob);
      for (std::size_t i = 0; i < l.ids.size(); ++i) {
        if (i) out += ' ';
        out += model.word(l.ids[i]);
      }
      if (n < order && l.backoff != 0.0f) out += fmt::format("\t{:.7g}", l.backoff);
      out += '\n';
    }
  }
  out += "\n\\end\\\n";
  write_file_atomic(path, out);
}

namespace {

class Lines {
 public:
  Lines(const std::string& path, const std::string& text) : path_(path), text_(text) {}
  // The next line without its newline; nullopt at the end.
  std::optional<std::string_view> next() {
    if (pos_ >= text_.size()) return std::nullopt;
    std::size_t e = text_.find('\n', pos_);
    if (e == std::string::npos) e = text_.size();
    std::string_view line(text_.data() + pos_, e - pos_);
    pos_ = e + 1;
    ++number_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(fmt::format("{}: line {}: {}", path_, number_, what));
  }

 private:
  const std::string& path_;
  const std::string& text_;
  std::size_t pos_ = 0;
  std::int64_t number_ = 0;
};

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

float number(const Lines& lines, std::string_view s) {
  float v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) lines.fail(fmt::format("'{}' is not a number", s));
  return v;
}

}  // namespace

models::NgramModel load_arpa(const std::string& path) {
  const std::string text = text::read_text_file(path);
  Lines lines(path, text);
  std::optional<std::string_view> line;
  while ((line = lines.next()) && *line != "\\data\\") {
  }
  if (!line) throw FormatError(fmt::format("{}: no '\\data\\' line: not an ARPA language model", path));
  std::vector<std::int64_t> counts;
  while ((line = lines.next()) && !line->empty()) {
    auto f = fields(*line);
    if (f.size() != 2 || f[0] != "ngram") lines.fail(fmt::format("expected 'ngram N=COUNT', got '{}'", *line));
    auto eq = f[1].find('=');
    int n = 0;
    std::int64_t c = -1;
    if (eq == std::string_view::npos || std::from_chars(f[1].data(), f[1].data() + eq, n).ec != std::errc() ||
        std::from_chars(f[1].data() + eq + 1, f[1].data() + f[1].size(), c).ec != std::errc() || c < 0 ||
        n != static_cast<int>(counts.size()) + 1)
      lines.fail(fmt::format("expected 'ngram {}=COUNT', got '{}'", counts.size() + 1, *line));
    counts.push_back(c);
  }
  const int order = static_cast<int>(counts.size());
  if (order < 1 || order > models::kMaxNgramOrder)
    lines.fail(fmt::format("order {} outside [1, {}]", order, models::kMaxNgramOrder));

  // Unigrams first: they are the vocabulary.
  struct Raw {
    std::vector<std::string_view> words;
    float prob, backoff;
  };
  std::vector<std::vector<Raw>> grams(static_cast<std::size_t>(order));
  for (int n = 1; n <= order; ++n) {
    while ((line = lines.next()) && line->empty()) {
    }
    if (!line || *line != fmt::format("\\{}-grams:", n)) lines.fail(fmt::format("expected '\\{}-grams:'", n));
    auto& g = grams[static_cast<std::size_t>(n - 1)];
    // The header's count is not trusted with memory: a line takes at least two bytes.
    g.reserve(static_cast<std::size_t>(std::min<std::int64_t>(
        counts[static_cast<std::size_t>(n - 1)], static_cast<std::int64_t>(text.size() / 2))));
    while ((line = lines.next()) && !line->empty()) {
      auto f = fields(*line);
      if (f.size() != static_cast<std::size_t>(n) + 1 && f.size() != static_cast<std::size_t>(n) + 2)
        lines.fail(fmt::format("a {}-gram line has {} fields", n, f.size()));
      Raw r{{f.begin() + 1, f.begin() + 1 + n}, number(lines, f[0]), 0.0f};
      if (f.size() == static_cast<std::size_t>(n) + 2) r.backoff = number(lines, f.back());
      // log10 probabilities: finite and at most 0 (KenLM refuses the rest too).
      if (!std::isfinite(r.prob) || r.prob > 0 || !std::isfinite(r.backoff))
        lines.fail(fmt::format("log-probability {} or back-off {} is not finite, or above 0",
                               r.prob, r.backoff));
      g.push_back(std::move(r));
    }
    if (static_cast<std::int64_t>(g.size()) != counts[static_cast<std::size_t>(n - 1)])
      lines.fail(fmt::format("{} {}-grams, the header says {}", g.size(), n, counts[static_cast<std::size_t>(n - 1)]));
  }
  while ((line = lines.next()) && line->empty()) {
  }
  if (!line || *line != "\\end\\") lines.fail("expected '\\end\\' (truncated file?)");

  std::vector<std::string> words;
  for (const auto& r : grams[0]) words.emplace_back(r.words[0]);
  models::NgramModel m = [&] {
    try {
      return models::NgramModel(words, order);
    } catch (const Error& e) {
      throw FormatError(fmt::format("{}: {}", path, e.what()));
    }
  }();
  std::vector<std::int32_t> ids;
  for (int n = 1; n <= order; ++n)
    for (const auto& r : grams[static_cast<std::size_t>(n - 1)]) {
      ids.clear();
      for (auto w : r.words) {
        std::int32_t i = m.id(std::string(w));
        if (i < 0) throw FormatError(fmt::format("{}: {}-gram with '{}', which is not among the unigrams", path, n, w));
        ids.push_back(i);
      }
      m.set(ids, r.prob, r.backoff);
    }
  return m;
}

}  // namespace rnnkit::io

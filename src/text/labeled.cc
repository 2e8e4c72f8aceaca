#include "rnnkit/text/labeled.h"

#include <fmt/format.h>

#include <unordered_set>

#include "rnnkit/core/error.h"
#include "rnnkit/text/stream.h"

namespace rnnkit::text {

namespace {

// A malformed file, named with its line.
#define CHECK_DATA(cond, ...)                                 \
  do {                                                        \
    if (!(cond)) throw FormatError(fmt::format(__VA_ARGS__)); \
  } while (0)

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

class TreeParser {
 public:
  explicit TreeParser(const std::string& s) : s_(s) {}
  std::vector<TreeNode> parse() {
    skip();
    node();
    skip();
    RNNKIT_CHECK(i_ == s_.size(), "text after the tree's end at byte {}", i_ + 1);
    return std::move(nodes_);
  }

 private:
  void skip() {
    while (i_ < s_.size() && is_space(s_[i_])) ++i_;
  }
  // Parses one node into nodes_ (preorder) and returns its text.
  std::string node() {
    RNNKIT_CHECK(++depth_ < 1000, "tree nested deeper than 1000 at byte {}", i_ + 1);
    RNNKIT_CHECK(i_ < s_.size() && s_[i_] == '(', "expected '(' at byte {}", i_ + 1);
    ++i_;
    skip();
    RNNKIT_CHECK(i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '4' &&
                     (i_ + 1 == s_.size() || is_space(s_[i_ + 1])),
                 "expected a label 0-4 at byte {}", i_ + 1);
    const std::size_t at = nodes_.size();
    nodes_.push_back({s_[i_] - '0', ""});
    ++i_;
    skip();
    std::string text;
    if (i_ < s_.size() && s_[i_] == '(') {
      while (i_ < s_.size() && s_[i_] == '(') {
        std::string child = node();
        text += (text.empty() ? "" : " ") + child;
        skip();
      }
    } else {
      const std::size_t start = i_;
      while (i_ < s_.size() && !is_space(s_[i_]) && s_[i_] != '(' && s_[i_] != ')') ++i_;
      RNNKIT_CHECK(i_ > start, "expected a word or '(' at byte {}", i_ + 1);
      text = s_.substr(start, i_ - start);
      if (text == "-LRB-") text = "(";
      if (text == "-RRB-") text = ")";
      skip();
    }
    RNNKIT_CHECK(i_ < s_.size() && s_[i_] == ')', "expected ')' at byte {}", i_ + 1);
    ++i_;
    --depth_;
    nodes_[at].text = text;
    return text;
  }

  const std::string& s_;
  std::size_t i_ = 0;
  int depth_ = 0;
  std::vector<TreeNode> nodes_;
};

std::string detect(const std::string& line, const std::string& prefix) {
  std::string_view t = trim(line);
  if (t.size() > 2 && t[0] == '(' && t[1] >= '0' && t[1] <= '4') return "sst";
  if (t.substr(0, prefix.size()) == prefix) return "fasttext";
  if (line.find('\t') != std::string::npos) return "tsv";
  return "first-word";
}

}  // namespace

std::string ascii_lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::vector<TreeNode> parse_sentiment_tree(const std::string& line) {
  return TreeParser(line).parse();
}

LabeledText read_labeled(const std::string& path, const LabeledReadOptions& o) {
  const std::string& f = o.format;
  RNNKIT_CHECK(f == "auto" || f == "fasttext" || f == "tsv" || f == "first-word" || f == "sst" ||
                   f == "sst2",
               "unknown data format '{}' (expected auto, fasttext, tsv, first-word, sst or sst2)",
               f);
  RNNKIT_CHECK(!o.label_prefix.empty(), "the label prefix is empty");
  LabeledText out;
  out.format = f;
  std::unordered_set<std::string> seen;  // phrases: each text once
  std::int64_t line_no = 0;
  auto add = [&](std::string text, std::vector<std::string> labels) {
    if (o.lowercase) text = ascii_lower(std::move(text));
    out.text.push_back(std::move(text));
    out.labels.push_back(std::move(labels));
  };
  read_lines(path, [&](const std::string& line) {
    ++line_no;
    if (trim(line).empty()) return;
    if (out.format == "auto") out.format = detect(line, o.label_prefix);
    auto where = [&] { return fmt::format("{}, line {}", path, line_no); };
    if (out.format == "sst" || out.format == "sst2") {
      std::vector<TreeNode> nodes;
      try {
        nodes = parse_sentiment_tree(line);
      } catch (const InvalidArgument& e) {
        throw FormatError(fmt::format("{}: not a sentiment tree: {}", where(), e.what()));
      }
      const std::size_t n = o.phrases ? nodes.size() : 1;
      for (std::size_t k = 0; k < n; ++k) {
        const TreeNode& node = nodes[k];
        if (o.phrases && !seen.insert(node.text).second) {
          ++out.dropped;
          continue;
        }
        std::string label = std::to_string(node.label);
        if (out.format == "sst2") {
          if (node.label == 2) {
            ++out.dropped;
            continue;
          }
          label = node.label < 2 ? "0" : "1";
        }
        add(node.text, {label});
      }
      return;
    }
    std::string_view rest = trim(line);
    std::vector<std::string> labels;
    if (out.format == "fasttext") {
      while (rest.substr(0, o.label_prefix.size()) == o.label_prefix) {
        std::size_t end = 0;
        while (end < rest.size() && !is_space(rest[end])) ++end;
        CHECK_DATA(end > o.label_prefix.size(), "{}: the label '{}' is empty", where(),
                   o.label_prefix);
        labels.emplace_back(rest.substr(o.label_prefix.size(), end - o.label_prefix.size()));
        rest = trim(rest.substr(end));
      }
      CHECK_DATA(!labels.empty(), "{}: no label (a fastText line starts with {}LABEL)", where(),
                 o.label_prefix);
    } else {
      const char sep = out.format == "tsv" ? '\t' : ' ';
      const std::size_t cut = rest.find(sep);
      CHECK_DATA(cut != std::string_view::npos, "{}: expected '{}' between a label and the text",
                 where(), out.format == "tsv" ? "label<TAB>text" : "label text");
      labels.emplace_back(trim(rest.substr(0, cut)));
      CHECK_DATA(!labels.back().empty(), "{}: the label is empty", where());
      rest = trim(rest.substr(cut + 1));
    }
    CHECK_DATA(!rest.empty(), "{}: a label but no text", where());
    add(std::string(rest), std::move(labels));
  });
  CHECK_DATA(!out.text.empty(), "{}: no labelled examples", path);
  return out;
}

}  // namespace rnnkit::text

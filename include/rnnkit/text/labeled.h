// Labelled sentences for classifiers. Formats: fastText's (`__label__pos
// __label__funny text`: the leading tokens with the prefix are the labels),
// `label<TAB>text`, `label text` (Kim 2014's SST files: the first word is the
// label), and the Stanford Sentiment Treebank's PTB-style trees (`(3 (2 The)
// (4 rock))`, a 0-4 label on every node), whole sentences or every labelled
// phrase. Files may be plain, gzip or standard input ("-").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rnnkit::text {

struct LabeledText {
  std::vector<std::string> text;
  std::vector<std::vector<std::string>> labels;  // one or more per example
  std::string format;                            // the format read (auto resolved)
  std::int64_t dropped = 0;  // sst2: neutral examples left out; phrases: repeats left out
  std::size_t size() const { return text.size(); }
};

struct LabeledReadOptions {
  // auto | fasttext | tsv | first-word | sst (labels 0-4) | sst2 (0,1 -> 0 and
  // 3,4 -> 1, neutral dropped). auto decides from the first line: a tree, a
  // fastText label, a tab, else the first word.
  std::string format = "auto";
  std::string label_prefix = "__label__";
  bool phrases = false;  // sst, sst2: every labelled subtree, each distinct text once
  bool lowercase = false;
};
// Errors name the file and line: a line without a label or without text, a
// malformed tree, invalid UTF-8, no examples.
LabeledText read_labeled(const std::string& path, const LabeledReadOptions& opts = {});

// One parsed SST tree line: every node's label and text (leaves joined by
// spaces; -LRB- and -RRB- as parentheses), the root first, then in preorder.
struct TreeNode {
  int label = 0;
  std::string text;
};
// Throws InvalidArgument saying what is wrong and at which byte.
std::vector<TreeNode> parse_sentiment_tree(const std::string& line);

// ASCII lower case (what --lowercase does; other letters are left as they are).
std::string ascii_lower(std::string s);

}  // namespace rnnkit::text

// The tokenizer layer every command that reads text goes through: whitespace
// words, UTF-8 characters, SentencePiece subwords, or MeCab words (Japanese).
// A model file keeps its segmenter's settings (io/model_file.h), so that eval,
// generate and translate segment text as training did.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rnnkit/text/parallel.h"
#include "rnnkit/text/subword.h"

namespace rnnkit::text {

// MeCab's word segmentation (what `mecab -Owakati` prints) with a UTF-8
// dictionary: Debian's mecab-ipadic-utf8 by default (MeCab's mecabrc), or
// the dictionary directory given. The ideographic space U+3000, which IPAdic
// emits as a word, is dropped. Thread-safe.
class MecabWords {
 public:
  explicit MecabWords(std::string dictionary = "");  // throws naming the dictionary
  std::vector<std::string> split(const std::string& sentence) const;
  const std::string& dictionary() const { return dictionary_; }  // as given ("": default)

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
  std::string dictionary_;
};

class Segmenter {
 public:
  Segmenter(Unit unit = Unit::kWord);  // NOLINT: words and characters convert implicitly
  explicit Segmenter(SubwordModel model);
  explicit Segmenter(MecabWords words);
  Unit unit() const { return unit_; }
  const SubwordModel* subwords() const { return subwords_.get(); }
  const MecabWords* mecab() const { return mecab_.get(); }

  std::vector<std::string> split(const std::string& sentence) const;
  // Words joined by spaces; characters and MeCab words concatenated (as
  // Japanese is written); subwords as SentencePiece decodes them.
  std::string join(const std::vector<std::string>& units) const;
  // Every line's units, each line ended by <eos>: a language model's stream.
  std::vector<std::string> tokenize_lines(const std::string& text) const;
  // The units BLEU and accuracy count in a sentence: characters for char,
  // words otherwise (subword output is joined first and scored as words;
  // MeCab output is scored in MeCab words).
  std::vector<std::string> scoring_units(const std::string& sentence) const;

 private:
  Unit unit_;
  std::shared_ptr<const SubwordModel> subwords_;
  std::shared_ptr<const MecabWords> mecab_;
};

// What a command line says about units; make_segmenter builds the segmenter.
struct UnitOptions {
  std::string unit = "word";       // word | char | subword | mecab
  int subword_vocab = 8000;        // subword: pieces of a model trained on the training text
  std::string subword_model{};     // subword: a SentencePiece .model file to use instead
  std::string mecab_dictionary{};  // mecab: a dictionary directory ("": MeCab's default)
};
// Subword models are trained on `training_lines` unless a model file is given.
Segmenter make_segmenter(const UnitOptions& o, const std::vector<std::string>& training_lines);

}  // namespace rnnkit::text

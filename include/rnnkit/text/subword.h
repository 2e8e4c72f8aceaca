// How sentences become units and back: whitespace words, UTF-8 characters, or
// SentencePiece subwords (Kudo & Richardson 2018; Debian's libsentencepiece),
// trained from the training side or loaded from a .model file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "rnnkit/text/parallel.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace rnnkit::text {

class SubwordModel {
 public:
  struct TrainOptions {
    int vocab_size = 8000;
    std::string type = "unigram";  // unigram | bpe
    int threads = 1;
  };
  // Trains on `sentences`; the vocabulary is capped at what the text supports.
  static SubwordModel train(const std::vector<std::string>& sentences, const TrainOptions& opts);
  static SubwordModel load(const std::string& path);            // a SentencePiece .model file
  static SubwordModel from_bytes(const std::string& serialized);  // as bytes() returns

  std::vector<std::string> encode(const std::string& sentence) const;
  std::string decode(const std::vector<std::string>& pieces) const;
  const std::string& bytes() const { return bytes_; }
  int size() const;  // pieces in the model's own vocabulary

 private:
  explicit SubwordModel(std::string serialized, const std::string& what);
  std::shared_ptr<sentencepiece::SentencePieceProcessor> sp_;
  std::string bytes_;
};

// One language side's segmentation: word and char need nothing more, subwords
// need their model.
class Segmenter {
 public:
  Segmenter(Unit unit = Unit::kWord);  // NOLINT: words and characters convert implicitly
  explicit Segmenter(SubwordModel model);
  Unit unit() const { return unit_; }
  const SubwordModel* subwords() const { return subwords_.get(); }

  std::vector<std::string> split(const std::string& sentence) const;
  std::string join(const std::vector<std::string>& units) const;
  // The units BLEU and accuracy count in a sentence: characters for char,
  // words otherwise (subword output is joined first and scored as words).
  std::vector<std::string> scoring_units(const std::string& sentence) const;

 private:
  Unit unit_;
  std::shared_ptr<const SubwordModel> subwords_;
};

std::string base64_encode(const std::string& bytes);
std::string base64_decode(const std::string& text);  // throws FormatError on bad input

}  // namespace rnnkit::text

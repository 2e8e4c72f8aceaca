// SentencePiece subwords (Kudo & Richardson 2018; Debian's libsentencepiece),
// trained from the training text or loaded from a .model file; text::Segmenter
// (segmenter.h) puts them beside the other units.
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

std::string base64_encode(const std::string& bytes);
std::string base64_decode(const std::string& text);  // throws FormatError on bad input

}  // namespace rnnkit::text

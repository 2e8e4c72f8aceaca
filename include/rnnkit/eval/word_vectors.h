// Queries and evaluation on word vectors: cosine similarity, most-similar,
// analogies (3CosAdd and 3CosMul, Levy & Goldberg 2014), the Google analogy
// set by section, Spearman correlation on similarity sets.
#pragma once

#include <array>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "rnnkit/models/word2vec.h"

namespace rnnkit::eval {

enum class AnalogyMethod { kAdd, kMul };

class VectorIndex {
 public:
  // Unit-normalised copy of the vectors. Queries are answered from the
  // `restrict_vocab` most frequent words (0: all); words are looked up as
  // given, then lower-cased.
  explicit VectorIndex(const models::WordVectors& v, std::int64_t restrict_vocab = 0);

  std::int32_t id(const std::string& word) const;  // -1 when absent
  std::int64_t size() const { return static_cast<std::int64_t>(words_.size()); }
  std::int64_t searchable() const { return limit_; }
  const std::string& word(std::int32_t id) const { return words_[static_cast<std::size_t>(id)]; }
  float similarity(std::int32_t a, std::int32_t b) const;
  // The word farthest (by cosine) from the mean of the words' unit vectors, as
  // gensim's doesnt_match; InvalidArgument for an unknown word or none.
  std::string doesnt_match(const std::vector<std::string>& words) const;

  // Nearest words to sum(positive) - sum(negative) by cosine, excluding the query words.
  std::vector<std::pair<std::string, float>> most_similar(const std::vector<std::string>& positive,
                                                          const std::vector<std::string>& negative,
                                                          std::int64_t k) const;
  // a : b = c : ?  for many questions at once (ids), excluding a, b, c.
  std::vector<std::int32_t> analogy(const std::vector<std::array<std::int32_t, 3>>& q,
                                    AnalogyMethod method) const;

 private:
  std::vector<std::string> words_;
  std::vector<float> unit_;  // [V, dim]
  std::int64_t dim_ = 0, limit_ = 0;
  std::unordered_map<std::string, std::int32_t> index_;
};

struct AnalogySection {
  std::string name;
  std::int64_t questions = 0, covered = 0, correct = 0;
};
struct AnalogyResult {
  std::vector<AnalogySection> sections;
  AnalogySection total{"total"}, semantic{"semantic"}, syntactic{"syntactic"};
  double accuracy() const { return total.covered ? double(total.correct) / total.covered : 0.0; }
  double coverage() const { return total.questions ? double(total.covered) / total.questions : 0.0; }
};
// questions-words.txt format: ": section" headers, then "a b c d" lines.
// Sections named gram* count as syntactic, the others as semantic.
AnalogyResult evaluate_analogy(const VectorIndex& index, const std::string& path,
                               AnalogyMethod method);

struct SimilarityResult {
  std::string name;
  double spearman = 0;
  std::int64_t pairs = 0, covered = 0;
};
// "word1 word2 score" lines (tab or space separated).
SimilarityResult evaluate_similarity(const VectorIndex& index, const std::string& path);

// Spearman's rank correlation with average ranks for ties.
double spearman(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace rnnkit::eval

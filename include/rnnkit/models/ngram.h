// The n-gram language model that came before neural ones: interpolated
// modified Kneser-Ney smoothing (Chen & Goodman 1998, as SRILM's
// `-kndiscount -interpolate`) in backoff form, so that it is exactly an ARPA
// model (io/arpa.h writes and reads them: SRILM and KenLM read ours and we
// read theirs).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace rnnkit::models {

inline constexpr int kMaxNgramOrder = 6;

class NgramModel {
 public:
  // Sentences of words (without markers); <s> and </s> are added around each.
  static NgramModel train_kneser_ney(const std::vector<std::vector<std::string>>& sentences, int order = 5);

  // An empty model over `words` (which must hold <s> and </s>), filled by set().
  NgramModel(std::vector<std::string> words, int order);
  // Sets the n-gram ids[0..n) (n = ids.size()): log10 p(last | rest) and, for
  // n < order, the log10 backoff weight of the n-gram as a context.
  void set(const std::vector<std::int32_t>& ids, float log10_prob, float log10_backoff = 0.0f);
  // Every n-gram of order n, in no particular order.
  void for_each(int n, const std::function<void(const std::vector<std::int32_t>&, float, float)>& fn) const;

  int order() const { return order_; }
  std::int64_t vocab_size() const { return static_cast<std::int64_t>(words_.size()); }
  std::int64_t num_ngrams(int n) const { return static_cast<std::int64_t>(tables_[static_cast<std::size_t>(n - 1)].size()); }
  // The word's id, or -1 when it is not in the vocabulary.
  std::int32_t id(const std::string& word) const;
  const std::string& word(std::int32_t id) const { return words_[static_cast<std::size_t>(id)]; }
  std::int32_t bos() const { return bos_; }
  std::int32_t eos() const { return eos_; }

  // log10 p(word | context), context oldest first (only the last order-1 ids matter).
  double log10_prob(const std::vector<std::int32_t>& context, std::int32_t word) const;

  struct Score {
    double log10_sum = 0;
    std::int64_t words = 0, sentences = 0;  // predictions = words + sentences (</s>)
    std::int64_t oovs = 0;  // skipped, out of the vocabulary (a model without <unk>)
    std::int64_t unks = 0;  // out of the vocabulary, scored as <unk>
    double perplexity() const;
  };
  // Scores sentences as SRILM's `ngram -ppl` does: every word and </s> after
  // <s>; words outside the vocabulary map to <unk> if the model has it (counted
  // as unks), and are otherwise skipped and counted as OOVs.
  Score score(const std::vector<std::vector<std::string>>& sentences) const;

  // Modified Kneser-Ney discounts D1, D2, D3+ of order n (training only).
  const std::array<double, 3>& discounts(int n) const { return discounts_[static_cast<std::size_t>(n - 1)]; }

  struct Key {
    std::uint64_t lo = 0, hi = 0;  // up to 6 ids of 21 bits, +1 each
    bool operator==(const Key& o) const { return lo == o.lo && hi == o.hi; }
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      return static_cast<std::size_t>((k.lo ^ (k.hi * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull >> 7);
    }
  };
  static Key key(const std::int32_t* ids, int n);

 private:
  struct Entry {
    float log10_prob = 0, log10_backoff = 0;
  };
  NgramModel() = default;

  int order_ = 0;
  std::vector<std::string> words_;
  std::unordered_map<std::string, std::int32_t> index_;
  std::int32_t bos_ = -1, eos_ = -1, unk_ = -1;
  std::vector<std::unordered_map<Key, Entry, KeyHash>> tables_;  // one per order
  std::vector<std::array<double, 3>> discounts_;
};

// The sentences an n-gram model trains on and scores: each non-empty line of
// `text`, split at spaces (as SRILM and KenLM read text).
std::vector<std::vector<std::string>> ngram_sentences(const std::string& text);

}  // namespace rnnkit::models

// Text to ids: whitespace tokens with an <eos> per line, a vocabulary, and the
// truncated-BPTT batcher of the book (B parallel streams over one long stream).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "rnnkit/core/tensor.h"

namespace rnnkit::text {

inline constexpr const char* kEos = "<eos>";
inline constexpr const char* kUnk = "<unk>";

// Reads a whole text file, checking that it exists, is not empty and is UTF-8
// (errors name the file, line and byte offset).
std::string read_text_file(const std::string& path);
// The whole file as bytes, plain or gzip-compressed, or standard input for
// "-" (errors name the file).
std::string read_binary_file(const std::string& path);

// Returns the byte offset of the first invalid UTF-8 sequence, or -1.
std::int64_t find_invalid_utf8(const std::string& s);

// Splits on ASCII whitespace, appending <eos> after every line.
std::vector<std::string> tokenize_lines(const std::string& text);

struct VocabOptions {
  std::int64_t max_size = 0;  // 0: no limit (counting <eos> and <unk>)
  std::int64_t min_count = 1;
};

class Vocabulary {
 public:
  Vocabulary() = default;
  // <eos> is id 0 and <unk> id 1; then words by descending count, ties by first
  // appearance, so the ids are stable for a given corpus.
  static Vocabulary build(const std::vector<std::string>& tokens, const VocabOptions& opts = {});
  static Vocabulary from_words(std::vector<std::string> words);  // as saved

  std::int64_t size() const { return static_cast<std::int64_t>(words_.size()); }
  std::int32_t id(const std::string& word) const;  // <unk>'s id when unknown
  bool contains(const std::string& word) const { return index_.count(word) > 0; }
  const std::string& word(std::int32_t id) const;
  std::int32_t unk_id() const { return unk_; }
  std::int32_t eos_id() const { return eos_; }
  const std::vector<std::string>& words() const { return words_; }

  std::vector<std::int32_t> encode(const std::vector<std::string>& tokens) const;
  // The share of `tokens` outside the vocabulary (mapped to <unk> by encode).
  double unknown_rate(const std::vector<std::string>& tokens) const;

 private:
  std::vector<std::string> words_;
  std::unordered_map<std::string, std::int32_t> index_;
  std::int32_t unk_ = -1, eos_ = -1;
};

// Zaremba et al.'s iterator: the stream is cut into `batch` rows of equal
// length; batch i holds steps [i*T, i*T+T) of every row, targets shifted by one.
class BpttBatcher {
 public:
  BpttBatcher(std::vector<std::int32_t> ids, std::int64_t batch, std::int64_t steps);
  std::int64_t num_batches() const { return num_batches_; }
  std::int64_t batch_size() const { return batch_; }
  std::int64_t steps() const { return steps_; }
  // Inputs and targets, time-major int32 [T, B], on the CPU. The last batch may be shorter.
  std::pair<Tensor, Tensor> get(std::int64_t i) const;
  std::int64_t tokens_per_epoch() const;

 private:
  std::vector<std::int32_t> ids_;
  std::int64_t batch_, steps_, row_len_, num_batches_;
};

// Sentences cut into batches, by index: with `bucket`, of similar length
// (sorted within pools of 50 batches, so padding stays small; shuffle() then
// reorders the batches), otherwise of random sentences drawn anew by each
// shuffle(). Every family that batches whole sentences uses it.
class BatchPlan {
 public:
  BatchPlan(std::vector<std::size_t> lengths, std::int64_t batch_size, bool bucket);
  std::int64_t num_batches() const { return static_cast<std::int64_t>(batches_.size()); }
  // Batch i of the current order (before any shuffle(): the input order),
  // longest first: the recurrent op then skips finished sequences.
  std::vector<std::size_t> rows(std::int64_t i) const;
  void shuffle(std::uint64_t seed, std::uint64_t epoch);

 private:
  std::vector<std::size_t> lengths_;
  std::vector<std::vector<std::size_t>> batches_;
  std::vector<std::size_t> order_;
  bool bucket_;
};

// The sequences `rows` as ids int32 [T, B] (T the longest; `pad` past each
// end, or all of T = 1 when every sequence is empty) and lengths int32 [B];
// with `reverse`, each sequence backwards.
struct PaddedBatch {
  Tensor ids, lengths;
};
PaddedBatch pad_batch(const std::vector<std::vector<std::int32_t>>& sequences,
                      const std::vector<std::size_t>& rows, std::int32_t pad, bool reverse = false);

}  // namespace rnnkit::text

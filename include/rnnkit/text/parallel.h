// Parallel text for sequence-to-sequence models: reading (tab-separated pairs,
// two aligned files, or the book's padded `question_answer` lines), units
// (words or UTF-8 characters), the book's numpy-compatible split, and
// length-bucketed padded batches.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rnnkit/core/rng.h"
#include "rnnkit/core/tensor.h"
#include "rnnkit/text/corpus.h"

namespace rnnkit::text {

enum class Unit { kWord, kChar, kSubword, kMecab };
Unit parse_unit(const std::string& s);  // "word" | "char" | "subword" | "mecab"
// The units in words, for logs: "words", "characters", "subwords", "MeCab words".
std::string units_name(Unit unit);

// Splits one sentence into units: whitespace-separated words, or UTF-8 code
// points (a Japanese character is one unit; spaces are units too). Subwords
// and MeCab words need their model: see text::Segmenter.
std::vector<std::string> split_units(const std::string& s, Unit unit);
// The inverse, for output: words joined by spaces, characters concatenated.
std::string join_units(const std::vector<std::string>& units, Unit unit);

// A text as one stream of units with an <eos> ending each line: words (as
// tokenize_lines) or UTF-8 characters, spaces included (character-level LMs).
std::vector<std::string> tokenize_lines(const std::string& text, Unit unit);

// Lines without their "\n" or "\r\n"; trailing empty lines dropped.
std::vector<std::string> split_lines(const std::string& text);

struct ParallelText {
  std::vector<std::string> source, target;  // raw sentences, aligned
  std::size_t size() const { return source.size(); }
};

// `source<TAB>target` per line ("tsv"), or the book's fixed-width lines
// "16+75  _91  " ("book": split at the first '_', padding stripped). Errors
// name the file and line.
ParallelText read_parallel(const std::string& path, const std::string& format = "tsv");
// Two files with one sentence per line, aligned by line.
ParallelText read_parallel_files(const std::string& source_path, const std::string& target_path);

// The permutation numpy.random.seed(seed); numpy.random.shuffle(arange(n))
// produces (MT19937 and numpy's legacy bounded draw), so the book's split
// (seed 1984, last 10% for test) is reproduced exactly.
std::vector<std::size_t> numpy_permutation(std::size_t n, std::uint32_t seed);
ParallelText select(const ParallelText& t, const std::vector<std::size_t>& rows);

// A padded batch, time-major. Past each sequence's length the ids are <eos>
// (harmless: lengths mask the encoder and ignore_index the loss).
struct Seq2SeqBatch {
  Tensor source;         // int32 [Ts, B]
  Tensor source_length;  // int32 [B]
  Tensor target_in;      // int32 [Tt, B]: <eos> then the target
  Tensor target_out;     // int32 [Tt * B]: the target then <eos>; -100 on padding
  Tensor target_length;  // int32 [B]: target units + 1
  std::vector<std::size_t> rows;  // which examples, in batch order
  std::int64_t target_tokens = 0;
};

inline constexpr std::int32_t kIgnoreIndex = -100;

// Encoded examples cut into batches (a BatchPlan over the source lengths).
// `reverse_source` reverses each source sequence (Sutskever et al.).
class Seq2SeqBatcher {
 public:
  Seq2SeqBatcher(std::vector<std::vector<std::int32_t>> source,
                 std::vector<std::vector<std::int32_t>> target, std::int64_t batch_size,
                 bool reverse_source, std::int32_t eos, bool bucket = true);
  std::int64_t num_batches() const { return plan_.num_batches(); }
  // Batch i of the current order (before any shuffle(): the input order).
  Seq2SeqBatch get(std::int64_t i) const;
  void shuffle(std::uint64_t seed, std::uint64_t epoch) { plan_.shuffle(seed, epoch); }

 private:
  std::vector<std::vector<std::int32_t>> src_, tgt_;
  BatchPlan plan_;
  bool reverse_;
  std::int32_t eos_;
};

}  // namespace rnnkit::text

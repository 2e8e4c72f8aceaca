// Streaming corpora: tokens are read block by block from a file, a gzip file
// (by its magic bytes) or standard input ("-"), never held as text.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace rnnkit::text {

struct StreamOptions {
  std::size_t block_bytes = 1 << 20;
  std::size_t max_token_bytes = 1 << 16;  // longer "words" are an error (binary input?)
  std::size_t max_line_bytes = 1 << 26;   // read_lines: longer lines are an error
  std::size_t max_lines = 0;              // read_lines: stop after this many (0: all)
};

// Calls on_token for every whitespace-separated token and on_line_end at
// every newline (and at the end of a last line without one). Throws
// FormatError naming the file for missing, unreadable, corrupt-gzip,
// non-UTF-8 or empty input.
void read_tokens(const std::string& path, const std::function<void(std::string_view)>& on_token,
                 const std::function<void()>& on_line_end, const StreamOptions& opts = {});

// Calls on_line for every line (without its "\n" or "\r\n"), streaming as
// read_tokens does, with the same errors; a file with no text is an error.
void read_lines(const std::string& path, const std::function<void(const std::string&)>& on_line,
                const StreamOptions& opts = {});

// A corpus as ids over a frequency-sorted vocabulary, for word vectors.
struct IdCorpus {
  std::vector<std::string> words;    // by descending count, ties by first appearance
  std::vector<std::int64_t> counts;  // parallel to words
  std::vector<std::int32_t> ids;     // the kept tokens, in order
  std::vector<std::int64_t> line_ends;  // exclusive end offsets into ids, one per line
  std::int64_t raw_tokens = 0;       // before dropping rare words
  std::int64_t total_count() const;  // sum of counts (= ids.size())
};

struct IdCorpusOptions {
  std::int64_t min_count = 5;
  std::int64_t max_vocab = 0;          // 0: no limit; else keep the most frequent
  std::int64_t max_line_tokens = 10000;  // longer lines are cut into pieces
  // A line's units (text::Segmenter::split); unset: whitespace words, streamed.
  std::function<std::vector<std::string>(const std::string&)> split = nullptr;
};

// One pass over the stream: counts words while recording provisional ids,
// then keeps the frequent words and renumbers.
IdCorpus read_id_corpus(const std::string& path, const IdCorpusOptions& opts = {});

}  // namespace rnnkit::text

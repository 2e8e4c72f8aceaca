#include "rnnkit/text/stream.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <numeric>
#include <unordered_map>

#include "rnnkit/core/error.h"
#include "rnnkit/text/corpus.h"
#include "text/byte_source.h"

namespace rnnkit::text {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n'; }

}  // namespace

void read_tokens(const std::string& path, const std::function<void(std::string_view)>& on_token,
                 const std::function<void()>& on_line_end, const StreamOptions& opts) {
  ByteSource src(path);
  std::vector<char> buf(opts.block_bytes);
  std::string token;       // a token split across blocks
  std::int64_t offset = 0;  // stream offset of buf[0]
  std::int64_t line = 1, tokens = 0;
  bool line_open = false;
  auto emit = [&](std::string_view t, std::int64_t at) {
    std::int64_t bad = find_invalid_utf8(std::string(t));
    if (bad >= 0)
      throw FormatError(fmt::format("{}: invalid UTF-8 at byte offset {} (line {})", src.name(),
                                    at + bad, line));
    on_token(t);
    ++tokens;
    line_open = true;
  };
  std::int64_t token_start = 0;
  for (;;) {
    std::size_t n = src.read(buf.data(), buf.size());
    if (n == 0) break;
    std::size_t i = 0;
    while (i < n) {
      if (is_space(buf[i])) {
        if (!token.empty()) {
          emit(token, token_start);
          token.clear();
        }
        if (buf[i] == '\n') {
          if (line_open) on_line_end();
          line_open = false;
          ++line;
        }
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < n && !is_space(buf[j])) ++j;
      if (token.empty()) token_start = offset + static_cast<std::int64_t>(i);
      if (token.empty() && j < n) {
        emit(std::string_view(buf.data() + i, j - i), token_start);  // no copy
      } else {
        token.append(buf.data() + i, j - i);
        if (token.size() > opts.max_token_bytes)
          throw FormatError(fmt::format(
              "{}: a token longer than {} bytes at byte offset {} (line {}): not a text corpus?",
              src.name(), opts.max_token_bytes, token_start, line));
        if (j < n) {
          emit(token, token_start);
          token.clear();
        }
      }
      i = j;
    }
    offset += static_cast<std::int64_t>(n);
  }
  src.check_end();
  if (!token.empty()) emit(token, token_start);
  if (line_open) on_line_end();
  if (tokens == 0) throw FormatError(fmt::format("{}: the corpus is empty (no tokens)", src.name()));
}

void read_lines(const std::string& path, const std::function<void(const std::string&)>& on_line,
                const StreamOptions& opts) {
  ByteSource src(path);
  std::vector<char> buf(opts.block_bytes);
  std::string line;
  std::int64_t number = 1, offset = 0, line_start = 0;
  bool any = false;
  auto emit = [&] {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::int64_t bad = find_invalid_utf8(line);
    if (bad >= 0)
      throw FormatError(fmt::format("{}: invalid UTF-8 at byte offset {} (line {})", src.name(),
                                    line_start + bad, number));
    any = any || line.find_first_not_of(" \t\r\v\f") != std::string::npos;
    on_line(line);
    line.clear();
  };
  for (;;) {
    std::size_t n = src.read(buf.data(), buf.size());
    if (n == 0) break;
    for (std::size_t i = 0; i < n;) {
      const char* nl = static_cast<const char*>(std::memchr(buf.data() + i, '\n', n - i));
      std::size_t j = nl ? static_cast<std::size_t>(nl - buf.data()) : n;
      line.append(buf.data() + i, j - i);
      if (line.size() > opts.max_line_bytes)
        throw FormatError(fmt::format("{}: line {} is longer than {} bytes: not a text corpus?",
                                      src.name(), number, opts.max_line_bytes));
      if (!nl) break;
      emit();
      if (opts.max_lines && static_cast<std::size_t>(number) == opts.max_lines) return;
      ++number;
      i = j + 1;
      line_start = offset + static_cast<std::int64_t>(i);
    }
    offset += static_cast<std::int64_t>(n);
  }
  src.check_end();
  if (!line.empty()) emit();
  if (!any) throw FormatError(fmt::format("{}: the file is empty (no text)", src.name()));
}

std::int64_t IdCorpus::total_count() const {
  return std::accumulate(counts.begin(), counts.end(), std::int64_t{0});
}

IdCorpus read_id_corpus(const std::string& path, const IdCorpusOptions& opts) {
  RNNKIT_CHECK(opts.min_count >= 1 && opts.max_line_tokens >= 1,
               "corpus: min count {} and line limit {} must be positive", opts.min_count,
               opts.max_line_tokens);
  std::unordered_map<std::string, std::int32_t> index;
  std::vector<std::string> words;
  std::vector<std::int64_t> counts;
  std::vector<std::int32_t> raw;
  std::vector<std::int64_t> ends;
  std::int64_t line_len = 0;
  auto on_token = [&](std::string_view t) {
    auto [it, fresh] = index.try_emplace(std::string(t), static_cast<std::int32_t>(words.size()));
    if (fresh) {
      RNNKIT_CHECK(words.size() < static_cast<std::size_t>(INT32_MAX),
                   "corpus: over 2^31 word types");
      words.emplace_back(t);
      counts.push_back(0);
    }
    ++counts[static_cast<std::size_t>(it->second)];
    raw.push_back(it->second);
    if (++line_len == opts.max_line_tokens) {
      ends.push_back(static_cast<std::int64_t>(raw.size()));
      line_len = 0;
    }
  };
  auto on_line_end = [&]() {
    if (line_len > 0) ends.push_back(static_cast<std::int64_t>(raw.size()));
    line_len = 0;
  };
  if (!opts.split) {
    read_tokens(path, on_token, on_line_end);
  } else {
    read_lines(path, [&](const std::string& line) {
      for (const auto& u : opts.split(line)) on_token(u);
      on_line_end();
    });
    RNNKIT_CHECK(!raw.empty(), "{}: no units in the corpus", path);
  }
  index.clear();
  // Final order: count descending, then first appearance (= provisional id).
  std::vector<std::int32_t> order(words.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
    return counts[static_cast<std::size_t>(a)] > counts[static_cast<std::size_t>(b)];
  });
  IdCorpus c;
  c.raw_tokens = static_cast<std::int64_t>(raw.size());
  std::vector<std::int32_t> remap(words.size(), -1);
  for (std::int32_t w : order) {
    std::int64_t n = counts[static_cast<std::size_t>(w)];
    if (n < opts.min_count) break;
    if (opts.max_vocab > 0 && static_cast<std::int64_t>(c.words.size()) >= opts.max_vocab) break;
    remap[static_cast<std::size_t>(w)] = static_cast<std::int32_t>(c.words.size());
    c.words.push_back(std::move(words[static_cast<std::size_t>(w)]));
    c.counts.push_back(n);
  }
  RNNKIT_CHECK(c.words.size() >= 2, "{}: fewer than 2 words occur at least {} times", path,
               opts.min_count);
  // Renumber in place, dropping rare words, and move the line ends along.
  std::size_t out = 0, line = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    std::int32_t id = remap[static_cast<std::size_t>(raw[i])];
    if (id >= 0) raw[out++] = id;
    while (line < ends.size() && static_cast<std::size_t>(ends[line]) == i + 1) ends[line++] = static_cast<std::int64_t>(out);
  }
  raw.resize(out);
  raw.shrink_to_fit();
  c.ids = std::move(raw);
  // Drop lines left empty.
  std::int64_t prev = 0;
  for (std::int64_t e : ends) {
    if (e > prev) c.line_ends.push_back(e);
    prev = e;
  }
  return c;
}

}  // namespace rnnkit::text

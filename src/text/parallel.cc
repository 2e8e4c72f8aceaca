#include "rnnkit/text/parallel.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "rnnkit/core/error.h"
#include "rnnkit/core/rng_streams.h"

namespace rnnkit::text {

Unit parse_unit(const std::string& s) {
  if (s == "word") return Unit::kWord;
  if (s == "char") return Unit::kChar;
  if (s == "subword") return Unit::kSubword;
  if (s == "mecab") return Unit::kMecab;
  throw InvalidArgument(
      fmt::format("unknown unit '{}' (expected word, char, subword or mecab)", s));
}

std::string units_name(Unit unit) {
  switch (unit) {
    case Unit::kWord:
      return "words";
    case Unit::kChar:
      return "characters";
    case Unit::kSubword:
      return "subwords";
    case Unit::kMecab:
      return "MeCab words";
  }
  return "units";
}

std::vector<std::string> split_units(const std::string& s, Unit unit) {
  RNNKIT_CHECK(unit == Unit::kWord || unit == Unit::kChar,
               "subword and mecab units need their model (text::Segmenter)");
  std::vector<std::string> out;
  if (unit == Unit::kWord) {
    std::size_t i = 0;
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (i < s.size()) {
      while (i < s.size() && space(s[i])) ++i;
      std::size_t j = i;
      while (j < s.size() && !space(s[j])) ++j;
      if (j > i) out.emplace_back(s, i, j - i);
      i = j;
    }
    return out;
  }
  // UTF-8: a lead byte and its continuation bytes (10xxxxxx) form one unit.
  for (std::size_t i = 0; i < s.size();) {
    std::size_t j = i + 1;
    while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
    if (s[i] != '\r' && s[i] != '\n') out.emplace_back(s, i, j - i);
    i = j;
  }
  return out;
}

std::string join_units(const std::vector<std::string>& units, Unit unit) {
  std::string out;
  for (std::size_t i = 0; i < units.size(); ++i) {
    if (unit == Unit::kWord && i) out += ' ';
    out += units[i];
  }
  return out;
}

std::vector<std::string> tokenize_lines(const std::string& text, Unit unit) {
  if (unit == Unit::kWord) return tokenize_lines(text);
  RNNKIT_CHECK(unit == Unit::kChar, "a token stream is made of words or characters");
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = std::min(text.find('\n', i), text.size());
    std::size_t stop = end > i && text[end - 1] == '\r' ? end - 1 : end;
    for (auto& u : split_units(text.substr(i, stop - i), Unit::kChar)) out.push_back(std::move(u));
    out.emplace_back(kEos);
    i = end + 1;
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t e = text.find('\n', i);
    if (e == std::string::npos) e = text.size();
    std::string line = text.substr(i, e - i);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    i = e + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

namespace {
std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}
}  // namespace

ParallelText read_parallel(const std::string& path, const std::string& format) {
  RNNKIT_CHECK(format == "tsv" || format == "book", "unknown parallel format '{}' (expected tsv or book)",
               format);
  ParallelText t;
  auto lines = split_lines(read_text_file(path));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    char sep = format == "tsv" ? '\t' : '_';
    std::size_t at = l.find(sep);
    if (at == std::string::npos)
      throw FormatError(fmt::format("{}: line {} has no '{}' between source and target{}", path,
                                    i + 1, format == "tsv" ? "TAB" : "_",
                                    format == "tsv" ? " (use --format book for the book's files)" : ""));
    std::string src = l.substr(0, at), tgt = l.substr(at + 1);
    if (format == "tsv" && tgt.find('\t') != std::string::npos)
      throw FormatError(
          fmt::format("{}: line {} has {} TAB-separated fields; a pair is source<TAB>target", path,
                      i + 1, 2 + std::count(tgt.begin(), tgt.end(), '\t')));
    if (format == "book") {
      src = trim(src);
      tgt = trim(tgt);
    }
    if (src.empty() || tgt.empty())
      throw FormatError(fmt::format("{}: line {} has an empty {}", path, i + 1,
                                    src.empty() ? "source" : "target"));
    t.source.push_back(std::move(src));
    t.target.push_back(std::move(tgt));
  }
  return t;
}

ParallelText read_parallel_files(const std::string& source_path, const std::string& target_path) {
  ParallelText t;
  t.source = split_lines(read_text_file(source_path));
  t.target = split_lines(read_text_file(target_path));
  if (t.source.size() != t.target.size())
    throw FormatError(fmt::format("{} has {} lines but {} has {}: the files are not aligned",
                                  source_path, t.source.size(), target_path, t.target.size()));
  for (std::size_t i = 0; i < t.size(); ++i)
    if (t.source[i].empty() || t.target[i].empty())
      throw FormatError(fmt::format("{}: line {} is empty", t.source[i].empty() ? source_path : target_path,
                                    i + 1));
  return t;
}

std::vector<std::size_t> numpy_permutation(std::size_t n, std::uint32_t seed) {
  // std::mt19937's seeding is numpy's mt19937_seed; its output numpy's next_uint32.
  std::mt19937 g(seed);
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  for (std::size_t i = n - 1; n > 1 && i >= 1; --i) {
    std::uint32_t max = static_cast<std::uint32_t>(i), mask = max;
    for (int s = 1; s <= 16; s *= 2) mask |= mask >> s;
    std::uint32_t v;
    while ((v = static_cast<std::uint32_t>(g()) & mask) > max) {
    }
    std::swap(idx[i], idx[v]);
  }
  return idx;
}

ParallelText select(const ParallelText& t, const std::vector<std::size_t>& rows) {
  ParallelText out;
  for (std::size_t r : rows) {
    out.source.push_back(t.source[r]);
    out.target.push_back(t.target[r]);
  }
  return out;
}

namespace {
std::vector<std::size_t> lengths_of(const std::vector<std::vector<std::int32_t>>& s) {
  std::vector<std::size_t> out;
  out.reserve(s.size());
  for (const auto& x : s) out.push_back(x.size());
  return out;
}
}  // namespace

Seq2SeqBatcher::Seq2SeqBatcher(std::vector<std::vector<std::int32_t>> source,
                               std::vector<std::vector<std::int32_t>> target,
                               std::int64_t batch_size, bool reverse_source, std::int32_t eos,
                               bool bucket)
    : src_(std::move(source)),
      tgt_(std::move(target)),
      plan_(lengths_of(src_), batch_size, bucket),
      reverse_(reverse_source),
      eos_(eos) {
  RNNKIT_CHECK(src_.size() == tgt_.size(), "seq2seq batches: {} sources for {} targets",
               src_.size(), tgt_.size());
}

Seq2SeqBatch Seq2SeqBatcher::get(std::int64_t i) const {
  const std::vector<std::size_t> rows = plan_.rows(i);
  const std::int64_t B = static_cast<std::int64_t>(rows.size());
  std::int64_t Tt = 0;
  for (std::size_t r : rows)
    Tt = std::max<std::int64_t>(Tt, static_cast<std::int64_t>(tgt_[r].size()) + 1);
  std::vector<std::int32_t> tin(static_cast<std::size_t>(Tt * B), eos_),
      tout(static_cast<std::size_t>(Tt * B), kIgnoreIndex), tl(rows.size());
  Seq2SeqBatch out;
  for (std::int64_t b = 0; b < B; ++b) {
    const auto& t = tgt_[rows[static_cast<std::size_t>(b)]];
    const std::int64_t m = static_cast<std::int64_t>(t.size());
    for (std::int64_t k = 0; k < m; ++k) {
      tin[static_cast<std::size_t>((k + 1) * B + b)] = t[static_cast<std::size_t>(k)];
      tout[static_cast<std::size_t>(k * B + b)] = t[static_cast<std::size_t>(k)];
    }
    tout[static_cast<std::size_t>(m * B + b)] = eos_;
    tl[static_cast<std::size_t>(b)] = static_cast<std::int32_t>(m + 1);
    out.target_tokens += m + 1;
  }
  PaddedBatch src = pad_batch(src_, rows, eos_, reverse_);
  out.source = src.ids;
  out.source_length = src.lengths;
  out.target_in = Tensor::from_ids(tin, {Tt, B});
  out.target_out = Tensor::from_ids(tout, {Tt * B});
  out.target_length = Tensor::from_ids(tl, {B});
  out.rows = rows;
  return out;
}

}  // namespace rnnkit::text

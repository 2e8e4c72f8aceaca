#include "rnnkit/text/corpus.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <numeric>
#include <sstream>

#include "rnnkit/core/rng.h"
#include "rnnkit/core/rng_streams.h"
#include "text/byte_source.h"

namespace rnnkit::text {

std::int64_t find_invalid_utf8(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned char c = p[i];
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || (len == 2 && c < 0xC2) || i + static_cast<std::size_t>(len) > n)
      return static_cast<std::int64_t>(i);
    for (int k = 1; k < len; ++k)
      if ((p[i + static_cast<std::size_t>(k)] & 0xC0) != 0x80) return static_cast<std::int64_t>(i);
    // Overlong 3/4-byte forms, surrogates and code points past U+10FFFF.
    if (len == 3 && ((c == 0xE0 && p[i + 1] < 0xA0) || (c == 0xED && p[i + 1] >= 0xA0)))
      return static_cast<std::int64_t>(i);
    if (len == 4 && ((c == 0xF0 && p[i + 1] < 0x90) || c > 0xF4 || (c == 0xF4 && p[i + 1] >= 0x90)))
      return static_cast<std::int64_t>(i);
    i += static_cast<std::size_t>(len);
  }
  return -1;
}

std::string read_binary_file(const std::string& path) {
  ByteSource src(path);
  std::string out;
  char buf[1 << 16];
  for (std::size_t n; (n = src.read(buf, sizeof(buf))) > 0;) out.append(buf, n);
  src.check_end();
  return out;
}

std::string read_text_file(const std::string& path) {
  std::string text = read_binary_file(path);
  if (text.find_first_not_of(" \t\r\n\v\f") == std::string::npos)
    throw FormatError(fmt::format("{}: the file is empty (no tokens)", path));
  std::int64_t bad = find_invalid_utf8(text);
  if (bad >= 0) {
    std::int64_t line = 1 + std::count(text.begin(), text.begin() + bad, '\n');
    // A lead byte whose sequence the end of the file cuts short: a truncated file.
    const auto lead = static_cast<unsigned char>(text[static_cast<std::size_t>(bad)]);
    const std::size_t need = (lead >> 5) == 0x6    ? 2
                             : (lead >> 4) == 0xE  ? 3
                             : (lead >> 3) == 0x1E ? 4
                                                   : 0;
    bool cut = need > 0 && static_cast<std::size_t>(bad) + need > text.size();
    for (std::size_t k = static_cast<std::size_t>(bad) + 1; cut && k < text.size(); ++k)
      cut = (static_cast<unsigned char>(text[k]) & 0xC0) == 0x80;
    if (cut)
      throw FormatError(fmt::format(
          "{}: truncated UTF-8 sequence at the end of the file (byte offset {}, line {})", path,
          bad, line));
    throw FormatError(fmt::format("{}: invalid UTF-8 at byte offset {} (line {})", path, bad, line));
  }
  return text;
}

std::vector<std::string> tokenize_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t i = 0, n = text.size();
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; };
  while (i < n) {
    std::size_t end = text.find('\n', i);
    if (end == std::string::npos) end = n;
    std::size_t j = i;
    while (j < end) {
      while (j < end && space(text[j])) ++j;
      std::size_t k = j;
      while (k < end && !space(text[k])) ++k;
      if (k > j) out.emplace_back(text, j, k - j);
      j = k;
    }
    out.emplace_back(kEos);
    i = end + 1;
  }
  return out;
}

Vocabulary Vocabulary::build(const std::vector<std::string>& tokens, const VocabOptions& opts) {
  RNNKIT_CHECK(opts.max_size == 0 || opts.max_size >= 2, "vocabulary: max size {} is below 2",
               opts.max_size);
  std::unordered_map<std::string, std::pair<std::int64_t, std::int64_t>> counts;  // count, first
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    auto [it, fresh] = counts.try_emplace(tokens[i], 0, static_cast<std::int64_t>(i));
    ++it->second.first;
  }
  std::vector<std::pair<std::string, std::pair<std::int64_t, std::int64_t>>> sorted;
  for (auto& kv : counts)
    if (kv.first != kEos && kv.first != kUnk && kv.second.first >= opts.min_count)
      sorted.emplace_back(kv.first, kv.second);
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second.first != b.second.first ? a.second.first > b.second.first
                                            : a.second.second < b.second.second;
  });
  std::vector<std::string> words = {kEos, kUnk};
  for (auto& [w, c] : sorted) {
    if (opts.max_size > 0 && static_cast<std::int64_t>(words.size()) >= opts.max_size) break;
    words.push_back(w);
  }
  return from_words(std::move(words));
}

Vocabulary Vocabulary::from_words(std::vector<std::string> words) {
  Vocabulary v;
  v.words_ = std::move(words);
  for (std::size_t i = 0; i < v.words_.size(); ++i) {
    bool fresh = v.index_.emplace(v.words_[i], static_cast<std::int32_t>(i)).second;
    if (!fresh) throw FormatError(fmt::format("vocabulary: word '{}' appears twice", v.words_[i]));
  }
  auto eos = v.index_.find(kEos), unk = v.index_.find(kUnk);
  if (eos == v.index_.end() || unk == v.index_.end())
    throw FormatError("vocabulary: <eos> or <unk> is missing");
  v.eos_ = eos->second;
  v.unk_ = unk->second;
  return v;
}

std::int32_t Vocabulary::id(const std::string& word) const {
  auto it = index_.find(word);
  return it == index_.end() ? unk_ : it->second;
}

const std::string& Vocabulary::word(std::int32_t id) const {
  RNNKIT_CHECK(id >= 0 && id < size(), "vocabulary: id {} out of range for {} words", id, size());
  return words_[static_cast<std::size_t>(id)];
}

std::vector<std::int32_t> Vocabulary::encode(const std::vector<std::string>& tokens) const {
  std::vector<std::int32_t> ids;
  ids.reserve(tokens.size());
  for (const auto& t : tokens) ids.push_back(id(t));
  return ids;
}

double Vocabulary::unknown_rate(const std::vector<std::string>& tokens) const {
  if (tokens.empty()) return 0;
  std::int64_t unknown = 0;
  for (const auto& t : tokens) unknown += !contains(t);
  return static_cast<double>(unknown) / static_cast<double>(tokens.size());
}

BpttBatcher::BpttBatcher(std::vector<std::int32_t> ids, std::int64_t batch, std::int64_t steps)
    : ids_(std::move(ids)), batch_(batch), steps_(steps) {
  RNNKIT_CHECK(batch > 0 && steps > 0, "batcher: batch {} and steps {} must be positive", batch,
               steps);
  row_len_ = static_cast<std::int64_t>(ids_.size()) / batch;
  RNNKIT_CHECK(row_len_ >= 2, "batcher: {} tokens are too few for {} streams (need at least 2 each)",
               ids_.size(), batch);
  num_batches_ = (row_len_ - 1 + steps - 1) / steps;
}

std::int64_t BpttBatcher::tokens_per_epoch() const { return (row_len_ - 1) * batch_; }

std::pair<Tensor, Tensor> BpttBatcher::get(std::int64_t i) const {
  RNNKIT_CHECK(i >= 0 && i < num_batches_, "batcher: batch {} out of range [0, {})", i,
               num_batches_);
  std::int64_t start = i * steps_, t = std::min(steps_, row_len_ - 1 - start);
  std::vector<std::int32_t> x(static_cast<std::size_t>(t * batch_)), y(x.size());
  for (std::int64_t s = 0; s < t; ++s)
    for (std::int64_t b = 0; b < batch_; ++b) {
      std::size_t p = static_cast<std::size_t>(b * row_len_ + start + s);
      x[static_cast<std::size_t>(s * batch_ + b)] = ids_[p];
      y[static_cast<std::size_t>(s * batch_ + b)] = ids_[p + 1];
    }
  return {Tensor::from_ids(x, {t, batch_}), Tensor::from_ids(y, {t, batch_})};
}

BatchPlan::BatchPlan(std::vector<std::size_t> lengths, std::int64_t batch_size, bool bucket)
    : lengths_(std::move(lengths)), bucket_(bucket) {
  RNNKIT_CHECK(!lengths_.empty(), "batches: no sentences");
  RNNKIT_CHECK(batch_size > 0, "batch size must be positive, got {}", batch_size);
  std::vector<std::size_t> idx(lengths_.size());
  std::iota(idx.begin(), idx.end(), 0);
  const std::size_t b = static_cast<std::size_t>(batch_size);
  if (bucket) {
    const std::size_t pool = 50 * b;
    for (std::size_t s = 0; s < idx.size(); s += pool) {
      auto e = idx.begin() + static_cast<std::ptrdiff_t>(std::min(idx.size(), s + pool));
      std::stable_sort(idx.begin() + static_cast<std::ptrdiff_t>(s), e,
                       [&](std::size_t x, std::size_t y) { return lengths_[x] < lengths_[y]; });
    }
  }
  for (std::size_t s = 0; s < idx.size(); s += b)
    batches_.emplace_back(idx.begin() + static_cast<std::ptrdiff_t>(s),
                          idx.begin() + static_cast<std::ptrdiff_t>(std::min(idx.size(), s + b)));
  order_.resize(batches_.size());
  std::iota(order_.begin(), order_.end(), 0);
}

void BatchPlan::shuffle(std::uint64_t seed, std::uint64_t epoch) {
  PhiloxStream g(seed, stream_id(RngStream::kEpochOrder, epoch));
  auto permute = [&](auto& v) {
    for (std::size_t i = v.size(); i > 1; --i)
      std::swap(v[i - 1], v[g.below(static_cast<std::uint32_t>(i))]);
  };
  if (!bucket_) {  // new batches of random sentences, as the book's trainer
    std::vector<std::size_t> idx(lengths_.size());
    std::iota(idx.begin(), idx.end(), 0);
    permute(idx);
    for (std::size_t b = 0, s = 0; b < batches_.size(); ++b)
      for (auto& r : batches_[b]) r = idx[s++];
  }
  std::iota(order_.begin(), order_.end(), 0);
  permute(order_);
}

std::vector<std::size_t> BatchPlan::rows(std::int64_t i) const {
  RNNKIT_CHECK(i >= 0 && i < num_batches(), "batch {} out of range", i);
  auto rows = batches_[order_[static_cast<std::size_t>(i)]];
  std::stable_sort(rows.begin(), rows.end(),
                   [&](std::size_t x, std::size_t y) { return lengths_[x] > lengths_[y]; });
  return rows;
}

PaddedBatch pad_batch(const std::vector<std::vector<std::int32_t>>& sequences,
                      const std::vector<std::size_t>& rows, std::int32_t pad, bool reverse) {
  const std::int64_t B = static_cast<std::int64_t>(rows.size());
  std::int64_t T = 1;
  for (std::size_t r : rows)
    T = std::max<std::int64_t>(T, static_cast<std::int64_t>(sequences[r].size()));
  std::vector<std::int32_t> ids(static_cast<std::size_t>(T * B), pad), len(rows.size());
  for (std::int64_t b = 0; b < B; ++b) {
    const auto& s = sequences[rows[static_cast<std::size_t>(b)]];
    const std::int64_t n = static_cast<std::int64_t>(s.size());
    for (std::int64_t k = 0; k < n; ++k)
      ids[static_cast<std::size_t>(k * B + b)] =
          s[static_cast<std::size_t>(reverse ? n - 1 - k : k)];
    len[static_cast<std::size_t>(b)] = static_cast<std::int32_t>(n);
  }
  return {Tensor::from_ids(ids, {T, B}), Tensor::from_ids(len, {B})};
}

}  // namespace rnnkit::text

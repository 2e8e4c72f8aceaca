#include "rnnkit/models/ngram.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "rnnkit/core/error.h"
#include "rnnkit/text/parallel.h"

namespace rnnkit::models {

namespace {
constexpr int kIdBits = 21;
constexpr std::int64_t kMaxWords = (std::int64_t{1} << kIdBits) - 1;
const char* const kBos = "<s>";
const char* const kEos = "</s>";
const char* const kUnkWord = "<unk>";

std::vector<std::int32_t> ids_of(const NgramModel::Key& k, int n) {
  std::vector<std::int32_t> ids(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    std::uint64_t word = i < 3 ? k.lo >> (kIdBits * i) : k.hi >> (kIdBits * (i - 3));
    ids[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(word & ((1u << kIdBits) - 1)) - 1;
  }
  return ids;
}
}  // namespace

NgramModel::Key NgramModel::key(const std::int32_t* ids, int n) {
  Key k;
  for (int i = 0; i < n; ++i) {
    auto word = static_cast<std::uint64_t>(ids[i] + 1);
    if (i < 3) k.lo |= word << (kIdBits * i);
    else k.hi |= word << (kIdBits * (i - 3));
  }
  return k;
}

NgramModel::NgramModel(std::vector<std::string> words, int order) : order_(order), words_(std::move(words)) {
  RNNKIT_CHECK(order >= 1 && order <= kMaxNgramOrder, "n-gram order {} outside [1, {}]", order, kMaxNgramOrder);
  RNNKIT_CHECK(static_cast<std::int64_t>(words_.size()) <= kMaxWords, "n-gram vocabulary of {} words is over {}",
               words_.size(), kMaxWords);
  for (std::size_t i = 0; i < words_.size(); ++i) {
    bool fresh = index_.emplace(words_[i], static_cast<std::int32_t>(i)).second;
    RNNKIT_CHECK(fresh, "n-gram vocabulary: '{}' appears twice", words_[i]);
  }
  bos_ = id(kBos);
  eos_ = id(kEos);
  unk_ = id(kUnkWord);
  RNNKIT_CHECK(bos_ >= 0 && eos_ >= 0, "n-gram vocabulary lacks <s> or </s>");
  tables_.resize(static_cast<std::size_t>(order));
  discounts_.assign(static_cast<std::size_t>(order), {0.0, 0.0, 0.0});
}

std::int32_t NgramModel::id(const std::string& word) const {
  auto it = index_.find(word);
  return it == index_.end() ? -1 : it->second;
}

void NgramModel::set(const std::vector<std::int32_t>& ids, float log10_prob, float log10_backoff) {
  const int n = static_cast<int>(ids.size());
  RNNKIT_CHECK(n >= 1 && n <= order_, "n-gram of {} words in a model of order {}", n, order_);
  tables_[static_cast<std::size_t>(n - 1)][key(ids.data(), n)] = {log10_prob, log10_backoff};
}

void NgramModel::for_each(int n, const std::function<void(const std::vector<std::int32_t>&, float, float)>& fn) const {
  for (const auto& [k, e] : tables_[static_cast<std::size_t>(n - 1)]) fn(ids_of(k, n), e.log10_prob, e.log10_backoff);
}

double NgramModel::log10_prob(const std::vector<std::int32_t>& context, std::int32_t word) const {
  const int n = std::min<int>(order_ - 1, static_cast<int>(context.size()));
  std::vector<std::int32_t> gram(context.end() - n, context.end());
  gram.push_back(word);
  double backoff = 0;
  for (int k = n; k >= 0; --k) {  // the longest n-gram the model has, backing off
    const std::int32_t* g = gram.data() + (n - k);
    const auto& table = tables_[static_cast<std::size_t>(k)];
    if (auto it = table.find(key(g, k + 1)); it != table.end()) return backoff + it->second.log10_prob;
    if (k > 0) {
      const auto& lower = tables_[static_cast<std::size_t>(k - 1)];
      if (auto c = lower.find(key(g, k)); c != lower.end()) backoff += c->second.log10_backoff;
    }
  }
  throw InvalidArgument(fmt::format("n-gram model has no unigram for '{}'", words_[static_cast<std::size_t>(word)]));
}

double NgramModel::Score::perplexity() const {
  return std::pow(10.0, -log10_sum / static_cast<double>(words + sentences));
}

NgramModel::Score NgramModel::score(const std::vector<std::vector<std::string>>& sentences) const {
  Score s;
  std::vector<std::int32_t> context;
  for (const auto& sentence : sentences) {
    context.assign(1, bos_);
    for (const auto& w : sentence) {
      std::int32_t i = id(w);
      if (i < 0 && unk_ >= 0) ++s.unks;
      if (i < 0) i = unk_;
      if (i < 0) {  // skipped, as SRILM does; the context starts afresh after it
        ++s.oovs;
        context.clear();
        continue;
      }
      s.log10_sum += log10_prob(context, i);
      ++s.words;
      context.push_back(i);
      if (static_cast<int>(context.size()) >= order_) context.erase(context.begin());
    }
    s.log10_sum += log10_prob(context, eos_);
    ++s.sentences;
  }
  return s;
}

NgramModel NgramModel::train_kneser_ney(const std::vector<std::vector<std::string>>& sentences, int order) {
  RNNKIT_CHECK(!sentences.empty(), "n-gram training: no sentences");
  // Vocabulary: the markers, <unk>, then the words in order of appearance.
  std::vector<std::string> words = {kBos, kEos, kUnkWord};
  std::unordered_map<std::string, std::int32_t> index = {{kBos, 0}, {kEos, 1}, {kUnkWord, 2}};
  std::vector<std::vector<std::int32_t>> text;
  text.reserve(sentences.size());
  for (const auto& s : sentences) {
    std::vector<std::int32_t> ids = {0};
    for (const auto& w : s) {
      auto [it, fresh] = index.emplace(w, static_cast<std::int32_t>(words.size()));
      if (fresh) words.push_back(w);
      ids.push_back(it->second);
    }
    ids.push_back(1);
    text.push_back(std::move(ids));
  }
  NgramModel m(std::move(words), order);
  const std::int32_t bos = m.bos_;
  using Counts = std::unordered_map<Key, std::int64_t, KeyHash>;
  const std::size_t N = static_cast<std::size_t>(order);

  // Raw counts of every order; the highest order keeps them.
  std::vector<Counts> counts(N);
  for (const auto& s : text)
    for (std::size_t i = 0; i < s.size(); ++i)
      for (std::size_t n = 1; n <= N && i + n <= s.size(); ++n) {
        if (n == 1 && s[i] == bos) continue;  // <s> is context only, never predicted
        ++counts[n - 1][key(s.data() + i, static_cast<int>(n))];
      }
  // Lower orders count continuations: the distinct words seen before the
  // n-gram (Kneser & Ney), except for n-grams that start with <s>, which
  // nothing can precede.
  for (std::size_t n = N - 1; n >= 1; --n) {
    Counts cont;
    for (const auto& [k, c] : counts[n]) {
      auto ids = ids_of(k, static_cast<int>(n + 1));
      ++cont[key(ids.data() + 1, static_cast<int>(n))];
    }
    for (auto& [k, c] : counts[n - 1])
      if (ids_of(k, 1)[0] != bos) c = cont[k];  // always >= 1: every other position has a predecessor
  }

  for (std::size_t n = 1; n <= N; ++n) {
    const Counts& c = counts[n - 1];
    // Discounts from the counts of counts (Chen & Goodman's estimates).
    std::array<double, 5> nc{};
    for (const auto& [k, v] : c)
      if (v <= 4) nc[static_cast<std::size_t>(v)] += 1;
    std::array<double, 3> D{0.5, 0.5, 0.5};
    if (nc[1] > 0 && nc[2] > 0 && nc[3] > 0 && nc[4] > 0) {
      double Y = nc[1] / (nc[1] + 2 * nc[2]);
      D = {1 - 2 * Y * nc[2] / nc[1], 2 - 3 * Y * nc[3] / nc[2], 3 - 4 * Y * nc[4] / nc[3]};
    }
    for (std::size_t i = 0; i < 3; ++i) D[i] = std::clamp(D[i], 0.0, static_cast<double>(i + 1));
    m.discounts_[n - 1] = D;
    auto discount = [&](std::int64_t v) { return D[static_cast<std::size_t>(std::min<std::int64_t>(v, 3) - 1)]; };

    // Per context: total count and the mass the discounts free (gamma * total).
    struct Context {
      double total = 0, freed = 0;
    };
    std::unordered_map<Key, Context, KeyHash> contexts;
    for (const auto& [k, v] : c) {
      auto ids = ids_of(k, static_cast<int>(n));
      auto& ctx = contexts[key(ids.data(), static_cast<int>(n - 1))];
      ctx.total += static_cast<double>(v);
      ctx.freed += discount(v);
    }
    // p(w | h) = (c(hw) - D) / c(h) + gamma(h) p(w | h'), the lower order
    // already interpolated; unigrams interpolate with the uniform distribution.
    auto& table = m.tables_[n - 1];
    if (n == 1) {
      const Context& all = contexts[Key{}];
      const double gamma = all.freed / all.total, uniform = 1.0 / static_cast<double>(m.vocab_size() - 1);
      for (std::int32_t w = 0; w < m.vocab_size(); ++w) {
        if (w == bos) {
          table[key(&w, 1)].log10_prob = -99.0f;  // ARPA's "never"
          continue;
        }
        auto it = c.find(key(&w, 1));
        double v = it == c.end() ? 0.0 : static_cast<double>(it->second);
        double p = (v > 0 ? (v - discount(static_cast<std::int64_t>(v))) / all.total : 0.0) + gamma * uniform;
        table[key(&w, 1)].log10_prob = static_cast<float>(std::log10(p));
      }
      continue;
    }
    auto& lower = m.tables_[n - 2];
    for (const auto& [k, v] : c) {
      auto ids = ids_of(k, static_cast<int>(n));
      const Context& ctx = contexts[key(ids.data(), static_cast<int>(n - 1))];
      double p_lower = std::pow(10.0, lower.at(key(ids.data() + 1, static_cast<int>(n - 1))).log10_prob);
      double p = (static_cast<double>(v) - discount(v)) / ctx.total + ctx.freed / ctx.total * p_lower;
      table[k].log10_prob = static_cast<float>(std::log10(p));
    }
    for (const auto& [h, ctx] : contexts)  // every context is an n-1-gram of the model
      lower.at(h).log10_backoff = static_cast<float>(std::log10(ctx.freed / ctx.total));
  }
  return m;
}

std::vector<std::vector<std::string>> ngram_sentences(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  for (const auto& line : text::split_lines(text)) {
    auto words = text::split_units(line, text::Unit::kWord);
    if (!words.empty()) out.push_back(std::move(words));
  }
  return out;
}

}  // namespace rnnkit::models

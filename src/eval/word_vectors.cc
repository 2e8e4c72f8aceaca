#include "rnnkit/eval/word_vectors.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

#include "ops/cpu/blas.h"
#include "rnnkit/core/error.h"

namespace rnnkit::eval {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw FormatError(fmt::format("{}: cannot open", path));
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  if (lines.empty()) throw FormatError(fmt::format("{}: the file is empty", path));
  return lines;
}

}  // namespace

VectorIndex::VectorIndex(const models::WordVectors& v, std::int64_t restrict_vocab)
    : words_(v.words), dim_(v.dim()) {
  std::int64_t n = static_cast<std::int64_t>(words_.size());
  limit_ = restrict_vocab > 0 ? std::min(restrict_vocab, n) : n;
  unit_.resize(static_cast<std::size_t>(n * dim_));
  const float* src = v.vectors.data();
  for (std::int64_t w = 0; w < n; ++w) {
    double norm = 0;
    for (std::int64_t k = 0; k < dim_; ++k) norm += double(src[w * dim_ + k]) * src[w * dim_ + k];
    float inv = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
    for (std::int64_t k = 0; k < dim_; ++k) unit_[static_cast<std::size_t>(w * dim_ + k)] = src[w * dim_ + k] * inv;
    index_.emplace(words_[static_cast<std::size_t>(w)], static_cast<std::int32_t>(w));
  }
}

std::int32_t VectorIndex::id(const std::string& word) const {
  auto it = index_.find(word);
  if (it == index_.end()) it = index_.find(lower(word));
  return it == index_.end() ? -1 : it->second;
}

float VectorIndex::similarity(std::int32_t a, std::int32_t b) const {
  float s = 0;
  for (std::int64_t k = 0; k < dim_; ++k) s += unit_[static_cast<std::size_t>(a * dim_ + k)] * unit_[static_cast<std::size_t>(b * dim_ + k)];
  return s;
}

std::string VectorIndex::doesnt_match(const std::vector<std::string>& words) const {
  RNNKIT_CHECK(!words.empty(), "doesnt_match: no words");
  std::vector<std::int32_t> ids;
  std::vector<double> mean(static_cast<std::size_t>(dim_), 0.0);
  for (const auto& w : words) {
    ids.push_back(id(w));
    if (ids.back() < 0) throw InvalidArgument(fmt::format("'{}' is not in the vocabulary", w));
    for (std::int64_t d = 0; d < dim_; ++d)
      mean[static_cast<std::size_t>(d)] += unit_[static_cast<std::size_t>(ids.back() * dim_ + d)];
  }
  std::size_t worst = 0;
  double worst_dot = INFINITY;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    double dot = 0;
    for (std::int64_t d = 0; d < dim_; ++d)
      dot += unit_[static_cast<std::size_t>(ids[i] * dim_ + d)] * mean[static_cast<std::size_t>(d)];
    if (dot < worst_dot) worst_dot = dot, worst = i;
  }
  return words[worst];
}

std::vector<std::pair<std::string, float>> VectorIndex::most_similar(
    const std::vector<std::string>& positive, const std::vector<std::string>& negative,
    std::int64_t k) const {
  std::vector<float> q(static_cast<std::size_t>(dim_), 0.0f);
  std::vector<std::int32_t> used;
  auto add = [&](const std::string& w, float sign) {
    std::int32_t i = id(w);
    if (i < 0) throw InvalidArgument(fmt::format("'{}' is not in the vocabulary", w));
    used.push_back(i);
    for (std::int64_t d = 0; d < dim_; ++d) q[static_cast<std::size_t>(d)] += sign * unit_[static_cast<std::size_t>(i * dim_ + d)];
  };
  for (const auto& w : positive) add(w, 1.0f);
  for (const auto& w : negative) add(w, -1.0f);
  RNNKIT_CHECK(!used.empty(), "most_similar: no query words");
  double norm = 0;
  for (float x : q) norm += double(x) * x;
  float inv = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
  std::vector<float> scores(static_cast<std::size_t>(limit_));
  ops::cpu::sgemm(false, true, 1, limit_, dim_, inv, q.data(), dim_, unit_.data(), dim_, 0.0f,
                  scores.data(), limit_);
  for (std::int32_t u : used)
    if (u < limit_) scores[static_cast<std::size_t>(u)] = -INFINITY;
  // The k best in one pass: a word enters only when it beats the k-th, which
  // few do (sorting indices of the whole vocabulary cost a tenth of a query).
  // Ties keep the more frequent word first.
  k = std::min<std::int64_t>(k, limit_);
  std::vector<std::pair<float, std::int32_t>> best;
  auto better = [](float v, const std::pair<float, std::int32_t>& b) { return v > b.first; };
  if (k * 16 > limit_) {  // a large share of the vocabulary: sort it
    for (std::int32_t i = 0; i < static_cast<std::int32_t>(limit_); ++i)
      best.emplace_back(scores[static_cast<std::size_t>(i)], i);
    std::stable_sort(best.begin(), best.end(),
                     [&](const auto& a, const auto& b) { return better(a.first, b); });
    best.resize(static_cast<std::size_t>(k));
  }
  best.reserve(static_cast<std::size_t>(k) + 1);
  for (std::int32_t i = 0; k * 16 <= limit_ && i < static_cast<std::int32_t>(limit_); ++i) {
    const float s = scores[static_cast<std::size_t>(i)];
    if (static_cast<std::int64_t>(best.size()) == k && !(s > best.back().first)) continue;
    auto at = std::upper_bound(best.begin(), best.end(), s, better);
    best.insert(at, {s, i});
    if (static_cast<std::int64_t>(best.size()) > k) best.pop_back();
  }
  std::vector<std::pair<std::string, float>> out;
  for (const auto& [score, i] : best) out.emplace_back(words_[static_cast<std::size_t>(i)], score);
  return out;
}

std::vector<std::int32_t> VectorIndex::analogy(const std::vector<std::array<std::int32_t, 3>>& qs,
                                               AnalogyMethod method) const {
  constexpr std::int64_t kBlock = 512;
  std::vector<std::int32_t> answers(qs.size(), -1);
  std::vector<float> a(static_cast<std::size_t>(kBlock * dim_)), b(a.size()), c(a.size());
  std::vector<float> sa(static_cast<std::size_t>(kBlock * limit_)), sb(sa.size()), sc(sa.size());
  for (std::size_t start = 0; start < qs.size(); start += kBlock) {
    std::int64_t n = std::min<std::int64_t>(kBlock, static_cast<std::int64_t>(qs.size() - start));
    for (std::int64_t i = 0; i < n; ++i)
      for (int j = 0; j < 3; ++j) {
        float* dst = (j == 0 ? a : j == 1 ? b : c).data() + i * dim_;
        std::copy_n(unit_.data() + qs[start + static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] * dim_, dim_, dst);
      }
    // Cosines of every candidate with a, b and c: three GEMMs.
    ops::cpu::sgemm(false, true, n, limit_, dim_, 1.0f, a.data(), dim_, unit_.data(), dim_, 0.0f, sa.data(), limit_);
    ops::cpu::sgemm(false, true, n, limit_, dim_, 1.0f, b.data(), dim_, unit_.data(), dim_, 0.0f, sb.data(), limit_);
    ops::cpu::sgemm(false, true, n, limit_, dim_, 1.0f, c.data(), dim_, unit_.data(), dim_, 0.0f, sc.data(), limit_);
#pragma omp parallel for
    for (std::int64_t i = 0; i < n; ++i) {
      const auto& q = qs[start + static_cast<std::size_t>(i)];
      const float* ra = sa.data() + i * limit_;
      const float* rb = sb.data() + i * limit_;
      const float* rc = sc.data() + i * limit_;
      float best = -INFINITY;
      std::int32_t arg = -1;
      for (std::int64_t w = 0; w < limit_; ++w) {
        if (w == q[0] || w == q[1] || w == q[2]) continue;
        // a : b = c : d  =>  d near b - a + c.
        float s = method == AnalogyMethod::kAdd
                      ? rb[w] - ra[w] + rc[w]
                      : ((rb[w] + 1) / 2) * ((rc[w] + 1) / 2) / ((ra[w] + 1) / 2 + 1e-3f);
        if (s > best) {
          best = s;
          arg = static_cast<std::int32_t>(w);
        }
      }
      answers[start + static_cast<std::size_t>(i)] = arg;
    }
  }
  return answers;
}

AnalogyResult evaluate_analogy(const VectorIndex& index, const std::string& path,
                               AnalogyMethod method) {
  AnalogyResult r;
  std::vector<std::array<std::int32_t, 3>> qs;
  std::vector<std::int32_t> expect;
  std::vector<std::size_t> section_of;
  std::int64_t line_no = 0;
  for (const auto& line : read_lines(path)) {
    ++line_no;
    if (line.empty()) continue;
    if (line[0] == ':') {
      std::string name = line.substr(1);
      name.erase(0, name.find_first_not_of(" \t"));
      r.sections.push_back({name});
      continue;
    }
    std::istringstream ss(line);
    std::string w[4];
    if (!(ss >> w[0] >> w[1] >> w[2] >> w[3]))
      throw FormatError(fmt::format("{}:{}: expected four words, got '{}'", path, line_no, line));
    if (r.sections.empty()) r.sections.push_back({"(no section)"});
    AnalogySection& sec = r.sections.back();
    ++sec.questions;
    std::int32_t ids[4];
    bool ok = true;
    for (int k = 0; k < 4; ++k) {
      ids[k] = index.id(w[k]);
      ok = ok && ids[k] >= 0 && ids[k] < index.searchable();
    }
    if (!ok) continue;
    ++sec.covered;
    qs.push_back({ids[0], ids[1], ids[2]});
    expect.push_back(ids[3]);
    section_of.push_back(r.sections.size() - 1);
  }
  auto answers = index.analogy(qs, method);
  for (std::size_t i = 0; i < qs.size(); ++i)
    if (answers[i] == expect[i]) ++r.sections[section_of[i]].correct;
  for (const auto& s : r.sections) {
    for (AnalogySection* t : {&r.total, s.name.rfind("gram", 0) == 0 ? &r.syntactic : &r.semantic}) {
      t->questions += s.questions;
      t->covered += s.covered;
      t->correct += s.correct;
    }
  }
  return r;
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  auto ranks = [](const std::vector<double>& v) {
    std::vector<std::size_t> o(v.size());
    std::iota(o.begin(), o.end(), 0);
    std::sort(o.begin(), o.end(), [&](auto a, auto b) { return v[a] < v[b]; });
    std::vector<double> r(v.size());
    for (std::size_t i = 0; i < o.size();) {
      std::size_t j = i;
      while (j + 1 < o.size() && v[o[j + 1]] == v[o[i]]) ++j;
      for (std::size_t k = i; k <= j; ++k) r[o[k]] = (static_cast<double>(i + j) / 2.0) + 1.0;
      i = j + 1;
    }
    return r;
  };
  RNNKIT_CHECK(x.size() == y.size() && x.size() >= 2, "spearman: needs two equal lists of 2+ values");
  auto rx = ranks(x), ry = ranks(y);
  double mx = std::accumulate(rx.begin(), rx.end(), 0.0) / rx.size();
  double my = std::accumulate(ry.begin(), ry.end(), 0.0) / ry.size();
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < rx.size(); ++i) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - my) * (ry[i] - my);
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0.0;
}

SimilarityResult evaluate_similarity(const VectorIndex& index, const std::string& path) {
  SimilarityResult r;
  r.name = path.substr(path.find_last_of('/') + 1);
  std::vector<double> gold, ours;
  std::int64_t line_no = 0;
  for (const auto& line : read_lines(path)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string a, b;
    double score;
    if (!(ss >> a >> b >> score))
      throw FormatError(fmt::format("{}:{}: expected 'word word score', got '{}'", path, line_no, line));
    ++r.pairs;
    std::int32_t ia = index.id(a), ib = index.id(b);
    if (ia < 0 || ib < 0 || ia >= index.searchable() || ib >= index.searchable()) continue;
    ++r.covered;
    gold.push_back(score);
    ours.push_back(index.similarity(ia, ib));
  }
  r.spearman = gold.size() >= 2 ? spearman(gold, ours) : 0.0;
  return r;
}

}  // namespace rnnkit::eval

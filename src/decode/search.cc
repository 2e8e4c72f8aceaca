#include "rnnkit/decode/search.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "rnnkit/core/error.h"

namespace rnnkit::decode {
namespace {
float normalised(float log_prob, std::size_t length, float penalty) {
  return penalty == 0.0f ? log_prob : log_prob / std::pow(static_cast<float>(length + 1), penalty);
}

// NaN scores rank nothing: a model with non-finite weights is an error, not a crash.
void check_scores(const float* row, std::int64_t vocab) {
  for (std::int64_t w = 0; w < vocab; ++w)
    if (std::isnan(row[w]))
      throw NumericalError(
          "decoding: the model's log-probabilities are NaN (are its weights finite?)");
}
}  // namespace

std::vector<Hypothesis> greedy_search(std::int64_t batch, std::int64_t vocab, const StepFn& step,
                                      const SearchOptions& opts) {
  std::vector<Hypothesis> out(static_cast<std::size_t>(batch));
  std::vector<bool> done(out.size(), false);
  std::vector<std::int32_t> tokens(out.size(), opts.start);
  std::vector<std::int64_t> parents(out.size());
  std::iota(parents.begin(), parents.end(), 0);
  for (std::int64_t t = 0; t < opts.max_length; ++t) {
    std::vector<float> lp = step(tokens, parents);
    RNNKIT_CHECK(static_cast<std::int64_t>(lp.size()) == batch * vocab, "search: step returned {} values for {} x {}",
                 lp.size(), batch, vocab);
    bool all = true;
    for (std::size_t b = 0; b < out.size(); ++b) {
      if (done[b]) continue;
      const float* row = lp.data() + b * static_cast<std::size_t>(vocab);
      check_scores(row, vocab);
      auto best = static_cast<std::int32_t>(std::max_element(row, row + vocab) - row);
      out[b].log_prob += row[best];
      if (best == opts.eos) done[b] = true;
      else out[b].tokens.push_back(best);
      tokens[b] = best;
      all = all && done[b];
    }
    if (all) break;
  }
  for (auto& h : out) h.score = normalised(h.log_prob, h.tokens.size(), opts.length_penalty);
  return out;
}

std::vector<std::vector<Hypothesis>> beam_search(std::int64_t batch, std::int64_t vocab,
                                                 const StepFn& step, const SearchOptions& opts) {
  const std::int64_t K = opts.width;
  RNNKIT_CHECK(K >= 1, "beam width must be at least 1, got {}", K);
  const std::size_t rows = static_cast<std::size_t>(batch * K);
  std::vector<std::vector<Hypothesis>> finished(static_cast<std::size_t>(batch));
  std::vector<Hypothesis> alive(rows);
  // Only the first row of each sequence starts alive (the others would repeat it).
  for (std::size_t r = 0; r < rows; ++r) alive[r].log_prob = r % K == 0 ? 0.0f : -INFINITY;
  std::vector<bool> done(static_cast<std::size_t>(batch), false);
  std::vector<std::int32_t> tokens(rows, opts.start);
  std::vector<std::int64_t> parents(rows);
  std::iota(parents.begin(), parents.end(), 0);
  struct Cand {
    float lp;
    std::int64_t row;
    std::int32_t token;
  };
  for (std::int64_t t = 0; t < opts.max_length; ++t) {
    std::vector<float> lp = step(tokens, parents);
    RNNKIT_CHECK(lp.size() == rows * static_cast<std::size_t>(vocab), "search: step returned {} values for {} x {}",
                 lp.size(), rows, vocab);
    std::vector<Hypothesis> next(rows);
    for (std::int64_t b = 0; b < batch; ++b) {
      std::vector<Cand> cands;
      if (!done[static_cast<std::size_t>(b)]) {
        for (std::int64_t k = 0; k < K; ++k) {
          std::int64_t r = b * K + k;
          float base = alive[static_cast<std::size_t>(r)].log_prob;
          if (!std::isfinite(base)) continue;
          const float* row = lp.data() + r * vocab;
          check_scores(row, vocab);
          for (std::int32_t w = 0; w < vocab; ++w) cands.push_back({base + row[w], r, w});
        }
      }
      std::size_t keep = std::min<std::size_t>(cands.size(), static_cast<std::size_t>(2 * K));
      std::partial_sort(cands.begin(), cands.begin() + static_cast<std::ptrdiff_t>(keep), cands.end(),
                        [](const Cand& x, const Cand& y) { return x.lp > y.lp; });
      std::int64_t filled = 0;
      auto& fin = finished[static_cast<std::size_t>(b)];
      for (std::size_t c = 0; c < keep && filled < K; ++c) {
        const Cand& cd = cands[c];
        Hypothesis h = alive[static_cast<std::size_t>(cd.row)];
        h.log_prob = cd.lp;
        if (cd.token == opts.eos) {
          if (static_cast<std::int64_t>(fin.size()) < K) {
            h.score = normalised(h.log_prob, h.tokens.size(), opts.length_penalty);
            fin.push_back(std::move(h));
          }
          continue;
        }
        h.tokens.push_back(cd.token);
        std::size_t slot = static_cast<std::size_t>(b * K + filled++);
        parents[slot] = cd.row;
        tokens[slot] = cd.token;
        next[slot] = std::move(h);
      }
      for (std::int64_t k = filled; k < K; ++k) {  // empty slots stay dead
        std::size_t slot = static_cast<std::size_t>(b * K + k);
        next[slot].log_prob = -INFINITY;
        parents[slot] = b * K;
        tokens[slot] = opts.eos;
      }
      if (static_cast<std::int64_t>(fin.size()) >= K || filled == 0) done[static_cast<std::size_t>(b)] = true;
    }
    alive = std::move(next);
    if (std::all_of(done.begin(), done.end(), [](bool d) { return d; })) break;
  }
  for (std::int64_t b = 0; b < batch; ++b) {
    auto& fin = finished[static_cast<std::size_t>(b)];
    if (static_cast<std::int64_t>(fin.size()) < K) {  // max_length reached: unfinished prefixes count too
      for (std::int64_t k = 0; k < K; ++k) {
        Hypothesis h = alive[static_cast<std::size_t>(b * K + k)];
        if (!std::isfinite(h.log_prob)) continue;
        h.score = normalised(h.log_prob, h.tokens.size(), opts.length_penalty);
        fin.push_back(std::move(h));
      }
    }
    if (fin.empty())
      throw NumericalError(
          fmt::format("decoding: sentence {} has no finite-scored output (are the model's weights "
                      "finite?)",
                      b + 1));
    std::stable_sort(fin.begin(), fin.end(), [](const Hypothesis& x, const Hypothesis& y) { return x.score > y.score; });
    if (static_cast<std::int64_t>(fin.size()) > opts.nbest) fin.resize(static_cast<std::size_t>(opts.nbest));
  }
  return finished;
}

}  // namespace rnnkit::decode

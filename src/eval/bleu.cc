#include "rnnkit/eval/bleu.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "rnnkit/core/error.h"

namespace rnnkit::eval {
namespace {
using NGrams = std::map<std::vector<std::string>, std::int64_t>;
NGrams ngrams(const std::vector<std::string>& s, std::size_t n) {
  NGrams out;
  for (std::size_t i = 0; i + n <= s.size(); ++i) ++out[std::vector<std::string>(s.begin() + i, s.begin() + i + n)];
  return out;
}
}  // namespace

BleuResult corpus_bleu(const std::vector<std::vector<std::string>>& hyps,
                       const std::vector<std::vector<std::string>>& refs) {
  RNNKIT_CHECK(hyps.size() == refs.size(), "BLEU: {} hypotheses for {} references", hyps.size(), refs.size());
  std::array<std::int64_t, 4> correct{}, total{};
  BleuResult r;
  for (std::size_t s = 0; s < hyps.size(); ++s) {
    r.hyp_length += static_cast<std::int64_t>(hyps[s].size());
    r.ref_length += static_cast<std::int64_t>(refs[s].size());
    for (std::size_t n = 1; n <= 4; ++n) {
      NGrams h = ngrams(hyps[s], n), ref = ngrams(refs[s], n);
      for (const auto& [g, c] : h) {
        auto it = ref.find(g);
        correct[n - 1] += std::min(c, it == ref.end() ? 0 : it->second);
        total[n - 1] += c;
      }
    }
  }
  double smooth = 1.0, log_sum = 0.0;
  for (std::size_t n = 0; n < 4; ++n) {
    if (total[n] == 0) {
      r.precisions[n] = 0;
    } else if (correct[n] == 0) {
      smooth *= 2.0;
      r.precisions[n] = 100.0 / (smooth * static_cast<double>(total[n]));
    } else {
      r.precisions[n] = 100.0 * static_cast<double>(correct[n]) / static_cast<double>(total[n]);
    }
  }
  if (r.hyp_length == 0) return r;
  r.brevity_penalty = r.hyp_length < r.ref_length
                          ? std::exp(1.0 - static_cast<double>(r.ref_length) / static_cast<double>(r.hyp_length))
                          : 1.0;
  for (double p : r.precisions) {
    if (p <= 0) return r;  // an order with no n-grams at all
    log_sum += std::log(p / 100.0);
  }
  r.bleu = 100.0 * r.brevity_penalty * std::exp(log_sum / 4.0);
  return r;
}

}  // namespace rnnkit::eval

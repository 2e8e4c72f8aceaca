// Corpus BLEU (Papineni et al. 2002) as sacreBLEU computes it on already
// tokenized text (--tokenize none): clipped n-gram matches summed over the
// corpus for n = 1..4, geometric mean with sacreBLEU's default "exp"
// smoothing (an n with no match counts as 1 / (2^k * total)), brevity penalty
// exp(1 - r/c) when the output is shorter than the references.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace rnnkit::eval {

struct BleuResult {
  double bleu = 0;                    // 0..100
  std::array<double, 4> precisions{};  // 0..100
  double brevity_penalty = 0;
  std::int64_t hyp_length = 0, ref_length = 0;
};

BleuResult corpus_bleu(const std::vector<std::vector<std::string>>& hypotheses,
                       const std::vector<std::vector<std::string>>& references);

}  // namespace rnnkit::eval

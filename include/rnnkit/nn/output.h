// Output layers for large vocabularies.
//
// Sampled objectives train a softmax output layer without computing every
// logit: the target and K noise words drawn once per batch from
// unigram^alpha (shared by every position), scored with the full softmax's
// own weight [V, H] and bias [V], under one of three objectives:
//   importance: softmax over {target, noise} with logits corrected by
//     -log(K Q(w)) and accidental hits removed (Bengio & Senecal 2008;
//     Jean et al. 2015's sampled softmax);
//   nce: logistic regression of data against K noise words on
//     s(w) - log(K Q(w)), self-normalised (Z = 1; Mnih & Teh 2012);
//   negative: the same on s(w) uncorrected (Mikolov et al. 2013);
//   blackout: the weighted softmax p~ over {target, noise} (weights 1/Q(w))
//     scored discriminatively, -log p~(y) - sum_k log(1 - p~(k)), noise hits
//     of the target left out (Ji et al. 2016).
// Evaluation uses the full softmax. Built from differentiable ops only.
#pragma once

#include <string>
#include <vector>

#include "rnnkit/core/alias.h"
#include "rnnkit/nn/layers.h"

namespace rnnkit::nn {

enum class SampledObjective { kImportance, kNce, kNegative, kBlackOut };
// importance | nce | negative | blackout
SampledObjective parse_sampled_objective(const std::string& name);

class NoiseSampler {
 public:
  NoiseSampler() = default;
  NoiseSampler(const std::vector<std::int64_t>& counts, double alpha);
  std::vector<std::int32_t> draw(std::int64_t k, Generator& gen) const;
  double probability(std::int32_t w) const { return table_.probability(w); }
  std::int64_t size() const { return table_.size(); }

 private:
  AliasTable table_;
};

// Sum over the N rows of h [N, H] of the objective's loss for targets
// (int32 [N]) against the noise words (K of them, drawn by `q`).
Var sampled_loss(SampledObjective objective, const Var& h, const Linear& output, const Tensor& targets,
                 const std::vector<std::int32_t>& noise, const NoiseSampler& q);

// Hierarchical softmax (Morin & Bengio 2005; Mikolov et al. 2011): a binary
// tree over the vocabulary (the model builds a Huffman tree from the word
// counts), p(w | h) the product over the inner nodes n on w's path of
// sigma(x_n) for bit 0 and sigma(-x_n) for bit 1, x_n = h . v_n + b_n, with
// `nodes` the Linear holding the V-1 inner-node vectors. Exact and normalised.
struct TreePath {
  std::vector<std::int32_t> nodes;  // inner nodes from the root
  std::vector<std::uint8_t> bits;   // the branch taken at each
};
// Sum over the rows of h [N, H] of -log p(target | h), targets int32 [N].
Var hierarchical_nll(const Var& h, const Linear& nodes, const Tensor& targets, const std::vector<TreePath>& paths);
// log p(w | h) for every word: [N, V] (not differentiated; for generation).
Tensor hierarchical_log_probs(const Tensor& h, const Linear& nodes, const std::vector<TreePath>& paths);

// Class-based softmax (Goodman 2001; Mikolov et al. 2011): words binned into
// classes by frequency, p(w | h) = p(c(w) | h) p(w | c(w), h), each factor a
// softmax: over the classes (`classes`, [C, H]) and over the words of w's
// class only (their rows of `words`, [V, H]). Exact and normalised.
struct WordClasses {
  std::vector<std::int32_t> class_of, index_in_class;  // per word
  std::vector<std::vector<std::int32_t>> members;      // per class, the words
};
// Mikolov's binning: words by descending count, cut into `classes` bins of
// equal unigram mass (frequent words get small classes).
WordClasses frequency_classes(const std::vector<std::int64_t>& counts, std::int64_t classes);
Var class_nll(const Var& h, const Linear& classes, const Linear& words, const Tensor& targets,
              const WordClasses& wc);
Tensor class_log_probs(const Tensor& h, const Linear& classes, const Linear& words, const WordClasses& wc);

}  // namespace rnnkit::nn

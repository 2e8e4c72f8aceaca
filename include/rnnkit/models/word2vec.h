// word2vec (Mikolov et al. 2013): skip-gram and CBOW with negative sampling
// (noise from unigram^0.75 through an alias table) or hierarchical softmax
// (Huffman tree), subsampling of frequent words, linear learning-rate decay,
// lock-free (Hogwild) threads. This is DESIGN.md's hand-tuned fast path: a
// window is processed as small matrix products against one shared set of
// targets (Ji et al. 2016), and tests hold every update against the autograd
// path.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "rnnkit/core/rng.h"
#include "rnnkit/core/tensor.h"
#include "rnnkit/text/stream.h"

namespace rnnkit::models {

struct Word2VecOptions {
  std::string arch = "skipgram";  // skipgram | cbow
  std::string loss = "ns";        // ns (negative sampling) | hs (hierarchical softmax)
  std::int64_t dim = 100;
  std::int64_t window = 5;
  std::int64_t negative = 5;
  double ns_power = 0.75;
  double sample = 1e-4;  // subsampling threshold; 0: off
  std::int64_t epochs = 5;
  float alpha = 0.0f;  // 0: 0.025 for skip-gram, 0.05 for CBOW
  float min_alpha_ratio = 1e-4f;
  int threads = 0;  // 0: all cores
  std::uint64_t seed = 1;
  void validate() const;
  float start_alpha() const { return alpha > 0 ? alpha : arch == "cbow" ? 0.05f : 0.025f; }
};

struct Word2VecProgress {
  int epoch = 0, epochs = 0;
  double fraction = 0;  // of the whole run
  double words_per_s_per_thread = 0, alpha = 0, loss = 0, elapsed_s = 0, eta_s = 0;
};

struct WordVectors {
  std::vector<std::string> words;
  std::vector<std::int64_t> counts;  // may be empty (imported vectors)
  Tensor vectors;                    // [V, dim] on the CPU
  std::int64_t dim() const { return vectors.size(1); }
};

struct Word2VecResult {
  WordVectors vectors;
  double seconds = 0;
  double words_per_s = 0;  // corpus words (before subsampling) per second, all threads
  std::int64_t trained_words = 0;
};

Word2VecResult train_word2vec(const text::IdCorpus& corpus, const Word2VecOptions& opts,
                              const std::function<void(const Word2VecProgress&)>& progress = {});

// One window's update, exposed for the tests that hold it against autograd.
// in: rows of input vectors (contexts; for CBOW their mean is used), out: the
// output matrix (negative sampling: rows of targets with labels; hierarchical
// softmax: inner nodes with labels 1 - code). Applies one SGD step of size
// alpha to both and returns the loss before the step.
struct WindowBatch {
  std::vector<std::int32_t> inputs;
  std::vector<std::int32_t> outputs;
  std::vector<float> labels;  // parallel to outputs
};
float word2vec_window_update(bool cbow, const WindowBatch& batch, float* in, float* out,
                             std::int64_t stride, std::int64_t dim, float alpha);

}  // namespace rnnkit::models

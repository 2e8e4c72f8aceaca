// Count-based word vectors (the book's chapter 2): windowed co-occurrence
// counts as a sparse matrix, positive PMI, and a truncated SVD by Halko,
// Martinsson & Tropp's randomized range finder (2011). Nothing V x V is ever
// dense, so a 100k-word vocabulary fits.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "rnnkit/models/word2vec.h"
#include "rnnkit/text/stream.h"

namespace rnnkit::models {

// Compressed sparse rows of a square matrix.
struct SparseMatrix {
  std::int64_t n = 0;
  std::vector<std::int64_t> row_start;  // n + 1
  std::vector<std::int32_t> col;
  std::vector<float> val;
  std::int64_t nnz() const { return static_cast<std::int64_t>(col.size()); }
  // y[n, k] = this * x[n, k] (row-major dense).
  void multiply(const float* x, std::int64_t k, float* y) const;
};

// Symmetric counts of word pairs at distance 1..window within a line.
SparseMatrix cooccurrence(const text::IdCorpus& corpus, std::int64_t window);
// max(0, log2(C_ij N / (C_i C_j))) with N the total count; zeros dropped.
SparseMatrix ppmi(const SparseMatrix& counts);

struct SvdOptions {
  std::int64_t rank = 100;
  std::int64_t oversample = 10;
  std::int64_t power_iters = 2;
  std::uint64_t seed = 1;
};
struct SvdResult {
  std::vector<float> u;  // [n, rank] left singular vectors
  std::vector<float> s;  // [rank], descending
};
// Truncated SVD of a symmetric sparse matrix.
SvdResult randomized_svd(const SparseMatrix& m, const SvdOptions& opts);

struct CountVectorOptions {
  std::int64_t window = 2;
  std::int64_t dim = 100;
  double eig_power = 0.5;  // vectors = U S^p (Levy et al. 2015: p = 0 or 0.5 beat 1)
  std::int64_t power_iters = 2;
  std::uint64_t seed = 1;
};
WordVectors count_vectors(const text::IdCorpus& corpus, const CountVectorOptions& opts,
                          const std::function<void(const std::string&)>& say = {});

}  // namespace rnnkit::models

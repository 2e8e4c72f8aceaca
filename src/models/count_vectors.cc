#include "rnnkit/models/count_vectors.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "ops/cpu/blas.h"
#include "rnnkit/core/error.h"
#include "rnnkit/core/rng.h"
#include "rnnkit/core/rng_streams.h"

extern "C" {
// LAPACK (OpenBLAS exports it).
void sgeqrf_(const int* m, const int* n, float* a, const int* lda, float* tau, float* work,
             const int* lwork, int* info);
void sorgqr_(const int* m, const int* n, const int* k, float* a, const int* lda, const float* tau,
             float* work, const int* lwork, int* info);
void sgesdd_(const char* jobz, const int* m, const int* n, float* a, const int* lda, float* s,
             float* u, const int* ldu, float* vt, const int* ldvt, float* work, const int* lwork,
             int* iwork, int* info);
}

namespace rnnkit::models {
namespace {

// LAPACK is column-major; a row-major [n, k] matrix is a column-major [k, n]
// one. These helpers work on the transpose explicitly.
std::vector<float> transpose(const std::vector<float>& a, std::int64_t rows, std::int64_t cols) {
  std::vector<float> t(a.size());
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t j = 0; j < cols; ++j) t[static_cast<std::size_t>(j * rows + i)] = a[static_cast<std::size_t>(i * cols + j)];
  return t;
}

// Orthonormalises the columns of row-major y [n, k] in place (thin QR).
void orthonormalize(std::vector<float>& y, std::int64_t n, std::int64_t k) {
  std::vector<float> a = transpose(y, n, k);  // column-major n x k
  int m = static_cast<int>(n), kk = static_cast<int>(k), lda = m, info = 0, lwork = -1;
  std::vector<float> tau(static_cast<std::size_t>(k));
  float query = 0;
  sgeqrf_(&m, &kk, a.data(), &lda, tau.data(), &query, &lwork, &info);
  lwork = static_cast<int>(query);
  std::vector<float> work(static_cast<std::size_t>(std::max(lwork, 1)));
  sgeqrf_(&m, &kk, a.data(), &lda, tau.data(), work.data(), &lwork, &info);
  RNNKIT_CHECK(info == 0, "QR factorisation failed (LAPACK sgeqrf info {})", info);
  lwork = -1;
  sorgqr_(&m, &kk, &kk, a.data(), &lda, tau.data(), &query, &lwork, &info);
  lwork = static_cast<int>(query);
  work.resize(static_cast<std::size_t>(std::max(lwork, 1)));
  sorgqr_(&m, &kk, &kk, a.data(), &lda, tau.data(), work.data(), &lwork, &info);
  RNNKIT_CHECK(info == 0, "QR factorisation failed (LAPACK sorgqr info {})", info);
  y = transpose(a, k, n);
}

}  // namespace

void SparseMatrix::multiply(const float* x, std::int64_t k, float* y) const {
#pragma omp parallel for schedule(dynamic, 256)
  for (std::int64_t i = 0; i < n; ++i) {
    float* yi = y + i * k;
    std::fill(yi, yi + k, 0.0f);
    for (std::int64_t p = row_start[static_cast<std::size_t>(i)]; p < row_start[static_cast<std::size_t>(i) + 1]; ++p) {
      const float v = val[static_cast<std::size_t>(p)];
      const float* xj = x + static_cast<std::int64_t>(col[static_cast<std::size_t>(p)]) * k;
#pragma omp simd
      for (std::int64_t j = 0; j < k; ++j) yi[j] += v * xj[j];
    }
  }
}

SparseMatrix cooccurrence(const text::IdCorpus& corpus, std::int64_t window) {
  RNNKIT_CHECK(window >= 1, "co-occurrence window {} must be at least 1", window);
  const std::int64_t n = static_cast<std::int64_t>(corpus.words.size());
  // Pairs (i, j) encoded in one 64-bit key, sorted and reduced: memory is
  // 8 bytes per pair occurrence, time one sort.
  std::vector<std::uint64_t> keys;
  keys.reserve(corpus.ids.size() * static_cast<std::size_t>(2 * window));
  std::int64_t begin = 0;
  for (std::int64_t end : corpus.line_ends) {
    for (std::int64_t i = begin; i < end; ++i)
      for (std::int64_t d = 1; d <= window && i + d < end; ++d) {
        std::uint64_t a = static_cast<std::uint32_t>(corpus.ids[static_cast<std::size_t>(i)]);
        std::uint64_t b = static_cast<std::uint32_t>(corpus.ids[static_cast<std::size_t>(i + d)]);
        keys.push_back(a << 32 | b);
        keys.push_back(b << 32 | a);
      }
    begin = end;
  }
  std::sort(keys.begin(), keys.end());
  SparseMatrix m;
  m.n = n;
  m.row_start.assign(static_cast<std::size_t>(n) + 1, 0);
  for (std::size_t i = 0; i < keys.size();) {
    std::size_t j = i;
    while (j < keys.size() && keys[j] == keys[i]) ++j;
    std::int64_t row = static_cast<std::int64_t>(keys[i] >> 32);
    m.col.push_back(static_cast<std::int32_t>(keys[i] & 0xffffffffu));
    m.val.push_back(static_cast<float>(j - i));
    ++m.row_start[static_cast<std::size_t>(row) + 1];
    i = j;
  }
  for (std::int64_t r = 0; r < n; ++r) m.row_start[static_cast<std::size_t>(r) + 1] += m.row_start[static_cast<std::size_t>(r)];
  return m;
}

SparseMatrix ppmi(const SparseMatrix& c) {
  std::vector<double> row_sum(static_cast<std::size_t>(c.n), 0.0);
  double total = 0;
  for (std::int64_t i = 0; i < c.n; ++i)
    for (std::int64_t p = c.row_start[static_cast<std::size_t>(i)]; p < c.row_start[static_cast<std::size_t>(i) + 1]; ++p) {
      row_sum[static_cast<std::size_t>(i)] += c.val[static_cast<std::size_t>(p)];
      total += c.val[static_cast<std::size_t>(p)];
    }
  SparseMatrix m;
  m.n = c.n;
  m.row_start.assign(static_cast<std::size_t>(c.n) + 1, 0);
  for (std::int64_t i = 0; i < c.n; ++i) {
    for (std::int64_t p = c.row_start[static_cast<std::size_t>(i)]; p < c.row_start[static_cast<std::size_t>(i) + 1]; ++p) {
      std::int32_t j = c.col[static_cast<std::size_t>(p)];
      double pmi = std::log2(c.val[static_cast<std::size_t>(p)] * total /
                             (row_sum[static_cast<std::size_t>(i)] * row_sum[static_cast<std::size_t>(j)]));
      if (pmi > 0) {
        m.col.push_back(j);
        m.val.push_back(static_cast<float>(pmi));
      }
    }
    m.row_start[static_cast<std::size_t>(i) + 1] = m.nnz();
  }
  return m;
}

SvdResult randomized_svd(const SparseMatrix& m, const SvdOptions& opts) {
  const std::int64_t n = m.n, k = std::min(opts.rank + opts.oversample, n);
  RNNKIT_CHECK(opts.rank >= 1 && opts.rank <= n, "SVD rank {} outside [1, {}]", opts.rank, n);
  // Range finder: Y = M^(2q+1) Omega, re-orthonormalised after each product.
  std::vector<float> omega(static_cast<std::size_t>(n * k)), y(omega.size());
  Generator g(opts.seed, stream_id(RngStream::kSvd));
  for (std::size_t i = 0; i < omega.size(); ++i) {
    // Box-Muller from two uniforms: a Gaussian test matrix.
    float u1 = std::max(g.uniform_at(2 * i), 1e-7f), u2 = g.uniform_at(2 * i + 1);
    omega[i] = std::sqrt(-2.0f * std::log(u1)) * std::cos(6.28318531f * u2);
  }
  m.multiply(omega.data(), k, y.data());
  orthonormalize(y, n, k);
  for (std::int64_t q = 0; q < opts.power_iters; ++q) {
    m.multiply(y.data(), k, omega.data());  // M symmetric: M^T = M
    orthonormalize(omega, n, k);
    m.multiply(omega.data(), k, y.data());
    orthonormalize(y, n, k);
  }
  // B^T = M Q (n x k); B = Q^T M is k x n. SVD of B^T = V S Ub^T gives U = Q Ub.
  std::vector<float> bt(static_cast<std::size_t>(n * k));
  m.multiply(y.data(), k, bt.data());
  // Column-major view of row-major bt [n, k] is [k, n] = B. sgesdd on B (k x n).
  int mm = static_cast<int>(k), nn = static_cast<int>(n), lda = mm, info = 0, lwork = -1;
  // k <= n, so min(k, n) = k: U is k x k and V^T k x n.
  std::vector<float> s(static_cast<std::size_t>(k)), ub(static_cast<std::size_t>(k * k)),
      vt(static_cast<std::size_t>(k * n));
  int ldu = mm, ldvt = mm;
  std::vector<int> iwork(static_cast<std::size_t>(8 * k));
  float query = 0;
  const char jobz = 'S';
  sgesdd_(&jobz, &mm, &nn, bt.data(), &lda, s.data(), ub.data(), &ldu, vt.data(), &ldvt, &query,
          &lwork, iwork.data(), &info);
  lwork = static_cast<int>(query);
  std::vector<float> work(static_cast<std::size_t>(std::max(lwork, 1)));
  sgesdd_(&jobz, &mm, &nn, bt.data(), &lda, s.data(), ub.data(), &ldu, vt.data(), &ldvt,
          work.data(), &lwork, iwork.data(), &info);
  RNNKIT_CHECK(info == 0, "SVD failed (LAPACK sgesdd info {})", info);
  // ub is column-major k x k: column c is the c-th left singular vector of B.
  // U = Q ub: row-major Q [n, k] times ub (as row-major it is ub^T, so transpose).
  SvdResult r;
  r.u.resize(static_cast<std::size_t>(n * opts.rank));
  std::vector<float> u_full(static_cast<std::size_t>(n * k));
  ops::cpu::sgemm(false, true, n, k, k, 1.0f, y.data(), k, ub.data(), k, 0.0f, u_full.data(), k);
  for (std::int64_t i = 0; i < n; ++i)
    std::memcpy(r.u.data() + i * opts.rank, u_full.data() + i * k, sizeof(float) * static_cast<std::size_t>(opts.rank));
  r.s.assign(s.begin(), s.begin() + opts.rank);
  return r;
}

WordVectors count_vectors(const text::IdCorpus& corpus, const CountVectorOptions& opts,
                          const std::function<void(const std::string&)>& say) {
  auto tell = [&](const std::string& m) {
    if (say) say(m);
  };
  SparseMatrix c = cooccurrence(corpus, opts.window);
  tell(fmt::format("co-occurrence: {} x {} with {} non-zeros", c.n, c.n, c.nnz()));
  SparseMatrix p = ppmi(c);
  c = SparseMatrix();
  tell(fmt::format("PPMI: {} positive entries; randomized SVD to {} dimensions", p.nnz(), opts.dim));
  SvdResult svd = randomized_svd(p, {opts.dim, 10, opts.power_iters, opts.seed});
  WordVectors v;
  v.words = corpus.words;
  v.counts = corpus.counts;
  v.vectors = Tensor::empty({p.n, opts.dim});
  float* out = v.vectors.data();
  for (std::int64_t i = 0; i < p.n; ++i)
    for (std::int64_t j = 0; j < opts.dim; ++j)
      out[i * opts.dim + j] = svd.u[static_cast<std::size_t>(i * opts.dim + j)] *
                              static_cast<float>(std::pow(svd.s[static_cast<std::size_t>(j)], opts.eig_power));
  return v;
}

}  // namespace rnnkit::models

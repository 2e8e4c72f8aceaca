// Word vectors: the word2vec fast path against autograd, Huffman codes, the
// alias sampler, streaming corpora, formats, evaluation and count vectors.
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "rnnkit/core/alias.h"
#include "rnnkit/core/rng_streams.h"
#include "rnnkit/eval/word_vectors.h"
#include "rnnkit/io/vectors_file.h"
#include "rnnkit/models/count_vectors.h"
#include "rnnkit/text/huffman.h"
#include "test_util.h"

namespace rnnkit {
namespace {

namespace fs = std::filesystem;

class TempFiles {
 public:
  TempFiles() {
    dir_ = fs::temp_directory_path() / ("rnnkit_wv_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  ~TempFiles() { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name), std::ios::binary) << text;
    return path(name);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  fs::path dir_;
};

// The autograd reference: sum over (input row, output) pairs of -log sigmoid(+-s).
// CBOW: one input, the mean of the context rows.
void check_window_against_autograd(bool cbow, const models::WindowBatch& batch) {
  const std::int64_t V = 7, dim = 10, stride = 16;
  Tensor in0 = testing::random_tensor({V, dim}, 1, -0.5f, 0.5f);
  Tensor out0 = testing::random_tensor({V, dim}, 2, -0.5f, 0.5f);
  // Autograd gradients.
  Var in(in0.clone(), true), out(out0.clone(), true);
  Var rows = fn::embedding(in, Tensor::from_ids(batch.inputs, {static_cast<std::int64_t>(batch.inputs.size())}));
  if (cbow) {
    auto n = static_cast<std::int64_t>(batch.inputs.size());
    rows = fn::matmul(Var(Tensor::full({1, n}, 1.0f / static_cast<float>(n))), rows);
  }
  Var targets = fn::embedding(out, Tensor::from_ids(batch.outputs, {static_cast<std::int64_t>(batch.outputs.size())}));
  Var s = fn::reshape(fn::matmul(rows, targets, false, true), {-1, 1});
  Var logits = fn::concat({s, Var(Tensor::zeros(s.shape()))}, 1);
  std::vector<std::int32_t> cls;
  std::int64_t n_rows = rows.shape()[0];
  for (std::int64_t i = 0; i < n_rows; ++i)
    for (float l : batch.labels) cls.push_back(l > 0.5f ? 0 : 1);  // log sigmoid(s) = log_softmax([s, 0])[0]
  Var loss = fn::cross_entropy(logits, Tensor::from_ids(cls, {static_cast<std::int64_t>(cls.size())}),
                               {.reduction = fn::Reduction::kSum});
  Tape::current().backward(loss);
  // The fast path on padded rows.
  std::vector<float> fin(static_cast<std::size_t>(V * stride), 0.0f), fout(fin.size(), 0.0f);
  for (std::int64_t w = 0; w < V; ++w)
    for (std::int64_t k = 0; k < dim; ++k) {
      fin[static_cast<std::size_t>(w * stride + k)] = in0.data()[w * dim + k];
      fout[static_cast<std::size_t>(w * stride + k)] = out0.data()[w * dim + k];
    }
  const float alpha = 0.1f;
  float fast_loss = models::word2vec_window_update(cbow, batch, fin.data(), fout.data(), stride, dim, alpha);
  EXPECT_NEAR(fast_loss, loss.value().item(), 1e-4f * std::abs(loss.value().item()));
  // word2vec (and gensim) give each CBOW context the full update of the mean.
  float in_scale = cbow ? static_cast<float>(batch.inputs.size()) : 1.0f;
  auto gin = in.grad().to_vector(), gout = out.grad().to_vector();
  for (std::int64_t w = 0; w < V; ++w)
    for (std::int64_t k = 0; k < dim; ++k) {
      std::size_t i = static_cast<std::size_t>(w * dim + k), f = static_cast<std::size_t>(w * stride + k);
      EXPECT_NEAR(fin[f], in0.data()[i] - alpha * in_scale * gin[i], 1e-5f) << "in " << w << "," << k;
      EXPECT_NEAR(fout[f], out0.data()[i] - alpha * gout[i], 1e-5f) << "out " << w << "," << k;
    }
}

TEST(Word2Vec, NegativeSamplingStepEqualsAutogradStep) {
  // Contexts with a repeat, the center word and negatives (one repeated).
  models::WindowBatch b{{1, 2, 4, 2}, {3, 5, 0, 5}, {1, 0, 0, 0}};
  check_window_against_autograd(false, b);  // skip-gram
  check_window_against_autograd(true, b);   // CBOW
}

TEST(Word2Vec, HierarchicalSoftmaxStepEqualsAutogradStep) {
  std::vector<std::int64_t> counts = {40, 20, 10, 10, 5, 3, 2};
  auto codes = text::build_huffman(counts);
  const auto& hc = codes[4];
  models::WindowBatch b{{0, 3, 6}, {}, {}};
  for (std::size_t k = 0; k < hc.point.size(); ++k) {
    b.outputs.push_back(hc.point[k]);
    b.labels.push_back(1.0f - hc.code[k]);
  }
  check_window_against_autograd(false, b);
  check_window_against_autograd(true, b);
}

TEST(Huffman, PrefixFreeWithOptimalLengths) {
  // The textbook example: frequencies 5, 9, 12, 13, 16, 45.
  std::vector<std::int64_t> counts = {45, 13, 12, 16, 9, 5};
  auto codes = text::build_huffman(counts);
  std::vector<std::size_t> len;
  for (auto& c : codes) len.push_back(c.code.size());
  EXPECT_EQ(len, (std::vector<std::size_t>{1, 3, 3, 3, 4, 4}));
  double kraft = 0;
  for (std::size_t i = 0; i < codes.size(); ++i) {
    kraft += std::pow(2.0, -static_cast<double>(codes[i].code.size()));
    EXPECT_EQ(codes[i].point.front(), static_cast<std::int32_t>(counts.size()) - 2);  // the root
    for (auto p : codes[i].point) EXPECT_TRUE(p >= 0 && p < static_cast<std::int32_t>(counts.size()) - 1);
    for (std::size_t j = 0; j < codes.size(); ++j) {
      if (i == j) continue;
      const auto& a = codes[i].code;
      const auto& b = codes[j].code;
      bool prefix = a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
      EXPECT_FALSE(prefix) << i << " is a prefix of " << j;
    }
  }
  EXPECT_DOUBLE_EQ(kraft, 1.0);
}

TEST(AliasTable, FrequenciesFollowUnigramToThe075) {
  std::vector<std::int64_t> counts = {1000, 300, 100, 30, 10, 3, 1};
  AliasTable t = AliasTable::from_counts(counts, 0.75);
  double z = 0;
  for (auto c : counts) z += std::pow(c, 0.75);
  PhiloxStream rng(9, 0);
  const int n = 400000;
  std::vector<int> hits(counts.size());
  for (int i = 0; i < n; ++i) {
    float u = rng.uniform();
    ++hits[static_cast<std::size_t>(t.sample(u, rng.uniform()))];
  }
  for (std::size_t i = 0; i < counts.size(); ++i) {
    double p = std::pow(counts[i], 0.75) / z;
    EXPECT_NEAR(t.probability(static_cast<std::int32_t>(i)), p, 1e-12);
    EXPECT_NEAR(hits[i] / double(n), p, 5 * std::sqrt(p * (1 - p) / n)) << i;
  }
}

// Two topics that never share a line: words should cluster by topic.
std::string topic_corpus(int lines) {
  const char* a[] = {"apple", "banana", "cherry", "grape", "lemon", "mango"};
  const char* b[] = {"engine", "wheel", "brake", "piston", "gear", "clutch"};
  PhiloxStream rng(3, 0);
  std::string out;
  for (int i = 0; i < lines; ++i) {
    const char** t = i % 2 ? a : b;
    for (int k = 0; k < 12; ++k) out += std::string(t[rng.below(6)]) + (k == 11 ? "\n" : " ");
  }
  return out;
}

models::Word2VecOptions small_options(const std::string& arch, const std::string& loss) {
  models::Word2VecOptions o;
  o.arch = arch;
  o.loss = loss;
  o.dim = 16;
  o.window = 3;
  o.negative = 4;
  o.sample = 0;
  o.epochs = 5;
  o.threads = 1;
  return o;
}

TEST(Word2Vec, EveryVariantSeparatesTopicsAndIsReproducible) {
  TempFiles tmp;
  auto corpus = text::read_id_corpus(tmp.write("c.txt", topic_corpus(400)), {.min_count = 1});
  for (std::string arch : {"skipgram", "cbow"})
    for (std::string loss : {"ns", "hs"}) {
      SCOPED_TRACE(arch + "/" + loss);
      auto r = models::train_word2vec(corpus, small_options(arch, loss));
      eval::VectorIndex idx(r.vectors);
      double within = idx.similarity(idx.id("apple"), idx.id("mango")) +
                      idx.similarity(idx.id("engine"), idx.id("gear"));
      double across = idx.similarity(idx.id("apple"), idx.id("gear")) +
                      idx.similarity(idx.id("engine"), idx.id("mango"));
      EXPECT_GT(within, across + 0.5);
      auto again = models::train_word2vec(corpus, small_options(arch, loss));
      EXPECT_EQ(r.vectors.vectors.to_vector(), again.vectors.vectors.to_vector());
    }
}

// word2vec.c's hierarchical softmax, written plainly: one (context, center)
// pair at a time for skip-gram (the context word's vector against the
// center's Huffman path, every node stepped as it is scored), the mean of the
// context for CBOW. One thread, no subsampling, the training loop's random
// windows and initial vectors: the vectors the training loop must give.
std::vector<float> classic_hs(const text::IdCorpus& corpus, const models::Word2VecOptions& o) {
  const std::int64_t V = static_cast<std::int64_t>(corpus.words.size()), dim = o.dim;
  std::vector<float> syn0(static_cast<std::size_t>(V * dim)),
      syn1(static_cast<std::size_t>((V - 1) * dim));
  Generator init(o.seed, stream_id(RngStream::kWordVectors));
  for (std::int64_t i = 0; i < V * dim; ++i)
    syn0[static_cast<std::size_t>(i)] =
        (2.0f * init.uniform_at(static_cast<std::uint64_t>(i)) - 1.0f) / static_cast<float>(dim);
  const auto codes = text::build_huffman(corpus.counts);
  PhiloxStream rng(o.seed, stream_id(RngStream::kWord2vecThread, 0));
  const float alpha = o.start_alpha();
  std::vector<float> neu1(static_cast<std::size_t>(dim)), neu1e(neu1.size());
  // Steps `input` along the path of `word`; the input's gradient goes to neu1e.
  auto path_step = [&](const float* input, std::int32_t word) {
    const auto& hc = codes[static_cast<std::size_t>(word)];
    for (std::size_t d = 0; d < hc.point.size(); ++d) {
      float* w = &syn1[static_cast<std::size_t>(hc.point[d] * dim)];
      double f = 0;
      for (std::int64_t k = 0; k < dim; ++k) f += input[k] * w[k];
      const float g = (1.0f - hc.code[d] - static_cast<float>(1.0 / (1.0 + std::exp(-f)))) * alpha;
      for (std::int64_t k = 0; k < dim; ++k) neu1e[static_cast<std::size_t>(k)] += g * w[k];
      for (std::int64_t k = 0; k < dim; ++k) w[k] += g * input[k];
    }
  };
  for (int epoch = 0; epoch < o.epochs; ++epoch)
    for (std::size_t line = 0; line < corpus.line_ends.size(); ++line) {
      const std::int64_t b = line == 0 ? 0 : corpus.line_ends[line - 1],
                         n = corpus.line_ends[line] - b;
      const std::int32_t* sen = corpus.ids.data() + b;
      for (std::int64_t i = 0; i < n; ++i) {
        const std::int64_t half =
            o.window - static_cast<std::int64_t>(rng.below(static_cast<std::uint32_t>(o.window)));
        std::vector<std::int32_t> ctx;
        for (std::int64_t j = std::max<std::int64_t>(0, i - half); j <= std::min(n - 1, i + half);
             ++j)
          if (j != i) ctx.push_back(sen[j]);
        if (ctx.empty()) continue;
        if (o.arch == "skipgram") {
          for (std::int32_t c : ctx) {
            float* in = &syn0[static_cast<std::size_t>(c * dim)];
            std::fill(neu1e.begin(), neu1e.end(), 0.0f);
            path_step(in, sen[i]);
            for (std::int64_t k = 0; k < dim; ++k) in[k] += neu1e[static_cast<std::size_t>(k)];
          }
        } else {
          std::fill(neu1.begin(), neu1.end(), 0.0f);
          for (std::int32_t c : ctx)
            for (std::int64_t k = 0; k < dim; ++k)
              neu1[static_cast<std::size_t>(k)] += syn0[static_cast<std::size_t>(c * dim + k)];
          for (float& x : neu1) x /= static_cast<float>(ctx.size());
          std::fill(neu1e.begin(), neu1e.end(), 0.0f);
          path_step(neu1.data(), sen[i]);
          for (std::int32_t c : ctx)
            for (std::int64_t k = 0; k < dim; ++k)
              syn0[static_cast<std::size_t>(c * dim + k)] += neu1e[static_cast<std::size_t>(k)];
        }
      }
    }
  return syn0;
}

// The training loop's hierarchical softmax is word2vec.c's update (a window's
// batched step from old values, which it once took, learned less).
TEST(Word2Vec, HierarchicalSoftmaxTrainsAsWord2vecC) {
  TempFiles tmp;
  auto corpus = text::read_id_corpus(tmp.write("c.txt", topic_corpus(300)), {.min_count = 1});
  for (std::string arch : {"skipgram", "cbow"}) {
    SCOPED_TRACE(arch);
    models::Word2VecOptions o = small_options(arch, "hs");
    o.epochs = 1;
    o.window = 4;
    ASSERT_LT(corpus.total_count(), 10000);  // the learning rate stays at its start
    const auto want = classic_hs(corpus, o);
    const auto got = models::train_word2vec(corpus, o).vectors.vectors.to_vector();
    ASSERT_EQ(got.size(), want.size());
    float worst = 0;
    for (std::size_t i = 0; i < got.size(); ++i)
      worst = std::max(worst, std::abs(got[i] - want[i]));
    EXPECT_LT(worst, 1e-4f);
  }
}

TEST(Corpus, StreamsGzipAndCountsLikePlainText) {
  TempFiles tmp;
  std::string text = "b a a\nc b a\n\nd\n";
  std::string plain = tmp.write("c.txt", text);
  gzFile gz = gzopen(tmp.path("c.txt.gz").c_str(), "wb");
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);
  for (const auto& path : {plain, tmp.path("c.txt.gz")}) {
    auto c = text::read_id_corpus(path, {.min_count = 1});
    EXPECT_EQ(c.words, (std::vector<std::string>{"a", "b", "c", "d"}));
    EXPECT_EQ(c.counts, (std::vector<std::int64_t>{3, 2, 1, 1}));
    EXPECT_EQ(c.ids, (std::vector<std::int32_t>{1, 0, 0, 2, 1, 0, 3}));
    EXPECT_EQ(c.line_ends, (std::vector<std::int64_t>{3, 6, 7}));
  }
  auto pruned = text::read_id_corpus(plain, {.min_count = 2});
  EXPECT_EQ(pruned.ids, (std::vector<std::int32_t>{1, 0, 0, 1, 0}));
  EXPECT_EQ(pruned.line_ends, (std::vector<std::int64_t>{3, 5}));
}

TEST(Corpus, BadInputErrors) {
  TempFiles tmp;
  auto expect = [](const std::string& path, const std::string& what) {
    try {
      text::read_id_corpus(path, {.min_count = 1});
      FAIL() << "accepted " << path;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  expect(tmp.path("missing.txt"), "cannot open");
  expect(tmp.write("empty.txt", "\n \n"), "empty");
  expect(tmp.write("latin1.txt", "good words\nmore caf\xe9 words\n"), "invalid UTF-8 at byte offset 19 (line 2)");
  expect(tmp.write("one.txt", "same same same\n"), "fewer than 2 words");
  std::string gz = tmp.write("bad.gz", std::string("\x1f\x8b\x08\x00", 4) + "garbage that is not deflate");
  expect(gz, "gzip");
}

TEST(VectorFiles, RoundTripInEveryFormat) {
  TempFiles tmp;
  models::WordVectors v;
  v.words = {"alpha", "beta", "日本"};
  v.counts = {5, 3, 1};
  v.vectors = testing::random_tensor({3, 7}, 4);
  v.vectors.data()[0] = 1e-30f;  // exact round trip of awkward values too
  v.vectors.data()[1] = -123456.789f;
  for (auto [name, fmt] : {std::pair{"v.txt", io::VectorFormat::kText}, std::pair{"v.bin", io::VectorFormat::kBinary},
                           std::pair{"v.safetensors", io::VectorFormat::kSafetensors}}) {
    SCOPED_TRACE(name);
    io::save_vectors(tmp.path(name), v, fmt);
    auto w = io::load_vectors(tmp.path(name));
    EXPECT_EQ(w.words, v.words);
    EXPECT_EQ(w.vectors.to_vector(), v.vectors.to_vector());
  }
}

TEST(VectorFiles, CorruptFilesAreRejected) {
  TempFiles tmp;
  auto expect = [&](const std::string& name, const std::string& body, const std::string& what) {
    std::string p = tmp.write(name, body);
    try {
      io::load_vectors(p);
      FAIL() << "accepted " << name;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
  };
  expect("h.txt", "two 3\na 1 2 3\n", "line 1");
  expect("short.txt", "2 3\na 1 2 3\nb 1 2\n", "line 3");
  expect("long.txt", "1 3\na 1 2 3 4\n", "more than 3");
  expect("few.txt", "3 2\na 1 2\n", "truncated");
  expect("nan.txt", "1 2\na 1 x\n", "number 2");
  expect("t.bin", "2 4\na " + std::string(16, '\0') + "\nb " + std::string(5, '\0'), "truncated");
  expect("extra.txt", "1 1\na 1\nb 2\n", "data after");
}

TEST(Evaluation, SpearmanWithTies) {
  EXPECT_NEAR(eval::spearman({1, 2, 3, 4, 5}, {5, 6, 7, 8, 7}), 0.8207826816681233, 1e-12);
  EXPECT_NEAR(eval::spearman({1, 2, 3}, {3, 2, 1}), -1.0, 1e-12);
}

TEST(Evaluation, AnalogyOnConstructedVectors) {
  // Countries on one axis, capitals offset along another: b - a + c is exact.
  models::WordVectors v;
  v.words = {"france", "paris", "italy", "rome", "spain", "madrid", "noise"};
  // 4-d: [country-ness, capital-ness, france, italy] spread over rows of 4.
  v.vectors = Tensor::from_vector({1, 0, 1, 0, /*paris*/ 0, 1, 1, 0, /*italy*/ 1, 0, 0, 1,
                                   /*rome*/ 0, 1, 0, 1, /*spain*/ 1, 0, -1, -1,
                                   /*madrid*/ 0, 1, -1, -1, /*noise*/ 0.3f, 0.3f, 0.1f, 0.1f},
                                  {7, 4});
  TempFiles tmp;
  std::string q = tmp.write("q.txt", ": capitals\nfrance paris italy rome\nitaly rome spain madrid\n"
                                     "france paris spain madrid\n: gram-none\nfrance paris atlantis x\n");
  eval::VectorIndex idx(v);
  for (auto m : {eval::AnalogyMethod::kAdd, eval::AnalogyMethod::kMul}) {
    auto r = eval::evaluate_analogy(idx, q, m);
    EXPECT_EQ(r.total.questions, 4);
    EXPECT_EQ(r.total.covered, 3);
    EXPECT_EQ(r.total.correct, 3);
    EXPECT_EQ(r.syntactic.questions, 1);
  }
  auto top = idx.most_similar({"paris", "italy"}, {"france"}, 1);
  EXPECT_EQ(top[0].first, "rome");
}

TEST(CountVectors, PpmiByHand) {
  // Corpus "a b a c": pairs at distance 1 (window 1): (a,b), (b,a), (a,c) both ways.
  TempFiles tmp;
  auto corpus = text::read_id_corpus(tmp.write("c.txt", "a b a c\n"), {.min_count = 1});
  auto c = models::cooccurrence(corpus, 1);
  auto p = models::ppmi(c);
  // Counts: C(a,b)=2, C(a,c)=1, total 6, row sums a=3, b=2, c=1.
  // PMI(a,b) = log2(2*6/(3*2)) = 1; PMI(a,c) = log2(1*6/(3*1)) = 1.
  ASSERT_EQ(p.nnz(), 4);
  for (float x : p.val) EXPECT_NEAR(x, 1.0f, 1e-6);
}

TEST(CountVectors, RandomizedSvdRecoversAKnownSpectrum) {
  // M = Q diag(s) Q^T with a random orthogonal Q, stored as a (dense) sparse matrix.
  const std::int64_t n = 60, r = 5;
  std::vector<float> s = {50, 20, 10, 5, 2};
  Tensor g = testing::random_tensor({n, r}, 6);
  // Gram-Schmidt for Q.
  std::vector<double> q(static_cast<std::size_t>(n * r));
  for (std::int64_t j = 0; j < r; ++j) {
    for (std::int64_t i = 0; i < n; ++i) q[static_cast<std::size_t>(i * r + j)] = g.data()[i * r + j];
    for (std::int64_t k = 0; k < j; ++k) {
      double dot = 0;
      for (std::int64_t i = 0; i < n; ++i) dot += q[static_cast<std::size_t>(i * r + j)] * q[static_cast<std::size_t>(i * r + k)];
      for (std::int64_t i = 0; i < n; ++i) q[static_cast<std::size_t>(i * r + j)] -= dot * q[static_cast<std::size_t>(i * r + k)];
    }
    double norm = 0;
    for (std::int64_t i = 0; i < n; ++i) norm += q[static_cast<std::size_t>(i * r + j)] * q[static_cast<std::size_t>(i * r + j)];
    for (std::int64_t i = 0; i < n; ++i) q[static_cast<std::size_t>(i * r + j)] /= std::sqrt(norm);
  }
  models::SparseMatrix m;
  m.n = n;
  m.row_start.push_back(0);
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      double x = 0;
      for (std::int64_t k = 0; k < r; ++k) x += q[static_cast<std::size_t>(i * r + k)] * s[static_cast<std::size_t>(k)] * q[static_cast<std::size_t>(j * r + k)];
      m.col.push_back(static_cast<std::int32_t>(j));
      m.val.push_back(static_cast<float>(x));
    }
    m.row_start.push_back(m.nnz());
  }
  auto svd = models::randomized_svd(m, {3, 5, 2, 1});
  for (int k = 0; k < 3; ++k) {
    EXPECT_NEAR(svd.s[static_cast<std::size_t>(k)], s[static_cast<std::size_t>(k)], 1e-3 * s[static_cast<std::size_t>(k)]);
    double dot = 0;  // the singular vector equals the planted one up to sign
    for (std::int64_t i = 0; i < n; ++i) dot += svd.u[static_cast<std::size_t>(i * 3 + k)] * q[static_cast<std::size_t>(i * r + k)];
    EXPECT_NEAR(std::abs(dot), 1.0, 1e-3);
  }
}

}  // namespace
}  // namespace rnnkit

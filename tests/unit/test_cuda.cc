// The CUDA backend held against the CPU: every op and module on random inputs,
// forward and backward. Tolerances: float32 on both sides, different summation
// orders (cuBLAS vs OpenBLAS, block reductions), so 1e-5 absolute + 1e-4
// relative for single ops and 1e-4 + 1e-3 after whole training steps; random
// numbers (uniform, dropout masks) must match bit for bit. Every test skips
// when no GPU is present or the backend was not built.
#include <filesystem>
#include <fstream>

#include "rnnkit/core/allocator.h"
#include "rnnkit/eval/perplexity.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/models/seq2seq.h"
#include "rnnkit/text/parallel.h"
#include "rnnkit/text/corpus.h"
#include "rnnkit/models/language_model.h"
#include "rnnkit/nn/module.h"
#include "rnnkit/optim/optimizer.h"
#include "rnnkit/train/lm_trainer.h"
#include "test_util.h"
#ifdef RNNKIT_WITH_CUDA
#include "core/cuda/cublas.h"
#endif

namespace rnnkit {
namespace {

using testing::all_close;
using testing::random_tensor;
using ops::Activation;
using ops::CellType;
using ops::cell_name;
using ops::gate_count;

#ifdef RNNKIT_WITH_CUDA
// cuBLAS is loaded on first use (the binary does not link it): its entry
// points must resolve, GPU or not.
TEST(CudaLibraries, CublasLoadsOnFirstUse) {
  const cuda::Cublas& api = cuda::cublas();
  EXPECT_NE(api.create, nullptr);
  EXPECT_NE(api.sgemm, nullptr);
  EXPECT_NE(api.sgemm_strided_batched, nullptr);
  EXPECT_NE(std::string(api.status_string(CUBLAS_STATUS_NOT_INITIALIZED)).find("initialized"),
            std::string::npos);
}
#endif

const Device kGpu{DeviceType::kCUDA, 0};
constexpr float kAtol = 1e-5f, kRtol = 1e-4f;

class Cuda : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cuda_available()) GTEST_SKIP() << "no CUDA device here (or built without the CUDA backend)";
  }
};

Tensor gpu(const Tensor& t) { return t.to(kGpu); }

::testing::AssertionResult same(const Tensor& on_gpu, const Tensor& on_cpu, float atol = kAtol,
                                float rtol = kRtol) {
  if (on_gpu.device() != kGpu) return ::testing::AssertionFailure() << "result is not on the GPU";
  return all_close(on_gpu, on_cpu, atol, rtol);
}

TEST_F(Cuda, RandomNumbersAreTheCpusBitForBit) {
  Generator g(42, 9);
  for (std::uint64_t offset : {0ull, 3ull, 1000001ull}) {
    Tensor c = Tensor::empty({37, 41}), d = Tensor::empty({37, 41}, kGpu);
    ops::uniform_(c, g, offset, -0.5f, 2.0f);
    ops::uniform_(d, g, offset, -0.5f, 2.0f);
    EXPECT_EQ(d.to_vector(), c.to_vector());
    EXPECT_EQ(ops::dropout_mask({20, 650}, 0.5f, g, offset, kGpu).to_vector(),
              ops::dropout_mask({20, 650}, 0.5f, g, offset, kCPU).to_vector());
  }
}

TEST_F(Cuda, GemmEveryTransposeAndShape) {
  std::uint64_t seed = 1;
  for (auto [m, n, k] : {std::array<int, 3>{1, 300, 70}, {300, 1, 70}, {65, 33, 129}, {20, 2600, 650}}) {
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        Tensor a = random_tensor(ta ? Shape{k, m} : Shape{m, k}, seed++);
        Tensor b = random_tensor(tb ? Shape{n, k} : Shape{k, n}, seed++);
        Tensor c = random_tensor({m, n}, seed++), cg = gpu(c);
        ops::gemm(a, ta, b, tb, 0.7f, 0.3f, c);
        ops::gemm(gpu(a), ta, gpu(b), tb, 0.7f, 0.3f, cg);
        EXPECT_TRUE(same(cg, c)) << m << "x" << n << "x" << k << " ta " << ta << " tb " << tb;
      }
    }
  }
}

TEST_F(Cuda, ElementwiseBroadcastAndReductions) {
  Tensor a = random_tensor({7, 5, 33}, 1), row = random_tensor({33}, 2), mat = random_tensor({5, 33}, 3);
  Tensor s = Tensor::full({1}, 0.25f);
  for (const Tensor* b : {&a, &row, &mat, &s}) {
    EXPECT_TRUE(same(ops::add(gpu(a), gpu(*b)), ops::add(a, *b)));
    EXPECT_TRUE(same(ops::sub(gpu(a), gpu(*b)), ops::sub(a, *b)));
    EXPECT_TRUE(same(ops::mul(gpu(a), gpu(*b)), ops::mul(a, *b)));
  }
  EXPECT_TRUE(same(ops::scale(gpu(a), -1.5f), ops::scale(a, -1.5f)));
  Tensor y = random_tensor({7, 5, 33}, 4), yg = gpu(y);
  ops::axpy_(0.3f, a, y);
  ops::axpy_(0.3f, gpu(a), yg);
  EXPECT_TRUE(same(yg, y));
  ops::add_(y, row);
  ops::add_(yg, gpu(row));
  EXPECT_TRUE(same(yg, y));
  EXPECT_TRUE(same(ops::reduce_to(gpu(a), {33}), ops::reduce_to(a, {33})));
  EXPECT_TRUE(same(ops::reduce_to(gpu(a), {5, 33}), ops::reduce_to(a, {5, 33})));
  EXPECT_TRUE(same(ops::broadcast_to(gpu(row), {7, 33}), ops::broadcast_to(row, {7, 33})));
  for (Activation f : {Activation::kSigmoid, Activation::kTanh, Activation::kRelu, Activation::kSoftplus}) {
    Tensor out = ops::activation(f, a), out_g = ops::activation(f, gpu(a));
    EXPECT_TRUE(same(out_g, out));
    EXPECT_TRUE(same(ops::activation_backward(f, out_g, gpu(y)), ops::activation_backward(f, out, y)));
  }
  Tensor positive = random_tensor({7, 33}, 9, 0.1f, 3.0f);
  Tensor log_out = ops::activation(Activation::kLog, positive);
  EXPECT_TRUE(same(ops::activation(Activation::kLog, gpu(positive)), log_out));
  EXPECT_TRUE(same(ops::activation_backward(Activation::kLog, gpu(log_out), gpu(y)),
                   ops::activation_backward(Activation::kLog, log_out, y)));
  Tensor big = random_tensor({1000003}, 5);
  EXPECT_NEAR(ops::sum(gpu(big)).item(), ops::sum(big).item(), 1e-2);
  EXPECT_NEAR(ops::sum_squares(gpu(big)).item(), ops::sum_squares(big).item(), 1e-1);
  EXPECT_TRUE(ops::all_finite(gpu(big)));
  for (float bad : {NAN, INFINITY}) {
    Tensor t = big.to(kCPU);
    t.data()[777777] = bad;
    EXPECT_FALSE(ops::all_finite(gpu(t)));
  }
}

TEST_F(Cuda, CopiesConcatAndSlices) {
  Tensor a = random_tensor({4, 6, 5}, 1), b = random_tensor({4, 3, 5}, 2);
  for (std::int64_t dim : {0, 1, 2}) {
    Tensor c = ops::concat({a, a}, dim), cg = ops::concat({gpu(a), gpu(a)}, dim);
    EXPECT_TRUE(same(cg, c, 0, 0));
    EXPECT_TRUE(same(ops::slice(cg, dim, 1, 3), ops::slice(c, dim, 1, 3), 0, 0));
  }
  Tensor d = a.to(kCPU), dg = gpu(a);
  ops::slice_assign_(d, 1, 2, b);
  ops::slice_assign_(dg, 1, 2, gpu(b));
  EXPECT_TRUE(same(dg, d, 0, 0));
  Tensor ids = Tensor::from_ids({3, 1, 4, 1, 5}, {5});
  EXPECT_EQ(gpu(ids).to_ids(), ids.to_ids());
  EXPECT_TRUE(all_close(gpu(a).to(kCPU), a, 0, 0));
}

TEST_F(Cuda, SoftmaxAndCrossEntropy) {
  for (std::int64_t v : {7, 1000, 10000}) {
    Tensor x = random_tensor({9, v}, v, -4.0f, 4.0f), dy = random_tensor({9, v}, v + 1);
    Tensor y = ops::softmax(x), yg = ops::softmax(gpu(x));
    EXPECT_TRUE(same(yg, y));
    EXPECT_TRUE(same(ops::softmax_backward(yg, gpu(dy)), ops::softmax_backward(y, dy)));
    Tensor l = ops::log_softmax(x), lg = ops::log_softmax(gpu(x));
    EXPECT_TRUE(same(lg, l));
    EXPECT_TRUE(same(ops::log_softmax_backward(lg, gpu(dy)), ops::log_softmax_backward(l, dy)));

    std::vector<std::int32_t> t(9);
    for (int r = 0; r < 9; ++r) t[r] = r == 4 ? -100 : static_cast<std::int32_t>((r * 7919) % v);
    Tensor targets = Tensor::from_ids(t, {9});
    auto c = ops::cross_entropy(x, targets, -100);
    auto g = ops::cross_entropy(gpu(x), gpu(targets), -100);
    EXPECT_NEAR(g.loss_sum.item(), c.loss_sum.item(), 1e-4 * std::abs(c.loss_sum.item()));
    EXPECT_EQ(g.count.item(), 8.0f);
    EXPECT_TRUE(same(g.lse, c.lse));
    Tensor gs = Tensor::full({1}, 0.5f);
    EXPECT_TRUE(same(ops::cross_entropy_backward(gpu(x), g.lse, gpu(targets), -100, gpu(gs)),
                     ops::cross_entropy_backward(x, c.lse, targets, -100, gs)));
  }
}

TEST_F(Cuda, EmbeddingWithRepeatedIds) {
  Tensor w = random_tensor({50, 24}, 1);
  Tensor ids = Tensor::from_ids({3, 7, 3, 49, 0, 3, 7, 12}, {2, 4});
  EXPECT_TRUE(same(ops::embedding(gpu(w), gpu(ids)), ops::embedding(w, ids), 0, 0));
  Tensor dy = random_tensor({2, 4, 24}, 2);
  Tensor dw = random_tensor({50, 24}, 3), dwg = gpu(dw);
  ops::embedding_backward_(dw, ids, dy);
  ops::embedding_backward_(dwg, gpu(ids), gpu(dy));
  EXPECT_TRUE(same(dwg, dw));
}

TEST_F(Cuda, AttentionAndIndexSelect) {
  Tensor q = random_tensor({4, 3, 8}, 1), k = random_tensor({6, 3, 8}, 2), dc = random_tensor({4, 3, 8}, 3);
  Tensor len = Tensor::from_ids({6, 2, 0}, {3});
  auto f = ops::attention_forward(q, k, len);
  auto fg = ops::attention_forward(gpu(q), gpu(k), gpu(len));
  EXPECT_TRUE(same(fg.context, f.context));
  EXPECT_TRUE(same(fg.weights, f.weights));
  auto g = ops::attention_backward(q, k, f, dc);
  auto gg = ops::attention_backward(gpu(q), gpu(k), fg, gpu(dc));
  EXPECT_TRUE(same(gg.dq, g.dq));
  EXPECT_TRUE(same(gg.dk, g.dk));
  Tensor v = random_tensor({8}, 4), vals = random_tensor({6, 3, 5}, 5), dca = random_tensor({4, 3, 5}, 6);
  auto fa = ops::additive_attention_forward(q, k, v, vals, len);
  auto fag = ops::additive_attention_forward(gpu(q), gpu(k), gpu(v), gpu(vals), gpu(len));
  EXPECT_TRUE(same(fag.context, fa.context));
  auto ga = ops::additive_attention_backward(q, k, v, vals, fa, dca);
  auto gag = ops::additive_attention_backward(gpu(q), gpu(k), gpu(v), gpu(vals), fag, gpu(dca));
  EXPECT_TRUE(same(gag.dqa, ga.dqa));
  EXPECT_TRUE(same(gag.dka, ga.dka));
  EXPECT_TRUE(same(gag.dv, ga.dv));
  EXPECT_TRUE(same(gag.dvalues, ga.dvalues));
  std::vector<std::int64_t> rows = {2, 0, 0, 1};
  EXPECT_TRUE(same(ops::index_select(gpu(k), 1, rows), ops::index_select(k, 1, rows), 0, 0));
}

// Kernels cannot throw: bad ids and targets surface at the next synchronisation.
TEST_F(Cuda, BadIdsAreReportedAtTheNextSynchronisation) {
  Tensor w = gpu(random_tensor({10, 4}, 1));
  Tensor out = ops::embedding(w, gpu(Tensor::from_ids({1, 10, 2}, {3})));
  try {
    out.to_vector();
    FAIL() << "no error for id 10";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("id 10 at position 1 out of range"), std::string::npos) << e.what();
  }
  auto ce = ops::cross_entropy(gpu(random_tensor({2, 5}, 2)), gpu(Tensor::from_ids({0, 7}, {2})), -100);
  EXPECT_THROW(ce.loss_sum.item(), InvalidArgument);
  EXPECT_NO_THROW(ops::sum(w).item());  // the error was reported once and cleared
}

struct CellCase {
  CellType cell;
  bool lengths;
};

class CudaRecurrent : public Cuda, public ::testing::WithParamInterface<CellCase> {};

TEST_P(CudaRecurrent, ForwardAndBackwardMatchTheCpu) {
  auto [cell, with_lengths] = GetParam();
  const std::int64_t T = 9, B = 5, I = 7, H = 16, G = gate_count(cell) * H;
  ops::RecurrentWeights w{random_tensor({G, I}, 1, -0.3f, 0.3f), random_tensor({G, H}, 2, -0.3f, 0.3f),
                          random_tensor({G}, 3), random_tensor({G}, 4)};
  ops::RecurrentWeights wg{gpu(w.w_ih), gpu(w.w_hh), gpu(w.b_ih), gpu(w.b_hh)};
  Tensor x = random_tensor({T, B, I}, 5), h0 = random_tensor({B, H}, 6), c0 = random_tensor({B, H}, 7);
  Tensor len = with_lengths ? Tensor::from_ids({9, 3, 0, 5, 9}, {B}) : Tensor();
  Tensor len_g = with_lengths ? gpu(len) : Tensor();
  bool lstm = cell == CellType::kLSTM;
  auto f = ops::recurrent_forward(cell, x, h0, lstm ? c0 : Tensor(), w, len);
  auto fg = ops::recurrent_forward(cell, gpu(x), gpu(h0), lstm ? gpu(c0) : Tensor(), wg, len_g);
  EXPECT_TRUE(same(fg.y, f.y)) << "y";
  EXPECT_TRUE(same(fg.h_n, f.h_n)) << "h_n";
  if (lstm) {
    EXPECT_TRUE(same(fg.c_n, f.c_n)) << "c_n";
  }

  Tensor dy = random_tensor({T, B, H}, 8), dh = random_tensor({B, H}, 9), dc = random_tensor({B, H}, 10);
  auto g = ops::recurrent_backward(cell, x, w, len, f, dy, dh, lstm ? dc : Tensor());
  auto gg = ops::recurrent_backward(cell, gpu(x), wg, len_g, fg, gpu(dy), gpu(dh),
                                    lstm ? gpu(dc) : Tensor());
  EXPECT_TRUE(same(gg.dx, g.dx)) << "dx";
  EXPECT_TRUE(same(gg.dh0, g.dh0)) << "dh0";
  if (lstm) {
    EXPECT_TRUE(same(gg.dc0, g.dc0)) << "dc0";
  }
  EXPECT_TRUE(same(gg.dw_ih, g.dw_ih)) << "dw_ih";
  EXPECT_TRUE(same(gg.dw_hh, g.dw_hh)) << "dw_hh";
  EXPECT_TRUE(same(gg.db_ih, g.db_ih)) << "db_ih";
  EXPECT_TRUE(same(gg.db_hh, g.db_hh)) << "db_hh";
}

INSTANTIATE_TEST_SUITE_P(Cells, CudaRecurrent,
                         ::testing::Values(CellCase{CellType::kRNN, false}, CellCase{CellType::kRNN, true},
                                           CellCase{CellType::kLSTM, false}, CellCase{CellType::kLSTM, true},
                                           CellCase{CellType::kGRU, false}, CellCase{CellType::kGRU, true}),
                         [](const auto& info) {
                           return std::string(cell_name(info.param.cell)) + (info.param.lengths ? "_lengths" : "");
                         });

TEST_F(Cuda, OptimiserUpdates) {
  for (std::string name : {"sgd", "adagrad", "rmsprop", "adam", "adamw"}) {
    optim::OptimizerOptions o;
    o.name = name;
    o.lr = 0.01f;
    o.momentum = name == "sgd" ? 0.9f : 0.0f;
    o.weight_decay = 0.01f;
    std::vector<Tensor> finals;
    for (Device d : {kCPU, kGpu}) {
      nn::Linear lin(6, 5);
      Generator gen(3, 1);
      for (auto& [n, v] : lin.named_parameters()) ops::uniform_(v.value(), gen, gen.reserve(64), -1, 1);
      nn::ParameterSet params(lin, d);
      optim::Optimizer opt(params, o);
      for (int step = 0; step < 4; ++step) {
        ops::copy_(params.grads(), random_tensor({params.numel()}, 100 + step));
        opt.step();
      }
      finals.push_back(params.values().to(kCPU));
    }
    EXPECT_TRUE(all_close(finals[1], finals[0], kAtol, kRtol)) << name;
  }
}

// Whole training steps of a two-layer LSTM LM with dropout and clipping.
TEST_F(Cuda, LanguageModelTrainingStepsMatchTheCpu) {
  models::LanguageModelConfig cfg;
  cfg.vocab_size = 60;
  cfg.emb_size = 24;
  cfg.hidden_size = 32;
  cfg.num_layers = 2;
  cfg.dropout = 0.3f;
  cfg.cell = "lstm";
  std::vector<std::vector<float>> losses(2);
  std::vector<Tensor> finals;
  for (Device d : {kCPU, kGpu}) {
    models::LanguageModel model(cfg);
    model.init_parameters(7);
    nn::ParameterSet params(model, d);
    optim::Optimizer opt(params, {.name = "sgd", .lr = 1.0f});
    Generator dropout(7, 2);
    nn::RecurrentState state = model.zero_state(4, d);
    for (int step = 0; step < 3; ++step) {
      std::vector<std::int32_t> ids(6 * 4), next(6 * 4);
      for (std::size_t i = 0; i < ids.size(); ++i) {
        ids[i] = static_cast<std::int32_t>((i * 13 + step * 7) % 60);
        next[i] = static_cast<std::int32_t>((i * 17 + step) % 60);
      }
      params.zero_grad();
      auto [logits, s] = model.forward(Tensor::from_ids(ids, {6, 4}, d), state, dropout);
      Var loss = fn::cross_entropy(logits, Tensor::from_ids(next, {24}, d));
      losses[d == kGpu].push_back(loss.value().item());
      Tape::current().backward(loss);
      nn::clip_grad_norm(params, 0.5f);
      opt.step();
      state = s.detach();
    }
    finals.push_back(params.values().to(kCPU));
  }
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(losses[1][i], losses[0][i], 1e-4 * losses[0][i]) << i;
  EXPECT_TRUE(all_close(finals[1], finals[0], 1e-4f, 1e-3f));
}

// One training step of an attention encoder-decoder on a padded batch.
TEST_F(Cuda, Seq2SeqStepMatchesTheCpu) {
  models::Seq2SeqConfig cfg;
  cfg.source_vocab = 12;
  cfg.target_vocab = 10;
  cfg.emb_size = 8;
  cfg.hidden_size = 16;
  cfg.num_layers = 2;
  cfg.attention = "general";
  cfg.peeky = true;
  text::Seq2SeqBatcher batches({{2, 3, 4, 5, 6}, {7, 8}, {9, 10, 11, 2}}, {{2, 3, 4}, {5, 6, 7, 8, 9}, {3}}, 3,
                               true, 0, false);
  text::Seq2SeqBatch b = batches.get(0);
  std::vector<float> losses;
  std::vector<Tensor> grads;
  for (Device d : {kCPU, kGpu}) {
    models::Seq2Seq m(cfg);
    m.init_parameters(4);
    nn::ParameterSet params(m, d);
    Generator gen(1, 2);
    auto e = m.encode(b.source.to(d), b.source_length.to(d), gen);
    auto dec = m.decode(e, b.target_in.to(d), m.start(e), gen);
    Var loss = fn::cross_entropy(dec.logits, b.target_out.to(d), {.ignore_index = text::kIgnoreIndex});
    losses.push_back(loss.value().item());
    Tape::current().backward(loss);
    grads.push_back(params.grads().to(kCPU));
  }
  EXPECT_NEAR(losses[1], losses[0], 1e-5 * losses[0]);
  EXPECT_TRUE(all_close(grads[1], grads[0], kAtol, 1e-3f));
}

// The trainer end to end on the GPU: it learns, and the saved model gives the
// same perplexity on the CPU.
TEST_F(Cuda, TrainerRunsOnTheGpu) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("rnnkit_cuda_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream f(dir / "train.txt");
    for (int i = 0; i < 400; ++i) f << (i % 3 ? "the cats run fast\n" : "the cat runs fast\n");
  }
  train::LmTrainOptions o;
  o.train_path = o.valid_path = o.test_path = (dir / "train.txt").string();
  o.out_dir = (dir / "run").string();
  o.device = "cuda";
  o.model.cell = "lstm";
  o.model.emb_size = 16;
  o.model.hidden_size = 32;
  o.model.num_layers = 1;
  o.batch = 8;
  o.steps = 10;
  o.epochs = 3;
  o.optimizer.lr = 1.0f;
  o.schedule = "none";
  o.clip = 5.0f;
  auto r = train::train_language_model(o);
  EXPECT_LT(r.test_ppl, 2.0);
  auto loaded = io::load_language_model(r.model_path);
  nn::ParameterSet params(*loaded.model, kCPU);
  loaded.model->train(false);
  auto ids = loaded.vocab.encode(text::tokenize_lines(text::read_text_file(o.test_path)));
  auto cpu = eval::evaluate_perplexity(*loaded.model, ids, o.eval_batch, o.eval_steps, kCPU);
  EXPECT_NEAR(cpu.perplexity(), r.test_ppl, 1e-4 * r.test_ppl);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rnnkit

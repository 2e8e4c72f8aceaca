// End to end: language models that must learn, save/load, resume, generation.
#include <filesystem>
#include <fstream>

#include "rnnkit/core/allocator.h"
#include "rnnkit/decode/sampling.h"
#include "rnnkit/eval/perplexity.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/ops/ops.h"
#include "rnnkit/train/lm_trainer.h"
#include "rnnkit/text/parallel.h"
#include "test_util.h"

namespace rnnkit {
namespace {

namespace fs = std::filesystem;

// Sentences from a tiny grammar with long-range agreement: after "the cats"
// comes "run", after "the cat" comes "runs", a few words later.
std::string tiny_corpus(int lines, std::uint64_t seed) {
  Generator g(seed, 0);
  const char* adj[] = {"big", "small", "red", "old"};
  std::string out;
  for (int i = 0; i < lines; ++i) {
    bool plural = g.uniform() < 0.5f;
    out += plural ? "the cats " : "the cat ";
    int n = static_cast<int>(g.uniform() * 3);
    for (int k = 0; k < n; ++k) out += std::string(adj[static_cast<int>(g.uniform() * 4)]) + " ";
    out += plural ? "run fast\n" : "runs fast\n";
  }
  return out;
}

// A saved model on the CPU, ready for evaluation.
struct Loaded {
  io::LoadedLanguageModel m;
  std::unique_ptr<nn::ParameterSet> params;
};
Loaded load_eval(const std::string& path) {
  Loaded l{io::load_language_model(path), nullptr};
  l.params = std::make_unique<nn::ParameterSet>(*l.m.model, kCPU);
  l.m.model->train(false);
  return l;
}

class LmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rnnkit_lm_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::ofstream(file("train.txt")) << tiny_corpus(600, 1);
    std::ofstream(file("valid.txt")) << tiny_corpus(100, 2);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string file(const std::string& n) const { return (dir_ / n).string(); }

  train::LmTrainOptions options(const std::string& cell, const std::string& out) const {
    train::LmTrainOptions o;
    o.train_path = file("train.txt");
    o.valid_path = file("valid.txt");
    o.test_path = file("valid.txt");
    o.out_dir = file(out);
    o.model.cell = cell;
    o.model.emb_size = 16;
    o.model.hidden_size = 32;
    o.model.num_layers = 1;
    o.batch = 8;
    o.steps = 10;
    o.epochs = 8;
    o.optimizer.lr = 1.0f;
    o.schedule = "none";
    o.clip = 5.0f;
    o.eval_steps = 20;
    return o;
  }
  fs::path dir_;
};

// Unigram perplexity of this corpus is about 7; the grammar's entropy gives 1.7.
TEST_F(LmTest, EveryCellLearnsTheGrammar) {
  for (std::string cell : {"rnn", "lstm", "gru"}) {
    auto o = options(cell, "run_" + cell);
    o.epochs = 20;
    o.optimizer.lr = 0.3f;
    auto r = train::train_language_model(o);
    EXPECT_LT(r.valid_ppl, 2.0) << cell;
    EXPECT_NEAR(r.test_ppl, r.valid_ppl, 1e-6) << cell;  // same file
  }
}

// Bengio's feed-forward LM sees "cat(s) adj adj" from "run(s)" with 4 words.
TEST_F(LmTest, FeedForwardLearnsTheGrammar) {
  auto o = options("lstm", "ffnn");
  o.model.context = 4;
  o.epochs = 20;
  o.optimizer.lr = 0.3f;
  auto r = train::train_language_model(o);
  EXPECT_LT(r.valid_ppl, 2.0);
  Loaded l = load_eval(r.model_path);  // the saved model is feed-forward too
  EXPECT_EQ(l.m.model->config().context, 4);
}

// The window carried in the state makes two batches equal one.
TEST(FeedForwardLm, StateCarriesTheWindow) {
  models::LanguageModelConfig c;
  c.vocab_size = 20;
  c.emb_size = 6;
  c.hidden_size = 8;
  c.context = 3;
  models::LanguageModel m(c);
  m.init_parameters(4);
  nn::ParameterSet params(m, kCPU);
  m.train(false);
  NoGradGuard ng;
  Generator gen(1, 2);
  std::vector<std::int32_t> ids = {1, 5, 7, 2, 9, 3, 3, 11, 4, 6, 8, 12};  // [6, 2]
  Tensor all = Tensor::from_ids(ids, {6, 2});
  Tensor whole = m.forward(all, m.zero_state(2, kCPU), gen).first.value();
  auto [first, state] = m.forward(ops::slice(all, 0, 0, 4), m.zero_state(2, kCPU), gen);
  Tensor second = m.forward(ops::slice(all, 0, 4, 2), state, gen).first.value();
  EXPECT_TRUE(testing::all_close(first.value(), ops::slice(whole, 0, 0, 8), 1e-6f, 1e-6f));
  EXPECT_TRUE(testing::all_close(second, ops::slice(whole, 0, 8, 4), 1e-6f, 1e-6f));
  // Position 5 depends on positions 3..5 only: changing position 2 leaves it.
  std::vector<std::int32_t> changed = ids;
  changed[2 * 2] = 13;
  Tensor other = m.forward(Tensor::from_ids(changed, {6, 2}), m.zero_state(2, kCPU), gen).first.value();
  EXPECT_TRUE(testing::all_close(ops::slice(other, 0, 10, 2), ops::slice(whole, 0, 10, 2), 0, 0));
  EXPECT_FALSE(testing::all_close(ops::slice(other, 0, 8, 2), ops::slice(whole, 0, 8, 2), 1e-6f, 1e-6f));
}

// Variational dropout: each sequence's mask is the same at every step; the
// ordinary kind draws each element anew.
TEST(Dropout, VariationalUsesOneMaskPerSequence) {
  const std::int64_t T = 6, B = 4, H = 50;
  const float p = 0.5f;
  Generator gen(3, 2);
  NoGradGuard ng;
  Var ones(Tensor::full({T, B, H}, 1.0f));
  auto v = nn::dropout_seq(ones, p, /*variational=*/true, /*training=*/true, gen).value().to_vector();
  auto plain = nn::dropout_seq(ones, p, false, true, gen).value().to_vector();
  std::int64_t kept = 0, differs_in_time = 0;
  for (std::int64_t t = 0; t < T; ++t)
    for (std::int64_t i = 0; i < B * H; ++i) {
      float x = v[static_cast<std::size_t>(t * B * H + i)];
      EXPECT_TRUE(x == 0.0f || x == 2.0f);
      EXPECT_EQ(x, v[static_cast<std::size_t>(i)]) << "step " << t;  // as at step 0
      kept += x != 0.0f;
      differs_in_time += plain[static_cast<std::size_t>(t * B * H + i)] != plain[static_cast<std::size_t>(i)];
    }
  EXPECT_NEAR(static_cast<double>(kept) / (T * B * H), 0.5, 0.1);
  EXPECT_GT(differs_in_time, T * B * H / 4);
  // Not in evaluation.
  auto eval = nn::dropout_seq(ones, p, true, /*training=*/false, gen).value().to_vector();
  EXPECT_EQ(eval, ones.value().to_vector());
}

// Embedding dropout drops words, not features: a word's rows are all kept
// (scaled by 1/(1-p)) or all zero, the same at all its positions.
TEST(Dropout, EmbeddingDropoutDropsWholeWords) {
  const std::int64_t V = 200, D = 5;
  nn::Embedding emb(V, D);
  Tensor w = emb.weight.value();
  ops::fill_(w, 1.0f);
  std::vector<std::int32_t> ids;
  for (int r = 0; r < 3; ++r)
    for (std::int32_t w = 0; w < V; ++w) ids.push_back(w);
  Tensor x = Tensor::from_ids(ids, {3, V});  // [T = 3, B = V]: every word three times
  Generator gen(7, 2);
  Var y = nn::embedding_dropout(emb.forward(x), x, V, 0.25f, true, gen);
  auto out = y.value().to_vector();
  ASSERT_EQ(out.size(), static_cast<std::size_t>(3 * V * D));
  std::int64_t dropped = 0;
  for (std::int64_t w = 0; w < V; ++w) {
    float first = out[static_cast<std::size_t>(w * D)];
    EXPECT_TRUE(first == 0.0f || std::abs(first - 1.0f / 0.75f) < 1e-6f) << first;
    for (std::int64_t t = 0; t < 3; ++t)
      for (std::int64_t d = 0; d < D; ++d) EXPECT_EQ(out[static_cast<std::size_t>((t * V + w) * D + d)], first);
    dropped += first == 0.0f;
  }
  EXPECT_NEAR(static_cast<double>(dropped) / V, 0.25, 0.1);
  // The gradient reaches exactly the kept words' rows.
  Var total = fn::sum(y);
  Tape::current().backward(total);
  auto g = emb.weight.grad().to_vector();
  for (std::int64_t w = 0; w < V; ++w)
    EXPECT_FLOAT_EQ(g[static_cast<std::size_t>(w * D)], 3.0f * out[static_cast<std::size_t>(w * D)]);
}

// Trained through sampled objectives, the full softmax still learns the
// grammar (its exact perplexity is what evaluation reports).
TEST_F(LmTest, SampledObjectivesLearnTheGrammar) {
  for (std::string objective : {"importance", "nce", "negative", "blackout"}) {
    auto o = options("lstm", "sampled_" + objective);
    o.output = objective;
    o.samples = 6;
    o.epochs = 20;
    o.optimizer.lr = 0.3f;
    auto r = train::train_language_model(o);
    EXPECT_LT(r.valid_ppl, objective == "negative" ? 4.0 : 2.2) << objective;
  }
}

// Hierarchical and class-based softmaxes learn the grammar too, and their
// model files keep the tree or the classes: a loaded model evaluates to the
// same exact perplexity.
TEST_F(LmTest, FactoredSoftmaxesLearnAndReload) {
  for (std::string output : {"hierarchical", "class"}) {
    auto o = options("lstm", "out_" + output);
    o.model.output = output;
    o.epochs = 20;
    o.optimizer.lr = 0.3f;
    auto r = train::train_language_model(o);
    EXPECT_LT(r.valid_ppl, 2.2) << output;
    Loaded l = load_eval(r.model_path);
    auto ids = l.m.vocab.encode(text::tokenize_lines(text::read_text_file(file("valid.txt"))));
    auto e = eval::evaluate_perplexity(*l.m.model, ids, o.eval_batch, o.eval_steps, kCPU);
    EXPECT_NEAR(e.perplexity(), r.valid_ppl, 1e-4 * r.valid_ppl) << output;
  }
}

TEST_F(LmTest, LearnsAgreement) {
  auto o = options("lstm", "agree");
  o.epochs = 15;
  auto r = train::train_language_model(o);
  Loaded l = load_eval(r.model_path);
  auto& m = l.m;
  decode::GenerateOptions g;
  g.sampling.temperature = 0;  // greedy
  g.length = 3;
  auto plural = decode::generate(*m.model, m.vocab, {"the", "cats", "big", "red"}, g, kCPU);
  auto single = decode::generate(*m.model, m.vocab, {"the", "cat", "big", "red"}, g, kCPU);
  // Greedy decoding may still choose an adjective first; find the verb.
  auto verb = [](const std::vector<std::string>& w) {
    for (const auto& s : w)
      if (s == "run" || s == "runs") return s;
    return std::string("none");
  };
  EXPECT_EQ(verb(plural), "run");
  EXPECT_EQ(verb(single), "runs");
}

TEST_F(LmTest, SavedModelGivesTheSamePerplexity) {
  auto o = options("gru", "saved");
  o.epochs = 2;
  auto r = train::train_language_model(o);
  Loaded l = load_eval(r.model_path);
  auto& m = l.m;
  auto ids = m.vocab.encode(text::tokenize_lines(text::read_text_file(file("valid.txt"))));
  auto e = eval::evaluate_perplexity(*m.model, ids, 1, 20, kCPU);
  EXPECT_NEAR(e.perplexity(), r.test_ppl, 1e-9 * r.test_ppl);
}

io::NamedTensors weights_of(const std::string& path) { return io::load_safetensors(path).tensors; }

// Any budget is spent by the first batch: one batch is trained, the cut
// epoch is evaluated and saved, and a resume with the same budget trains none.
TEST_F(LmTest, TimeBudgetEndsTrainingAfterTheBatchThatSpendsIt) {
  auto o = options("lstm", "budget");
  o.time_budget_s = 1e-9;
  auto r = train::train_language_model(o);
  EXPECT_EQ(r.epochs, 1);
  EXPECT_EQ(r.train_tokens, o.batch * o.steps);
  EXPECT_GT(r.valid_ppl, 0.0);
  EXPECT_GT(r.test_ppl, 0.0);
  ASSERT_TRUE(fs::exists(r.model_path));
  auto before = weights_of(r.model_path);
  o.resume = true;
  auto again = train::train_language_model(o);
  EXPECT_EQ(again.train_tokens, r.train_tokens);  // the run's, none added
  EXPECT_EQ(again.epochs, 1);
  EXPECT_NEAR(again.test_ppl, r.test_ppl, 1e-9 * r.test_ppl);
  auto after = weights_of(again.model_path);
  ASSERT_EQ(before.size(), after.size());
  for (std::size_t i = 0; i < before.size(); ++i)
    EXPECT_EQ(before[i].second.to_vector(), after[i].second.to_vector()) << before[i].first;
}


TEST_F(LmTest, TrainingIsReproducibleAndResumesExactly) {
  auto a = options("lstm", "a");
  a.epochs = 3;
  a.model.dropout = 0.3f;  // exercises the dropout stream across the resume
  train::train_language_model(a);
  auto again = a;
  again.out_dir = file("a2");
  train::train_language_model(again);
  auto b = a;
  b.out_dir = file("b");
  b.epochs = 1;
  train::train_language_model(b);
  b.epochs = 3;
  b.resume = true;
  train::train_language_model(b);
  auto wa = weights_of(file("a/model.safetensors"));
  auto wa2 = weights_of(file("a2/model.safetensors"));
  auto wb = weights_of(file("b/model.safetensors"));
  ASSERT_EQ(wa.size(), wb.size());
  for (std::size_t i = 0; i < wa.size(); ++i) {
    EXPECT_EQ(wa[i].second.to_vector(), wa2[i].second.to_vector()) << wa[i].first;
    EXPECT_EQ(wa[i].second.to_vector(), wb[i].second.to_vector()) << wa[i].first;
  }
}

TEST_F(LmTest, TiedWeightsAreOneParameter) {
  models::LanguageModelConfig c;
  c.vocab_size = 50;
  c.emb_size = c.hidden_size = 8;
  c.num_layers = 1;
  c.tie_weights = true;
  models::LanguageModel m(c);
  bool has_decoder_weight = false;
  for (auto& [name, v] : m.named_parameters()) has_decoder_weight |= name == "decoder.weight";
  EXPECT_FALSE(has_decoder_weight);
  c.hidden_size = 9;
  EXPECT_THROW(models::LanguageModel bad(c), InvalidArgument);
}

TEST_F(LmTest, NoAllocationAfterWarmUp) {
  models::LanguageModelConfig c;
  c.vocab_size = 30;
  c.emb_size = 8;
  c.hidden_size = 16;
  c.dropout = 0.2f;
  models::LanguageModel m(c);
  m.init_parameters(1);
  nn::ParameterSet ps(m, kCPU);
  Generator gen(1, 2);
  Tensor x = Tensor::from_ids(std::vector<std::int32_t>(35 * 4, 3), {35, 4});
  auto step = [&]() {
    ps.zero_grad();
    auto [logits, s] = m.forward(x, m.zero_state(4, kCPU), gen);
    Var loss = fn::cross_entropy(logits, x.view({-1}));
    Tape::current().backward(loss);
  };
  step();
  step();
  auto before = Allocator::of(kCPU).stats().system_allocs;
  for (int i = 0; i < 3; ++i) step();
  EXPECT_EQ(Allocator::of(kCPU).stats().system_allocs, before);
}

TEST_F(LmTest, GenerationIsReproducibleForASeed) {
  auto o = options("lstm", "gen");
  o.epochs = 1;
  auto r = train::train_language_model(o);
  Loaded l = load_eval(r.model_path);
  auto& m = l.m;
  decode::GenerateOptions g;
  g.length = 30;
  g.sampling.top_k = 5;
  g.sampling.top_p = 0.9f;
  g.seed = 7;
  auto a = decode::generate(*m.model, m.vocab, {"the"}, g, kCPU);
  auto b = decode::generate(*m.model, m.vocab, {"the"}, g, kCPU);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), 30u);
}

// Beam search over the LM: width 1 is greedy decoding; a wider beam finds a
// continuation at least as likely (length penalty 0: raw log-probability).
TEST_F(LmTest, BeamGenerationOfWidthOneIsGreedy) {
  auto o = options("lstm", "beam");
  o.epochs = 1;
  auto r = train::train_language_model(o);
  Loaded l = load_eval(r.model_path);
  auto& m = l.m;
  decode::GenerateOptions g;
  g.length = 12;
  g.sampling.temperature = 0.0f;
  g.stop_at_eos = true;
  auto greedy = decode::generate(*m.model, m.vocab, {"the"}, g, kCPU);
  EXPECT_EQ(decode::generate_beam(*m.model, m.vocab, {"the"}, g, 1, 0.0f, kCPU), greedy);
  auto log_prob = [&](std::vector<std::string> words) {  // of the words and the <eos> after "the"
    words.insert(words.begin(), "the");
    words.push_back(text::kEos);
    auto ids = m.vocab.encode(words);
    NoGradGuard ng;
    Generator unused;
    auto [logits, st] = m.model->forward(Tensor::from_ids(ids, {static_cast<std::int64_t>(ids.size()), 1}), m.model->zero_state(1, kCPU), unused);
    auto lp = ops::log_softmax(logits.value()).to_vector();
    double sum = 0;
    for (std::size_t t = 0; t + 1 < ids.size(); ++t) sum += lp[t * static_cast<std::size_t>(m.vocab.size()) + ids[t + 1]];
    return sum;
  };
  auto wide = decode::generate_beam(*m.model, m.vocab, {"the"}, g, 4, 0.0f, kCPU);
  ASSERT_LT(greedy.size(), 12u) << "greedy decoding should end the sentence";
  EXPECT_GE(log_prob(wide), log_prob(greedy) - 1e-4);
}

TEST(Sampling, CharacterStreams) {
  EXPECT_EQ(text::tokenize_lines("猫が\r\nい る\n", text::Unit::kChar),
            (std::vector<std::string>{"猫", "が", "<eos>", "い", " ", "る", "<eos>"}));
  EXPECT_EQ(text::tokenize_lines("a b\n", text::Unit::kWord), (std::vector<std::string>{"a", "b", "<eos>"}));
}

TEST(Sampling, TopKAndTopPRestrictTheCandidates) {
  std::vector<float> logits = {0.0f, 3.0f, 2.9f, -1.0f, 1.0f};
  Generator g(3, 0);
  decode::SamplingOptions k2{1.0f, 2, 1.0f};
  for (int i = 0; i < 200; ++i) {
    auto id = decode::sample(logits, k2, g);
    EXPECT_TRUE(id == 1 || id == 2) << id;
  }
  decode::SamplingOptions p{1.0f, 0, 0.3f};  // the top token alone holds > 30%
  for (int i = 0; i < 50; ++i) EXPECT_EQ(decode::sample(logits, p, g), 1);
  decode::SamplingOptions greedy{0.0f, 0, 1.0f};
  EXPECT_EQ(decode::sample(logits, greedy, g), 1);
  // Temperature-1 frequencies follow the softmax.
  decode::SamplingOptions full{1.0f, 0, 1.0f};
  std::vector<int> counts(5);
  for (int i = 0; i < 20000; ++i) ++counts[static_cast<std::size_t>(decode::sample(logits, full, g))];
  double z = 0;
  for (float l : logits) z += std::exp(l);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_NEAR(counts[i] / 20000.0, std::exp(logits[i]) / z, 0.015);
}

}  // namespace
}  // namespace rnnkit

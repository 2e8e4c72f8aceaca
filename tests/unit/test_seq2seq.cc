// Sequence to sequence: padding that changes nothing, attention, search, BLEU,
// the book's split, and a model that must learn to reverse sequences.
#include <filesystem>
#include <fstream>

#include "rnnkit/core/parallel.h"
#include "rnnkit/decode/search.h"
#include "rnnkit/decode/translate.h"
#include "rnnkit/eval/bleu.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/models/seq2seq.h"
#include "rnnkit/text/parallel.h"
#include "rnnkit/text/segmenter.h"
#include "rnnkit/train/seq2seq_trainer.h"
#include "test_util.h"

namespace rnnkit {
namespace {

using testing::all_close;
using testing::random_tensor;
using testing::write_reverse_pairs;
namespace fs = std::filesystem;

models::Seq2SeqConfig small_config(const std::string& attention, bool peeky, bool residual = false,
                                   bool bidirectional = false, bool input_feed = false) {
  models::Seq2SeqConfig c;
  c.source_vocab = 12;
  c.target_vocab = 10;
  c.emb_size = 8;
  c.hidden_size = 16;
  c.num_layers = 2;
  c.attention = attention;
  c.peeky = peeky;
  c.residual = residual;
  c.bidirectional = bidirectional;
  c.input_feed = input_feed;
  return c;
}

// Sum of the target NLL of a batch and, in `grads`, the parameter gradients.
double batch_loss(const models::Seq2Seq& m, nn::ParameterSet& params, const text::Seq2SeqBatch& b) {
  Generator gen(1, 2);
  auto e = m.encode(b.source, b.source_length, gen);
  auto d = m.decode(e, b.target_in, m.start(e), gen);
  Var loss = fn::cross_entropy(d.logits, b.target_out,
                               {.ignore_index = text::kIgnoreIndex, .reduction = fn::Reduction::kSum});
  Tape::current().backward(loss);
  return loss.value().item();
}

struct PaddingCase {
  std::string attention;
  bool peeky, residual, bidirectional, input_feed = false;
};
class Padding : public ::testing::TestWithParam<PaddingCase> {};

// A padded batch gives each example's loss and gradient exactly as alone.
TEST_P(Padding, ChangesNoLossAndNoGradient) {
  auto [attention, peeky, residual, bidirectional, input_feed] = GetParam();
  models::Seq2Seq m(small_config(attention, peeky, residual, bidirectional, input_feed));
  m.init_parameters(3);
  nn::ParameterSet params(m, kCPU);
  std::vector<std::vector<std::int32_t>> src = {{2, 3, 4, 5, 6}, {7, 8}, {9, 10, 11, 2}};
  std::vector<std::vector<std::int32_t>> tgt = {{2, 3, 4}, {5, 6, 7, 8, 9}, {3}};
  text::Seq2SeqBatcher all(src, tgt, 3, true, 0, false);
  params.zero_grad();
  double together = batch_loss(m, params, all.get(0));
  Tensor g_together = params.grads().to(kCPU);
  params.zero_grad();
  double alone = 0;
  for (std::size_t i = 0; i < src.size(); ++i) {
    text::Seq2SeqBatcher one({src[i]}, {tgt[i]}, 1, true, 0, false);
    alone += batch_loss(m, params, one.get(0));  // gradients accumulate
  }
  EXPECT_NEAR(together, alone, 1e-5 * alone);
  EXPECT_TRUE(all_close(g_together, params.grads(), 1e-5f, 1e-4f));
}

INSTANTIATE_TEST_SUITE_P(Models, Padding,
                         ::testing::Values(PaddingCase{"none", false, false, false},
                                           PaddingCase{"none", true, false, false},
                                           PaddingCase{"dot", false, false, false},
                                           PaddingCase{"general", true, false, false},
                                           PaddingCase{"dot", false, true, false},
                                           PaddingCase{"general", true, true, true},
                                           PaddingCase{"none", false, false, true},
                                           PaddingCase{"additive", true, false, true},
                                           PaddingCase{"general", false, false, false, true},
                                           PaddingCase{"additive", true, true, true, true}));

// Generation carries the decoder state (with input feeding, the last context)
// step by step; the result equals one teacher-forced pass.
TEST(Seq2Seq, StepByStepEqualsTeacherForcing) {
  for (bool feed : {false, true}) {
    models::Seq2Seq m(small_config("general", true, false, false, feed));
    m.init_parameters(5);
    nn::ParameterSet params(m, kCPU);
    m.train(false);
    NoGradGuard ng;
    Generator gen(1, 2);
    text::Seq2SeqBatcher batch({{2, 3, 4, 5}, {6, 7}}, {{2, 3, 4}, {5, 6, 7}}, 2, false, 0, false);
    auto b = batch.get(0);
    auto e = m.encode(b.source, b.source_length, gen);
    Tensor whole = m.decode(e, b.target_in, m.start(e), gen).logits.value();  // [T * B, V]
    auto state = m.start(e);
    const std::int64_t T = b.target_in.size(0);
    for (std::int64_t t = 0; t < T; ++t) {
      auto d = m.decode(e, ops::slice(b.target_in, 0, t, 1), state, gen);
      state = d.state;
      EXPECT_TRUE(all_close(d.logits.value(), ops::slice(whole, 0, 2 * t, 2), 1e-5f, 1e-5f)) << "feed " << feed << " step " << t;
    }
  }
}

TEST(Attention, WeightsSumToOneAndIgnorePadding) {
  Tensor q = random_tensor({3, 4, 5}, 1), k = random_tensor({6, 4, 5}, 2);
  Tensor len = Tensor::from_ids({6, 2, 0, 4}, {4});
  auto f = ops::attention_forward(q, k, len);
  auto w = f.weights.to_vector();  // [B, Tq, Tk]
  for (int b = 0; b < 4; ++b)
    for (int i = 0; i < 3; ++i) {
      double s = 0;
      for (int j = 0; j < 6; ++j) {
        float v = w[static_cast<std::size_t>((b * 3 + i) * 6 + j)];
        if (j >= len.to_ids()[static_cast<std::size_t>(b)]) {
          EXPECT_EQ(v, 0.0f) << b << " " << j;
        }
        s += v;
      }
      EXPECT_NEAR(s, b == 2 ? 0.0 : 1.0, 1e-6) << "sequence " << b;
    }
  // Keys past the length do not move the context.
  Tensor k2 = k.to(kCPU);
  k2.data()[(5 * 4 + 1) * 5 + 3] += 100.0f;  // step 5 of sequence 1 (length 2)
  EXPECT_TRUE(all_close(ops::attention_forward(q, k2, len).context, f.context, 0, 0));
}

TEST(Attention, GradientCheck) {
  Tensor len = Tensor::from_ids({5, 3, 1}, {3});
  testing::gradcheck({Var(random_tensor({4, 3, 6}, 1), true), Var(random_tensor({5, 3, 6}, 2), true)},
                     [&](std::vector<Var>& v) { return testing::project(fn::attention(v[0], v[1], len).context, 9); });
}

TEST(Attention, AdditiveGradientCheck) {
  Tensor len = Tensor::from_ids({5, 3, 1}, {3});
  testing::gradcheck({Var(random_tensor({4, 3, 6}, 1), true), Var(random_tensor({5, 3, 6}, 2), true),
                      Var(random_tensor({6}, 3), true), Var(random_tensor({5, 3, 4}, 4), true)},
                     [&](std::vector<Var>& v) {
                       return testing::project(fn::additive_attention(v[0], v[1], v[2], v[3], len).context, 9);
                     });
  // Weights: a softmax over the unmasked keys of v . tanh(qa + ka).
  Tensor qa = random_tensor({1, 1, 2}, 5), ka = random_tensor({3, 1, 2}, 6), v = random_tensor({2}, 7);
  auto f = ops::additive_attention_forward(qa, ka, v, random_tensor({3, 1, 4}, 8), Tensor::from_ids({2}, {1}));
  auto q = qa.to_vector(), k = ka.to_vector(), vv = v.to_vector(), w = f.weights.to_vector();
  double s0 = vv[0] * std::tanh(q[0] + k[0]) + vv[1] * std::tanh(q[1] + k[1]);
  double s1 = vv[0] * std::tanh(q[0] + k[2]) + vv[1] * std::tanh(q[1] + k[3]);
  EXPECT_NEAR(w[0], 1.0 / (1.0 + std::exp(s1 - s0)), 1e-5);
  EXPECT_NEAR(w[1], 1.0 / (1.0 + std::exp(s0 - s1)), 1e-5);
  EXPECT_EQ(w[2], 0.0f);
}

// Sequences in parallel (large enough to split): the same gradients, bit for
// bit, with one thread and with two, masked keys included.
TEST(Attention, AdditiveBackwardIsTheSameAtAnyThreadCount) {
  const std::int64_t Tq = 6, B = 32, Tk = 7, A = 32, H = 24;
  std::vector<std::int32_t> lens(static_cast<std::size_t>(B));
  for (std::int64_t b = 0; b < B; ++b)
    lens[static_cast<std::size_t>(b)] = static_cast<std::int32_t>(1 + b % Tk);
  Tensor qa = random_tensor({Tq, B, A}, 1), ka = random_tensor({Tk, B, A}, 2),
         v = random_tensor({A}, 3);
  Tensor values = random_tensor({Tk, B, H}, 4), dctx = random_tensor({Tq, B, H}, 5);
  Tensor len = Tensor::from_ids(lens, {B});
  const int threads = num_threads();
  std::vector<std::vector<float>> runs[2];
  for (int n : {1, 2}) {
    set_num_threads(n);
    auto f = ops::additive_attention_forward(qa, ka, v, values, len);
    auto g = ops::additive_attention_backward(qa, ka, v, values, f, dctx);
    runs[n - 1] = {f.context.to_vector(), g.dqa.to_vector(), g.dka.to_vector(), g.dv.to_vector(),
                   g.dvalues.to_vector()};
  }
  set_num_threads(threads);
  for (std::size_t i = 0; i < runs[0].size(); ++i)
    EXPECT_EQ(runs[0][i], runs[1][i]) << "output " << i;
}

// A Markov chain over {eos, A, B, C}: the next token depends on the previous only.
decode::StepFn markov(const std::vector<std::vector<float>>& p) {
  return [p](const std::vector<std::int32_t>& tokens, const std::vector<std::int64_t>&) {
    std::vector<float> out;
    for (auto t : tokens)
      for (float x : p[static_cast<std::size_t>(t)]) out.push_back(std::log(x));
    return out;
  };
}

TEST(Search, BeamOfOneIsGreedy) {
  std::vector<std::vector<float>> p = {{0.05f, 0.5f, 0.3f, 0.15f}, {0.2f, 0.1f, 0.4f, 0.3f},
                                       {0.3f, 0.3f, 0.2f, 0.2f}, {0.5f, 0.2f, 0.2f, 0.1f}};
  decode::SearchOptions o;
  o.width = 1;
  o.max_length = 20;
  auto g = decode::greedy_search(3, 4, markov(p), o);
  auto b = decode::beam_search(3, 4, markov(p), o);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(b[static_cast<std::size_t>(i)][0].tokens, g[static_cast<std::size_t>(i)].tokens);
    EXPECT_FLOAT_EQ(b[static_cast<std::size_t>(i)][0].log_prob, g[static_cast<std::size_t>(i)].log_prob);
  }
}

TEST(Search, BeamFindsABetterOutputThanGreedy) {
  // Greedy takes A (0.6) then C (0.55) then <eos>: 0.33. B then <eos> has 0.4.
  const float e = 1e-6f;
  std::vector<std::vector<float>> p = {{e, 0.6f, 0.4f, e}, {0.45f, e, e, 0.55f}, {1.0f, e, e, e}, {1.0f, e, e, e}};
  decode::SearchOptions o;
  o.width = 2;
  o.length_penalty = 0.0f;
  auto g = decode::greedy_search(1, 4, markov(p), o);
  auto b = decode::beam_search(1, 4, markov(p), o);
  EXPECT_EQ(g[0].tokens, (std::vector<std::int32_t>{1, 3}));
  EXPECT_EQ(b[0][0].tokens, (std::vector<std::int32_t>{2}));
  EXPECT_GT(b[0][0].log_prob, g[0].log_prob + 0.1f);
  EXPECT_NEAR(b[0][0].log_prob, std::log(0.4f), 1e-4);
}

// A model with non-finite weights scores everything NaN: an error, not a crash.
TEST(Search, NaNScoresAreAnErrorNotACrash) {
  auto nan_step = [](const std::vector<std::int32_t>& tokens, const std::vector<std::int64_t>&) {
    return std::vector<float>(tokens.size() * 4, std::nanf(""));
  };
  decode::SearchOptions o;
  o.width = 3;
  EXPECT_THROW(decode::greedy_search(2, 4, nan_step, o), NumericalError);
  EXPECT_THROW(decode::beam_search(2, 4, nan_step, o), NumericalError);
}

std::vector<std::string> words(const std::string& s) { return text::split_units(s, text::Unit::kWord); }

TEST(Bleu, HandComputedValues) {
  // p1 = 5/6, p2 = 3/5, p3 = 1/4, p4 = none of 3 -> 1/(2*3); equal lengths.
  auto r = eval::corpus_bleu({words("the cat sat on the mat")}, {words("the cat is on the mat")});
  EXPECT_NEAR(r.precisions[0], 100.0 * 5 / 6, 1e-9);
  EXPECT_NEAR(r.precisions[1], 60.0, 1e-9);
  EXPECT_NEAR(r.precisions[2], 25.0, 1e-9);
  EXPECT_NEAR(r.precisions[3], 100.0 / 6, 1e-9);
  EXPECT_NEAR(r.brevity_penalty, 1.0, 1e-12);
  EXPECT_NEAR(r.bleu, 100.0 * std::pow(5.0 / 6 * 0.6 * 0.25 / 6, 0.25), 1e-9);
  // Counts are pooled over the corpus before the precisions; short output pays.
  auto c = eval::corpus_bleu({words("a b c d e"), words("x y")}, {words("a b c d e f g"), words("x y z")});
  // unigrams 7/7, bigrams 5/5, trigrams 3/3, 4-grams 2/2; lengths 7 vs 10.
  EXPECT_NEAR(c.brevity_penalty, std::exp(1.0 - 10.0 / 7.0), 1e-12);
  EXPECT_NEAR(c.bleu, 100.0 * std::exp(1.0 - 10.0 / 7.0), 1e-9);
  EXPECT_EQ(eval::corpus_bleu({words("the cat")}, {words("the cat sat")}).bleu, 0.0);  // no 3-grams
}

TEST(ParallelText, TheBooksSplitMatchesNumpy) {
  auto p = text::numpy_permutation(50000, 1984);  // values from numpy 1.24
  EXPECT_EQ((std::vector<std::size_t>(p.begin(), p.begin() + 5)),
            (std::vector<std::size_t>{21921, 48929, 19568, 37778, 32165}));
  EXPECT_EQ(p[44999], 19341u);
  EXPECT_EQ(p[49999], 30319u);
}

TEST(ParallelText, UnitsAndFormats) {
  EXPECT_EQ(text::split_units("日本語 ok", text::Unit::kChar),
            (std::vector<std::string>{"日", "本", "語", " ", "o", "k"}));
  EXPECT_EQ(text::join_units({"日", "本"}, text::Unit::kChar), "日本");
  fs::path dir = fs::temp_directory_path() / ("rnnkit_s2s_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "book.txt") << "16+75  _91  \n52+607 _659 \n";
  auto b = text::read_parallel((dir / "book.txt").string(), "book");
  EXPECT_EQ(b.source, (std::vector<std::string>{"16+75", "52+607"}));
  EXPECT_EQ(b.target, (std::vector<std::string>{"91", "659"}));
  std::ofstream(dir / "bad.tsv") << "a\tb\nno tab here\n";
  try {
    text::read_parallel((dir / "bad.tsv").string());
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "a.txt") << "x\ny\n";
  std::ofstream(dir / "b.txt") << "x\n";
  EXPECT_THROW(text::read_parallel_files((dir / "a.txt").string(), (dir / "b.txt").string()), FormatError);
  fs::remove_all(dir);
}

TEST(Subwords, TrainSegmentAndJoin) {
  std::vector<std::string> text;
  const char* words[] = {"the", "cat", "sat", "on", "mat", "私は", "日本語", "を", "話します"};
  PhiloxStream g(11, 0);
  for (int i = 0; i < 300; ++i) {
    std::string s;
    for (int k = 0; k < 6; ++k) {
      if (k) s += ' ';
      s += words[g.below(9)];
    }
    text.push_back(s);
  }
  auto m = text::SubwordModel::train(text, {.vocab_size = 40});
  EXPECT_LE(m.size(), 40);
  text::Segmenter seg(m);
  for (const auto& s : {text[0], text[1], std::string("the cat 日本語を話します")}) {
    auto pieces = seg.split(s);
    EXPECT_LT(pieces.size(), text::split_units(s, text::Unit::kChar).size()) << s;  // pieces join characters
    EXPECT_EQ(seg.join(pieces), s);
  }
  // Scored as words; the model survives a round trip through its bytes.
  EXPECT_EQ(seg.scoring_units("the cat"), (std::vector<std::string>{"the", "cat"}));
  auto again = text::SubwordModel::from_bytes(text::base64_decode(text::base64_encode(m.bytes())));
  EXPECT_EQ(again.encode(text[2]), m.encode(text[2]));
  EXPECT_THROW(text::SubwordModel::from_bytes("not a model"), FormatError);
  EXPECT_THROW(text::Segmenter(text::Unit::kSubword), InvalidArgument);
}

TEST(Subwords, Base64) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\x10", 3)})
    EXPECT_EQ(text::base64_decode(text::base64_encode(s)), s);
  EXPECT_EQ(text::base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(text::base64_encode("fo"), "Zm8=");
  EXPECT_THROW(text::base64_decode("Zm8"), FormatError);
  EXPECT_THROW(text::base64_decode("Z!8="), FormatError);
  EXPECT_THROW(text::base64_decode("Zm=v"), FormatError);
}

// A small attention model for the reversal task.
train::Seq2SeqTrainOptions reverse_task_options(const fs::path& dir) {
  train::Seq2SeqTrainOptions o = train::seq2seq_preset("date-attention");
  o.out_dir = (dir / "run").string();
  o.model.hidden_size = 64;
  o.model.reverse_source = false;
  o.batch = 32;
  o.optimizer.lr = 5e-3f;
  return o;
}

// The reversal task with separate training and validation files in `dir`
// (the validation pairs doubling as the test set).
train::Seq2SeqTrainOptions reverse_task_with_validation(const fs::path& dir, int train_pairs,
                                                        int valid_pairs) {
  fs::create_directories(dir);
  write_reverse_pairs(dir / "train.tsv", train_pairs, 5);
  write_reverse_pairs(dir / "valid.tsv", valid_pairs, 6);
  train::Seq2SeqTrainOptions o = reverse_task_options(dir);
  o.train = (dir / "train.tsv").string();
  o.valid = o.test = (dir / "valid.tsv").string();
  return o;
}

// End to end: reversing strings, a task only a working encoder-decoder with
// attention learns in a few epochs.
TEST(Seq2SeqTraining, LearnsToReverse) {
  fs::path dir = fs::temp_directory_path() / ("rnnkit_rev_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  write_reverse_pairs(dir / "pairs.tsv", 3000, 5);
  train::Seq2SeqTrainOptions o = reverse_task_options(dir);
  o.data = (dir / "pairs.tsv").string();
  o.test_fraction = 0.1;
  o.epochs = 6;
  auto r = train::train_seq2seq(o);
  EXPECT_GE(r.test_accuracy, 0.9) << "after " << r.history.size() << " epochs";
  EXPECT_TRUE(fs::exists(dir / "run" / "attention.html"));
  // The saved model translates like the trained one.
  auto loaded = io::load_seq2seq(r.model_path);
  nn::ParameterSet params(*loaded.model, kCPU);
  loaded.model->train(false);
  auto out = decode::translate(*loaded.model, loaded.source_units, loaded.source_vocab,
                               loaded.target_vocab, {"abcdef"}, {}, kCPU);
  EXPECT_EQ(text::join_units(out[0][0].units, text::Unit::kChar), "fedcba");
  fs::remove_all(dir);
}

// With a validation set the model kept is its best epoch, not the last: a
// rate raised 30-fold from epoch 4 on wrecks the later epochs, and the final
// evaluation (on the same pairs, greedy) must score what the best epoch did.
// The plateau schedule cuts the rate after each epoch without a better BLEU.
TEST(Seq2SeqTraining, KeepsTheBestValidationEpochAndDecaysOnPlateaus) {
  fs::path dir = fs::temp_directory_path() / ("rnnkit_valid_" + std::to_string(::getpid()));
  train::Seq2SeqTrainOptions o = reverse_task_with_validation(dir, 1500, 100);
  o.epochs = 5;
  o.lr_decay = 30.0f;
  o.decay_after = 3;
  auto r = train::train_seq2seq(o);
  ASSERT_EQ(r.history.size(), 5u);
  auto best = std::max_element(r.history.begin(), r.history.end(),
                               [](const auto& a, const auto& b) { return a.bleu < b.bleu; });
  EXPECT_EQ(r.kept_epoch, best->epoch);
  EXPECT_LT(r.history.back().bleu, best->bleu - 10) << "the raised rate should have hurt";
  EXPECT_DOUBLE_EQ(r.bleu, best->bleu);
  EXPECT_EQ(r.history.front().eval_set, "valid");

  o.schedule = "plateau";
  o.lr_decay = 0.5f;
  o.epochs = 6;
  o.overwrite = true;
  r = train::train_seq2seq(o);
  double best_bleu = -1;
  for (std::size_t i = 0; i + 1 < r.history.size(); ++i) {
    bool gained = r.history[i].bleu > best_bleu;
    best_bleu = std::max(best_bleu, r.history[i].bleu);
    EXPECT_FLOAT_EQ(r.history[i + 1].lr, r.history[i].lr * (gained ? 1.0f : 0.5f))
        << "epoch " << i + 2;
  }
  o.valid.clear();
  EXPECT_THROW(train::train_seq2seq(o), InvalidArgument);
  fs::remove_all(dir);
}

// Training 2 epochs and resuming to 4 gives the same weights, history and
// kept epoch as 4 epochs straight: optimizer state, rate schedule, dropout
// stream and the best validation epoch all survive the checkpoint.
TEST(Seq2SeqTraining, ResumesExactly) {
  fs::path dir = fs::temp_directory_path() / ("rnnkit_resume_" + std::to_string(::getpid()));
  train::Seq2SeqTrainOptions a = reverse_task_with_validation(dir, 600, 60);
  a.model.dropout = 0.2f;
  a.schedule = "plateau";
  a.lr_decay = 0.5f;
  a.epochs = 4;
  a.out_dir = (dir / "a").string();
  auto ra = train::train_seq2seq(a);
  train::Seq2SeqTrainOptions b = a;
  b.out_dir = (dir / "b").string();
  b.epochs = 2;
  train::train_seq2seq(b);
  b.epochs = 4;
  b.resume = true;
  auto rb = train::train_seq2seq(b);
  ASSERT_EQ(rb.history.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(ra.history[i].bleu, rb.history[i].bleu) << "epoch " << i + 1;
    EXPECT_EQ(ra.history[i].lr, rb.history[i].lr) << "epoch " << i + 1;
  }
  EXPECT_EQ(ra.kept_epoch, rb.kept_epoch);
  EXPECT_EQ(ra.bleu, rb.bleu);
  auto wa = io::load_safetensors(ra.model_path), wb = io::load_safetensors(rb.model_path);
  ASSERT_EQ(wa.tensors.size(), wb.tensors.size());
  for (std::size_t i = 0; i < wa.tensors.size(); ++i)
    EXPECT_EQ(wa.tensors[i].second.to_vector(), wb.tensors[i].second.to_vector())
        << wa.tensors[i].first;
  // The checkpoint is a model file too; resuming without the validation set it was trained with
  // fails.
  EXPECT_NO_THROW(io::load_seq2seq((dir / "b" / "checkpoint.safetensors").string()));
  b.valid.clear();
  b.schedule = "step";
  EXPECT_THROW(train::train_seq2seq(b), InvalidArgument);
  b.out_dir = (dir / "none").string();
  EXPECT_THROW(train::train_seq2seq(b), FormatError);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rnnkit

namespace rnnkit {
namespace {

// Residual stacking: the top layer's output gains its input (the layer below's output).
TEST(Recurrent, ResidualAddsEachUpperLayersInput) {
  nn::RecurrentOptions o{ops::CellType::kLSTM, 6, 6, 2, 0.0f, false, false};
  nn::Recurrent plain(o);
  o.residual = true;
  nn::Recurrent residual(o);
  o.num_layers = 1;
  nn::Recurrent first(o);
  Generator g(3, 1);
  auto pv = plain.named_parameters(), rv = residual.named_parameters(), fv = first.named_parameters();
  for (std::size_t i = 0; i < pv.size(); ++i) {
    ops::uniform_(pv[i].second.value(), g, 100 * i, -0.5f, 0.5f);
    ops::uniform_(rv[i].second.value(), g, 100 * i, -0.5f, 0.5f);
    if (i < fv.size()) ops::uniform_(fv[i].second.value(), g, 100 * i, -0.5f, 0.5f);
  }
  Var x(random_tensor({5, 3, 6}, 4));
  Tensor len = Tensor::from_ids({5, 2, 4}, {3});
  auto yp = plain.forward(x, plain.zero_state(3, kCPU), g, len).first.value();
  auto yr = residual.forward(x, residual.zero_state(3, kCPU), g, len).first.value();
  auto y1 = first.forward(x, first.zero_state(3, kCPU), g, len).first.value();
  EXPECT_TRUE(all_close(ops::sub(yr, yp), y1, 1e-6f, 1e-5f));
}

}  // namespace
}  // namespace rnnkit

namespace rnnkit {
namespace {

TEST(Recurrent, ReverseSequencesWithLengths) {
  Tensor x = random_tensor({4, 2, 3}, 1);
  Tensor len = Tensor::from_ids({4, 2}, {2});
  auto v = x.to_vector(), r = ops::reverse_sequences(x, len).to_vector();
  auto at = [](const std::vector<float>& a, int t, int b, int k) { return a[static_cast<std::size_t>((t * 2 + b) * 3 + k)]; };
  for (int k = 0; k < 3; ++k) {
    for (int t = 0; t < 4; ++t) EXPECT_EQ(at(r, t, 0, k), at(v, 3 - t, 0, k));
    EXPECT_EQ(at(r, 0, 1, k), at(v, 1, 1, k));
    EXPECT_EQ(at(r, 1, 1, k), at(v, 0, 1, k));
    EXPECT_EQ(at(r, 2, 1, k), 0.0f);
    EXPECT_EQ(at(r, 3, 1, k), 0.0f);
  }
  testing::gradcheck({Var(random_tensor({4, 2, 3}, 2), true)}, [&](std::vector<Var>& in) {
    return testing::project(fn::reverse_sequences(in[0], len), 5);
  });
}

}  // namespace
}  // namespace rnnkit

namespace rnnkit {
namespace {

// Sentences of 3-6 words over eight letters, one per line.
void write_sentences(const fs::path& path, int n, std::uint64_t seed) {
  PhiloxStream g(seed, 0);
  std::ofstream f(path);
  for (int i = 0; i < n; ++i) {
    const std::uint32_t len = 3 + g.below(4);
    for (std::uint32_t k = 0; k < len; ++k)
      f << (k ? " " : "") << static_cast<char>('a' + g.below(8));
    f << "\n";
  }
}

// A sequence autoencoder without attention copies short random sentences
// through its fixed-size code, reversed output included: outputs come back in
// reading order, teacher forcing scores every unit and <eos>, and equal
// sentences get equal codes.
TEST(Autoencoder, LearnsToCopyShortRandomSentences) {
  fs::path dir = fs::temp_directory_path() / ("rnnkit_ae_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  write_sentences(dir / "train.txt", 3000, 7);
  write_sentences(dir / "test.txt", 100, 8);
  for (bool reverse_output : {false, true}) {
    train::Seq2SeqTrainOptions o = train::seq2seq_preset("autoencoder");
    o.train = (dir / "train.txt").string();
    o.test = (dir / "test.txt").string();
    o.out_dir = (dir / "run").string();
    o.overwrite = true;
    o.model.emb_size = 16;
    o.model.hidden_size = 64;
    o.model.reverse_source = true;
    o.model.reverse_target = reverse_output;
    o.optimizer.lr = 5e-3f;
    o.epochs = 8;
    auto r = train::train_seq2seq(o);
    EXPECT_GE(r.test_accuracy, 0.8) << "reverse output " << reverse_output;
    auto m = io::load_seq2seq(r.model_path);
    nn::ParameterSet params(*m.model, kCPU);
    m.model->train(false);
    EXPECT_TRUE(m.model->config().reverse_target == reverse_output);
    auto out = decode::translate(*m.model, m.source_units, m.source_vocab, m.target_vocab,
                                 {"a b c d"}, {}, kCPU);
    EXPECT_EQ(m.target_units.join(out[0][0].units), "a b c d")
        << "reverse output " << reverse_output;
    auto ids = m.source_vocab.encode({"a", "b", "c", "d"});
    auto forced =
        decode::teacher_forced_scores(*m.model, {ids}, {ids}, m.target_vocab.eos_id(), kCPU);
    EXPECT_EQ(forced[0].total, 5);
    EXPECT_EQ(forced[0].correct, 5);
    auto codes = decode::sentence_codes(*m.model, m.source_units, m.source_vocab,
                                        {"a b c", "h g f e", "a b c"}, kCPU);
    ASSERT_EQ(codes.size(), 3u);
    EXPECT_EQ(codes[0].size(), 64u);
    EXPECT_EQ(codes[0], codes[2]);
    EXPECT_NE(codes[0], codes[1]);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rnnkit

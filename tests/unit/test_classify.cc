// Sentence classifiers: every pooling learns, padding changes no prediction,
// pre-trained encoders and vectors load exactly or fail clearly, the tree
// reader, the metrics against hand-worked values, class weights.
#include <filesystem>
#include <fstream>

#include "rnnkit/decode/classify.h"
#include "rnnkit/eval/classification.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/io/vectors_file.h"
#include "rnnkit/text/labeled.h"
#include "rnnkit/train/classify_trainer.h"
#include "rnnkit/train/lm_trainer.h"
#include "test_util.h"

namespace rnnkit {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  fs::path dir =
      fs::temp_directory_path() / ("rnnkit_classify_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

train::ClassifyTrainOptions small_options(const fs::path& dir, bool several) {
  testing::write_labeled(dir / "train.txt", 400, 11, several);
  testing::write_labeled(dir / "test.txt", 100, 12, several);
  train::ClassifyTrainOptions o;
  o.train = (dir / "train.txt").string();
  o.test = (dir / "test.txt").string();
  o.out_dir = (dir / "run").string();
  o.overwrite = true;
  o.model.emb_size = 16;
  o.model.hidden_size = 16;
  o.model.dropout = 0;
  o.optimizer.lr = 0.01f;
  o.batch = 16;
  o.epochs = 8;
  return o;
}

class Pooling : public ::testing::TestWithParam<std::string> {};

// "Does w3 occur?": a task every pooling can learn.
TEST_P(Pooling, LearnsASyntheticTask) {
  fs::path dir = scratch("pool_" + GetParam());
  train::ClassifyTrainOptions o = small_options(dir, false);
  o.model.pooling = GetParam();
  auto task = train::make_classify_task(o);
  train::TrainResult r = train::fit(*task, o);
  EXPECT_GE(train::metric_value(r.test, "accuracy"), 0.95) << GetParam();
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Classifier, Pooling, ::testing::Values("last", "mean", "max", "attention"),
                         [](const auto& info) { return info.param; });

// Several labels per example, a sigmoid each: the top label is right and
// both labels are found.
TEST(Classifier, LearnsSeveralLabelsOneVersusAll) {
  fs::path dir = scratch("multi");
  train::ClassifyTrainOptions o = small_options(dir, true);
  o.model.loss = "one-vs-all";
  auto task = train::make_classify_task(o);
  train::TrainResult r = train::fit(*task, o);
  EXPECT_GE(train::metric_value(r.test, "accuracy"), 0.95);
  EXPECT_GE(train::metric_value(r.test, "macro_f1"), 0.9);
  fs::remove_all(dir);
}

models::ClassifierConfig tiny_config(const std::string& pooling, bool bidirectional) {
  models::ClassifierConfig c;
  c.vocab_size = 12;
  c.labels = 3;
  c.emb_size = 6;
  c.hidden_size = 8;
  c.num_layers = 2;
  c.bidirectional = bidirectional;
  c.pooling = pooling;
  return c;
}

// A padded batch gives each sentence the logits it gets alone.
TEST(Classifier, PaddingChangesNoPrediction) {
  const std::vector<std::vector<std::int32_t>> sentences = {
      {2, 5, 7, 3, 9, 4}, {3}, {8, 8, 2}, {11, 4, 6, 5}};
  for (const char* pooling : {"last", "mean", "max", "attention"})
    for (bool bi : {false, true}) {
      models::Classifier model(tiny_config(pooling, bi));
      model.init_parameters(3);
      model.train(false);
      auto together = decode::classify(model, sentences, {64, 0}, kCPU);
      for (std::size_t i = 0; i < sentences.size(); ++i) {
        auto alone = decode::classify(model, {sentences[i]}, {64, 0}, kCPU);
        for (std::size_t l = 0; l < 3; ++l)
          EXPECT_NEAR(together[i][l], alone[0][l], 1e-6) << pooling << " bi " << bi << " #" << i;
      }
    }
}

// A language model's encoder, saved, starts a classifier: every encoder
// tensor copied bit for bit under its name; a different shape is refused
// with the tensor and the encoder's shape named.
TEST(Classifier, InitFromCopiesTheEncoderExactlyAndRefusesAnotherShape) {
  fs::path dir = scratch("init");
  testing::write_labeled(dir / "labeled.txt", 60, 13, false);
  {
    std::ofstream f(dir / "text.txt");
    PhiloxStream g(4, 0);
    for (int i = 0; i < 200; ++i) {
      for (int k = 0; k < 6; ++k) f << (k ? " w" : "w") << g.below(10);
      f << "\n";
    }
  }
  train::LmTrainOptions lm;
  lm.train_path = lm.valid_path = lm.test_path = (dir / "text.txt").string();
  lm.out_dir = (dir / "lm").string();
  lm.model.emb_size = 10;
  lm.model.hidden_size = 14;
  lm.model.num_layers = 2;
  lm.epochs = 1;
  lm.batch = 4;
  lm.steps = 5;
  auto lm_task = train::make_lm_task(lm);
  const std::string lm_path = train::fit(*lm_task, lm).model_path;

  io::PretrainedEncoder enc = io::load_encoder(lm_path);
  EXPECT_EQ(enc.format, io::kLmFormat);
  models::ClassifierConfig c;
  c.vocab_size = enc.vocab.size();
  c.labels = 2;
  c.emb_size = 10;
  c.hidden_size = 14;
  c.num_layers = 2;
  c.bidirectional = false;
  models::Classifier model(c);
  model.init_parameters(1);
  auto copied = io::copy_encoder(enc, model);
  std::vector<std::string> expected = {"encoder.embedding.weight"};
  for (int l = 0; l < 2; ++l)
    for (const char* p : {"weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l"})
      expected.push_back("encoder.rnn." + std::string(p) + std::to_string(l));
  std::sort(copied.begin(), copied.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(copied, expected);
  auto lm_file = io::load_safetensors(lm_path);
  for (const auto& [name, v] : model.named_parameters()) {
    if (name.rfind("encoder.", 0) == 0) {
      EXPECT_EQ(v.value().to_vector(), lm_file.at(name, lm_path).to_vector()) << name;
    }
  }

  c.hidden_size = 16;
  models::Classifier other(c);
  try {
    io::copy_encoder(enc, other);
    ADD_FAILURE() << "a different hidden size was accepted";
  } catch (const InvalidArgument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("encoder.rnn.weight_ih_l0"), std::string::npos) << m;
    EXPECT_NE(m.find("unidirectional lstm, emb 10, hidden 14, 2 layers"), std::string::npos) << m;
  }
  c.hidden_size = 14;
  c.bidirectional = true;
  models::Classifier bi(c);
  EXPECT_THROW(io::copy_encoder(enc, bi), InvalidArgument);  // no backward_rnn in an LM

  // Through the task: the classifier takes the LM's vocabulary and encoder.
  train::ClassifyTrainOptions o;
  o.train = o.test = (dir / "labeled.txt").string();
  o.out_dir = (dir / "cls").string();
  o.init_from = lm_path;
  o.model.emb_size = 10;
  o.model.hidden_size = 14;
  o.model.num_layers = 2;
  o.model.bidirectional = false;
  o.epochs = 1;
  o.max_batches = 1;
  auto task = train::make_classify_task(o);
  auto r = train::fit(*task, o);
  EXPECT_EQ(io::load_classifier(r.model_path).vocab.words(), enc.vocab.words());
  o.model.hidden_size = 12;
  o.out_dir = (dir / "cls2").string();
  auto bad = train::make_classify_task(o);
  EXPECT_THROW(train::fit(*bad, o), InvalidArgument);
  fs::remove_all(dir);
}

// Pre-trained vectors fill the embedding rows of the words they have (and
// stay fixed when frozen); a wrong dimension or an unreadable file is an
// error naming the file.
TEST(Classifier, PretrainedVectorsLoadFreezeAndFailClearly) {
  fs::path dir = scratch("vectors");
  train::ClassifyTrainOptions o = small_options(dir, false);
  {
    std::ofstream f(dir / "vectors.txt");
    f << "3 16\n";
    for (const char* w : {"w1", "w3", "unseen"}) {
      f << w;
      for (int k = 0; k < 16; ++k) f << " " << (k + 1) * 0.01;
      f << "\n";
    }
  }
  o.pretrained_vectors = (dir / "vectors.txt").string();
  o.freeze_vectors = true;
  o.epochs = 1;
  auto task = train::make_classify_task(o);
  auto r = train::fit(*task, o);
  auto saved = io::load_classifier(r.model_path);
  const std::int32_t id = saved.vocab.id("w3");
  ASSERT_NE(id, saved.vocab.unk_id());
  std::vector<float> row;
  for (const auto& [name, v] : saved.model->named_parameters())
    if (name == "encoder.embedding.weight") {
      auto all = v.value().to_vector();
      row.assign(all.begin() + id * 16, all.begin() + (id + 1) * 16);
    }
  ASSERT_EQ(row.size(), 16u);
  for (int k = 0; k < 16; ++k) EXPECT_FLOAT_EQ(row[static_cast<std::size_t>(k)], (k + 1) * 0.01f);

  o.model.emb_size = 8;
  o.out_dir = (dir / "run2").string();
  auto wrong = train::make_classify_task(o);
  try {
    train::fit(*wrong, o);
    ADD_FAILURE() << "8-dimensional embedding took 16-dimensional vectors";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("16 dimensions"), std::string::npos) << e.what();
  }
  o.model.emb_size = 16;
  o.pretrained_vectors = (dir / "missing.txt").string();
  o.out_dir = (dir / "run3").string();
  auto missing = train::make_classify_task(o);
  try {
    train::fit(*missing, o);
    ADD_FAILURE() << "a missing vectors file was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.txt"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

// (3 (2 It) (4 (3 (2 is) (4 good)) (2 .))) worked by hand: 7 nodes, each
// node's label and text in preorder.
TEST(Labeled, SentimentTreeByHand) {
  auto nodes = text::parse_sentiment_tree("(3 (2 It) (4 (3 (2 is) (4 good)) (2 .)))");
  ASSERT_EQ(nodes.size(), 7u);
  const std::vector<std::pair<int, std::string>> want = {
      {3, "It is good ."}, {2, "It"},   {4, "is good ."}, {3, "is good"},
      {2, "is"},           {4, "good"}, {2, "."}};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(nodes[i].label, want[i].first) << i;
    EXPECT_EQ(nodes[i].text, want[i].second) << i;
  }
  EXPECT_EQ(text::parse_sentiment_tree("(1 (2 -LRB-) (0 bad) (2 -RRB-))")[0].text, "( bad )");
  EXPECT_THROW(text::parse_sentiment_tree("(3 (2 It) (4 good)"), InvalidArgument);
  EXPECT_THROW(text::parse_sentiment_tree("(7 word)"), InvalidArgument);
  EXPECT_THROW(text::parse_sentiment_tree("(3 a) (2 b)"), InvalidArgument);

  fs::path dir = scratch("trees");
  {
    std::ofstream f(dir / "trees.txt");
    f << "(3 (2 It) (4 (3 (2 is) (4 good)) (2 .)))\n(1 (2 It) (0 (1 (2 is) (0 bad)) (2 .)))\n";
  }
  const std::string path = (dir / "trees.txt").string();
  auto sentences = text::read_labeled(path);
  EXPECT_EQ(sentences.format, "sst");
  EXPECT_EQ(sentences.text, (std::vector<std::string>{"It is good .", "It is bad ."}));
  EXPECT_EQ(sentences.labels[1], std::vector<std::string>{"1"});
  // Phrases: 7 + 7 nodes, "It", "is" and "." repeated: 11 distinct texts.
  auto phrases = text::read_labeled(path, {"sst", "__label__", true, false});
  EXPECT_EQ(phrases.size(), 11u);
  EXPECT_EQ(phrases.dropped, 3);
  // Binary: neutral (2) phrases left out; 3 and 4 positive, 0 and 1 negative.
  auto binary = text::read_labeled(path, {"sst2", "__label__", true, false});
  EXPECT_EQ(binary.size(),
            8u);  // four positive phrases of the first tree, four negative of the second
  EXPECT_EQ(binary.dropped, 6);  // three repeats, three neutral
  for (std::size_t i = 0; i < binary.size(); ++i)
    EXPECT_EQ(binary.labels[i][0], binary.text[i].find("good") != std::string::npos ? "1" : "0");
  fs::remove_all(dir);
}

TEST(Labeled, FormatsAndTheirErrors) {
  fs::path dir = scratch("formats");
  auto write = [&](const std::string& name, const std::string& body) {
    std::ofstream(dir / name) << body;
    return (dir / name).string();
  };
  auto ft =
      text::read_labeled(write("ft.txt", "__label__a __label__b some text\n__label__c more\n"));
  EXPECT_EQ(ft.format, "fasttext");
  EXPECT_EQ(ft.labels[0], (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ft.text[0], "some text");
  auto tsv = text::read_labeled(write("t.tsv", "pos\tA fine film\nneg\tdull\n"),
                                {"auto", "__label__", false, true});
  EXPECT_EQ(tsv.format, "tsv");
  EXPECT_EQ(tsv.text[0], "a fine film");  // lower-cased
  auto kim = text::read_labeled(write("k.txt", "1 a stirring film\n0 dull\n"));
  EXPECT_EQ(kim.format, "first-word");
  EXPECT_EQ(kim.labels[1][0], "0");
  auto message = [&](const std::string& body, const std::string& format) {
    try {
      text::read_labeled(write("bad.txt", body), {format, "__label__", false, false});
    } catch (const FormatError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("__label__a text\nno label here\n", "fasttext").find("line 2"),
            std::string::npos);
  EXPECT_NE(message("pos\t\n", "tsv").find("label<TAB>text"), std::string::npos);
  EXPECT_NE(message("__label__a   \n", "fasttext").find("no text"), std::string::npos);
  EXPECT_NE(message("(3 (2 a)\n", "sst").find("not a sentiment tree"), std::string::npos);
  fs::remove_all(dir);
}

// Precision, recall, F1 and the matrix of a hand-worked example.
TEST(ClassificationScores, HandWorked) {
  // truth a a a b b c; predicted a a b b c c
  auto s = eval::score_labels({0, 0, 0, 1, 1, 2}, {0, 0, 1, 1, 2, 2}, {"a", "b", "c"});
  EXPECT_DOUBLE_EQ(s.accuracy, 4.0 / 6);
  EXPECT_DOUBLE_EQ(s.labels[0].precision, 1.0);
  EXPECT_DOUBLE_EQ(s.labels[0].recall, 2.0 / 3);
  EXPECT_DOUBLE_EQ(s.labels[0].f1, 0.8);
  EXPECT_DOUBLE_EQ(s.labels[1].precision, 0.5);
  EXPECT_DOUBLE_EQ(s.labels[1].recall, 0.5);
  EXPECT_DOUBLE_EQ(s.labels[2].precision, 0.5);
  EXPECT_DOUBLE_EQ(s.labels[2].recall, 1.0);
  EXPECT_NEAR(s.macro_f1, (0.8 + 0.5 + 2.0 / 3) / 3, 1e-12);
  EXPECT_EQ(s.confusion, (std::vector<std::vector<std::int64_t>>{{2, 1, 0}, {0, 1, 1}, {0, 0, 1}}));
  const std::string svg = eval::confusion_svg(s, "t");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find(">2</text>"), std::string::npos);

  // Sets: {a,b} predicted {a}; {c} predicted {b,c}; top labels a and b.
  auto m = eval::score_label_sets({{0, 1}, {2}}, {{0}, {1, 2}}, {0, 1}, {"a", "b", "c"});
  EXPECT_DOUBLE_EQ(m.accuracy, 0.5);             // top a is true; top b is not
  EXPECT_DOUBLE_EQ(m.labels[1].precision, 0.0);  // b predicted once, wrongly
  EXPECT_DOUBLE_EQ(m.labels[1].recall, 0.0);
  EXPECT_DOUBLE_EQ(m.labels[2].f1, 1.0);  // c predicted once, rightly
  EXPECT_TRUE(m.confusion.empty());
}

TEST(ClassWeights, BalancedExplicitAndErrors) {
  const std::vector<std::string> labels = {"a", "b"};
  auto w = train::class_weights("balanced", labels, {30, 10});
  EXPECT_FLOAT_EQ(w[0], 40.0f / 60);
  EXPECT_FLOAT_EQ(w[1], 40.0f / 20);
  w = train::class_weights("b=3", labels, {30, 10});
  EXPECT_FLOAT_EQ(w[0], 1.0f);
  EXPECT_FLOAT_EQ(w[1], 3.0f);
  EXPECT_THROW(train::class_weights("z=3", labels, {1, 1}), InvalidArgument);
  EXPECT_THROW(train::class_weights("a=-1", labels, {1, 1}), InvalidArgument);
  EXPECT_THROW(train::class_weights("a=x", labels, {1, 1}), InvalidArgument);
}

}  // namespace
}  // namespace rnnkit

// The training harness, for every family and output layer: N epochs straight
// equal k epochs and a resume, and a run stopped within an epoch and resumed,
// bit for bit; the run directory's refusals; the training state's JSON.
#include <filesystem>
#include <fstream>

#include "rnnkit/eval/plot.h"
#include "rnnkit/io/safetensors.h"
#include "rnnkit/train/classify_trainer.h"
#include "rnnkit/train/forecast_trainer.h"
#include "rnnkit/train/lm_trainer.h"
#include "rnnkit/train/run_directory.h"
#include "rnnkit/train/seq2seq_trainer.h"
#include "test_util.h"

namespace rnnkit {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  fs::path dir =
      fs::temp_directory_path() / ("rnnkit_harness_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write_lm_text(const fs::path& path, int lines, std::uint64_t seed) {
  PhiloxStream g(seed, 0);
  const char* words[] = {"the", "cat", "dog", "runs", "sat", "on", "a", "mat", "big", "red"};
  std::ofstream f(path);
  for (int i = 0; i < lines; ++i) {
    std::uint32_t n = 3 + g.below(6);
    for (std::uint32_t k = 0; k < n; ++k) f << (k ? " " : "") << words[g.below(10)];
    f << "\n";
  }
}

// One family's run: options in `dir`, trained to `epochs` in all.
struct Family {
  std::string name;
  std::function<train::TrainResult(const fs::path& out, int epochs, bool resume,
                                   const train::Callbacks& cb)>
      run;
};

Family lm(const std::string& output, const fs::path& dir) {
  write_lm_text(dir / "train.txt", 200, 1);
  write_lm_text(dir / "valid.txt", 30, 2);
  return {"lm_" + output,
          [dir, output](const fs::path& out, int epochs, bool resume, const train::Callbacks& cb) {
            train::LmTrainOptions o;
            o.train_path = (dir / "train.txt").string();
            o.valid_path = o.test_path = (dir / "valid.txt").string();
            o.out_dir = out.string();
            o.model.emb_size = o.model.hidden_size = 12;
            o.model.num_layers = 2;
            o.model.dropout = 0.2f;  // the dropout stream crosses the resume
            if (output == "hierarchical" || output == "class")
              o.model.output = output;
            else
              o.output = output;
            o.samples = 5;
            o.batch = 4;
            o.steps = 6;
            o.epochs = epochs;
            o.optimizer.lr = 0.5f;
            o.resume = resume;
            o.save_interval_s = 0;
            auto task = train::make_lm_task(o);
            return train::fit(*task, o, cb);
          }};
}

Family seq2seq(const fs::path& dir) {
  testing::write_reverse_pairs(dir / "train.tsv", 120, 3);
  testing::write_reverse_pairs(dir / "valid.tsv", 20, 4);
  return {"seq2seq",
          [dir](const fs::path& out, int epochs, bool resume, const train::Callbacks& cb) {
            train::Seq2SeqTrainOptions o = train::seq2seq_preset("date-attention");
            o.train = (dir / "train.tsv").string();
            o.valid = o.test = (dir / "valid.tsv").string();
            o.out_dir = out.string();
            o.model.hidden_size = 16;
            o.model.emb_size = 8;
            o.model.dropout = 0.2f;
            o.batch = 16;
            o.epochs = epochs;
            o.schedule = "plateau";
            o.lr_decay = 0.5f;
            o.resume = resume;
            o.save_interval_s = 0;
            auto task = train::make_seq2seq_task(o);
            return train::fit(*task, o, cb);
          }};
}

Family classify(const fs::path& dir) {
  testing::write_labeled(dir / "train.txt", 120, 5, false);
  testing::write_labeled(dir / "valid.txt", 30, 6, false);
  return {"classify",
          [dir](const fs::path& out, int epochs, bool resume, const train::Callbacks& cb) {
            train::ClassifyTrainOptions o;
            o.train = (dir / "train.txt").string();
            o.valid = o.test = (dir / "valid.txt").string();
            o.out_dir = out.string();
            o.model.emb_size = 8;
            o.model.hidden_size = 12;
            o.model.pooling = "attention";
            o.model.dropout = 0.2f;
            o.batch = 16;
            o.bucket = false;  // batches drawn anew each epoch cross the resume too
            o.epochs = epochs;
            o.resume = resume;
            o.save_interval_s = 0;
            auto task = train::make_classify_task(o);
            return train::fit(*task, o, cb);
          }};
}

Family forecast(const fs::path& dir) {
  testing::write_noisy_series((dir / "series.csv").string(), 300, 7);
  return {"forecast",
          [dir](const fs::path& out, int epochs, bool resume, const train::Callbacks& cb) {
            train::ForecastTrainOptions o;
            o.data = (dir / "series.csv").string();
            o.read.time_column = "time";
            o.out_dir = out.string();
            o.model.projection = 4;
            o.model.hidden_size = 8;
            o.model.num_layers = 2;
            o.model.dropout = 0.2f;
            o.model.lookback = 12;
            o.model.quantiles = {0.1, 0.5, 0.9};
            o.loss = "pinball";
            o.batch = 16;
            o.epochs = epochs;
            o.early_stopping = 0;
            o.resume = resume;
            o.save_interval_s = 0;
            auto task = train::make_forecast_task(o);
            return train::fit(*task, o, cb);
          }};
}

void expect_same_weights(const std::string& a, const std::string& b, const std::string& what) {
  auto wa = io::load_safetensors(a), wb = io::load_safetensors(b);
  ASSERT_EQ(wa.tensors.size(), wb.tensors.size()) << what;
  for (std::size_t i = 0; i < wa.tensors.size(); ++i) {
    EXPECT_EQ(wa.tensors[i].first, wb.tensors[i].first) << what;
    EXPECT_EQ(wa.tensors[i].second.to_vector(), wb.tensors[i].second.to_vector())
        << what << ": " << wa.tensors[i].first;
  }
}

class ResumeExactly : public ::testing::TestWithParam<std::string> {};

// Three epochs straight; one epoch then a resume to three; and a run stopped
// in the middle of epoch 2 (as SIGINT does) then resumed: the same weights,
// bit for bit, and the same history.
TEST_P(ResumeExactly, StraightEqualsResumedAndStoppedWithinAnEpoch) {
  const std::string name = GetParam();
  fs::path dir = scratch(name);
  Family f = name == "seq2seq"    ? seq2seq(dir)
             : name == "classify" ? classify(dir)
             : name == "forecast" ? forecast(dir)
                                  : lm(name.substr(3), dir);
  auto straight = f.run(dir / "a", 3, false, {});
  f.run(dir / "b", 1, false, {});
  auto resumed = f.run(dir / "b", 3, true, {});
  train::Callbacks stop;
  int batches = 0, stop_at = 0;
  const std::int64_t per_epoch = straight.history.front().batches;
  // should_stop is asked after every batch and after each epoch's evaluation.
  stop_at = static_cast<int>(per_epoch + 1 + per_epoch / 2);  // in the middle of epoch 2
  stop.should_stop = [&] { return ++batches == stop_at; };
  auto cut = f.run(dir / "c", 3, false, stop);
  ASSERT_TRUE(cut.interrupted);
  EXPECT_EQ(cut.epochs, 1);
  EXPECT_EQ(cut.batch, per_epoch / 2);
  auto finished = f.run(dir / "c", 3, true, {});
  EXPECT_FALSE(finished.interrupted);
  expect_same_weights(straight.model_path, resumed.model_path, name + " (resumed after epoch 1)");
  expect_same_weights(straight.model_path, finished.model_path, name + " (stopped in epoch 2)");
  ASSERT_EQ(finished.history.size(), straight.history.size());
  for (std::size_t i = 0; i < straight.history.size(); ++i) {
    EXPECT_EQ(straight.history[i].lr, finished.history[i].lr);
    ASSERT_EQ(straight.history[i].metrics.size(), finished.history[i].metrics.size());
    EXPECT_EQ(straight.history[i].metrics[0].value, finished.history[i].metrics[0].value)
        << name << " epoch " << i + 1;
    EXPECT_EQ(straight.history[i].metrics[0].value, resumed.history[i].metrics[0].value)
        << name << " epoch " << i + 1;
  }
  EXPECT_EQ(straight.kept_epoch, finished.kept_epoch);
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Families, ResumeExactly,
                         ::testing::Values("lm_softmax", "lm_nce", "lm_importance", "lm_negative",
                                           "lm_blackout", "lm_class", "lm_hierarchical", "seq2seq",
                                           "classify", "forecast"),
                         [](const auto& info) { return info.param; });

// With the rate cut to 0 after epoch 2 the validation perplexity stops
// improving: --early-stopping 2 ends the run after epoch 4, keeping epoch 2.
// A run stopped within an epoch, resumed on data that no longer reaches
// that batch: an error naming the checkpoint, not an epoch silently skipped.
TEST(Resume, StoppedPastTheEndOfShorterDataIsAnError) {
  fs::path dir = scratch("shorter");
  Family f = lm("softmax", dir);
  train::Callbacks stop;
  int batches = 0;
  stop.should_stop = [&] { return ++batches == 30; };
  auto cut = f.run(dir / "r", 2, false, stop);
  ASSERT_TRUE(cut.interrupted);
  ASSERT_EQ(cut.batch, 30);
  write_lm_text(dir / "train.txt", 20, 1);  // a tenth of the data: fewer than 30 batches
  try {
    f.run(dir / "r", 2, true, {});
    FAIL() << "resumed at batch 30 of data that has fewer";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("the training data now makes"), std::string::npos)
        << e.what();
  }
}

TEST(EarlyStopping, EndsARunThatStopsImproving) {
  fs::path dir = scratch("early");
  write_lm_text(dir / "train.txt", 200, 1);
  write_lm_text(dir / "valid.txt", 30, 2);
  train::LmTrainOptions o;
  o.train_path = (dir / "train.txt").string();
  o.valid_path = (dir / "valid.txt").string();
  o.out_dir = (dir / "run").string();
  o.model.emb_size = o.model.hidden_size = 12;
  o.model.num_layers = 1;
  o.batch = 4;
  o.steps = 6;
  o.epochs = 10;
  o.optimizer.lr = 0.5f;
  o.decay_after = 2;
  o.lr_decay = 0.0f;
  o.early_stopping = 2;
  auto r = train::train_language_model(o);
  EXPECT_EQ(r.epochs, 4);
  EXPECT_EQ(r.kept_epoch, 2);
  o.valid_path.clear();
  o.overwrite = true;
  EXPECT_THROW(train::train_language_model(o), InvalidArgument);  // needs a validation set
  fs::remove_all(dir);
}

// A learning curve of one epoch still shows its point; epochs tick on whole
// numbers; a log axis says so.
TEST(LearningCurve, MarksPointsTicksWholeEpochsAndStatesTheScale) {
  eval::ChartOptions o;
  o.title = "t";
  o.y_label = "perplexity";
  o.integer_x = true;
  o.log_y = true;
  std::string one = eval::line_chart_svg(o, {{"train", {1}, {120.0}}});
  EXPECT_NE(one.find("<circle"), std::string::npos);
  EXPECT_NE(one.find("perplexity (log scale)"), std::string::npos);
  EXPECT_EQ(one.find(">0.5<"), std::string::npos) << "a tick between two epochs";
  EXPECT_EQ(one.find(">1.5<"), std::string::npos) << "a tick between two epochs";
  std::string many =
      eval::line_chart_svg(o, {{"train", {1, 2, 3, 4, 5, 6, 7}, {9, 8, 7, 6, 5, 4, 3}}});
  std::size_t circles = 0;
  for (std::size_t at = many.find("<circle"); at != std::string::npos;
       at = many.find("<circle", at + 1))
    ++circles;
  EXPECT_EQ(circles, 7u);
  EXPECT_NE(many.find(">7<"), std::string::npos);
}

TEST(RunDirectory, RefusesARunUnlessResumedOrOverwritten) {
  fs::path dir = scratch("refuse");
  Family f = lm("softmax", dir);
  f.run(dir / "run", 1, false, {});
  try {
    f.run(dir / "run", 1, false, {});
    FAIL() << "a finished run was overwritten";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("--resume"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--overwrite"), std::string::npos) << e.what();
  }
  EXPECT_THROW(train::RunDirectory((dir / "run").string(), true, true), InvalidArgument);
  EXPECT_NO_THROW(train::RunDirectory((dir / "run").string(), false, true));
  // A run that never reached its first checkpoint cannot be resumed, and says why.
  train::RunDirectory fresh((dir / "fresh").string(), false, false);
  fresh.begin();
  try {
    train::RunDirectory((dir / "fresh").string(), true, false);
    FAIL() << "resumed a run without a checkpoint";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("before its first checkpoint"), std::string::npos)
        << e.what();
  }
  EXPECT_NO_THROW(train::RunDirectory((dir / "fresh").string(), false, false));
  fs::remove_all(dir);
}

TEST(TrainingState, RoundTripsAndReadsOlderCheckpoints) {
  train::TrainingState s;
  s.epoch = 3;
  s.batch = 17;
  s.step = 1234;
  s.lr = 0.25f;
  s.best_epoch = 2;
  s.best = 101.5;
  s.validation = true;
  s.rng = {{"dropout", 99}, {"noise", 7}};
  s.history.push_back({1, 1.0f, 4.5, 1000, 2.5, 40, "valid", {{"ppl", 120.0, false}}});
  auto back =
      train::TrainingState::from_json(nlohmann::ordered_json::parse(s.to_json().dump()), "x");
  EXPECT_EQ(back.to_json(), s.to_json());
  // An LM checkpoint written before the harness: its fields under their old names.
  auto old = nlohmann::ordered_json::parse(R"({"epoch": 2, "lr": 0.5, "optimizer_steps": 40,
      "dropout_offset": 4096, "plateau_best": 1e30, "plateau_bad": 0, "seed": 1,
      "history": [{"epoch": 1, "lr": 1, "train_ppl": 50, "valid_ppl": 60, "tokens_per_s": 900,
                   "seconds": 3}]})");
  auto o = train::TrainingState::from_json(old, "old.safetensors");
  EXPECT_EQ(o.epoch, 2);
  EXPECT_EQ(o.step, 40);
  EXPECT_EQ(o.rng.at("dropout"), 4096u);
  ASSERT_EQ(o.history.size(), 1u);
  EXPECT_NEAR(o.history[0].train_loss, std::log(50.0), 1e-12);
  EXPECT_EQ(o.history[0].metrics[0].value, 60.0);
  EXPECT_EQ(o.train_seconds, 3.0);
  EXPECT_THROW(
      train::TrainingState::from_json(nlohmann::ordered_json::parse(R"({"epoch": "two"})"), "bad"),
      FormatError);
}

}  // namespace
}  // namespace rnnkit

// The training loop, written once for every model family (Marian's
// Train<ModelWrapper>): run directory, resume, optimizer and schedule,
// clipping, the deferred loss read (no per-step device sync), the non-finite
// guard, progress, the time budget, validation, keep-best, early stopping,
// checkpoints within and between epochs, the model file, metrics, curves and
// results. A family supplies a Task (task.h). Reports through callbacks and
// never prints.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rnnkit/optim/optimizer.h"
#include "rnnkit/train/task.h"
#include "rnnkit/train/training_state.h"

namespace rnnkit::train {

struct TrainerOptions {
  std::string out_dir;
  std::int64_t epochs = 10;  // with resume: in all
  optim::OptimizerOptions optimizer;
  // step: the rate times lr_decay^(epoch - decay_after) past decay_after;
  // plateau: times lr_decay after `patience` epochs without a better
  // validation figure; none.
  std::string schedule = "step";
  float lr_decay = 1.0f;
  int decay_after = 0, patience = 1;
  float clip = 5.0f;  // global gradient norm; 0: off
  std::uint64_t seed = 1;
  std::string device = "cpu";
  std::int64_t max_batches = 0;  // per epoch; 0: all (quick runs and tests)
  // Training seconds of the whole run (evaluation not counted); when spent,
  // the epoch under way ends, is evaluated and saved, and training stops.
  double time_budget_s = 0;
  int early_stopping = 0;        // stop after N epochs without a better validation figure
  std::int64_t save_every = 0;   // checkpoint every N batches within an epoch (0: by time)
  double save_interval_s = 600;  // and at least this often (0: only at epoch ends)
  double progress_interval_s = 1;
  bool resume = false;     // continue from out_dir's checkpoint
  bool overwrite = false;  // replace a run in out_dir
  std::string preset;

  nlohmann::ordered_json to_json() const;
  // The fields to_json wrote (absent ones keep their value).
  void update_from_json(const nlohmann::json& j);
};

struct Progress {
  int epoch = 0, epochs = 0;
  std::int64_t batch = 0, batches = 0;  // of this epoch
  double units_per_s = 0;
  std::string unit;  // "tok", "sent"
  float lr = 0;
  double loss = 0;           // mean per loss unit over this epoch so far
  std::string loss_display;  // "ppl", "loss", "objective"
  double elapsed_s = 0, eta_s = 0;
};

struct Callbacks {
  std::function<void()> on_begin;  // the options checked, before any data is read
  std::function<void(const Progress&)> on_progress;
  std::function<void(const EpochRecord&)> on_epoch;
  std::function<void(const std::string&)> on_message;
  // Polled after every batch: true ends training at once, with a checkpoint
  // of the position within the epoch (the CLI's answer to SIGINT/SIGTERM).
  std::function<bool()> should_stop;
};

struct TrainResult {
  std::vector<EpochRecord> history;
  int epochs = 0;          // finished
  int kept_epoch = 0;      // whose parameters the model file holds
  Metrics test;            // on the model kept
  EpochRecord last;        // the last finished epoch
  double units_per_s = 0;  // training, the whole run (resumed parts included)
  std::int64_t units = 0;  // trained in the whole run
  double wall_s = 0;
  bool interrupted = false;  // should_stop ended it; the checkpoint holds the position
  std::int64_t batch = 0;    // interrupted: batches of epoch + 1 done
  std::string model_path, checkpoint_path;
  nlohmann::ordered_json results;  // what results.json holds
};

TrainResult fit(Task& task, const TrainerOptions& opts, const Callbacks& cb = {});

// A family's options (its options struct's to_json) less the harness's own:
// what Task::options_json returns.
nlohmann::ordered_json family_options(nlohmann::ordered_json all);

// The configuration config.json holds: the harness's options, the family and
// its options (the run's environment is added when it starts).
nlohmann::ordered_json resolved_config(const Task& task, const TrainerOptions& opts);

// A model option given on resume must equal the run's: the first key of
// `given` (a configuration's JSON) whose value differs from `saved`, skipping
// `derived` keys (sizes that come from the data), is an InvalidArgument.
void check_same_model(const nlohmann::json& given, const nlohmann::json& saved,
                      const std::vector<std::string>& derived, const std::string& path);

// Checks every family makes of its data. Fewer real units than this (besides
// <eos> and <unk>) is nothing to learn; above kMaxUnknownRate of units outside
// the vocabulary, figures are not comparable with in-vocabulary text.
inline constexpr std::int64_t kMinVocabulary = 5;
inline constexpr double kMaxUnknownRate = 0.05;
// An InvalidArgument naming `data` when `vocab_size` (specials included) keeps
// fewer than kMinVocabulary units after --min-count and --max-vocab.
void check_vocabulary_size(std::int64_t vocab_size, const std::string& data, std::int64_t min_count,
                           std::int64_t max_vocab, const char* max_flag = "--max-vocab");
// On resume: a warning when the new training data is far outside the run's
// vocabulary (another language or preparation), or "".
std::string resumed_data_warning(double unknown_rate, const std::string& data);

}  // namespace rnnkit::train

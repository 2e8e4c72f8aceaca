// What every training command shares: the run and optimisation flags (one
// vocabulary across families), resuming from a run's config.json, the
// progress and epoch lines, stopping on SIGINT/SIGTERM, and the end (the
// done line, results.json's figures as --json, the exit code).
#pragma once

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "cli/app.h"
#include "cli/common.h"
#include "rnnkit/train/trainer.h"

namespace rnnkit::cli {

struct TrainFlags {
  std::string out, optimizer, schedule, device = "cpu";
  std::int64_t epochs = 0, max_batches = 0, save_every = 0;
  float lr = 0, lr_decay = 0, clip = 0, momentum = 0, weight_decay = 0;
  int decay_after = 0, patience = 1, threads = 0, early_stopping = 0;
  double time_budget = 0, save_interval = 600, log_interval = 10;
  std::int64_t seed = 1;
  bool tf32 = false, resume = false, overwrite = false, json = false, print_config = false;
};

// "[2026-11-30 17:01:02] " before lines that go to a file; "" on a terminal.
std::string stamp();
// The one progress line of every training command: epoch, %, rate, learning
// rate, loss or perplexity, elapsed time, ETA.
void print_progress(const ProgressReport& r);

// The options of the command line under way (run_command_line sets them).
void set_run_options(RunOptions options);

// The end of every training command: results.json's figures on stdout with
// --json, and to the training observer (app.h).
void print_results(const nlohmann::ordered_json& results, bool json);

// `plateau_metric` names what the plateau schedule and early stopping watch.
void add_train_flags(CLI::App* cmd, TrainFlags& f, const std::string& default_out,
                     const std::string& plateau_metric);

// On --resume, the run's config.json (so that `--resume --out DIR` is
// enough), checked to be of `family`; null for a new run.
nlohmann::json resume_config(const CLI::App& cmd, const TrainFlags& f, const std::string& family);
// The run's saved options onto `o` (a damaged config.json is an error naming it).
template <typename Options>
void apply_saved(Options& o, const nlohmann::json& saved, const TrainFlags& f) {
  if (saved.is_null()) return;
  try {
    o.update_from_json(saved);
  } catch (const std::exception& e) {
    throw FormatError(fmt::format("{}/config.json: {}", f.out, e.what()));
  }
}

// Threads (on resume the run's, unless given) and TF32, then every flag given.
void apply_train_flags(const CLI::App& cmd, const TrainFlags& f, const nlohmann::json& saved,
                       train::TrainerOptions& o);
// A data file's path as config.json keeps it: absolute, so that a resume
// from another directory finds it; "-" (standard input) as it is, and with
// `pair`, "SRC,TGT" names two files.
std::string data_path(const std::string& path, bool pair = false);

// Trains `task` with the options given, SIGINT/SIGTERM asking it to stop at
// the next batch (a second one exits at once), the progress and epoch lines
// printed; then prints the done line and, with --json, the results. An
// interrupted run says how to resume and ends in ExitCode{128 + signal}.
train::TrainResult run_training(const std::string& command, train::Task& task,
                                train::TrainerOptions o, const TrainFlags& f);

}  // namespace rnnkit::cli

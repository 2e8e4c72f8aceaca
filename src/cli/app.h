// The command line as a library: its tree of commands, and one command line
// run in this process (main.cc, and the Python module's training functions,
// which pass keyword arguments as flags so that both accept the same options).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rnnkit::cli {

inline constexpr const char* kDescription =
    "rnnkit: recurrent networks for language, on the CPU and GPU";
// Every command and subcommand of `rnnkit`.
void add_commands(CLI::App& app);

// Parses `args` (the words after the program's name) and runs the command.
// Throws what the commands throw: UsageError and CLI::ParseError for a wrong
// command line, rnnkit::Error, ExitCode for an interrupted training run.
void run_command_line(const std::vector<std::string>& args);

// What every training command's progress line shows, for a caller that
// watches training (the Python module's on_progress).
struct ProgressReport {
  int epoch = 0, epochs = 0;
  double fraction = 0;  // of the epoch
  double rate = 0;      // `unit` per second
  std::string unit;     // "tok", "words/thread", ...
  double lr = 0;
  std::string loss;  // as printed: "ppl 123.45", "loss 0.1234"
  double loss_value = 0;  // the training loss (natural log, per unit) the line shows
  double elapsed_s = 0, eta_s = 0;
};
// What a caller watching training (the Python module) is told, from the
// thread that trains: each progress line, and results.json's figures at the end.
struct TrainingObserver {
  std::function<void(const ProgressReport&)> progress;
  std::function<void(const nlohmann::ordered_json&)> results;
};
// Replaces the observer ({}: none).
void set_training_observer(TrainingObserver observer);

// Asks a training run under way to stop at its next batch and keep its
// checkpoint, as SIGINT does.
void request_stop();

}  // namespace rnnkit::cli

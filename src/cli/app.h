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

// What every training command's progress line shows, for a caller that
// watches training (the Python module's on_progress).
struct ProgressReport {
  int epoch = 0, epochs = 0;
  double fraction = 0;  // of the epoch
  double rate = 0;      // `unit` per second
  std::string unit;     // "tok", "words/thread", ...
  double lr = 0;
  std::string loss;       // as printed: "ppl 123.45", "loss 0.1234"
  double loss_value = 0;  // the training loss (natural log, per unit) the line shows
  double elapsed_s = 0, eta_s = 0;
};

// How a command line runs in a process that is not the tool: what it is told
// while training, from the thread that trains (each progress line, then
// results.json's figures), and whether training takes over SIGINT and SIGTERM
// (only a program's main thread should: signals reach the whole process).
struct RunOptions {
  std::function<void(const ProgressReport&)> on_progress;
  std::function<void(const nlohmann::ordered_json&)> on_results;
  bool handle_signals = true;
};

// Parses `args` (the words after the program's name) and runs the command,
// one at a time in a process (a second one meanwhile is an Error). Throws
// what the commands throw: UsageError and CLI::ParseError for a wrong command
// line, rnnkit::Error, ExitCode for an interrupted training run.
void run_command_line(const std::vector<std::string>& args, RunOptions options = {});

// Asks the training run under way to stop at its next batch and keep its
// checkpoint, as SIGINT does (word2vec and n-grams, which keep no checkpoint,
// finish).
void request_stop();

}  // namespace rnnkit::cli

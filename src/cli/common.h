// Shared pieces of the command-line tool: subcommand registration, progress
// lines, the --json headline, resource figures.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace rnnkit::cli {

// Each subcommand file defines one of these and registers it in main.cc.
void add_lm_train(CLI::App& lm);
void add_lm_eval(CLI::App& lm);
void add_lm_generate(CLI::App& lm);

// Prints a progress line: rewritten in place with \r on a terminal, one line
// per update otherwise.
void progress_line(const std::string& line);
void end_progress();
void info(const std::string& line);  // to stderr, after any progress line

std::string format_duration(double seconds);
double peak_rss_mb();
// Sets the thread count (0: all cores) and says so.
void apply_threads(int threads);

}  // namespace rnnkit::cli

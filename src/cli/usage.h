// Usage errors that point the right way: an unknown command or option is
// named with the closest one the command knows ("did you mean --train?"),
// and a command that needs a subcommand shows its choices. Usage errors
// exit with status 2 (runtime errors 1, an interrupted run 128 + signal).
#pragma once

#include <CLI/CLI.hpp>
#include <stdexcept>
#include <string>

namespace rnnkit::cli {

struct UsageError : std::runtime_error {
  UsageError(const std::string& message, std::string command)
      : std::runtime_error(message), command(std::move(command)) {}
  std::string command;  // "rnnkit lm train": where to ask for --help
};

// Checks every word of argv against the commands and options of `app`
// before it parses them; throws UsageError.
void check_usage(CLI::App& app, int argc, char** argv);

// The closest of `known` to `word` (edit distance), or "" when none is close.
std::string closest(const std::string& word, const std::vector<std::string>& known);

}  // namespace rnnkit::cli

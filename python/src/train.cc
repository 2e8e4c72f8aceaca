// Training from Python: a command line run in this process (cli/app.h), so
// that Python's keyword arguments are the command's flags, checked and
// documented in one place. The GIL is released while it runs; SIGINT stops
// training at the next batch with its checkpoint kept, as in the CLI.
#include <fmt/format.h>

#include <mutex>
#include <optional>
#include <variant>

#include "bindings.h"
#include "cli/app.h"
#include "cli/common.h"
#include "rnnkit/core/error.h"

namespace rnnkit::python {

namespace {

using Flag = std::pair<std::string, std::variant<bool, std::string>>;

// The words after `rnnkit` for `command` with `flags`: the command's parser
// says which flags take a value, so a bool goes only to one that takes none
// (true: the flag alone) and a value only to one that takes one. A name the
// command does not know goes through for the parser to refuse with a
// suggestion.
std::vector<std::string> command_line(const std::vector<std::string>& command,
                                      const std::vector<Flag>& flags) {
  CLI::App app;
  cli::add_commands(app);
  CLI::App* cmd = &app;
  for (const auto& name : command) cmd = cmd->get_subcommand(name);
  std::vector<std::string> words = command;
  for (const auto& [flag, value] : flags) {
    const CLI::Option* opt = cmd->get_option_no_throw(flag);
    const bool takes_value = opt == nullptr || opt->get_expected_max() > 0;
    const std::string key = flag.substr(2);
    if (const bool* b = std::get_if<bool>(&value)) {
      if (opt != nullptr && takes_value)
        throw InvalidArgument(
            fmt::format("{}= takes a value ({} VALUE), not {}", key, flag, *b ? "True" : "False"));
      if (*b) words.push_back(flag);
      continue;
    }
    if (!takes_value)
      throw InvalidArgument(fmt::format("{}= is a flag ({}): give True or False, not '{}'", key,
                                        flag, std::get<std::string>(value)));
    words.push_back(flag + "=" + std::get<std::string>(value));  // a value may start with '-'
  }
  return words;
}

}  // namespace

void bind_training(py::module_& m) {
  m.def(
      "_run",
      [](const std::vector<std::string>& command, const std::vector<Flag>& flags,
         const py::object& on_progress) {
        // The command line's state (the observer, the stop flag) is one per process.
        static std::mutex running;
        std::unique_lock<std::mutex> lock(running, std::try_to_lock);
        if (!lock.owns_lock())
          throw Error("another rnnkit command is running in this process (one at a time)");
        const std::vector<std::string> args = command_line(command, flags);
        std::optional<py::error_already_set> callback_error;
        py::object results = py::none();
        cli::TrainingObserver observer;
        if (!on_progress.is_none())
          observer.progress = [&](const cli::ProgressReport& r) {
            py::gil_scoped_acquire gil;
            if (callback_error) return;
            py::dict d;
            d["epoch"] = r.epoch;
            d["epochs"] = r.epochs;
            d["fraction"] = r.fraction;
            d["rate"] = r.rate;
            d["unit"] = r.unit;
            d["lr"] = r.lr;
            d["loss"] = r.loss;
            d["loss_value"] = r.loss_value;
            d["elapsed_s"] = r.elapsed_s;
            d["eta_s"] = r.eta_s;
            try {
              on_progress(d);
            } catch (py::error_already_set& e) {
              callback_error.emplace(std::move(e));
              cli::request_stop();  // stops as SIGINT does; the error is raised after
            }
          };
        observer.results = [&](const nlohmann::ordered_json& j) {
          py::gil_scoped_acquire gil;
          results = py::module_::import("json").attr("loads")(j.dump());
        };
        cli::set_training_observer(std::move(observer));
        struct Unset {
          ~Unset() { cli::set_training_observer({}); }
        } unset;
        try {
          py::gil_scoped_release nogil;
          cli::run_command_line(args);
        } catch (const cli::ExitCode&) {
          if (callback_error) throw std::move(*callback_error);
          throw;
        }
        if (callback_error) throw std::move(*callback_error);
        return results;
      },
      py::arg("command"), py::arg("flags"), py::arg("on_progress") = py::none(),
      "Runs `rnnkit COMMAND... FLAGS...` in this process and returns results.json's figures (None "
      "for a "
      "command that writes none). Use rnnkit.train_lm and the other train_* functions.");
}

}  // namespace rnnkit::python

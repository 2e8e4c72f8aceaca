// Training from Python: a command line run in this process (cli/app.h), so
// that Python's keyword arguments are the command's flags, checked and
// documented in one place. The GIL is released while it runs; SIGINT stops
// training at the next batch with its checkpoint kept, as in the CLI.
#include <fmt/format.h>

#include <csignal>
#include <exception>
#include <optional>
#include <variant>

#include "bindings.h"
#include "cli/app.h"
#include "cli/common.h"
#include "rnnkit/core/error.h"
#include "rnnkit/core/parallel.h"

namespace rnnkit::python {

namespace {

using Flag = std::pair<std::string, std::variant<bool, std::string>>;

// The words after `rnnkit` for `command` with `flags`: the command's parser
// says which flags take a value, so a bool goes only to one that takes none
// (true: the flag alone; false: the command's --no-X where it has one, which
// overrides a preset, else nothing) and a value only to one that takes one. A name the
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
      // false: left out, or the command's --no-X, which overrides a preset
      const std::string no = "--no-" + key;
      if (*b)
        words.push_back(flag);
      else if (cmd->get_option_no_throw(no) != nullptr)
        words.push_back(no);
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
        const std::vector<std::string> args = command_line(command, flags);
        // What a callback raised: kept until training has stopped (a callback
        // may run inside an OpenMP region, where nothing may be thrown).
        std::optional<py::error_already_set> python_error;
        std::exception_ptr other_error;
        auto keep = [&] {
          try {
            throw;
          } catch (py::error_already_set& e) {
            python_error.emplace(std::move(e));
          } catch (...) {
            other_error = std::current_exception();
          }
          cli::request_stop();
        };
        py::object results = py::none();
        cli::RunOptions o;
        auto threading = py::module_::import("threading");
        o.handle_signals = threading.attr("current_thread")().is(threading.attr("main_thread")());
        if (!on_progress.is_none())
          o.on_progress = [&](const cli::ProgressReport& r) {
            py::gil_scoped_acquire gil;
            if (python_error || other_error) return;
            try {
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
              on_progress(d);
            } catch (...) {
              keep();
            }
          };
        o.on_results = [&](const nlohmann::ordered_json& j) {
          py::gil_scoped_acquire gil;
          try {
            results = py::module_::import("json").attr("loads")(
                j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
          } catch (...) {
            keep();
          }
        };
        // Training sets the thread count it is given (all cores by default);
        // the caller's comes back afterwards.
        struct RestoreThreads {
          int n = num_threads();
          ~RestoreThreads() { set_num_threads(n); }
        } restore;
        try {
          py::gil_scoped_release nogil;
          cli::run_command_line(args, std::move(o));
        } catch (const cli::ExitCode& e) {
          if (python_error) throw std::move(*python_error);
          if (other_error) std::rethrow_exception(other_error);
          // Training took the signal: Python's own handler now gets it
          // (KeyboardInterrupt for SIGINT; SIGTERM ends the process, as the
          // tool would end).
          const int sig = e.code - 128;
          if (sig == SIGINT || sig == SIGTERM) {
            std::raise(sig);
            if (PyErr_CheckSignals() != 0) throw py::error_already_set();
          }
          throw;
        }
        if (python_error) throw std::move(*python_error);
        if (other_error) std::rethrow_exception(other_error);
        return results;
      },
      py::arg("command"), py::arg("flags"), py::arg("on_progress") = py::none(),
      "Runs `rnnkit COMMAND... FLAGS...` in this process and returns results.json's figures "
      "(None for a command that writes none). Use rnnkit.train_lm and the other train_* "
      "functions.");
}

}  // namespace rnnkit::python

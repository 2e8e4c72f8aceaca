// Training from Python: a command line run in this process (cli/app.h), so
// that Python's keyword arguments are the command's flags, checked and
// documented in one place. The GIL is released while it runs; SIGINT stops
// training at the next batch with its checkpoint kept, as in the CLI.
#include <mutex>
#include <optional>

#include "bindings.h"
#include "cli/app.h"
#include "cli/common.h"

namespace rnnkit::python {

void bind_training(py::module_& m) {
  m.def(
      "_run",
      [](const std::vector<std::string>& args, const py::object& on_progress) {
        // The command line's state (the observer, the stop flag) is one per process.
        static std::mutex running;
        std::unique_lock<std::mutex> lock(running, std::try_to_lock);
        if (!lock.owns_lock())
          throw std::runtime_error(
              "another rnnkit command is running in this process (one at a time)");
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
      py::arg("args"), py::arg("on_progress") = py::none(),
      "Runs `rnnkit ARGS...` in this process and returns results.json's figures (None for a "
      "command that writes none). Use rnnkit.train_lm and the other train_* functions.");
}

}  // namespace rnnkit::python

// rnnkit: one subcommand per file in this folder; this file wires them up and
// turns every error into one "error: ..." line and a documented exit status:
// 0 success, 1 a runtime error (bad data, a bad model), 2 a usage error,
// 128 + signal an interrupted training run.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "cli/app.h"
#include "cli/common.h"
#include "cli/usage.h"
#include "rnnkit/core/error.h"
#include "rnnkit/core/logging.h"
#include "rnnkit/ops/blas_info.h"

namespace {

// Re-runs this program with `vars` added to its environment; returns only if
// that fails (and then the program carries on as it is).
void restart_with(const std::vector<std::pair<std::string, std::string>>& vars, char** argv) {
  if (vars.empty()) return;
  for (const auto& [name, value] : vars) ::setenv(name.c_str(), value.c_str(), 1);
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return;
  self[n] = '\0';
  ::execv(self, argv);
}

// OpenMP and OpenBLAS read their settings when the program loads, before main,
// so the CLI sets them and restarts itself once. Threads that spin between
// parallel regions steal a core from other processes on a small machine:
// unless the user chose a policy, PASSIVE. A CPU newer than OpenBLAS gets its
// generic kernels: unless the user chose a core, a better one
// (rnnkit/ops/blas_info.h).
void restart_with_settings(char** argv) {
  auto vars = rnnkit::ops::blas_restart_environment();
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) vars.emplace_back("OMP_WAIT_POLICY", "PASSIVE");
  restart_with(vars, argv);
}

}  // namespace

int main(int argc, char** argv) {
  restart_with_settings(argv);
  rnnkit::set_log_sink([](rnnkit::LogLevel level, const std::string& m) {
    rnnkit::cli::info(level == rnnkit::LogLevel::kWarn ? "warning: " + m : m);
  });
  // The self-test, before any work: a core rnnkit chose that computes wrong
  // products is replaced by the library's own choice.
  const auto revert = rnnkit::ops::blas_revert_environment(rnnkit::ops::blas_info());
  restart_with(revert, argv);
  if (!revert.empty())
    rnnkit::log_warn("the BLAS self-test failed (" + rnnkit::ops::blas_info().self_test_detail +
                     ") and rnnkit could not restart itself: products may be wrong");
  CLI::App app{rnnkit::cli::kDescription};
  rnnkit::cli::add_commands(app);
  try {
    rnnkit::cli::check_usage(app, argc, argv);
    app.parse(argc, argv);
    // A result that could not be written (a full disk, a closed pipe) is a failure.
    if (!std::cout.flush() || std::fflush(stdout) != 0)
      throw rnnkit::Error(std::string("cannot write to standard output: ") + std::strerror(errno));
  } catch (const rnnkit::cli::UsageError& e) {
    std::fprintf(stderr, "error: %s\n(run '%s --help' for its commands and options)\n", e.what(),
                 e.command.c_str());
    return 2;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "error: %s\n(run with --help for the options)\n", e.what());
    return 2;
  } catch (const rnnkit::cli::ExitCode& e) {
    rnnkit::cli::end_progress();
    return e.code;
  } catch (const rnnkit::Error& e) {
    rnnkit::cli::end_progress();
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    rnnkit::cli::end_progress();
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}

#include "cli/train_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/app.h"
#include "core/json_util.h"
#include "rnnkit/core/device.h"

namespace rnnkit::cli {
namespace {

std::atomic<int> g_stop_signal{0};  // the signal that asked to stop, or kStopRequested
constexpr int kStopRequested = -1;  // request_stop()
bool g_stderr_tty = false;  // read by the handler: isatty is not async-signal-safe
RunOptions g_run;           // run_command_line's; the tool's defaults otherwise

extern "C" void on_stop_signal(int sig) {
  if (g_stop_signal.exchange(sig) > 0) {  // a second signal: at once
    const char msg[] = "\nstopped at once: the last checkpoint written is kept\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg, sizeof(msg) - 1);
    ::_exit(128 + sig);
  }
  // On a terminal a progress line is open: start a new one.
  const char msg[] = "\nstopping after this batch (again to quit at once)\n";
  const int skip = g_stderr_tty ? 0 : 1;
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg + skip, sizeof(msg) - 1 - skip);
}

// SIGINT and SIGTERM ask training to stop while this lives (when `enabled`),
// even in a background job, which starts with SIGINT ignored: `kill -INT`
// is how scripts stop a run and keep its checkpoint.
class StopOnSignals {
 public:
  explicit StopOnSignals(bool enabled) : enabled_(enabled) {
    g_stop_signal = 0;
    if (!enabled_) return;
    g_stderr_tty = ::isatty(STDERR_FILENO) == 1;
    install(SIGINT, old_int_);
    install(SIGTERM, old_term_);
  }
  ~StopOnSignals() {
    if (!enabled_) return;
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

 private:
  static void install(int sig, struct sigaction& old) {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(sig, &sa, &old);
  }
  bool enabled_;
  struct sigaction old_int_ {
  }, old_term_{};
};

bool stderr_is_tty() {
  return ::isatty(STDERR_FILENO) == 1;
}

std::string figure(const train::Metric& m) {
  // Shares (accuracy, F1) as percentages.
  if (m.name.find("accuracy") != std::string::npos || m.name.find("f1") != std::string::npos)
    return fmt::format("{} {:.2f}%", m.name, 100 * m.value);
  return fmt::format("{} {:.4g}", m.name, m.value);
}

std::string loss_text(const std::string& display, double loss) {
  if (display == "ppl") return fmt::format("ppl {:.2f}", std::exp(loss));
  return fmt::format("{} {:.4f}", display, loss);
}

// The path as a shell word: quoted when it holds anything but safe characters.
std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789_-./+:@%=,") == std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string stamp() {
  if (stderr_is_tty()) return "";
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "[%Y-%m-%d %H:%M:%S] ", std::localtime(&t));
  return buf;
}

void set_run_options(RunOptions options) {
  g_run = std::move(options);
}

void print_results(const nlohmann::ordered_json& results, bool json) {
  if (json) std::cout << json_line(results) << std::endl;
  if (g_run.on_results) g_run.on_results(results);
}

void request_stop() {
  int none = 0;
  g_stop_signal.compare_exchange_strong(none, kStopRequested);
}

void print_progress(const ProgressReport& r) {
  if (g_run.on_progress) g_run.on_progress(r);
  progress_line(
      fmt::format("{}Ep. {}/{} : {:5.1f}% : {:7.0f} {}/s : lr {:.3g} : {} : {} elapsed : ETA {}",
                  stamp(), r.epoch, r.epochs, 100.0 * r.fraction, r.rate, r.unit, r.lr, r.loss,
                  format_duration(r.elapsed_s), format_duration(r.eta_s)));
}

void add_train_flags(CLI::App* cmd, TrainFlags& f, const std::string& default_out,
                     const std::string& plateau_metric) {
  f.out = default_out;
  cmd->add_option("--out", f.out, "run directory")->capture_default_str();
  cmd->add_option("--epochs", f.epochs, "epochs to train (with --resume: in all)");
  cmd->add_option("--optimizer", f.optimizer, "sgd | adagrad | rmsprop | adam | adamw");
  cmd->add_option("--lr", f.lr, "learning rate");
  cmd->add_option("--momentum", f.momentum, "SGD momentum");
  cmd->add_option("--weight-decay", f.weight_decay, "L2 penalty (decoupled for adamw)");
  cmd->add_option("--clip", f.clip, "global gradient-norm bound (0: off)");
  cmd->add_option("--schedule", f.schedule, "step | plateau (needs --valid) | none");
  cmd->add_option("--lr-decay", f.lr_decay,
                  "decay factor per epoch past --decay-after (step) or per plateau");
  cmd->add_option("--decay-after", f.decay_after,
                  "step schedule: epochs at the full learning rate");
  cmd->add_option("--patience", f.patience,
                  "plateau schedule: epochs without a better " + plateau_metric);
  cmd->add_option("--early-stopping", f.early_stopping,
                  "stop after N epochs without a better " + plateau_metric + " (0: never)");
  cmd->add_option("--max-batches", f.max_batches, "stop each epoch after N batches (quick runs)");
  cmd->add_option(
      "--time-budget", f.time_budget,
      "stop training after this many seconds of it (evaluation not counted); the epoch under way "
      "is evaluated and saved");
  cmd->add_option("--save-every", f.save_every,
                  "also checkpoint every N batches within an epoch (0: by time only)");
  cmd->add_option("--save-interval", f.save_interval,
                  "checkpoint within an epoch at least every S seconds (0: at epoch ends only)")
      ->capture_default_str();
  cmd->add_option("--log-interval", f.log_interval,
                  "seconds between progress lines when stderr is not a terminal (1 on a terminal)")
      ->capture_default_str();
  cmd->add_option("--seed", f.seed, "random seed")->capture_default_str();
  add_device_flags(cmd, f.threads, f.device);
  cmd->add_flag("--tf32", f.tf32,
                "GPU: TF32 tensor cores for float32 products (faster, ~1e-3 relative error)");
  cmd->add_flag("--resume", f.resume,
                "continue the run in --out (its checkpoint, model, vocabulary and configuration; "
                "flags given override)");
  cmd->add_flag("--overwrite", f.overwrite, "replace a run that --out holds");
  cmd->add_flag("--json", f.json, "print results.json's figures as one JSON line last");
  cmd->add_flag("--print-config", f.print_config,
                "print the configuration the preset and flags resolve to, and exit");
}

nlohmann::json resume_config(const CLI::App& cmd, const TrainFlags& f, const std::string& family) {
  if (!f.resume) return nullptr;
  const std::string path = (std::filesystem::path(f.out) / "config.json").string();
  std::ifstream in(path);
  if (!in) {
    if (std::filesystem::exists(std::filesystem::path(f.out) / "checkpoint.safetensors"))
      info(
          fmt::format("warning: {} is missing: the run's options come from the flags given", path));
    return nullptr;  // the trainer says what else is missing
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("{}: not valid JSON: {}", path, e.what()));
  }
  if (j.contains("family") && j["family"] != family)
    throw InvalidArgument(fmt::format("{} holds a {} run, not a {} one", f.out,
                                      j["family"].get<std::string>(), family));
  // A resumed run keeps its configuration: a preset can only name the run's own.
  if (cmd.get_option_no_throw("--preset") && cmd.count("--preset") > 0 && j.contains("preset") &&
      j["preset"] != cmd.get_option("--preset")->as<std::string>())
    throw InvalidArgument(fmt::format(
        "--preset {} differs from the run's {}: a resumed run keeps its configuration (flags "
        "given override single settings)",
        cmd.get_option("--preset")->as<std::string>(), j["preset"].dump()));
  return j;
}

void apply_train_flags(const CLI::App& cmd, const TrainFlags& f, const nlohmann::json& saved,
                       train::TrainerOptions& o) {
  auto given = [&](const char* name) { return cmd.count(name) > 0; };
  // The same numbers need the same thread count: a resumed run keeps the run's.
  int threads = f.threads;
  if (!given("--threads") && saved.is_object() && saved.contains("environment") &&
      saved["environment"].contains("threads"))
    threads = saved["environment"]["threads"].get<int>();
  apply_threads(threads);
  set_cuda_tf32(f.tf32);
  o.out_dir = f.out;
  if (given("--epochs")) o.epochs = f.epochs;
  if (given("--optimizer")) o.optimizer.name = f.optimizer;
  if (given("--lr")) o.optimizer.lr = f.lr;
  if (given("--momentum")) o.optimizer.momentum = f.momentum;
  if (given("--weight-decay")) o.optimizer.weight_decay = f.weight_decay;
  if (given("--clip")) o.clip = f.clip;
  if (given("--schedule")) o.schedule = f.schedule;
  if (given("--lr-decay")) o.lr_decay = f.lr_decay;
  if (given("--decay-after")) o.decay_after = f.decay_after;
  if (given("--patience")) o.patience = f.patience;
  if (given("--early-stopping")) o.early_stopping = f.early_stopping;
  if (given("--max-batches")) o.max_batches = f.max_batches;
  if (given("--time-budget")) o.time_budget_s = f.time_budget;
  if (given("--save-every")) o.save_every = f.save_every;
  if (given("--save-interval")) o.save_interval_s = f.save_interval;
  RNNKIT_CHECK(f.seed >= 0, "--seed must not be negative, got {}", f.seed);
  if (given("--seed") || !f.resume) o.seed = static_cast<std::uint64_t>(f.seed);
  if (given("--device") || !f.resume) o.device = f.device;
  o.progress_interval_s = stderr_is_tty() ? 1.0 : f.log_interval;
  o.resume = f.resume;
  o.overwrite = f.overwrite;
}

std::string data_path(const std::string& path, bool pair) {
  if (path.empty() || path == "-") return path;
  auto comma = path.find(',');
  if (pair && comma != std::string::npos)
    return data_path(path.substr(0, comma)) + "," + data_path(path.substr(comma + 1));
  return std::filesystem::absolute(path).lexically_normal().string();
}

train::TrainResult run_training(const std::string& command, train::Task& task,
                                train::TrainerOptions o, const TrainFlags& f) {
  RNNKIT_CHECK(f.log_interval > 0, "--log-interval must be positive, got {}", f.log_interval);
  if (f.print_config) {
    std::cout << json_dump(train::resolved_config(task, o), 2) << std::endl;
    return {};
  }
  train::Callbacks cb;
  cb.on_begin = [&] {  // after the options are checked, before any data is read
    run_header(command, fmt::format("{}seed {}, output {}{}",
                                    o.preset.empty() ? "" : "preset " + o.preset + ", ", o.seed,
                                    o.out_dir, o.resume ? ", resuming" : ""));
  };
  cb.on_message = [](const std::string& m) { info(stamp() + m); };
  cb.on_progress = [](const train::Progress& p) {
    print_progress({p.epoch, p.epochs,
                    static_cast<double>(p.batch) / static_cast<double>(p.batches), p.units_per_s,
                    p.unit, p.lr, loss_text(p.loss_display, p.loss), p.loss, p.elapsed_s, p.eta_s});
  };
  const std::string display = task.loss_display(), unit = task.unit();
  cb.on_epoch = [display, unit](const train::EpochRecord& r) {
    std::string figures;
    for (const auto& m : r.metrics) figures += fmt::format(", {} {}", r.eval_set, figure(m));
    info(fmt::format("{}epoch {} done in {}: lr {:.3g}, train {}{}, {:.0f} {}/s", stamp(), r.epoch,
                     format_duration(r.seconds), r.lr, loss_text(display, r.train_loss), figures,
                     r.units_per_s, unit));
  };
  cb.should_stop = [] { return g_stop_signal.load() != 0; };
  train::TrainResult r;
  {
    StopOnSignals guard(g_run.handle_signals);
    r = train::fit(task, o, cb);
  }
  if (r.interrupted) {
    const int sig = g_stop_signal.load();
    info(fmt::format("interrupted by {}: continue with: rnnkit {} --resume --out {}",
                     sig == SIGINT    ? "SIGINT"
                     : sig == SIGTERM ? "SIGTERM"
                                      : "the caller",
                     command, shell_quote(o.out_dir)));
    throw ExitCode{128 + (sig > 0 ? sig : SIGINT)};
  }
  std::string figures;
  for (const auto& m : r.test) figures += fmt::format(", test {}", figure(m));
  if (r.results.contains("test_bpc") && r.results["test_bpc"].is_number())
    figures += fmt::format(" ({:.3f} bits per character)", r.results["test_bpc"].get<double>());
  info(
      fmt::format("{}done in {}: {} epoch{}, kept epoch {}{}; model {}; results {}", stamp(),
                  format_duration(r.wall_s), r.epochs, r.epochs == 1 ? "" : "s", r.kept_epoch,
                  figures, r.model_path,
                  (std::filesystem::path(o.out_dir) / "results.json").lexically_normal().string()));
  print_results(r.results, f.json);
  return r;
}

}  // namespace rnnkit::cli

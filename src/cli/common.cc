#include "cli/common.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

#include "cli/train_flags.h"
#include "rnnkit/core/parallel.h"
#include "rnnkit/ops/blas_info.h"

namespace rnnkit::cli {
namespace {
bool g_open_line = false;
bool stderr_is_tty() { return ::isatty(STDERR_FILENO) == 1; }
}  // namespace

void progress_line(const std::string& line) {
  if (stderr_is_tty()) {
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
    g_open_line = true;
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

void end_progress() {
  if (g_open_line) std::fprintf(stderr, "\n");
  g_open_line = false;
}

void info(const std::string& line) {
  end_progress();
  std::fprintf(stderr, "%s\n", line.c_str());
}

void run_header(const std::string& command, const std::string& settings) {
  info(fmt::format("rnnkit {}: {}; {} threads, {}", command, settings, num_threads(),
                   ops::blas_info().describe()));
}

std::string format_duration(double s) {
  if (s < 0) s = 0;
  long t = static_cast<long>(s + 0.5);
  if (t >= 3600) return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
  if (t >= 60) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}s", t);
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

void apply_threads(int threads) { set_num_threads(threads); }

void add_device_flags(CLI::App* cmd, int& threads, std::string& device) {
  cmd->add_option("--threads", threads, "threads (0: all cores)")->capture_default_str();
  cmd->add_option("--device", device, "cpu | cuda[:N]")->capture_default_str();
}

void add_train_flags(CLI::App* cmd, TrainFlags& f, const std::string& plateau_metric) {
  cmd->add_option("--epochs", f.epochs, "epochs to train (with --resume: in all)");
  cmd->add_option("--optimizer", f.optimizer, "sgd | adagrad | rmsprop | adam | adamw");
  cmd->add_option("--lr", f.lr, "learning rate");
  cmd->add_option("--clip", f.clip, "global gradient-norm bound (0: off)");
  cmd->add_option("--schedule", f.schedule, "step | plateau (needs --valid) | none");
  cmd->add_option("--lr-decay", f.lr_decay,
                  "decay factor per epoch past --decay-after (step) or per plateau");
  cmd->add_option("--decay-after", f.decay_after,
                  "step schedule: epochs at the full learning rate");
  cmd->add_option("--patience", f.patience,
                  "plateau schedule: epochs without a better " + plateau_metric);
  cmd->add_option("--max-batches", f.max_batches, "stop each epoch after N batches (quick runs)");
  cmd->add_option("--seed", f.seed, "random seed")->capture_default_str();
  add_device_flags(cmd, f.threads, f.device);
  cmd->add_flag("--tf32", f.tf32,
                "GPU: TF32 tensor cores for float32 products (faster, ~1e-3 relative error)");
  cmd->add_flag("--resume", f.resume,
                "continue from OUT/checkpoint.safetensors, with its model and vocabulary");
  cmd->add_flag("--json", f.json, "print a JSON object with the headline figures last");
}

InferenceModel load_for_inference(const std::string& path, const std::string& device) {
  InferenceModel m{io::load_language_model(path), nullptr, available_device(device)};
  m.params = std::make_unique<nn::ParameterSet>(*m.loaded.model, m.device);
  m.loaded.model->train(false);
  return m;
}

}  // namespace rnnkit::cli

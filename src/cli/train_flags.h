// The flags `lm train` and `seq2seq train` share: the run (seed, threads,
// device, resume, output) and the optimisation (optimizer, rate, schedule,
// clipping). Both trainers' options name these fields alike, so one template
// maps them; a flag given overrides the preset's value.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "cli/common.h"

namespace rnnkit::cli {

struct TrainFlags {
  std::string optimizer, schedule, device = "cpu";
  std::int64_t epochs = 0, max_batches = 0;
  float lr = 0, lr_decay = 0, clip = 0;
  int decay_after = 0, patience = 1, threads = 0;
  std::uint64_t seed = 1;
  bool tf32 = false, resume = false, json = false;
};

// `plateau_metric` names what the plateau schedule watches.
void add_train_flags(CLI::App* cmd, TrainFlags& f, const std::string& plateau_metric);

// Applies the threads and TF32 settings, then the flags given, onto `o`.
template <typename Options>
void apply_train_flags(const CLI::App& cmd, const TrainFlags& f, Options& o) {
  apply_threads(f.threads);
  set_cuda_tf32(f.tf32);
  auto given = [&](const char* name) { return cmd.count(name) > 0; };
  if (given("--epochs")) o.epochs = f.epochs;
  if (given("--optimizer")) o.optimizer.name = f.optimizer;
  if (given("--lr")) o.optimizer.lr = f.lr;
  if (given("--clip")) o.clip = f.clip;
  if (given("--schedule")) o.schedule = f.schedule;
  if (given("--lr-decay")) o.lr_decay = f.lr_decay;
  if (given("--decay-after")) o.decay_after = f.decay_after;
  if (given("--patience")) o.patience = f.patience;
  if (given("--max-batches")) o.max_batches = f.max_batches;
  o.seed = f.seed;
  o.device = f.device;
  o.resume = f.resume;
}

}  // namespace rnnkit::cli

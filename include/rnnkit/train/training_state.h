// Everything a run needs to resume exactly (Marian's TrainingState): where it
// stands (epoch, batch within the epoch, optimizer step), the rate and the
// schedule, the best validation figure so far, the time spent, the history
// of finished epochs, and the position of every named random stream. Saved
// as JSON in the checkpoint's metadata; every field is optional on load, so
// that older checkpoints keep loading.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rnnkit::train {

// More epochs than this is a mistake (or a damaged checkpoint), not a run.
inline constexpr int kMaxEpochs = 1000000;

// A figure with a direction: keep-best, plateau decay and early stopping
// follow the first (primary) metric of a validation.
struct Metric {
  std::string name;  // "ppl", "bleu", ...
  double value = 0;
  bool higher_is_better = false;
};
using Metrics = std::vector<Metric>;
// The metric named `name`, or nullptr.
const Metric* find_metric(const Metrics& metrics, const std::string& name);
// Its value, or `missing`.
double metric_value(const Metrics& metrics, const std::string& name, double missing = 0);

// One finished epoch, as metrics.jsonl and the history hold it.
struct EpochRecord {
  int epoch = 0;
  float lr = 0;
  double train_loss = 0;   // mean per loss unit (a token): nats
  double units_per_s = 0;  // training throughput (tokens or sentences per second)
  double seconds = 0;      // training time of the epoch, evaluation not counted
  std::int64_t batches = 0;
  std::string eval_set;  // what `metrics` are of: "valid", "test", or "" (none)
  Metrics metrics;

  nlohmann::ordered_json to_json() const;
  static EpochRecord from_json(const nlohmann::ordered_json& j);  // metrics in file order
};

struct TrainingState {
  int epoch = 0;           // epochs finished
  std::int64_t batch = 0;  // batches of epoch + 1 trained already (a checkpoint within it)
  std::int64_t step = 0;   // optimizer updates in all
  float lr = 0;
  float plateau_best = 1e30f;  // the plateau schedule (optim::PlateauDecay)
  int plateau_bad = 0;
  int best_epoch = 0;  // of the primary validation metric; 0: none yet
  double best = 0;
  int stalled = 0;           // epochs since the best (early stopping)
  double train_seconds = 0;  // training time of the whole run, resumed parts included
  std::int64_t units = 0;    // units trained in the whole run
  // The epoch under way, up to `batch`: its summed loss, what that sums over,
  // its units and seconds.
  double epoch_loss = 0;
  std::int64_t epoch_loss_units = 0, epoch_units = 0;
  double epoch_seconds = 0;
  bool validation = false;  // the run evaluates on a validation set (keeps its best epoch)
  std::map<std::string, std::uint64_t> rng;  // every named stream's position
  std::vector<EpochRecord> history;

  nlohmann::ordered_json to_json() const;
  // FormatError naming `path` when a field present has the wrong type.
  static TrainingState from_json(const nlohmann::ordered_json& j, const std::string& path);
};

}  // namespace rnnkit::train

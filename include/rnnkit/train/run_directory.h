// A run's directory (`--out DIR`): config.json, metrics.jsonl, results.json,
// the model, the checkpoint and the plots, every file written atomically
// (temporary file, fsync, rename), so that a kill at any moment leaves files
// that load. A directory that holds a finished or resumable run is never
// overwritten by accident.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "rnnkit/train/training_state.h"

namespace rnnkit::train {

class RunDirectory {
 public:
  // Checks, changing nothing: for a new run (resume false), a directory
  // holding a run (a checkpoint, a model or results) is refused with advice
  // unless `overwrite`; for a resumed run the checkpoint must exist.
  // `resumable`: whether the command can continue a run (the advice says so).
  RunDirectory(const std::string& dir, bool resume, bool overwrite, bool resumable = true);
  // Once the run's data and model are ready: a new run removes the files of
  // the run it overwrites, creates the directory and marks it incomplete (a
  // file INCOMPLETE) until its first checkpoint exists.
  void begin() const;

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path path(const std::string& name) const { return dir_ / name; }
  std::filesystem::path checkpoint_path() const { return path("checkpoint.safetensors"); }
  std::filesystem::path model_path() const { return path("model.safetensors"); }

  // The configuration a previous run saved, if any.
  std::optional<nlohmann::json> read_config() const;
  void write(const std::string& name, const std::string& text) const;
  void write_config(const nlohmann::ordered_json& config) const;
  // metrics.jsonl, one line per finished epoch (rewritten whole: a resumed
  // run never repeats or loses a line).
  void write_metrics(const std::vector<EpochRecord>& history) const;
  void write_results(const nlohmann::ordered_json& results) const;
  // After the first checkpoint (or a run's only output): what the directory
  // holds loads, and a training run can be resumed.
  void mark_saved() const;

 private:
  std::filesystem::path dir_;
  bool resume_ = false;
};

}  // namespace rnnkit::train

// What the trainers' checkpoints share besides the weights: the optimizer's
// state tensors ("optim.*") and, in the metadata's "training_state" JSON,
// where the run stands (epoch, rate, optimizer steps, dropout stream,
// plateau). Each trainer adds its own fields (history, ...) to that JSON.
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "rnnkit/core/rng.h"
#include "rnnkit/io/safetensors.h"
#include "rnnkit/optim/optimizer.h"

namespace rnnkit::train {

struct Checkpoint {
  std::string path;
  io::SafetensorsContents file;
  nlohmann::json state;  // the training state
};

// Reads a checkpoint; FormatError when it is missing or holds no training state.
Checkpoint read_checkpoint(const std::filesystem::path& path);

// The shared fields of the training state after `epoch`.
nlohmann::ordered_json progress_state(int epoch, float lr, const optim::Optimizer& optimizer,
                                      const Generator& dropout, const optim::PlateauDecay& plateau);

// Restores what progress_state saved (and the optimizer's tensors) and
// returns the next epoch; `more` then reads the trainer's own fields. A
// field missing or of the wrong type is a FormatError naming the file.
int restore_progress(const Checkpoint& c, float& lr, optim::Optimizer& optimizer,
                     Generator& dropout, optim::PlateauDecay& plateau,
                     const std::function<void(const nlohmann::json&)>& more);

}  // namespace rnnkit::train

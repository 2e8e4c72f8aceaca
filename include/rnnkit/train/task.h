// What a model family supplies to the training harness (fairseq's task and
// criterion, Marian's model wrapper and validator): its model, its data and
// batches, one training step, its metrics, its model file. train::fit owns
// everything else (trainer.h).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rnnkit/autograd/variable.h"
#include "rnnkit/core/rng.h"
#include "rnnkit/core/rng_streams.h"
#include "rnnkit/io/safetensors.h"
#include "rnnkit/nn/module.h"
#include "rnnkit/train/training_state.h"

namespace rnnkit::train {

class RunDirectory;
struct TrainResult;

// The run's random streams, one Generator per name, each (seed, stream id of
// the name and rank). A checkpoint records every stream's position.
class RngStreams {
 public:
  explicit RngStreams(std::uint64_t seed, std::uint32_t rank = 0) : seed_(seed), rank_(rank) {}
  Generator& operator[](RngStream stream);
  std::map<std::string, std::uint64_t> positions() const;
  // FormatError naming `path` for a stream this run does not know.
  void restore(const std::map<std::string, std::uint64_t>& positions, const std::string& path);

 private:
  std::uint64_t seed_;
  std::uint32_t rank_;
  std::map<RngStream, Generator> streams_;
};

// A checkpoint read back: the file (weights, optimizer state, carried
// tensors) and the training state from its metadata.
struct Checkpoint {
  std::string path;
  io::SafetensorsContents file;
  TrainingState state;
};
// FormatError when the file is missing, malformed or holds no training state.
Checkpoint read_checkpoint(const std::string& path);

struct StepResult {
  Var loss;                     // what is differentiated
  Tensor loss_sum;              // [1] on the device: the batch's summed loss, read lazily
  std::int64_t loss_units = 0;  // what loss_sum sums over (target tokens)
  std::int64_t units = 0;       // what the training rate counts (tokens, sentences)
};

// An evaluation after an epoch. With `selects`, the set is a validation set
// and its first metric decides keep-best, plateau decay and early stopping.
struct Evaluation {
  std::string set;  // "valid" or "test"; "" when the family has nothing to evaluate
  Metrics metrics;
  bool selects = false;
};

class Task {
 public:
  virtual ~Task() = default;
  virtual std::string family() const = 0;  // "lm", "seq2seq": config.json's "family"
  virtual std::string unit() const = 0;    // what the rate counts: "tok", "sent"
  // How progress shows the mean loss: "ppl" (as exp(loss)), "loss", "objective".
  virtual std::string loss_display() const { return "loss"; }
  // The family's options as config.json holds them (the harness adds its own).
  virtual nlohmann::ordered_json options_json() const = 0;
  // Options that name data: changing them on resume is allowed, with a warning.
  virtual std::vector<std::string> data_options() const { return {}; }
  // Options a resumed run must keep (besides the model's and the seed): the
  // vocabulary's limits, the training objective.
  virtual std::vector<std::string> frozen_options() const { return {}; }

  // Reads the data and builds the model and vocabularies (initialised from
  // the run's kInit stream); on resume they come from the checkpoint, and a
  // model option that differs from it is an error naming it.
  virtual void prepare(const Checkpoint* resume, RngStreams& rng) = 0;
  // What prepare found worth a warning (data far outside the vocabulary, ...).
  virtual std::vector<std::string> warnings() const { return {}; }
  virtual nn::Module& model() = 0;
  virtual std::string describe() const = 0;  // the model, in a line
  virtual std::int64_t num_batches() const = 0;
  virtual void begin_epoch(int epoch, Device device) = 0;
  virtual StepResult train_step(std::int64_t batch, Device device, RngStreams& rng) = 0;
  // State carried from batch to batch (an LM's hidden state), saved in a
  // checkpoint within an epoch and restored on resume.
  virtual io::NamedTensors carried_state() const { return {}; }
  virtual void restore_carried_state(const Checkpoint&, Device) {}
  // Whether evaluate_epoch's figures are of a validation set (once prepared).
  virtual bool has_validation() const = 0;
  virtual Evaluation evaluate_epoch(Device device) = 0;
  // The final figures on the test set (the model kept), or none.
  virtual Metrics test(Device device) = 0;
  virtual io::Metadata model_metadata() const = 0;  // format, version, config, vocabularies
  // Family files beside the model (curves are the harness's): heat maps, samples.
  virtual void write_artifacts(const RunDirectory&, Device) {}
  // results.json and the --json line: the family's headline names.
  virtual nlohmann::ordered_json results(const TrainResult& r) const = 0;
};

}  // namespace rnnkit::train

// Training a language model with truncated BPTT: the loop, evaluation,
// schedules, run directory (config, metrics, curve, checkpoints) and resume.
// It reports through callbacks and never prints.
#pragma once

#include <functional>
#include <string>

#include "rnnkit/models/language_model.h"
#include "rnnkit/optim/optimizer.h"

namespace rnnkit::train {

struct LmTrainOptions {
  std::string train_path, valid_path, test_path;  // valid/test optional
  std::string out_dir = "runs/lm";
  models::LanguageModelConfig model;  // vocab_size comes from the data
  std::int64_t max_vocab = 0, min_count = 1;
  std::int64_t batch = 20, steps = 20, epochs = 13;
  optim::OptimizerOptions optimizer;
  std::string schedule = "step";  // step | plateau | none
  float lr_decay = 0.5f;
  int decay_after = 4;  // step: first epoch whose rate is decayed is decay_after + 1
  int patience = 1;     // plateau
  float clip = 5.0f;    // global gradient norm; 0: off
  // softmax, or a sampled objective (nn/sampled.h): importance | nce | negative.
  // With one, the training perplexity reported is exp(objective per token);
  // validation and test are always exact full-softmax perplexities.
  std::string output = "softmax";
  std::int64_t samples = 256;  // noise words per batch
  float noise_alpha = 0.75f;   // noise distribution: unigram^alpha
  std::int64_t eval_batch = 1, eval_steps = 35;
  std::uint64_t seed = 1;
  std::string device = "cpu";
  std::int64_t max_batches = 0;  // per epoch; 0: all (quick runs and tests)
  // Training seconds (evaluation not counted, earlier runs of a resumed one
  // counted); when spent, the epoch under way ends early, is evaluated and
  // saved, and training stops. 0: no limit.
  double time_budget_s = 0;
  bool resume = false;
  std::string preset;

  std::string to_json() const;
};

// Zaremba et al. 2014 "small", "medium", "large"; the book's "book-rnnlm" and
// "book-better-rnnlm"; throws for an unknown name.
LmTrainOptions lm_preset(const std::string& name);

struct LmProgress {
  int epoch = 0, epochs = 0;
  double fraction = 0;  // of this epoch
  double tokens_per_s = 0;
  float lr = 0;
  double ppl = 0;  // running training perplexity of this epoch
  double eta_s = 0;  // whole run
};

struct LmEpochReport {
  int epoch = 0;
  float lr = 0;
  double train_ppl = 0, valid_ppl = 0, tokens_per_s = 0, seconds = 0;
};

struct LmTrainCallbacks {
  std::function<void(const LmProgress&)> on_progress;
  std::function<void(const LmEpochReport&)> on_epoch;
  std::function<void(const std::string&)> on_message;
};

struct LmTrainResult {
  double train_ppl = 0, valid_ppl = 0, test_ppl = 0;
  double train_tokens_per_s = 0, eval_tokens_per_s = 0;
  std::int64_t train_tokens = 0;  // this run's
  double wall_s = 0;
  int epochs = 0;
  std::string model_path;
};

LmTrainResult train_language_model(const LmTrainOptions& opts, const LmTrainCallbacks& cb = {});

}  // namespace rnnkit::train

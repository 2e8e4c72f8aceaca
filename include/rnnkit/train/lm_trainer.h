// Language models on the training harness: truncated BPTT over one stream of
// tokens, the hidden state carried from batch to batch, perplexity on the
// validation and test text (trainer.h owns the loop).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "rnnkit/models/language_model.h"
#include "rnnkit/train/trainer.h"

namespace rnnkit::train {

struct LmTrainOptions : TrainerOptions {
  LmTrainOptions();
  std::string train_path, valid_path, test_path;  // valid/test optional
  models::LanguageModelConfig model;  // vocab_size comes from the data
  std::int64_t max_vocab = 0, min_count = 1;
  std::int64_t batch = 20, steps = 20;
  // softmax, or a sampled objective (nn/output.h): importance | nce |
  // negative | blackout. With one, training reports its objective per token;
  // validation and test perplexities are always exact.
  std::string output = "softmax";
  std::int64_t samples = 256;  // noise words per batch
  float noise_alpha = 0.75f;   // noise distribution: unigram^alpha
  std::int64_t eval_batch = 1, eval_steps = 35;
  // model.unit's settings (text/segmenter.h); the model file keeps the result.
  int subword_vocab = 8000;
  std::string subword_model, mecab_dictionary;

  // Everything, as config.json holds it; update_from_json reads it back.
  nlohmann::ordered_json to_json() const;
  void update_from_json(const nlohmann::json& j);
};

// Zaremba et al. 2014 "small", "medium", "large"; the book's "book-rnnlm" and
// "book-better-rnnlm"; throws for an unknown name.
LmTrainOptions lm_preset(const std::string& name);

struct LmTrainResult {
  double train_ppl = 0;                // the last epoch's (exp of its objective for a sampled one)
  double valid_ppl = 0, test_ppl = 0;  // of the model kept; 0 when not measured
  double train_tokens_per_s = 0, eval_tokens_per_s = 0;
  std::int64_t train_tokens = 0;  // the whole run's
  double wall_s = 0;
  int epochs = 0, kept_epoch = 0;
  bool interrupted = false;
  std::string model_path;
  nlohmann::ordered_json results;  // results.json
};

// The family's task, for train::fit.
std::unique_ptr<Task> make_lm_task(const LmTrainOptions& opts);
// fit(*make_lm_task(opts), opts, cb), its figures by name.
LmTrainResult train_language_model(const LmTrainOptions& opts, const Callbacks& cb = {});

}  // namespace rnnkit::train

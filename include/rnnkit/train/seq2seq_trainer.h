// Training and evaluating an encoder-decoder: data loading (tab-separated,
// the book's files with its split, or aligned file pairs), vocabularies,
// teacher-forced training on length-bucketed batches, per-epoch evaluation
// (exact match, token accuracy, BLEU), the run directory. Reports through
// callbacks and never prints.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "rnnkit/decode/search.h"
#include "rnnkit/eval/bleu.h"
#include "rnnkit/models/seq2seq.h"
#include "rnnkit/optim/optimizer.h"
#include "rnnkit/text/parallel.h"
#include "rnnkit/text/subword.h"

namespace rnnkit::train {

struct Seq2SeqTrainOptions {
  // Data: either `data` (one file, split into train and test) or `train` and
  // `test` (and `valid`). A file is tab-separated pairs, or "SRC,TGT" names
  // two aligned files; `format book` reads the book's padded `q_a` lines.
  // Each epoch is evaluated on `valid` when given (and the model kept is the
  // epoch of the best validation BLEU), else on `test` (the book's practice;
  // the model kept is the last).
  std::string data, train, valid, test;
  std::string format = "tsv";
  bool book_split = false;        // data: numpy seed 1984 shuffle, last 10% test (the book's)
  double test_fraction = 0.1;     // data without book_split: Philox shuffle with `seed`
  std::int64_t max_vocab = 0, min_count = 1;
  // Unit "subword": SentencePiece models trained on each training side with
  // this many pieces, or loaded from "SRC.model,TGT.model".
  int subword_vocab = 8000;
  std::string subword_models;
  std::string out_dir = "runs/seq2seq";
  models::Seq2SeqConfig model;    // vocabulary sizes come from the data
  std::int64_t batch = 128, epochs = 25;
  bool bucket = false;  // batches of similar source length (less padding, less varied batches)
  optim::OptimizerOptions optimizer;
  float clip = 5.0f;
  // step: the rate times lr_decay^(epoch - decay_after) past decay_after;
  // plateau (needs `valid`): times lr_decay when the validation BLEU has not
  // improved for `patience` epochs; none.
  std::string schedule = "step";
  float lr_decay = 1.0f;
  int decay_after = 0, patience = 1;
  std::uint64_t seed = 1;
  std::string device = "cpu";
  std::int64_t beam = 1;          // final evaluation: 1 = greedy
  float length_penalty = 1.0f;
  std::int64_t max_length = 0;    // decoding; 0: 2 x the longest training target + 10
  std::int64_t eval_limit = 0;    // pairs evaluated after each epoch (0: all)
  std::int64_t max_batches = 0;   // per epoch (quick runs)
  // Continue from out_dir/checkpoint.safetensors (written after every epoch)
  // with the checkpoint's model and vocabularies; `epochs` is the total.
  bool resume = false;
  std::string preset;
  std::string to_json() const;
};

// addition-baseline | addition-reverse | addition-peeky | date-attention | enja
Seq2SeqTrainOptions seq2seq_preset(const std::string& name);

struct Seq2SeqEpochReport {
  int epoch = 0;
  double train_loss = 0;  // mean per target unit
  std::string eval_set;   // "valid" or "test": what the figures below are of
  double accuracy = 0, token_accuracy = 0, bleu = 0;  // greedy
  double lr = 0, seconds = 0, sentences_per_s = 0;
};

struct Seq2SeqProgress {
  int epoch = 0, epochs = 0;
  double fraction = 0, loss = 0, sentences_per_s = 0, eta_s = 0;
};

struct Seq2SeqCallbacks {
  std::function<void(const Seq2SeqProgress&)> on_progress;
  std::function<void(const Seq2SeqEpochReport&)> on_epoch;
  std::function<void(const std::string&)> on_message;
};

struct Seq2SeqTrainResult {
  std::vector<Seq2SeqEpochReport> history;
  double test_accuracy = 0, token_accuracy = 0, bleu = 0;  // final, with `beam`
  int kept_epoch = 0;                                      // the epoch whose parameters were saved
  double sentences_per_s = 0;  // training
  double wall_s = 0;
  std::string model_path;
};

Seq2SeqTrainResult train_seq2seq(const Seq2SeqTrainOptions& opts, const Seq2SeqCallbacks& cb = {});

// Translation with a trained model.
struct Translation {
  std::vector<std::string> units;      // the output, in target units
  float score = 0;                     // normalised log-probability
  std::vector<float> attention;        // [units + 1, source units] (attention models, best only)
};
struct TranslateOptions {
  std::int64_t beam = 1, nbest = 1, max_length = 100, batch = 64;
  float length_penalty = 1.0f;
  bool attention = false;  // collect the attention weights of the best output
};
// Translates raw sentences (split by `source_units`); returns per sentence
// the n best. The model must be in evaluation mode.
std::vector<std::vector<Translation>> translate(const models::Seq2Seq& model,
                                                const text::Segmenter& source_units,
                                                const text::Vocabulary& source_vocab,
                                                const text::Vocabulary& target_vocab,
                                                const std::vector<std::string>& sentences,
                                                const TranslateOptions& opts, Device device);

struct Seq2SeqScores {
  double accuracy = 0, token_accuracy = 0;
  eval::BleuResult bleu;
};
// Exact match, token accuracy (position-wise matches over the reference's
// units) and corpus BLEU of outputs against references, both in scoring
// units (text::Segmenter::scoring_units).
Seq2SeqScores score_outputs(const std::vector<std::vector<std::string>>& outputs,
                            const std::vector<std::vector<std::string>>& references);

}  // namespace rnnkit::train

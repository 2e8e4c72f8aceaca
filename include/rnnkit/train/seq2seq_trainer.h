// Encoder-decoders on the training harness: data (tab-separated pairs, the
// book's files with its split, or aligned file pairs), segmentation and
// vocabularies, teacher-forced batches, and after every epoch exact match,
// token accuracy and BLEU of greedy outputs (trainer.h owns the loop).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rnnkit/models/seq2seq.h"
#include "rnnkit/train/trainer.h"

namespace rnnkit::train {

struct Seq2SeqTrainOptions : TrainerOptions {
  Seq2SeqTrainOptions();
  // Data: either `data` (one file, split into train and test) or `train` and
  // `test` (and `valid`). A file is tab-separated pairs, or "SRC,TGT" names
  // two aligned files; `format book` reads the book's padded `q_a` lines.
  // Each epoch is evaluated on `valid` when given (and the model kept is the
  // epoch of the best validation BLEU), else on `test` (the book's practice;
  // the model kept is the last).
  std::string data, train, valid, test;
  std::string format = "tsv";
  // A sequence autoencoder: each file holds one sentence per line, the source
  // and the target of its own pair (model.reverse_target: emitted backwards).
  bool autoencode = false;
  bool book_split = false;     // data: numpy seed 1984 shuffle, last 10% test (the book's)
  double test_fraction = 0.1;  // data without book_split: Philox shuffle with `seed`
  std::int64_t max_vocab = 0, min_count = 1;
  // The target side's limit (0: --max-vocab's): a sequence autoencoder pre-trained for a
  // classifier keeps a large input vocabulary and predicts a smaller one.
  std::int64_t max_target_vocab = 0;
  // Unit "subword": SentencePiece models trained on each training side with
  // this many pieces, or loaded from "SRC.model,TGT.model".
  int subword_vocab = 8000;
  std::string subword_models;
  std::string mecab_dictionary;  // unit "mecab": MeCab's dictionary ("": its default)
  models::Seq2SeqConfig model;  // vocabulary sizes come from the data
  std::int64_t batch = 128;
  bool bucket = false;  // batches of similar source length (less padding, less varied batches)
  std::int64_t beam = 1;  // final evaluation: 1 = greedy
  float length_penalty = 1.0f;
  std::int64_t max_length = 0;  // decoding; 0: 2 x the longest training target + 10
  std::int64_t eval_limit = 0;  // pairs evaluated after each epoch (0: all)

  nlohmann::ordered_json to_json() const;
  void update_from_json(const nlohmann::json& j);
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

struct Seq2SeqTrainResult {
  std::vector<Seq2SeqEpochReport> history;
  double test_accuracy = 0, token_accuracy = 0, bleu = 0;  // final, with `beam`
  int kept_epoch = 0;                                      // the epoch whose parameters were saved
  double sentences_per_s = 0;  // training
  double wall_s = 0;
  bool interrupted = false;
  std::string model_path;
  nlohmann::ordered_json results;  // results.json
};

// The family's task, for train::fit.
std::unique_ptr<Task> make_seq2seq_task(const Seq2SeqTrainOptions& opts);
// fit(*make_seq2seq_task(opts), opts, cb), its figures by name.
Seq2SeqTrainResult train_seq2seq(const Seq2SeqTrainOptions& opts, const Callbacks& cb = {});

}  // namespace rnnkit::train

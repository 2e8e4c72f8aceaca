// Sentence classifiers on the training harness: labelled data (text/labeled.h),
// segmentation and vocabulary (or a pre-trained encoder's, with init_from),
// optional pre-trained word vectors, class weights, and after every epoch
// accuracy and macro-F1 (trainer.h owns the loop).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rnnkit/models/classifier.h"
#include "rnnkit/train/trainer.h"

namespace rnnkit::train {

struct ClassifyTrainOptions : TrainerOptions {
  ClassifyTrainOptions();
  // Each epoch is evaluated on `valid` when given (the model kept is the epoch
  // of the best validation accuracy), else on `test` (the model kept is the last).
  std::string train, valid, test;
  std::string format = "auto";  // text/labeled.h: auto | fasttext | tsv | first-word | sst | sst2
  std::string label_prefix = "__label__";
  bool phrases = false;  // trees: train on every labelled phrase of `train`
  std::int64_t max_vocab = 0, min_count = 1;
  int subword_vocab = 8000;
  std::string subword_model, mecab_dictionary;
  models::ClassifierConfig model;  // vocabulary and label counts come from the data
  std::int64_t batch = 32;
  bool bucket = true;           // batches of sentences of similar length
  std::int64_t max_length = 0;  // units kept per sentence (0: all)
  // "" (none), "balanced" (N / (labels x count), as scikit-learn's) or
  // "LABEL=W,LABEL=W" (unnamed labels weigh 1).
  std::string class_weights;
  std::string
      pretrained_vectors;       // word vectors for the embedding (word2vec text/bin, safetensors)
  bool freeze_vectors = false;  // and keep them fixed
  std::string init_from;        // a model whose encoder (and vocabulary) this one starts from
  float threshold = 0.5f;       // one-vs-all: labels above it are predicted

  nlohmann::ordered_json to_json() const;
  void update_from_json(const nlohmann::json& j);
};

// The family's task, for train::fit.
std::unique_ptr<Task> make_classify_task(const ClassifyTrainOptions& opts);

// Label weights from a class_weights setting and the training label counts.
std::vector<float> class_weights(const std::string& spec, const std::vector<std::string>& labels,
                                 const std::vector<std::int64_t>& counts);

}  // namespace rnnkit::train

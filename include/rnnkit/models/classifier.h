// A sentence classifier: an nn::SequenceEncoder (embedding, dropout, a
// (bi)directional RNN/LSTM/GRU stack) -> pooling over time -> dropout ->
// Linear over the labels. Pooling: the final state (`last`; bidirectional:
// both directions' final states), the `mean` or `max` over each sentence's
// steps, or `attention` (Yang et al. 2016: weights softmax(v . tanh(W h_t + b))).
// Trained with a softmax over the labels, or with an independent sigmoid per
// label (`one-vs-all`, several labels per example). Padded batches are exact:
// the encoder runs with lengths and every pooling stops at them. The encoder's
// names (`encoder.embedding.weight`, `encoder.rnn.*`, `encoder.backward_rnn.*`)
// are those of the language model and the encoder-decoder, so either
// initialises it (Dai & Le 2015).
#pragma once

#include <string>

#include "rnnkit/nn/layers.h"
#include "rnnkit/nn/sequence_encoder.h"

namespace rnnkit::models {

struct ClassifierConfig {
  std::string cell = "lstm";  // lstm | gru | rnn
  std::int64_t vocab_size = 0, labels = 0;
  std::int64_t emb_size = 128;
  std::int64_t hidden_size = 128;  // bidirectional: half each way
  std::int64_t num_layers = 1;
  bool bidirectional = false;
  float dropout = 0.0f;          // on the embeddings, between layers and on the pooled vector
  std::string pooling = "last";  // last | mean | max | attention
  std::string loss = "softmax";  // softmax | one-vs-all
  float init_range = 0.0f;       // 0: torch.nn's default initialisation
  // Data-side settings kept with the model so that eval and predict repeat them.
  std::string unit = "word";               // word | char | subword | mecab (text/segmenter.h)
  bool lowercase = false;                  // ASCII letters lower-cased before segmentation
  std::string format = "auto";             // the training data's format (text/labeled.h)
  std::string label_prefix = "__label__";  // fasttext format
  float threshold = 0.5f;                  // one-vs-all: labels above it are predicted

  std::string to_json() const;
  static ClassifierConfig from_json(const std::string& json);  // throws FormatError
  void validate() const;
  std::int64_t min_parameters() const;  // as LanguageModelConfig's
};

class Classifier : public nn::Module {
 public:
  explicit Classifier(const ClassifierConfig& config);
  const ClassifierConfig& config() const { return config_; }
  // init_range 0: every module's own default (reset_parameters); else uniform.
  void init_parameters(std::uint64_t seed);

  struct Output {
    Var logits;        // [B, labels]
    Tensor attention;  // [B, 1, T]: attention pooling's weights (else undefined)
  };
  // ids int32 [T, B], lengths int32 [B] (each at least 1).
  Output forward(const Tensor& ids, const Tensor& lengths, Generator& gen) const;

  nn::SequenceEncoder& encoder() { return encoder_; }

 private:
  ClassifierConfig config_;
  nn::SequenceEncoder encoder_;
  nn::Linear attention_, out_;
  Var attention_v_;
};

}  // namespace rnnkit::models

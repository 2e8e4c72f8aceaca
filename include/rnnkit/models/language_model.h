// The recurrent language model: Embedding -> dropout -> Recurrent stack ->
// dropout -> Linear over the vocabulary (Zaremba et al. 2014; the book's
// Rnnlm/BetterRnnlm). With `context` > 0 the recurrent stack is replaced by
// Bengio et al.'s (2003) feed-forward body: the embeddings of the `context`
// latest words, concatenated -> Linear -> tanh; its "state" is the window of
// embeddings carried into the next batch, so training, evaluation and
// generation are the same code. The body is an nn::SequenceEncoder
// (`encoder.embedding.weight`, `encoder.rnn.*`, shared with the other
// families for pre-training), the output layer `decoder.*`: PyTorch
// state_dict names of an Embedding and an LSTM inside an `encoder` module.
#pragma once

#include <memory>
#include <string>

#include "rnnkit/nn/layers.h"
#include "rnnkit/nn/output.h"
#include "rnnkit/nn/sequence_encoder.h"

namespace rnnkit::models {

struct LanguageModelConfig {
  std::string cell = "lstm";  // rnn | lstm | gru
  std::int64_t vocab_size = 0;
  std::int64_t emb_size = 200;
  std::int64_t hidden_size = 200;
  std::int64_t num_layers = 2;
  float dropout = 0.0f;
  bool variational_dropout = false;
  float embedding_dropout = 0.0f;  // whole words dropped from the input (Gal & Ghahramani 2016)
  bool tie_weights = false;
  float init_range = 0.1f;
  bool forget_bias_one = false;
  std::string unit = "word";  // word | char | subword | mecab (text/segmenter.h)
  std::int64_t context = 0;   // > 0: feed-forward over this many previous words (n-gram order - 1)
  std::string output = "softmax";  // softmax | hierarchical (Huffman tree) | class (frequency classes)
  std::int64_t classes = 0;        // class: how many (0: sqrt of the vocabulary)

  std::string to_json() const;
  static LanguageModelConfig from_json(const std::string& json);  // throws FormatError
  void validate() const;
  // A lower bound on the parameter count, known before anything is built:
  // loaders compare it with what a file holds.
  std::int64_t min_parameters() const;
};

ops::CellType parse_cell(const std::string& name);

class LanguageModel : public nn::Module {
 public:
  explicit LanguageModel(const LanguageModelConfig& config);
  const LanguageModelConfig& config() const { return config_; }

  // Uniform in [-init_range, init_range] (Zaremba), then the forget bias.
  void init_parameters(std::uint64_t seed);

  nn::RecurrentState zero_state(std::int64_t batch, Device device) const;
  // ids: int32 [T, B]. Returns logits [T*B, V] and the final state.
  std::pair<Var, nn::RecurrentState> forward(const Tensor& ids, const nn::RecurrentState& state,
                                             Generator& dropout_gen) const;
  // The same in two halves: the features [T*B, H] the output layer reads
  // (sampled objectives train on these), and the full softmax's logits.
  std::pair<Var, nn::RecurrentState> features(const Tensor& ids, const nn::RecurrentState& state,
                                              Generator& dropout_gen) const;
  // Logits [N, V] (hierarchical: the exact log-probabilities, not differentiated).
  Var logits(const Var& features) const;
  // Sum over the rows of -log p(target): the training loss and the evaluation measure.
  Var nll(const Var& features, const Tensor& targets) const;
  const nn::Linear& output_layer() const { return decoder_; }  // hierarchical: the inner nodes
  // The hierarchical softmax's tree and the word classes are built from the
  // training counts (kept in the model file).
  void set_word_counts(std::vector<std::int64_t> counts);
  const std::vector<std::int64_t>& word_counts() const { return counts_; }

 private:
  LanguageModelConfig config_;
  nn::SequenceEncoder encoder_;  // feed-forward: the embedding only
  nn::Linear hidden_;            // feed-forward body
  nn::Linear decoder_;
  nn::Linear class_decoder_;  // class-based: the class softmax
  std::vector<std::int64_t> counts_;
  std::vector<nn::TreePath> tree_;
  nn::WordClasses classes_;
};

}  // namespace rnnkit::models

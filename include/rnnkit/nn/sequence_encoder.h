// A sequence's input, then a recurrent stack: token ids through an Embedding
// (or numeric features through a Linear projection), dropout, and stacked
// RNN/LSTM/GRU layers, optionally a second stack reading each sequence
// backwards (bidirectional: the two directions' states concatenated).
//
// Its parameter names are the same in every family that uses it:
// `embedding.weight` (or `projection.weight`, `projection.bias`), `rnn.*`,
// `backward_rnn.*`, under the model's `encoder.` (and a seq2seq model's
// `decoder.`): an encoder trained in one family initialises another.
#pragma once

#include <memory>

#include "rnnkit/nn/layers.h"

namespace rnnkit::nn {

struct SequenceEncoderOptions {
  std::int64_t vocab_size = 0;   // > 0: ids through an Embedding of this many rows
  std::int64_t input_size = 0;   // vocab_size 0: features [T, B, input_size] through a Linear
  std::int64_t emb_size = 0;     // the embedding's (or projection's) size
  std::int64_t extra_input = 0;  // features the caller joins to the input before the stack
  ops::CellType cell = ops::CellType::kLSTM;
  std::int64_t hidden_size = 0;    // of the output: bidirectional, half of it each way
  std::int64_t num_layers = 1;     // 0: no stack, the dropped-out input is the output
  float dropout = 0.0f;            // on the input and between layers, in training
  bool variational = false;        // one dropout mask per sequence (Gal & Ghahramani)
  float embedding_dropout = 0.0f;  // whole words dropped from the input
  bool residual = false;
  bool bidirectional = false;
};

class SequenceEncoder : public Module {
 public:
  explicit SequenceEncoder(const SequenceEncoderOptions& opts);
  const SequenceEncoderOptions& options() const { return opts_; }

  // The input as the stack reads it, dropout applied: ids int32 [T, B] or
  // features [T, B, input_size] -> [T, B, emb_size].
  Var embed(const Tensor& ids, Generator& gen) const;
  Var embed(const Var& features, Generator& gen) const;

  struct Output {
    Var states;            // [T, B, hidden_size] (zero past each sequence's length)
    RecurrentState final;  // every layer's state after each sequence's last step
  };
  RecurrentState zero_state(std::int64_t batch, Device device) const;
  // Runs the stack over x [T, B, emb_size + extra_input] from `state` (the
  // backward stack always starts from zeros); lengths int32 [B] or undefined.
  Output run(const Var& x, const RecurrentState& state, Generator& gen,
             const Tensor& lengths = Tensor()) const;

  const Embedding& embedding() const { return *embedding_; }
  Recurrent& rnn() { return *rnn_; }

 private:
  SequenceEncoderOptions opts_;
  std::unique_ptr<Embedding> embedding_;
  std::unique_ptr<Linear> projection_;
  std::unique_ptr<Recurrent> rnn_, backward_rnn_;
};

}  // namespace rnnkit::nn

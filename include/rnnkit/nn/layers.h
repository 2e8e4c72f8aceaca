// The basic layers. Weight shapes and names follow torch.nn.
#pragma once

#include "rnnkit/autograd/functions.h"
#include "rnnkit/nn/module.h"

namespace rnnkit::nn {

class Embedding : public Module {
 public:
  Embedding(std::int64_t num_embeddings, std::int64_t dim);
  Var forward(const Tensor& ids) const { return fn::embedding(weight, ids); }
  void reset_parameters(Generator& gen) override;  // U(+-sqrt 3): unit variance
  Var weight;  // [V, D]
};

class Linear : public Module {
 public:
  // shared_weight: use this [out, in] parameter instead of owning one (tying).
  Linear(std::int64_t in, std::int64_t out, bool bias = true, Var shared_weight = Var());
  Var forward(const Var& x) const { return fn::linear(x, weight, bias); }
  void reset_parameters(
      Generator& gen) override;  // U(+-1/sqrt(in)); a shared weight is its owner's
  Var weight;  // [out, in]
  Var bias;    // [out]

 private:
  bool owns_weight_ = true;
};

struct RecurrentOptions {
  ops::CellType cell = ops::CellType::kLSTM;
  std::int64_t input_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t num_layers = 1;
  float dropout = 0.0f;       // between layers, in training
  bool variational = false;   // one dropout mask per sequence instead of per step
  bool residual = false;      // layers above the first add their input to their output
};

struct RecurrentState {
  std::vector<Var> h, c;  // per layer, [B, H] (c: LSTM only); other models keep [..., B, X]
  RecurrentState detach() const;
  // The batch rows `rows` (the batch is the second-to-last dimension), not differentiated.
  RecurrentState select(const std::vector<std::int64_t>& rows) const;
  bool empty() const { return h.empty(); }
};

// A stack of fused recurrent layers (torch.nn.LSTM/GRU/RNN with tanh).
class Recurrent : public Module {
 public:
  explicit Recurrent(const RecurrentOptions& opts);
  const RecurrentOptions& options() const { return opts_; }

  RecurrentState zero_state(std::int64_t batch, Device device) const;
  // x: [T, B, input_size]. lengths: int32 [B] or undefined.
  std::pair<Var, RecurrentState> forward(const Var& x, const RecurrentState& state, Generator& gen,
                                         const Tensor& lengths = Tensor()) const;
  // Sets the forget-gate bias to 1 (Jozefowicz et al. 2015); LSTM only.
  void set_forget_bias(float value);
  void reset_parameters(Generator& gen) override;  // U(+-1/sqrt(hidden)), as torch.nn.LSTM

  struct Layer {
    Var w_ih, w_hh, b_ih, b_hh;
  };
  const std::vector<Layer>& layers() const { return layers_; }

 private:
  RecurrentOptions opts_;
  std::vector<Layer> layers_;
};

// Dropout on a [T, B, H] activation: per element, or (variational) one mask per
// sequence shared across time.
Var dropout_seq(const Var& x, float p, bool variational, bool training, Generator& gen);
// Embedding dropout (Gal & Ghahramani 2016): whole words dropped. One draw
// over the vocabulary per call, so a word dropped at one position of the
// batch is dropped at all of them. embedded: [..., D] looked up from ids.
Var embedding_dropout(const Var& embedded, const Tensor& ids, std::int64_t vocab, float p, bool training,
                      Generator& gen);

}  // namespace rnnkit::nn

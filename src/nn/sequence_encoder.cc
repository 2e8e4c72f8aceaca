#include "rnnkit/nn/sequence_encoder.h"

#include <fmt/format.h>

namespace rnnkit::nn {

SequenceEncoder::SequenceEncoder(const SequenceEncoderOptions& o) : opts_(o) {
  RNNKIT_CHECK(o.emb_size > 0 && (o.vocab_size > 0 || o.input_size > 0),
               "SequenceEncoder: needs a vocabulary or an input size, and an embedding size "
               "(got vocabulary {}, input {}, embedding {})",
               o.vocab_size, o.input_size, o.emb_size);
  RNNKIT_CHECK(o.num_layers >= 0 && o.extra_input >= 0,
               "SequenceEncoder: {} layers, {} extra inputs", o.num_layers, o.extra_input);
  RNNKIT_CHECK(!o.bidirectional || o.hidden_size % 2 == 0,
               "SequenceEncoder: a bidirectional stack splits the hidden size in two; {} is odd",
               o.hidden_size);
  if (o.vocab_size > 0) {
    embedding_ = std::make_unique<Embedding>(o.vocab_size, o.emb_size);
    register_module("embedding", embedding_.get());
  } else {
    projection_ = std::make_unique<Linear>(o.input_size, o.emb_size);
    register_module("projection", projection_.get());
  }
  if (o.num_layers == 0) return;
  const RecurrentOptions r{o.cell,
                           o.emb_size + o.extra_input,
                           o.hidden_size / (o.bidirectional ? 2 : 1),
                           o.num_layers,
                           o.dropout,
                           o.variational,
                           o.residual};
  rnn_ = std::make_unique<Recurrent>(r);
  register_module("rnn", rnn_.get());
  if (o.bidirectional) {
    backward_rnn_ = std::make_unique<Recurrent>(r);
    register_module("backward_rnn", backward_rnn_.get());
  }
}

Var SequenceEncoder::embed(const Tensor& ids, Generator& gen) const {
  RNNKIT_CHECK(embedding_, "SequenceEncoder: this encoder reads features, not ids");
  Var x = embedding_dropout(embedding_->forward(ids), ids, opts_.vocab_size,
                            opts_.embedding_dropout, training(), gen);
  return dropout_seq(x, opts_.dropout, opts_.variational, training(), gen);
}

Var SequenceEncoder::embed(const Var& features, Generator& gen) const {
  RNNKIT_CHECK(projection_, "SequenceEncoder: this encoder reads ids, not features");
  return dropout_seq(projection_->forward(features), opts_.dropout, opts_.variational, training(),
                     gen);
}

RecurrentState SequenceEncoder::zero_state(std::int64_t batch, Device device) const {
  RNNKIT_CHECK(rnn_, "SequenceEncoder: no recurrent stack");
  return rnn_->zero_state(batch, device);
}

SequenceEncoder::Output SequenceEncoder::run(const Var& x, const RecurrentState& state,
                                             Generator& gen, const Tensor& lengths) const {
  RNNKIT_CHECK(rnn_, "SequenceEncoder: no recurrent stack");
  auto [y, final] = rnn_->forward(x, state, gen, lengths);
  if (backward_rnn_) {  // the reversed pass, turned back, joins each step
    const std::int64_t B = x.shape()[1];
    Var xr = fn::reverse_sequences(x, lengths);
    auto [yb, fb] =
        backward_rnn_->forward(xr, backward_rnn_->zero_state(B, x.value().device()), gen, lengths);
    y = fn::concat({y, fn::reverse_sequences(yb, lengths)}, 2);
    for (std::size_t l = 0; l < final.h.size(); ++l) {
      final.h[l] = fn::concat({final.h[l], fb.h[l]}, 1);
      if (!final.c.empty()) final.c[l] = fn::concat({final.c[l], fb.c[l]}, 1);
    }
  }
  return {y, final};
}

}  // namespace rnnkit::nn

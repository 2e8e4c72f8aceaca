#include "rnnkit/nn/layers.h"

#include <fmt/format.h>

#include <cmath>

namespace rnnkit::nn {

Embedding::Embedding(std::int64_t num_embeddings, std::int64_t dim) {
  RNNKIT_CHECK(num_embeddings > 0 && dim > 0, "Embedding: sizes must be positive, got {} x {}",
               num_embeddings, dim);
  weight = register_parameter("weight", {num_embeddings, dim});
}

Linear::Linear(std::int64_t in, std::int64_t out, bool with_bias, Var shared_weight) {
  RNNKIT_CHECK(in > 0 && out > 0, "Linear: sizes must be positive, got {} -> {}", in, out);
  if (shared_weight.defined()) {
    RNNKIT_CHECK(shared_weight.shape() == Shape({out, in}),
                 "Linear: shared weight {} does not fit {} -> {} (tying needs equal sizes)",
                 shape_str(shared_weight.shape()), in, out);
    weight = shared_weight;
    owns_weight_ = false;
  } else {
    weight = register_parameter("weight", {out, in});
  }
  if (with_bias) bias = register_parameter("bias", {out});
}

void Embedding::reset_parameters(Generator& gen) {
  uniform_init(weight, gen, std::sqrt(3.0f));
}

void Linear::reset_parameters(Generator& gen) {
  const float r = 1.0f / std::sqrt(static_cast<float>(weight.shape()[1]));
  if (owns_weight_) uniform_init(weight, gen, r);
  if (bias.defined()) uniform_init(bias, gen, r);
}

RecurrentState RecurrentState::detach() const {
  RecurrentState s;
  for (const auto& v : h) s.h.push_back(v.detach());
  for (const auto& v : c) s.c.push_back(v.detach());
  return s;
}

RecurrentState RecurrentState::select(const std::vector<std::int64_t>& rows) const {
  RecurrentState s;
  for (const auto& v : h) s.h.emplace_back(ops::index_select(v.value(), v.value().dim() - 2, rows));
  for (const auto& v : c) s.c.emplace_back(ops::index_select(v.value(), v.value().dim() - 2, rows));
  return s;
}

Recurrent::Recurrent(const RecurrentOptions& opts) : opts_(opts) {
  RNNKIT_CHECK(opts.input_size > 0 && opts.hidden_size > 0 && opts.num_layers > 0,
               "Recurrent: sizes must be positive (input {}, hidden {}, layers {})",
               opts.input_size, opts.hidden_size, opts.num_layers);
  RNNKIT_CHECK(opts.dropout >= 0.0f && opts.dropout < 1.0f, "Recurrent: dropout {} outside [0, 1)",
               opts.dropout);
  std::int64_t g = ops::gate_count(opts.cell) * opts.hidden_size;
  for (std::int64_t l = 0; l < opts.num_layers; ++l) {
    std::int64_t in = l == 0 ? opts.input_size : opts.hidden_size;
    Layer layer;
    layer.w_ih = register_parameter(fmt::format("weight_ih_l{}", l), {g, in});
    layer.w_hh = register_parameter(fmt::format("weight_hh_l{}", l), {g, opts.hidden_size});
    layer.b_ih = register_parameter(fmt::format("bias_ih_l{}", l), {g});
    layer.b_hh = register_parameter(fmt::format("bias_hh_l{}", l), {g});
    layers_.push_back(layer);
  }
}

RecurrentState Recurrent::zero_state(std::int64_t batch, Device device) const {
  RecurrentState s;
  for (std::int64_t l = 0; l < opts_.num_layers; ++l) {
    s.h.emplace_back(Tensor::zeros({batch, opts_.hidden_size}, device));
    if (opts_.cell == ops::CellType::kLSTM)
      s.c.emplace_back(Tensor::zeros({batch, opts_.hidden_size}, device));
  }
  return s;
}

std::pair<Var, RecurrentState> Recurrent::forward(const Var& x, const RecurrentState& state,
                                                  Generator& gen, const Tensor& lengths) const {
  RNNKIT_CHECK(static_cast<std::int64_t>(state.h.size()) == opts_.num_layers,
               "Recurrent: state has {} layers, the module {}", state.h.size(), opts_.num_layers);
  bool lstm = opts_.cell == ops::CellType::kLSTM;
  RecurrentState next;
  Var y = x;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    if (l > 0) y = dropout_seq(y, opts_.dropout, opts_.variational, training(), gen);
    const Layer& p = layers_[l];
    fn::RecurrentResult r = fn::recurrent(opts_.cell, y, state.h[l], lstm ? state.c[l] : Var(),
                                          p.w_ih, p.w_hh, p.b_ih, p.b_hh, lengths);
    y = opts_.residual && l > 0 ? fn::add(r.y, y) : r.y;
    next.h.push_back(r.h_n);
    if (lstm) next.c.push_back(r.c_n);
  }
  return {y, next};
}

void Recurrent::set_forget_bias(float value) {
  RNNKIT_CHECK(opts_.cell == ops::CellType::kLSTM, "forget-gate bias applies to LSTM only, not {}",
               ops::cell_name(opts_.cell));
  std::int64_t h = opts_.hidden_size;
  for (auto& layer : layers_) {
    // PyTorch keeps two biases; their sum is the effective bias.
    Tensor fi = layer.b_ih.value().narrow0(h, h);
    Tensor fh = layer.b_hh.value().narrow0(h, h);
    ops::fill_(fi, value);
    ops::fill_(fh, 0.0f);
  }
}

void Recurrent::reset_parameters(Generator& gen) {
  const float r = 1.0f / std::sqrt(static_cast<float>(opts_.hidden_size));
  for (auto& [name, v] : named_parameters()) uniform_init(v, gen, r);
}

Var dropout_seq(const Var& x, float p, bool variational, bool training, Generator& gen) {
  if (!training || p == 0.0f) return x;
  const Shape& s = x.shape();
  Shape mask = variational && s.size() == 3 ? Shape{s[1], s[2]} : s;
  return fn::dropout(x, p, gen, mask);
}

Var embedding_dropout(const Var& embedded, const Tensor& ids, std::int64_t vocab, float p,
                      bool training, Generator& gen) {
  if (!training || p == 0.0f) return embedded;
  Device device = embedded.value().device();
  Tensor keep =
      ops::dropout_mask({vocab, 1}, p, gen, gen.reserve(static_cast<std::uint64_t>(vocab)), device);
  Tensor rows = ops::embedding(keep, ids).view({ids.numel(), 1});  // each position's word's draw
  const std::int64_t dim = embedded.shape().back();
  Tensor mask =
      ops::matmul(rows, Tensor::full({1, dim}, 1.0f, device));  // spread over the D features
  return fn::mul(embedded, Var(mask.view(embedded.shape())));
}

}  // namespace rnnkit::nn

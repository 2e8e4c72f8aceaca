#include "rnnkit/models/classifier.h"

#include <cmath>

#include "rnnkit/core/rng_streams.h"
#include "rnnkit/models/language_model.h"

namespace rnnkit::models {

namespace {
const ClassifierConfig& validated(const ClassifierConfig& c) {
  c.validate();
  return c;
}

nn::SequenceEncoderOptions encoder_options(const ClassifierConfig& c) {
  nn::SequenceEncoderOptions o;
  o.vocab_size = c.vocab_size;
  o.emb_size = c.emb_size;
  o.cell = parse_cell(c.cell);
  o.hidden_size = c.hidden_size;
  o.num_layers = c.num_layers;
  o.dropout = c.dropout;
  o.bidirectional = c.bidirectional;
  return o;
}
}  // namespace

Classifier::Classifier(const ClassifierConfig& config)
    : config_(validated(config)),
      encoder_(encoder_options(config)),
      attention_(config.hidden_size, config.hidden_size, true),
      out_(config.hidden_size, config.labels) {
  register_module("encoder", &encoder_);
  if (config.pooling == "attention") {
    attention_v_ = register_parameter("attention_v", {config.hidden_size});
    register_module("attention", &attention_);
  }
  register_module("out", &out_);
}

void Classifier::init_parameters(std::uint64_t seed) {
  Generator gen(seed, stream_id(RngStream::kInit));
  if (config_.init_range > 0.0f) {
    for (auto& [name, v] : named_parameters()) nn::uniform_init(v, gen, config_.init_range);
    return;
  }
  if (attention_v_.defined())
    nn::uniform_init(attention_v_, gen, 1.0f / std::sqrt(static_cast<float>(config_.hidden_size)));
  Module::reset_parameters(gen);
}

Classifier::Output Classifier::forward(const Tensor& ids, const Tensor& lengths,
                                       Generator& gen) const {
  RNNKIT_CHECK(ids.dim() == 2 && lengths.numel() == ids.size(1),
               "classifier: ids must be [T, B] with B lengths, got {} and {}",
               shape_str(ids.shape()), shape_str(lengths.shape()));
  const std::int64_t B = ids.size(1), H = config_.hidden_size;
  const Device device = ids.device();
  auto enc = encoder_.run(encoder_.embed(ids, gen), encoder_.zero_state(B, device), gen, lengths);
  Output out;
  Var pooled;
  if (config_.pooling == "last") {
    pooled = enc.final.h.back();
  } else if (config_.pooling == "max") {
    pooled = fn::max_over_time(enc.states, lengths);
  } else if (config_.pooling == "mean") {
    // Equal scores from a zero query: the mean over each sentence's steps.
    Var zero(Tensor::zeros({1, B, H}, device));
    pooled = fn::reshape(fn::attention(zero, enc.states, lengths).context, {B, H});
  } else {  // attention: scores v . tanh(W h_t + b), no query
    Var zero(Tensor::zeros({1, B, H}, device));
    auto a = fn::additive_attention(zero, attention_.forward(enc.states), attention_v_, enc.states,
                                    lengths);
    pooled = fn::reshape(a.context, {B, H});
    out.attention = a.weights;
  }
  pooled = fn::dropout(pooled, training() ? config_.dropout : 0.0f, gen, pooled.shape());
  out.logits = out_.forward(pooled);
  return out;
}

}  // namespace rnnkit::models

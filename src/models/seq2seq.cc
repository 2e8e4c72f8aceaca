#include "rnnkit/models/seq2seq.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "rnnkit/core/numbers.h"
#include "rnnkit/core/rng_streams.h"
#include "rnnkit/models/language_model.h"
#include "rnnkit/ops/ops.h"

namespace rnnkit::models {

namespace {
const Seq2SeqConfig& validated(const Seq2SeqConfig& c) {
  c.validate();
  return c;
}
std::int64_t output_features(const Seq2SeqConfig& c) {
  return c.hidden_size * (1 + (c.attention != "none") + c.peeky);
}

nn::SequenceEncoderOptions side(const Seq2SeqConfig& c, std::int64_t vocab, bool decoder) {
  nn::SequenceEncoderOptions o;
  o.vocab_size = vocab;
  o.emb_size = c.emb_size;
  o.extra_input = decoder ? (c.peeky ? c.hidden_size : 0) + (c.input_feed ? c.hidden_size : 0) : 0;
  o.cell = parse_cell(c.cell);
  o.hidden_size = c.hidden_size;
  o.num_layers = c.num_layers;
  o.dropout = c.dropout;
  o.residual = c.residual;
  o.bidirectional = !decoder && c.bidirectional;
  return o;
}

}  // namespace

Seq2Seq::Seq2Seq(const Seq2SeqConfig& config)
    : config_(validated(config)),
      encoder_(side(config, config.source_vocab, false)),
      decoder_(side(config, config.target_vocab, true)),
      attention_(config.hidden_size, config.hidden_size, false),
      attention_key_(config.hidden_size, config.hidden_size, true),
      out_(output_features(config), config.target_vocab) {
  register_module("encoder", &encoder_);
  register_module("decoder", &decoder_);
  if (config.attention == "general" || config.attention == "additive") register_module("attention", &attention_);
  if (config.attention == "additive") {  // Bahdanau: v . tanh(W q + U k + b)
    register_module("attention_key", &attention_key_);
    attention_v_ = register_parameter("attention_v", {config.hidden_size});
  }
  register_module("out", &out_);
}

void Seq2Seq::init_parameters(std::uint64_t seed) {
  Generator gen(seed, stream_id(RngStream::kInit));
  if (config_.init_range <= 0.0f) return reset_parameters(gen);
  for (auto& [name, v] : named_parameters()) nn::uniform_init(v, gen, config_.init_range);
}

void Seq2Seq::reset_parameters(Generator& gen) {
  // The score vector first, as named_parameters lists it; then the modules.
  // (Small uniform embeddings learn the date task several times slower.)
  if (attention_v_.defined())
    nn::uniform_init(attention_v_, gen, 1.0f / std::sqrt(static_cast<float>(config_.hidden_size)));
  Module::reset_parameters(gen);
}

Var Seq2Seq::repeat_summary(const Var& summary, std::int64_t steps) const {
  // zeros + summary broadcasts over time; the gradient sums back over it.
  Var zeros(Tensor::zeros({steps, summary.value().size(0), config_.hidden_size},
                          summary.value().device()));
  return fn::add(zeros, summary);
}

Seq2Seq::Encoded Seq2Seq::encode(const Tensor& source, const Tensor& length, Generator& gen) const {
  RNNKIT_CHECK(source.dim() == 2, "seq2seq: source ids must be [Ts, B], got {}", shape_str(source.shape()));
  const std::int64_t B = source.size(1);
  auto out = encoder_.run(encoder_.embed(source, gen), encoder_.zero_state(B, source.device()), gen,
                          length);
  return {out.states, length, out.final, out.final.h.back()};
}

Seq2Seq::DecoderState Seq2Seq::DecoderState::select(const std::vector<std::int64_t>& rows) const {
  DecoderState s{rnn.select(rows), Var()};
  if (feed.defined()) s.feed = Var(ops::index_select(feed.value(), 0, rows));
  return s;
}

Seq2Seq::DecoderState Seq2Seq::start(const Encoded& e) const {
  DecoderState s{e.final, Var()};
  if (config_.input_feed)
    s.feed = Var(Tensor::zeros({e.length.numel(), config_.hidden_size}, e.states.value().device()));
  return s;
}

fn::AttentionResult Seq2Seq::attend(const Var& y, const Encoded& e, const Var& keys) const {
  if (config_.attention == "additive")
    return fn::additive_attention(attention_.forward(y), keys, attention_v_, e.states, e.length);
  return fn::attention(config_.attention == "general" ? attention_.forward(y) : y, e.states, e.length);
}

Seq2Seq::Decoded Seq2Seq::decode(const Encoded& e, const Tensor& target_in, const DecoderState& state,
                                 Generator& gen) const {
  RNNKIT_CHECK(target_in.dim() == 2, "seq2seq: target ids must be [Tt, B], got {}",
               shape_str(target_in.shape()));
  const std::int64_t T = target_in.size(0), B = target_in.size(1), H = config_.hidden_size;
  bool train = training();
  Var x = decoder_.embed(target_in, gen);
  Var peek = config_.peeky ? repeat_summary(e.summary, T) : Var();
  if (config_.peeky) x = fn::concat({x, peek}, 2);
  Var keys = config_.attention == "additive" ? attention_key_.forward(e.states) : Var();
  Decoded d;
  Var y, context;
  if (config_.input_feed) {  // step by step: each input needs the previous context
    std::vector<Var> ys, contexts;
    std::vector<Tensor> weights;
    d.state = state;
    for (std::int64_t t = 0; t < T; ++t) {
      Var xt = fn::concat({fn::slice(x, 0, t, 1), fn::reshape(d.state.feed, {1, B, H})}, 2);
      auto [yt, next] = decoder_.run(xt, d.state.rnn, gen);
      auto a = attend(yt, e, keys);
      d.state = {next, fn::reshape(a.context, {B, H})};
      ys.push_back(yt);
      contexts.push_back(a.context);
      weights.push_back(a.weights);
    }
    y = T == 1 ? ys[0] : fn::concat(ys, 0);
    context = T == 1 ? contexts[0] : fn::concat(contexts, 0);
    d.attention = T == 1 ? weights[0] : ops::concat(weights, 1);
  } else {
    auto [yy, next] = decoder_.run(x, state.rnn, gen);
    y = yy;
    d.state.rnn = next;
    if (config_.attention != "none") {
      auto a = attend(y, e, keys);
      context = a.context;
      d.attention = a.weights;
    }
  }
  std::vector<Var> features;
  if (context.defined()) features.push_back(context);
  features.push_back(y);
  if (config_.peeky) features.push_back(peek);
  Var f = features.size() == 1 ? y : fn::concat(features, 2);
  f = nn::dropout_seq(f, config_.dropout, false, train, gen);
  d.logits = out_.forward(fn::reshape(f, {-1, output_features(config_)}));
  return d;
}

}  // namespace rnnkit::models

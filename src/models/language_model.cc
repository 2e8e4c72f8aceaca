#include "rnnkit/models/language_model.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "rnnkit/core/numbers.h"
#include "rnnkit/core/rng_streams.h"
#include "rnnkit/ops/ops.h"
#include "rnnkit/text/huffman.h"

namespace rnnkit::models {

namespace {
const LanguageModelConfig& validated(const LanguageModelConfig& c) {
  c.validate();
  return c;
}
std::int64_t class_count(const LanguageModelConfig& c) {
  if (c.classes > 0) return c.classes;
  return std::max<std::int64_t>(1, std::llround(std::sqrt(static_cast<double>(c.vocab_size))));
}

nn::SequenceEncoderOptions encoder_options(const LanguageModelConfig& c) {
  nn::SequenceEncoderOptions o;
  o.vocab_size = c.vocab_size;
  o.emb_size = c.emb_size;
  o.cell = parse_cell(c.cell);
  o.hidden_size = c.hidden_size;
  o.num_layers = c.context > 0 ? 0 : c.num_layers;
  o.dropout = c.dropout;
  o.variational = c.variational_dropout;
  o.embedding_dropout = c.embedding_dropout;
  return o;
}
}  // namespace

LanguageModel::LanguageModel(const LanguageModelConfig& config)
    : config_(validated(config)),
      encoder_(encoder_options(config)),
      hidden_(std::max<std::int64_t>(config.context, 1) * config.emb_size, config.hidden_size,
              true),
      decoder_(config.hidden_size,
               config.output == "hierarchical" ? config.vocab_size - 1 : config.vocab_size, true,
               config.tie_weights ? encoder_.embedding().weight : Var()),
      class_decoder_(config.hidden_size, config.output == "class" ? class_count(config) : 1, true) {
  register_module("encoder", &encoder_);
  if (config.context > 0) register_module("hidden", &hidden_);
  register_module("decoder", &decoder_);
  if (config.output == "class") register_module("decoder_class", &class_decoder_);
}

void LanguageModel::set_word_counts(std::vector<std::int64_t> counts) {
  RNNKIT_CHECK(static_cast<std::int64_t>(counts.size()) == config_.vocab_size,
               "language model: {} word counts for a vocabulary of {}", counts.size(), config_.vocab_size);
  counts_ = std::move(counts);
  tree_.clear();
  if (config_.output == "hierarchical")
    for (auto& c : text::build_huffman(counts_)) tree_.push_back({std::move(c.point), std::move(c.code)});
  if (config_.output == "class") {
    classes_ = nn::frequency_classes(counts_, class_count(config_));
  }
}

Var LanguageModel::logits(const Var& features) const {
  if (config_.output == "softmax") return decoder_.forward(features);
  RNNKIT_CHECK(!counts_.empty(), "language model: the {} softmax needs the word counts", config_.output);
  if (config_.output == "class") return Var(nn::class_log_probs(features.value(), class_decoder_, decoder_, classes_));
  return Var(nn::hierarchical_log_probs(features.value(), decoder_, tree_));
}

// The softmax's logits are formed this many at a time (32 MB), whatever
// batch x steps: one chunk for PTB's usual sizes, several for large vocabularies.
constexpr std::int64_t kLogitChunk = std::int64_t{1} << 23;

Var LanguageModel::nll(const Var& features, const Tensor& targets) const {
  if (config_.output == "softmax")
    return fn::linear_cross_entropy(features, decoder_.weight, decoder_.bias, targets,
                                    kLogitChunk / config_.vocab_size + 1, {.reduction = fn::Reduction::kSum});
  RNNKIT_CHECK(!counts_.empty(), "language model: the {} softmax needs the word counts", config_.output);
  if (config_.output == "class") return nn::class_nll(features, class_decoder_, decoder_, targets, classes_);
  return nn::hierarchical_nll(features, decoder_, targets, tree_);
}

nn::RecurrentState LanguageModel::zero_state(std::int64_t batch, Device device) const {
  if (config_.context == 0) return encoder_.zero_state(batch, device);
  nn::RecurrentState s;  // the window of embeddings before the stream starts: zeros
  s.h.emplace_back(Tensor::zeros({config_.context, batch, config_.emb_size}, device));
  return s;
}

void LanguageModel::init_parameters(std::uint64_t seed) {
  Generator gen(seed, stream_id(RngStream::kInit));
  float r = config_.init_range;
  for (auto& [name, v] : named_parameters()) {
    Tensor& t = v.value();
    ops::uniform_(t, gen, gen.reserve(static_cast<std::uint64_t>(t.numel())), -r, r);
  }
  if (config_.forget_bias_one && config_.context == 0) encoder_.rnn().set_forget_bias(1.0f);
}

std::pair<Var, nn::RecurrentState> LanguageModel::forward(const Tensor& ids,
                                                          const nn::RecurrentState& state,
                                                          Generator& gen) const {
  auto [h, next] = features(ids, state, gen);
  return {logits(h), next};
}

std::pair<Var, nn::RecurrentState> LanguageModel::features(const Tensor& ids,
                                                           const nn::RecurrentState& state,
                                                           Generator& gen) const {
  RNNKIT_CHECK(ids.dim() == 2, "language model: ids must be [T, B], got {}", shape_str(ids.shape()));
  bool train = training();
  bool var = config_.variational_dropout;
  Var x = encoder_.embed(ids, gen);
  if (config_.context > 0) {  // position t sees the embeddings of words t - context + 1 .. t
    const std::int64_t T = ids.size(0), C = config_.context;
    Var all = fn::concat({state.h.at(0), x}, 0);  // [C + T, B, E]
    std::vector<Var> window;
    for (std::int64_t j = 1; j <= C; ++j) window.push_back(fn::slice(all, 0, j, T));
    Var in = C == 1 ? window[0] : fn::concat(window, 2);
    Var h = fn::tanh(hidden_.forward(fn::reshape(in, {-1, C * config_.emb_size})));
    h = nn::dropout_seq(h, config_.dropout, false, train, gen);
    nn::RecurrentState next;
    next.h.push_back(fn::slice(all, 0, T, C));
    return {h, next};
  }
  auto [states, next] = encoder_.run(x, state, gen);
  Var y = nn::dropout_seq(states, config_.dropout, var, train, gen);
  return {fn::reshape(y, {-1, config_.hidden_size}), next};
}

}  // namespace rnnkit::models

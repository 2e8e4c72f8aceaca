// Model configurations: JSON in a model file's metadata, parsed and checked
// before any model is built (and fuzzed on their own: fuzz/).
#include <nlohmann/json.hpp>

#include "core/json_util.h"
#include "rnnkit/core/numbers.h"
#include "rnnkit/models/classifier.h"
#include "rnnkit/models/forecaster.h"
#include "rnnkit/models/language_model.h"
#include "rnnkit/models/seq2seq.h"

namespace rnnkit::models {

ops::CellType parse_cell(const std::string& name) {
  if (name == "lstm") return ops::CellType::kLSTM;
  if (name == "gru") return ops::CellType::kGRU;
  if (name == "rnn") return ops::CellType::kRNN;
  throw InvalidArgument(fmt::format("unknown cell type '{}' (expected rnn, lstm or gru)", name));
}

std::string LanguageModelConfig::to_json() const {
  nlohmann::ordered_json j = {{"cell", cell},
                              {"vocab_size", vocab_size},
                              {"emb_size", emb_size},
                              {"hidden_size", hidden_size},
                              {"num_layers", num_layers},
                              {"dropout", shortest_decimal(dropout)},
                              {"variational_dropout", variational_dropout},
                              {"embedding_dropout", shortest_decimal(embedding_dropout)},
                              {"tie_weights", tie_weights},
                              {"init_range", shortest_decimal(init_range)},
                              {"forget_bias_one", forget_bias_one},
                              {"unit", unit},
                              {"context", context},
                              {"output", output},
                              {"classes", classes}};
  return j.dump();
}

LanguageModelConfig LanguageModelConfig::from_json(const std::string& text) {
  try {
    const auto j = nlohmann::json::parse(text);
    LanguageModelConfig c;
    c.cell = j.at("cell").get<std::string>();
    c.vocab_size = json_require<std::int64_t>(j, "vocab_size");
    c.emb_size = json_require<std::int64_t>(j, "emb_size");
    c.hidden_size = json_require<std::int64_t>(j, "hidden_size");
    c.num_layers = json_require<std::int64_t>(j, "num_layers");
    c.dropout = json_read(j, "dropout", 0.0f);
    c.variational_dropout = j.value("variational_dropout", false);
    c.embedding_dropout = json_read(j, "embedding_dropout", 0.0f);
    c.tie_weights = j.value("tie_weights", false);
    c.init_range = json_read(j, "init_range", 0.1f);
    c.forget_bias_one = j.value("forget_bias_one", false);
    c.unit = j.value("unit", std::string("word"));
    c.context = json_read(j, "context", std::int64_t{0});
    c.output = j.value("output", std::string("softmax"));
    c.classes = json_read(j, "classes", std::int64_t{0});
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("model configuration is malformed: {}", e.what()));
  } catch (const InvalidArgument& e) {
    throw FormatError(fmt::format("model configuration is malformed: {}", e.what()));
  }
}

// The embedding and each layer's recurrent (or the feed-forward hidden)
// matrix; the output layer varies with tying and the objective.
std::int64_t LanguageModelConfig::min_parameters() const {
  const std::int64_t core =
      context > 0 ? context * emb_size * hidden_size : num_layers * hidden_size * hidden_size;
  return vocab_size * emb_size + core;
}

void LanguageModelConfig::validate() const {
  parse_cell(cell);
  RNNKIT_CHECK(vocab_size > 1 && emb_size > 0 && hidden_size > 0 && num_layers > 0,
               "language model: bad sizes (vocab {}, emb {}, hidden {}, layers {})", vocab_size,
               emb_size, hidden_size, num_layers);
  // Limits that no real model reaches, checked before anything is allocated.
  RNNKIT_CHECK(vocab_size <= (1 << 24) && emb_size <= (1 << 15) && hidden_size <= (1 << 15) &&
                   num_layers <= 64,
               "language model: sizes beyond rnnkit's limits (vocab {} of 2^24, emb {} and hidden "
               "{} of 32768, layers {} of 64)",
               vocab_size, emb_size, hidden_size, num_layers);
  RNNKIT_CHECK(!tie_weights || emb_size == hidden_size,
               "language model: tying needs emb_size == hidden_size (got {} and {})", emb_size,
               hidden_size);
  RNNKIT_CHECK(dropout >= 0.0f && dropout < 1.0f, "language model: dropout {} outside [0, 1)",
               dropout);
  RNNKIT_CHECK(embedding_dropout >= 0.0f && embedding_dropout < 1.0f,
               "language model: embedding dropout {} outside [0, 1)", embedding_dropout);
  RNNKIT_CHECK(unit == "word" || unit == "char" || unit == "subword" || unit == "mecab",
               "language model: unknown unit '{}' (word, char, subword or mecab)", unit);
  RNNKIT_CHECK(context >= 0 && context <= 64, "language model: context {} outside [0, 64]",
               context);
  RNNKIT_CHECK(output == "softmax" || output == "hierarchical" || output == "class",
               "language model: unknown output layer '{}' (softmax, hierarchical or class)",
               output);
  RNNKIT_CHECK(output != "hierarchical" || !tie_weights,
               "language model: a hierarchical softmax cannot be tied");
  RNNKIT_CHECK(classes >= 0 && classes <= vocab_size, "language model: {} classes for {} words",
               classes, vocab_size);
}

std::string Seq2SeqConfig::to_json() const {
  nlohmann::ordered_json j = {{"cell", cell},
                              {"source_vocab", source_vocab},
                              {"target_vocab", target_vocab},
                              {"emb_size", emb_size},
                              {"hidden_size", hidden_size},
                              {"num_layers", num_layers},
                              {"peeky", peeky},
                              {"residual", residual},
                              {"bidirectional", bidirectional},
                              {"attention", attention},
                              {"input_feed", input_feed},
                              {"dropout", shortest_decimal(dropout)},
                              {"init_range", shortest_decimal(init_range)},
                              {"reverse_source", reverse_source},
                              {"reverse_target", reverse_target},
                              {"unit", unit}};
  return j.dump();
}

Seq2SeqConfig Seq2SeqConfig::from_json(const std::string& text) {
  try {
    const auto j = nlohmann::json::parse(text);
    Seq2SeqConfig c;
    c.cell = j.at("cell").get<std::string>();
    c.source_vocab = json_require<std::int64_t>(j, "source_vocab");
    c.target_vocab = json_require<std::int64_t>(j, "target_vocab");
    c.emb_size = json_require<std::int64_t>(j, "emb_size");
    c.hidden_size = json_require<std::int64_t>(j, "hidden_size");
    c.num_layers = json_require<std::int64_t>(j, "num_layers");
    c.peeky = j.value("peeky", false);
    c.residual = j.value("residual", false);
    c.bidirectional = j.value("bidirectional", false);
    c.attention = j.value("attention", std::string("none"));
    c.input_feed = j.value("input_feed", false);
    c.dropout = json_read(j, "dropout", 0.0f);
    c.init_range = json_read(j, "init_range", 0.0f);
    c.reverse_source = j.value("reverse_source", false);
    c.reverse_target = j.value("reverse_target", false);
    c.unit = j.value("unit", std::string("char"));
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("seq2seq configuration is malformed: {}", e.what()));
  } catch (const InvalidArgument& e) {
    throw FormatError(fmt::format("seq2seq configuration is malformed: {}", e.what()));
  }
}

// Both embeddings and the decoder's recurrent matrices.
std::int64_t Seq2SeqConfig::min_parameters() const {
  return (source_vocab + target_vocab) * emb_size + num_layers * hidden_size * hidden_size;
}

void Seq2SeqConfig::validate() const {
  parse_cell(cell);
  RNNKIT_CHECK(
      source_vocab > 1 && target_vocab > 1 && emb_size > 0 && hidden_size > 0 && num_layers > 0,
      "seq2seq: bad sizes (vocabularies {} and {}, emb {}, hidden {}, layers {})", source_vocab,
      target_vocab, emb_size, hidden_size, num_layers);
  // Limits that no real model reaches, checked before anything is allocated.
  RNNKIT_CHECK(source_vocab <= (1 << 24) && target_vocab <= (1 << 24) && emb_size <= (1 << 15) &&
                   hidden_size <= (1 << 15) && num_layers <= 64,
               "seq2seq: sizes beyond rnnkit's limits (vocabularies of 2^24, emb and hidden of "
               "32768, 64 layers)");
  RNNKIT_CHECK(attention == "none" || attention == "dot" || attention == "general" ||
                   attention == "additive",
               "seq2seq: unknown attention '{}' (expected none, dot, general or additive)",
               attention);
  RNNKIT_CHECK(!input_feed || attention != "none", "seq2seq: input feeding needs attention");
  RNNKIT_CHECK(unit == "word" || unit == "char" || unit == "subword" || unit == "mecab",
               "seq2seq: unknown unit '{}' (word, char, subword or mecab)", unit);
  RNNKIT_CHECK(dropout >= 0.0f && dropout < 1.0f, "seq2seq: dropout {} outside [0, 1)", dropout);
  RNNKIT_CHECK(init_range >= 0.0f, "seq2seq: init range {} is negative", init_range);
  RNNKIT_CHECK(!bidirectional || hidden_size % 2 == 0,
               "seq2seq: a bidirectional encoder splits the hidden size in two; {} is odd",
               hidden_size);
}

std::string ClassifierConfig::to_json() const {
  nlohmann::ordered_json j = {{"cell", cell},
                              {"vocab_size", vocab_size},
                              {"labels", labels},
                              {"emb_size", emb_size},
                              {"hidden_size", hidden_size},
                              {"num_layers", num_layers},
                              {"bidirectional", bidirectional},
                              {"dropout", shortest_decimal(dropout)},
                              {"pooling", pooling},
                              {"loss", loss},
                              {"init_range", shortest_decimal(init_range)},
                              {"unit", unit},
                              {"lowercase", lowercase},
                              {"format", format},
                              {"label_prefix", label_prefix},
                              {"threshold", shortest_decimal(threshold)}};
  return j.dump();
}

ClassifierConfig ClassifierConfig::from_json(const std::string& text) {
  try {
    const auto j = nlohmann::json::parse(text);
    ClassifierConfig c;
    c.cell = j.at("cell").get<std::string>();
    c.vocab_size = json_require<std::int64_t>(j, "vocab_size");
    c.labels = json_require<std::int64_t>(j, "labels");
    c.emb_size = json_require<std::int64_t>(j, "emb_size");
    c.hidden_size = json_require<std::int64_t>(j, "hidden_size");
    c.num_layers = json_require<std::int64_t>(j, "num_layers");
    c.bidirectional = j.value("bidirectional", false);
    c.dropout = json_read(j, "dropout", 0.0f);
    c.pooling = j.value("pooling", std::string("last"));
    c.loss = j.value("loss", std::string("softmax"));
    c.init_range = json_read(j, "init_range", 0.0f);
    c.unit = j.value("unit", std::string("word"));
    c.lowercase = j.value("lowercase", false);
    c.format = j.value("format", std::string("auto"));
    c.label_prefix = j.value("label_prefix", std::string("__label__"));
    c.threshold = json_read(j, "threshold", 0.5f);
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("classifier configuration is malformed: {}", e.what()));
  } catch (const InvalidArgument& e) {
    throw FormatError(fmt::format("classifier configuration is malformed: {}", e.what()));
  }
}

// The embedding, each layer's recurrent matrix and the output layer.
std::int64_t ClassifierConfig::min_parameters() const {
  const std::int64_t h = bidirectional ? hidden_size / 2 : hidden_size;
  return vocab_size * emb_size + num_layers * h * h + hidden_size * labels;
}

void ClassifierConfig::validate() const {
  parse_cell(cell);
  RNNKIT_CHECK(vocab_size > 1 && labels > 0 && emb_size > 0 && hidden_size > 0 && num_layers > 0,
               "classifier: bad sizes (vocab {}, labels {}, emb {}, hidden {}, layers {})",
               vocab_size, labels, emb_size, hidden_size, num_layers);
  RNNKIT_CHECK(vocab_size <= (1 << 24) && labels <= (1 << 20) && emb_size <= (1 << 15) &&
                   hidden_size <= (1 << 15) && num_layers <= 64,
               "classifier: sizes beyond rnnkit's limits (vocab {} of 2^24, labels {} of 2^20, emb "
               "{} and hidden {} of 32768, layers {} of 64)",
               vocab_size, labels, emb_size, hidden_size, num_layers);
  RNNKIT_CHECK(pooling == "last" || pooling == "mean" || pooling == "max" || pooling == "attention",
               "classifier: unknown pooling '{}' (expected last, mean, max or attention)", pooling);
  RNNKIT_CHECK(loss == "softmax" || loss == "one-vs-all",
               "classifier: unknown loss '{}' (expected softmax or one-vs-all)", loss);
  RNNKIT_CHECK(unit == "word" || unit == "char" || unit == "subword" || unit == "mecab",
               "classifier: unknown unit '{}' (word, char, subword or mecab)", unit);
  RNNKIT_CHECK(dropout >= 0.0f && dropout < 1.0f, "classifier: dropout {} outside [0, 1)", dropout);
  RNNKIT_CHECK(init_range >= 0.0f, "classifier: init range {} is negative", init_range);
  RNNKIT_CHECK(threshold > 0.0f && threshold < 1.0f, "classifier: threshold {} outside (0, 1)",
               threshold);
  RNNKIT_CHECK(!bidirectional || hidden_size % 2 == 0,
               "classifier: a bidirectional encoder splits the hidden size in two; {} is odd",
               hidden_size);
}

std::string ForecasterConfig::to_json() const {
  nlohmann::ordered_json q = nlohmann::ordered_json::array();
  for (double x : quantiles) q.push_back(x);
  nlohmann::ordered_json j = {{"cell", cell},
                              {"series", series},
                              {"projection", projection},
                              {"hidden_size", hidden_size},
                              {"num_layers", num_layers},
                              {"dropout", shortest_decimal(dropout)},
                              {"lookback", lookback},
                              {"horizon", horizon},
                              {"steps", steps},
                              {"quantiles", q},
                              {"residual", residual},
                              {"ar", ar}};
  return j.dump();
}

ForecasterConfig ForecasterConfig::from_json(const std::string& text) {
  try {
    const auto j = nlohmann::json::parse(text);
    ForecasterConfig c;
    c.cell = j.at("cell").get<std::string>();
    c.series = json_require<std::int64_t>(j, "series");
    c.projection = json_require<std::int64_t>(j, "projection");
    c.hidden_size = json_require<std::int64_t>(j, "hidden_size");
    c.num_layers = json_require<std::int64_t>(j, "num_layers");
    c.dropout = json_read(j, "dropout", 0.0f);
    c.lookback = json_require<std::int64_t>(j, "lookback");
    c.horizon = json_require<std::int64_t>(j, "horizon");
    c.steps = json_require<std::int64_t>(j, "steps");
    c.quantiles = j.value("quantiles", std::vector<double>{});
    c.residual = j.value("residual", false);
    c.ar = json_read(j, "ar", std::int64_t{0});
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("model configuration is malformed: {}", e.what()));
  }
}

void ForecasterConfig::validate() const {
  parse_cell(cell);
  RNNKIT_CHECK(series >= 1 && series <= (1 << 16) && projection >= 1 && projection <= (1 << 15) &&
                   hidden_size >= 1 && hidden_size <= (1 << 15) && num_layers >= 1 &&
                   num_layers <= 64,
               "forecaster: --projection {} and --hidden {} must be in [1, 32768], --layers {} in "
               "[1, 64] (series: {})",
               projection, hidden_size, num_layers, series);
  RNNKIT_CHECK(lookback >= 1 && lookback <= (1 << 20) && horizon >= 1 && horizon <= (1 << 20) &&
                   steps >= 1 && steps <= (1 << 16),
               "forecaster: --lookback {}, --horizon {} and --steps {} must be positive", lookback,
               horizon, steps);
  RNNKIT_CHECK(ar >= 0 && ar <= lookback, "forecaster: --ar {} outside [0, --lookback {}]", ar,
               lookback);
  RNNKIT_CHECK(dropout >= 0.0f && dropout < 1.0f, "forecaster: dropout {} outside [0, 1)", dropout);
  for (std::size_t i = 0; i < quantiles.size(); ++i)
    RNNKIT_CHECK(
        quantiles[i] > 0 && quantiles[i] < 1 && (i == 0 || quantiles[i] > quantiles[i - 1]),
        "forecaster: --quantiles must rise strictly inside (0, 1), got {} at position {}",
        quantiles[i], i + 1);
  RNNKIT_CHECK(series * steps * outputs_per_value() <= (1 << 24),
               "forecaster: {} series x {} steps x {} quantiles is beyond rnnkit's limits", series,
               steps, outputs_per_value());
}

}  // namespace rnnkit::models

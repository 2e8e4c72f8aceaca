#include "rnnkit/io/model_file.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "rnnkit/ops/ops.h"

namespace rnnkit::io {

namespace {

// A segmenter's settings under `prefix`: the SentencePiece model (base64) of
// subword units, the dictionary of MeCab units; words and characters need none.
void put_segmenter(Metadata& meta, const std::string& prefix, const text::Segmenter& units) {
  if (units.subwords()) meta[prefix + "subwords"] = text::base64_encode(units.subwords()->bytes());
  if (units.mecab()) meta[prefix + "mecab_dictionary"] = units.mecab()->dictionary();
}

// Version 1 named the parts of each family its own way; version 2 names the
// shared sequence encoder alike in every family (nn/sequence_encoder.h).
std::string version1_name(const std::string& format, const std::string& name) {
  auto starts = [&](const char* p) { return name.rfind(p, 0) == 0; };
  auto after = [&](const char* p) { return name.substr(std::string_view(p).size()); };
  if (format == kLmFormat) {
    if (name == "encoder.embedding.weight") return "encoder.weight";
    if (starts("encoder.rnn.")) return "rnn." + after("encoder.rnn.");
  } else if (format == kSeq2SeqFormat) {
    if (name == "encoder.embedding.weight") return "source_embedding.weight";
    if (name == "decoder.embedding.weight") return "target_embedding.weight";
    if (starts("encoder.rnn.")) return "encoder." + after("encoder.rnn.");
    if (starts("encoder.backward_rnn."))
      return "backward_encoder." + after("encoder.backward_rnn.");
    if (starts("decoder.rnn.")) return "decoder." + after("decoder.rnn.");
  }
  return name;
}

}  // namespace

Metadata language_model_metadata(const models::LanguageModel& model, const text::Segmenter& units,
                                 const text::Vocabulary& vocab) {
  RNNKIT_CHECK(text::parse_unit(model.config().unit) == units.unit(),
               "saving a {} language model with another segmenter", model.config().unit);
  Metadata m = {{"format", kLmFormat},
                {"format_version", std::to_string(kLmFormatVersion)},
                {"config", model.config().to_json()},
                {"vocab", nlohmann::json(vocab.words()).dump()}};
  if (model.config().output != "softmax")
    m["word_counts"] = nlohmann::json(model.word_counts()).dump();
  put_segmenter(m, "", units);
  return m;
}

void load_parameters(const nn::Module& model, const SafetensorsContents& file,
                     const std::string& path) {
  auto format = file.metadata.find("format"), version = file.metadata.find("format_version");
  const bool v1 =
      format != file.metadata.end() && version != file.metadata.end() && version->second == "1";
  for (auto& [name, v] : model.named_parameters()) {
    const std::string stored = v1 ? version1_name(format->second, name) : name;
    const Tensor& t = file.at(stored, path);
    if (t.shape() != v.shape() || t.dtype() != DType::kFloat32)
      throw FormatError(fmt::format("{}: tensor '{}' is {} {}, the model needs F32 {}", path,
                                    stored, dtype_name(t.dtype()), shape_str(t.shape()),
                                    shape_str(v.shape())));
    // A NaN weight makes every score NaN: name it here, not as a crash or a "nan" later.
    const float* p = t.data<float>();
    for (std::int64_t i = 0; i < t.numel(); ++i)
      if (!std::isfinite(p[i]))
        throw FormatError(fmt::format("{}: tensor '{}' holds a non-finite value ({}) at element {}",
                                      path, stored, p[i], i));
    Tensor dst = v.value();
    ops::copy_(dst, t);
  }
}

namespace {
// The metadata value `key`, or an error saying the file is not a `what`.
const std::string& meta(const SafetensorsContents& file, const char* key, const std::string& path,
                        const char* what) {
  auto it = file.metadata.find(key);
  if (it == file.metadata.end())
    throw FormatError(fmt::format("{}: metadata '{}' is missing: not an rnnkit {}", path, key, what));
  return it->second;
}

// The segmenter of a model whose configuration says `unit`.
text::Segmenter get_segmenter(const SafetensorsContents& file, const std::string& prefix,
                              const std::string& unit, const std::string& path, const char* what) {
  const std::string key = prefix + (unit == "subword" ? "subwords" : "mecab_dictionary");
  try {
    if (unit == "subword")
      return text::Segmenter(
          text::SubwordModel::from_bytes(text::base64_decode(meta(file, key.c_str(), path, what))));
    if (unit == "mecab")
      return text::Segmenter(text::MecabWords(meta(file, key.c_str(), path, what)));
    return text::Segmenter(text::parse_unit(unit));
  } catch (const FormatError& e) {
    throw FormatError(fmt::format("{}: metadata '{}': {}", path, key, e.what()));
  } catch (const InvalidArgument& e) {  // a dictionary this machine lacks
    throw InvalidArgument(fmt::format("{}: {}", path, e.what()));
  }
}

// Readers accept every version from 1 to the one this rnnkit writes.
void check_format(const SafetensorsContents& file, const std::string& path, const char* format,
                  int version, const char* what) {
  if (meta(file, "format", path, what) != format)
    throw FormatError(fmt::format("{}: format is '{}', expected '{}'", path,
                                  meta(file, "format", path, what), format));
  const std::string& v = meta(file, "format_version", path, what);
  int n = 0;
  try {
    n = std::stoi(v);
  } catch (const std::exception&) {
    throw FormatError(fmt::format("{}: format version '{}' is not a number", path, v));
  }
  if (n < 1 || n > version)
    throw FormatError(fmt::format("{}: format version {} is {} than this rnnkit reads (1 to {})",
                                  path, v, n < 1 ? "older" : "newer", version));
}

text::Vocabulary parse_vocab(const std::string& json, const std::string& path, std::int64_t size) {
  text::Vocabulary vocab;
  try {
    vocab = text::Vocabulary::from_words(nlohmann::json::parse(json).get<std::vector<std::string>>());
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("{}: vocabulary metadata is malformed: {}", path, e.what()));
  } catch (const Error& e) {
    throw FormatError(fmt::format("{}: {}", path, e.what()));
  }
  if (vocab.size() != size)
    throw FormatError(fmt::format("{}: vocabulary has {} words, the configuration says {}", path,
                                  vocab.size(), size));
  return vocab;
}

// A checked configuration that the file's tensors can fill: a size claimed in
// the metadata is refused before the model is built, not after allocating it.
template <typename Config>
Config parse_config(const SafetensorsContents& file, const std::string& json,
                    const std::string& path) {
  Config c;
  try {
    c = Config::from_json(json);
    c.validate();
  } catch (const Error& e) {
    throw FormatError(fmt::format("{}: {}", path, e.what()));
  }
  std::int64_t held = 0;
  for (const auto& [name, t] : file.tensors) held += t.numel();
  if (c.min_parameters() > held)
    throw FormatError(fmt::format(
        "{}: the configuration needs at least {} weights, the file holds {}: the configuration "
        "does not belong to these tensors",
        path, c.min_parameters(), held));
  return c;
}

}  // namespace

LoadedLanguageModel load_language_model(const std::string& path) {
  SafetensorsContents file = load_safetensors(path);
  const char* what = "language model";
  check_format(file, path, kLmFormat, kLmFormatVersion, what);
  auto config =
      parse_config<models::LanguageModelConfig>(file, meta(file, "config", path, what), path);
  LoadedLanguageModel out;
  out.vocab = parse_vocab(meta(file, "vocab", path, what), path, config.vocab_size);
  out.model = std::make_unique<models::LanguageModel>(config);
  if (config.output != "softmax") {  // the tree or the classes come from the training counts
    try {
      out.model->set_word_counts(
          nlohmann::json::parse(meta(file, "word_counts", path, what)).get<std::vector<std::int64_t>>());
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(fmt::format("{}: word counts are malformed: {}", path, e.what()));
    } catch (const InvalidArgument& e) {
      throw FormatError(fmt::format("{}: {}", path, e.what()));
    }
  }
  out.units = get_segmenter(file, "", config.unit, path, what);
  load_parameters(*out.model, file, path);
  out.metadata = std::move(file.metadata);
  return out;
}

Metadata seq2seq_metadata(const models::Seq2Seq& model, const text::Segmenter& source_units,
                          const text::Segmenter& target_units, const text::Vocabulary& source_vocab,
                          const text::Vocabulary& target_vocab) {
  Metadata meta = {{"format", kSeq2SeqFormat},
                   {"format_version", std::to_string(kSeq2SeqFormatVersion)},
                   {"config", model.config().to_json()},
                   {"source_vocab", nlohmann::json(source_vocab.words()).dump()},
                   {"target_vocab", nlohmann::json(target_vocab.words()).dump()}};
  const text::Unit unit = text::parse_unit(model.config().unit);
  RNNKIT_CHECK(source_units.unit() == unit && target_units.unit() == unit,
               "saving a {} seq2seq model with other segmenters", model.config().unit);
  put_segmenter(meta, "source_", source_units);
  put_segmenter(meta, "target_", target_units);
  return meta;
}

LoadedSeq2Seq load_seq2seq(const std::string& path) {
  SafetensorsContents file = load_safetensors(path);
  const char* what = "seq2seq model";
  check_format(file, path, kSeq2SeqFormat, kSeq2SeqFormatVersion, what);
  auto config = parse_config<models::Seq2SeqConfig>(file, meta(file, "config", path, what), path);
  LoadedSeq2Seq out;
  out.source_vocab = parse_vocab(meta(file, "source_vocab", path, what), path, config.source_vocab);
  out.target_vocab = parse_vocab(meta(file, "target_vocab", path, what), path, config.target_vocab);
  out.source_units = get_segmenter(file, "source_", config.unit, path, what);
  out.target_units = get_segmenter(file, "target_", config.unit, path, what);
  out.model = std::make_unique<models::Seq2Seq>(config);
  load_parameters(*out.model, file, path);
  out.metadata = std::move(file.metadata);
  return out;
}

Metadata classifier_metadata(const models::Classifier& model, const text::Segmenter& units,
                             const text::Vocabulary& vocab,
                             const std::vector<std::string>& labels) {
  RNNKIT_CHECK(text::parse_unit(model.config().unit) == units.unit(),
               "saving a {} classifier with another segmenter", model.config().unit);
  RNNKIT_CHECK(static_cast<std::int64_t>(labels.size()) == model.config().labels,
               "saving a classifier of {} labels with {} label names", model.config().labels,
               labels.size());
  Metadata m = {{"format", kClassifierFormat},
                {"format_version", std::to_string(kClassifierFormatVersion)},
                {"config", model.config().to_json()},
                {"vocab", nlohmann::json(vocab.words()).dump()},
                {"labels", nlohmann::json(labels).dump()}};
  put_segmenter(m, "", units);
  return m;
}

LoadedClassifier load_classifier(const std::string& path) {
  SafetensorsContents file = load_safetensors(path);
  const char* what = "classifier";
  check_format(file, path, kClassifierFormat, kClassifierFormatVersion, what);
  auto config =
      parse_config<models::ClassifierConfig>(file, meta(file, "config", path, what), path);
  LoadedClassifier out;
  out.vocab = parse_vocab(meta(file, "vocab", path, what), path, config.vocab_size);
  try {
    out.labels =
        nlohmann::json::parse(meta(file, "labels", path, what)).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("{}: label names are malformed: {}", path, e.what()));
  }
  if (static_cast<std::int64_t>(out.labels.size()) != config.labels)
    throw FormatError(fmt::format("{}: {} label names, the configuration says {}", path,
                                  out.labels.size(), config.labels));
  out.units = get_segmenter(file, "", config.unit, path, what);
  out.model = std::make_unique<models::Classifier>(config);
  load_parameters(*out.model, file, path);
  out.metadata = std::move(file.metadata);
  return out;
}

Metadata forecaster_metadata(const models::Forecaster& model, const std::vector<std::string>& names,
                             const series::Preparation& preparation,
                             const nlohmann::ordered_json& reading) {
  const series::Scaler& scaler = preparation.scaler;
  const auto n = static_cast<std::size_t>(model.config().series);
  RNNKIT_CHECK(names.size() == n && scaler.shift.size() == n && scaler.scale.size() == n,
               "saving a forecaster of {} series with {} names and a scaler of {}", n, names.size(),
               scaler.shift.size());
  return {{"format", kForecasterFormat},
          {"format_version", std::to_string(kForecasterFormatVersion)},
          {"config", model.config().to_json()},
          {"series", nlohmann::json(names).dump()},
          {"scaler",
           nlohmann::json{{"kind", scaler.kind}, {"shift", scaler.shift}, {"scale", scaler.scale}}
               .dump()},
          {"transform",
           nlohmann::json{{"log", preparation.log}, {"difference", preparation.difference}}.dump()},
          {"reading", reading.is_object() ? reading.dump() : "{}"}};
}

LoadedForecaster load_forecaster(const std::string& path) {
  SafetensorsContents file = load_safetensors(path);
  const char* what = "forecaster";
  check_format(file, path, kForecasterFormat, kForecasterFormatVersion, what);
  auto config =
      parse_config<models::ForecasterConfig>(file, meta(file, "config", path, what), path);
  LoadedForecaster out;
  try {
    out.names =
        nlohmann::json::parse(meta(file, "series", path, what)).get<std::vector<std::string>>();
    auto& scaler = out.preparation.scaler;
    const auto j = nlohmann::json::parse(meta(file, "scaler", path, what));
    scaler.kind = j.at("kind").get<std::string>();
    scaler.shift = j.at("shift").get<std::vector<double>>();
    scaler.scale = j.at("scale").get<std::vector<double>>();
    // Files written before the log transform and differences had none.
    if (auto it = file.metadata.find("transform"); it != file.metadata.end()) {
      const auto t = nlohmann::json::parse(it->second);
      out.preparation.log = t.at("log").get<bool>();
      out.preparation.difference = t.at("difference").get<std::vector<std::int64_t>>();
    }
    out.reading = nlohmann::json::object();
    if (auto it = file.metadata.find("reading"); it != file.metadata.end())
      out.reading = nlohmann::json::parse(it->second);
    if (!out.reading.is_object())
      throw FormatError(fmt::format("{}: 'reading' is not an object", path));
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(
        fmt::format("{}: series names, scaler or transform are malformed: {}", path, e.what()));
  }
  const auto& scaler = out.preparation.scaler;
  const auto n = static_cast<std::size_t>(config.series);
  if (out.names.size() != n || scaler.shift.size() != n || scaler.scale.size() != n)
    throw FormatError(
        fmt::format("{}: {} series names and a scaler of {}, the configuration says {}", path,
                    out.names.size(), scaler.shift.size(), n));
  for (double s : scaler.scale)
    if (!(s > 0) || !std::isfinite(s))
      throw FormatError(fmt::format("{}: the scaler holds a scale of {}", path, s));
  for (double s : scaler.shift)
    if (!std::isfinite(s))
      throw FormatError(fmt::format("{}: the scaler holds a shift of {}", path, s));
  for (auto lag : out.preparation.difference)
    if (lag < 1 || lag > 100000)
      throw FormatError(fmt::format("{}: the transform holds a difference lag of {}", path, lag));
  out.model = std::make_unique<models::Forecaster>(config);
  load_parameters(*out.model, file, path);
  out.metadata = std::move(file.metadata);
  return out;
}

namespace {
std::string encoder_shape(const std::string& cell, std::int64_t emb, std::int64_t hidden,
                          std::int64_t layers, bool bidirectional) {
  return fmt::format("{} {}, emb {}, hidden {}, {} layer{}",
                     bidirectional ? "bidirectional" : "unidirectional", cell, emb, hidden, layers,
                     layers == 1 ? "" : "s");
}
}  // namespace

PretrainedEncoder load_encoder(const std::string& path) {
  PretrainedEncoder out;
  out.path = path;
  out.format = meta(load_safetensors(path), "format", path, "model");
  const nn::Module* model = nullptr;
  std::optional<LoadedLanguageModel> lm;
  std::optional<LoadedSeq2Seq> s2s;
  std::optional<LoadedClassifier> cls;
  if (out.format == kLmFormat) {
    lm = load_language_model(path);
    const auto& c = lm->model->config();
    RNNKIT_CHECK(c.context == 0, "{}: a feed-forward language model has no recurrent encoder",
                 path);
    model = lm->model.get();
    out.units = lm->units;
    out.vocab = lm->vocab;
    out.unit = c.unit;
    out.shape = encoder_shape(c.cell, c.emb_size, c.hidden_size, c.num_layers, false);
  } else if (out.format == kSeq2SeqFormat) {
    s2s = load_seq2seq(path);
    const auto& c = s2s->model->config();
    model = s2s->model.get();
    out.units = s2s->source_units;
    out.vocab = s2s->source_vocab;
    out.unit = c.unit;
    out.shape = encoder_shape(c.cell, c.emb_size, c.hidden_size, c.num_layers, c.bidirectional);
  } else if (out.format == kClassifierFormat) {
    cls = load_classifier(path);
    const auto& c = cls->model->config();
    model = cls->model.get();
    out.units = cls->units;
    out.vocab = cls->vocab;
    out.unit = c.unit;
    out.shape = encoder_shape(c.cell, c.emb_size, c.hidden_size, c.num_layers, c.bidirectional);
  } else {
    throw FormatError(fmt::format("{}: format '{}' has no sequence encoder (expected {}, {} or {})",
                                  path, out.format, kLmFormat, kSeq2SeqFormat, kClassifierFormat));
  }
  for (const auto& [name, v] : model->named_parameters())
    if (name.rfind("encoder.", 0) == 0) out.tensors.emplace_back(name, v.value());
  return out;
}

std::vector<std::string> copy_encoder(const PretrainedEncoder& from, const nn::Module& to) {
  auto params = to.named_parameters();
  std::vector<std::string> copied;
  auto advice = [&] {
    return fmt::format("the pre-trained encoder is {}: give the same shape", from.shape);
  };
  for (const auto& [name, t] : from.tensors) {
    auto it =
        std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
    RNNKIT_CHECK(it != params.end(), "{}: '{}' has no counterpart in this model; {}", from.path,
                 name, advice());
    RNNKIT_CHECK(it->second.shape() == t.shape(), "{}: '{}' is {} there and {} here; {}", from.path,
                 name, shape_str(t.shape()), shape_str(it->second.shape()), advice());
    copied.push_back(name);
  }
  for (const auto& [name, v] : params)
    RNNKIT_CHECK(name.rfind("encoder.", 0) != 0 ||
                     std::find(copied.begin(), copied.end(), name) != copied.end(),
                 "{}: holds no '{}'; {}", from.path, name, advice());
  for (const auto& [name, t] : from.tensors) {  // checked first, so nothing is half copied
    auto it =
        std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
    Tensor dst = it->second.value();
    ops::copy_(dst, t);
  }
  return copied;
}

}  // namespace rnnkit::io

#include "rnnkit/io/model_file.h"

#include <nlohmann/json.hpp>

#include "rnnkit/ops/ops.h"

namespace rnnkit::io {

Metadata language_model_metadata(const models::LanguageModel& model,
                                 const text::Vocabulary& vocab) {
  return {{"format", kLmFormat},
          {"format_version", std::to_string(kLmFormatVersion)},
          {"config", model.config().to_json()},
          {"vocab", nlohmann::json(vocab.words()).dump()}};
}

void save_language_model(const std::string& path, const models::LanguageModel& model,
                         const text::Vocabulary& vocab, Metadata extra) {
  Metadata meta = language_model_metadata(model, vocab);
  meta.merge(extra);
  NamedTensors tensors;
  for (const auto& [name, v] : model.named_parameters()) tensors.emplace_back(name, v.value());
  save_safetensors(path, tensors, meta);
}

void load_parameters(const models::LanguageModel& model, const SafetensorsContents& file,
                     const std::string& path) {
  for (auto& [name, v] : model.named_parameters()) {
    const Tensor& t = file.at(name, path);
    if (t.shape() != v.shape() || t.dtype() != DType::kFloat32)
      throw FormatError(fmt::format("{}: tensor '{}' is {} {}, the model needs F32 {}", path, name,
                                    dtype_name(t.dtype()), shape_str(t.shape()),
                                    shape_str(v.shape())));
    Tensor dst = v.value();
    ops::copy_(dst, t);
  }
}

LoadedLanguageModel load_language_model(const std::string& path) {
  SafetensorsContents file = load_safetensors(path);
  auto get = [&](const char* key) -> const std::string& {
    auto it = file.metadata.find(key);
    if (it == file.metadata.end())
      throw FormatError(fmt::format("{}: metadata '{}' is missing: not an rnnkit language model",
                                    path, key));
    return it->second;
  };
  if (get("format") != kLmFormat)
    throw FormatError(fmt::format("{}: format is '{}', expected '{}'", path, get("format"),
                                  kLmFormat));
  const std::string& version = get("format_version");
  if (version != std::to_string(kLmFormatVersion))
    throw FormatError(fmt::format("{}: format version {} is newer than this rnnkit reads ({})",
                                  path, version, kLmFormatVersion));
  LoadedLanguageModel out;
  models::LanguageModelConfig config;
  try {
    config = models::LanguageModelConfig::from_json(get("config"));
    config.validate();
  } catch (const Error& e) {
    throw FormatError(fmt::format("{}: {}", path, e.what()));
  }
  std::vector<std::string> words;
  try {
    words = nlohmann::json::parse(get("vocab")).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("{}: vocabulary metadata is malformed: {}", path, e.what()));
  }
  try {
    out.vocab = text::Vocabulary::from_words(std::move(words));
  } catch (const Error& e) {
    throw FormatError(fmt::format("{}: {}", path, e.what()));
  }
  if (out.vocab.size() != config.vocab_size)
    throw FormatError(fmt::format("{}: vocabulary has {} words, the configuration says {}", path,
                                  out.vocab.size(), config.vocab_size));
  out.model = std::make_unique<models::LanguageModel>(config);
  load_parameters(*out.model, file, path);
  out.metadata = std::move(file.metadata);
  return out;
}

}  // namespace rnnkit::io

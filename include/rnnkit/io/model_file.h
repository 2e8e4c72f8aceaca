// A language model as one safetensors file: PyTorch-named weights, and in the
// metadata the format version, the configuration and the vocabulary.
#pragma once

#include <memory>
#include <string>

#include "rnnkit/io/safetensors.h"
#include "rnnkit/models/language_model.h"
#include "rnnkit/text/corpus.h"

namespace rnnkit::io {

inline constexpr const char* kLmFormat = "rnnkit.lm";
inline constexpr int kLmFormatVersion = 1;

Metadata language_model_metadata(const models::LanguageModel& model, const text::Vocabulary& vocab);
void save_language_model(const std::string& path, const models::LanguageModel& model,
                         const text::Vocabulary& vocab, Metadata extra = {});

struct LoadedLanguageModel {
  std::unique_ptr<models::LanguageModel> model;  // parameters on the CPU
  text::Vocabulary vocab;
  Metadata metadata;
};
// Checks the format, version, configuration, vocabulary and every tensor's shape.
LoadedLanguageModel load_language_model(const std::string& path);
// Copies tensors named like the model's parameters into it (shapes checked).
void load_parameters(const models::LanguageModel& model, const SafetensorsContents& file,
                     const std::string& path);

}  // namespace rnnkit::io

// A model as one safetensors file: PyTorch-named weights, and in the metadata
// the format and its version, the configuration and the vocabularies.
#pragma once

#include <memory>
#include <string>

#include "rnnkit/io/safetensors.h"
#include "rnnkit/models/language_model.h"
#include "rnnkit/models/seq2seq.h"
#include "rnnkit/text/corpus.h"
#include "rnnkit/text/subword.h"

namespace rnnkit::io {

inline constexpr const char* kLmFormat = "rnnkit.lm";
inline constexpr int kLmFormatVersion = 1;

// Format, version, configuration, vocabulary and (for the factored softmaxes)
// the training counts. A model file is this metadata beside the weights
// under their parameter names (train::fit writes them).
Metadata language_model_metadata(const models::LanguageModel& model, const text::Vocabulary& vocab);

struct LoadedLanguageModel {
  std::unique_ptr<models::LanguageModel> model;  // parameters on the CPU
  text::Vocabulary vocab;
  Metadata metadata;
};
// Checks the format, version, configuration, vocabulary and every tensor's shape.
LoadedLanguageModel load_language_model(const std::string& path);
// Copies tensors named like the model's parameters into it (shapes checked).
void load_parameters(const nn::Module& model, const SafetensorsContents& file,
                     const std::string& path);

inline constexpr const char* kSeq2SeqFormat = "rnnkit.seq2seq";
inline constexpr int kSeq2SeqFormatVersion = 1;

// Format, version, configuration, vocabularies and, for unit "subword", the
// SentencePiece models (base64-encoded).
Metadata seq2seq_metadata(const models::Seq2Seq& model, const text::Segmenter& source_units,
                          const text::Segmenter& target_units, const text::Vocabulary& source_vocab,
                          const text::Vocabulary& target_vocab);

struct LoadedSeq2Seq {
  std::unique_ptr<models::Seq2Seq> model;  // parameters on the CPU
  text::Segmenter source_units, target_units;
  text::Vocabulary source_vocab, target_vocab;
  Metadata metadata;
};
LoadedSeq2Seq load_seq2seq(const std::string& path);

}  // namespace rnnkit::io

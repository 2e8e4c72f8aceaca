// A model as one safetensors file: PyTorch-named weights, and in the metadata
// the format and its version, the configuration and the vocabularies.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "rnnkit/io/safetensors.h"
#include "rnnkit/models/classifier.h"
#include "rnnkit/models/forecaster.h"
#include "rnnkit/models/language_model.h"
#include "rnnkit/models/seq2seq.h"
#include "rnnkit/series/series.h"
#include "rnnkit/text/corpus.h"
#include "rnnkit/text/segmenter.h"

namespace rnnkit::io {

inline constexpr const char* kLmFormat = "rnnkit.lm";
// Version 2: the shared sequence encoder's names (encoder.embedding.*,
// encoder.rnn.*); version 1 files (encoder.weight, rnn.*) still load.
inline constexpr int kLmFormatVersion = 2;

// Format, version, configuration, the segmenter's settings (segmenter.h),
// vocabulary and (for the factored softmaxes) the training counts. A model
// file is this metadata beside the weights under their parameter names
// (train::fit writes them).
Metadata language_model_metadata(const models::LanguageModel& model, const text::Segmenter& units,
                                 const text::Vocabulary& vocab);

struct LoadedLanguageModel {
  std::unique_ptr<models::LanguageModel> model;  // parameters on the CPU
  text::Segmenter units;
  text::Vocabulary vocab;
  Metadata metadata;
};
// Checks the format, version, configuration, vocabulary and every tensor's shape.
LoadedLanguageModel load_language_model(const std::string& path);
// Copies tensors named like the model's parameters into it (shapes checked),
// under their older names in files of an older format version.
void load_parameters(const nn::Module& model, const SafetensorsContents& file,
                     const std::string& path);

inline constexpr const char* kSeq2SeqFormat = "rnnkit.seq2seq";
// Version 2: encoder.{embedding,rnn,backward_rnn}.*, decoder.{embedding,rnn}.*;
// version 1 (source_embedding.*, encoder.*, backward_encoder.*, ...) still loads.
inline constexpr int kSeq2SeqFormatVersion = 2;

// Format, version, configuration, vocabularies and each side's segmenter
// settings: for unit "subword" the SentencePiece models (base64-encoded), for
// "mecab" the dictionary.
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

inline constexpr const char* kClassifierFormat = "rnnkit.classifier";
inline constexpr int kClassifierFormatVersion = 1;

// Format, version, configuration, vocabulary, label names and the segmenter's settings.
Metadata classifier_metadata(const models::Classifier& model, const text::Segmenter& units,
                             const text::Vocabulary& vocab, const std::vector<std::string>& labels);

struct LoadedClassifier {
  std::unique_ptr<models::Classifier> model;  // parameters on the CPU
  text::Segmenter units;
  text::Vocabulary vocab;
  std::vector<std::string> labels;
  Metadata metadata;
};
LoadedClassifier load_classifier(const std::string& path);

inline constexpr const char* kForecasterFormat = "rnnkit.forecaster";
inline constexpr int kForecasterFormatVersion = 1;

// Format, version, configuration, the series' names and the preparation
// fitted on the training rows (forecasts are turned back into original units
// with it): the scaler, and the log transform and differences when used;
// `reading`: how the training data was read and split (eval's defaults).
Metadata forecaster_metadata(const models::Forecaster& model, const std::vector<std::string>& names,
                             const series::Preparation& preparation,
                             const nlohmann::ordered_json& reading = {});

struct LoadedForecaster {
  std::unique_ptr<models::Forecaster> model;  // parameters on the CPU
  std::vector<std::string> names;
  series::Preparation preparation;
  nlohmann::json reading;  // an object (empty if the file has none)
  Metadata metadata;
};
LoadedForecaster load_forecaster(const std::string& path);

// The sequence encoder of a saved model of any family (a language model, an
// encoder-decoder or autoencoder: its source side, a classifier), for
// pre-training (Dai & Le 2015): its tensors under the shared names
// (`encoder.embedding.weight`, `encoder.rnn.*`, `encoder.backward_rnn.*`),
// the vocabulary and segmenter they index, and the encoder's shape in words.
struct PretrainedEncoder {
  std::string path, format;
  std::vector<std::pair<std::string, Tensor>> tensors;  // on the CPU
  text::Segmenter units;
  text::Vocabulary vocab;
  std::string unit, shape;  // shape: "lstm, emb 200, hidden 200, 2 layers"
};
PretrainedEncoder load_encoder(const std::string& path);
// Copies every tensor of `from` into the parameter of `to` with its name and
// returns the names. InvalidArgument naming the tensor when one is missing on
// either side or differs in shape.
std::vector<std::string> copy_encoder(const PretrainedEncoder& from, const nn::Module& to);

}  // namespace rnnkit::io

// Model configurations (JSON in model files' metadata): a checked configuration or a FormatError.
#include <string>

#include "rnnkit/core/error.h"
#include "rnnkit/models/classifier.h"
#include "rnnkit/models/forecaster.h"
#include "rnnkit/models/language_model.h"
#include "rnnkit/models/seq2seq.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    rnnkit::models::LanguageModelConfig::from_json(text).validate();
  } catch (const rnnkit::Error&) {
  }
  try {
    rnnkit::models::Seq2SeqConfig::from_json(text).validate();
  } catch (const rnnkit::Error&) {
  }
  try {
    rnnkit::models::ClassifierConfig::from_json(text).validate();
  } catch (const rnnkit::Error&) {
  }
  try {
    rnnkit::models::ForecasterConfig::from_json(text).validate();
  } catch (const rnnkit::Error&) {
  }
  return 0;
}

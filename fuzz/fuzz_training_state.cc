// A checkpoint's training state (JSON in its metadata): a state or a FormatError.
#include <nlohmann/json.hpp>

#include "rnnkit/core/error.h"
#include "rnnkit/train/training_state.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(data, data + size);
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
  try {
    auto s = rnnkit::train::TrainingState::from_json(j, "fuzz");
    s.to_json().dump();
  } catch (const rnnkit::Error&) {
  }
  return 0;
}

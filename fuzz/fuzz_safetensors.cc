// Safetensors files (models, checkpoints, vectors): any bytes give tensors or a FormatError.
#include "fuzz_util.h"
#include "rnnkit/core/error.h"
#include "rnnkit/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    rnnkit::io::load_safetensors(rnnkit::fuzz::input_file(data, size));
  } catch (const rnnkit::Error&) {
  }
  return 0;
}

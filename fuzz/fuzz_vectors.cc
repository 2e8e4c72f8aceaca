// word2vec text and binary vector files: vectors or a FormatError.
#include "fuzz_util.h"
#include "rnnkit/core/error.h"
#include "rnnkit/io/vectors_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = rnnkit::fuzz::input_file(data, size);
  for (auto format : {rnnkit::io::VectorFormat::kText, rnnkit::io::VectorFormat::kBinary}) {
    try {
      rnnkit::io::load_vectors(path, format);
    } catch (const rnnkit::Error&) {
    }
  }
  return 0;
}

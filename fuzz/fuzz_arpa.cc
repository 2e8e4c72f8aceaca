// ARPA n-gram files: a model that scores, or a FormatError.
#include "fuzz_util.h"
#include "rnnkit/core/error.h"
#include "rnnkit/io/arpa.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    auto m = rnnkit::io::load_arpa(rnnkit::fuzz::input_file(data, size));
    m.score({{"a", "b"}, {}});
  } catch (const rnnkit::Error&) {
  }
  return 0;
}

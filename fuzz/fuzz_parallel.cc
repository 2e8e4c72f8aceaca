// Parallel text: TSV pairs and the book's q_a lines.
#include "fuzz_util.h"
#include "rnnkit/core/error.h"
#include "rnnkit/text/parallel.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = rnnkit::fuzz::input_file(data, size);
  for (const char* format : {"tsv", "book"}) {
    try {
      rnnkit::text::read_parallel(path, format);
    } catch (const rnnkit::Error&) {
    }
  }
  return 0;
}

// Corpora, plain or gzip (recognised by their bytes): streamed, read whole, as ids.
#include "fuzz_util.h"
#include "rnnkit/core/error.h"
#include "rnnkit/text/corpus.h"
#include "rnnkit/text/parallel.h"
#include "rnnkit/text/stream.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = rnnkit::fuzz::input_file(data, size);
  try {
    rnnkit::text::IdCorpusOptions o;
    o.min_count = 1;
    rnnkit::text::read_id_corpus(path, o);
  } catch (const rnnkit::Error&) {
  }
  try {
    auto tokens =
        rnnkit::text::tokenize_lines(rnnkit::text::read_text_file(path), rnnkit::text::Unit::kChar);
    rnnkit::text::Vocabulary::build(tokens, {});
  } catch (const rnnkit::Error&) {
  }
  return 0;
}

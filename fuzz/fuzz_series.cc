// Numeric tables (CSV/TSV, plain or gzip): a table, or an error naming the line.
#include "fuzz_util.h"
#include "rnnkit/core/error.h"
#include "rnnkit/series/series.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = rnnkit::fuzz::input_file(data, size);
  for (const char* fill : {"", "previous", "linear"})
    for (bool header : {true, false}) {
      try {
        rnnkit::series::ReadOptions o;
        o.header = header;
        o.fill = fill;
        auto t = rnnkit::series::read_table(path, o);
        rnnkit::series::Preparation::fit(t, t.rows, "zscore", header, {1}).apply(t);
      } catch (const rnnkit::Error&) {
      }
    }
  return 0;
}

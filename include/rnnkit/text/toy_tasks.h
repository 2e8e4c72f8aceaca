// The book's two toy seq2seq tasks, generated: addition ("16+75" -> "91", the
// operands 0..999) and date normalisation ("september 27, 1994" and many other
// human formats -> "1994-09-27"), reproducible for a seed.
#pragma once

#include <cstdint>

#include "rnnkit/text/parallel.h"

namespace rnnkit::text {

ParallelText generate_addition(std::int64_t n, std::uint64_t seed);
ParallelText generate_dates(std::int64_t n, std::uint64_t seed);

}  // namespace rnnkit::text

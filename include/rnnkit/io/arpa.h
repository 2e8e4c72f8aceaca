// ARPA back-off language model files (the text format of SRILM and KenLM).
#pragma once

#include <string>

#include "rnnkit/models/ngram.h"

namespace rnnkit::io {

// Writes atomically, n-grams sorted by id within each order.
void save_arpa(const std::string& path, const models::NgramModel& model);
// Errors name the file and line: not ARPA, counts that disagree with the
// header, bad numbers, words missing from the unigrams, orders above 6.
models::NgramModel load_arpa(const std::string& path);

}  // namespace rnnkit::io

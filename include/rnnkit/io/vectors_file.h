// Word vectors on disk: the word2vec text and binary formats (as written by
// word2vec.c and read by gensim's KeyedVectors.load_word2vec_format) and
// safetensors (a "vectors" tensor; words and counts in the metadata).
#pragma once

#include <string>

#include "rnnkit/io/safetensors.h"
#include "rnnkit/models/word2vec.h"

namespace rnnkit::io {

enum class VectorFormat { kText, kBinary, kSafetensors };

// By extension: .bin -> binary, .safetensors -> safetensors, else text.
VectorFormat vector_format_for(const std::string& path);
VectorFormat parse_vector_format(const std::string& name);  // text | bin | safetensors

void save_vectors(const std::string& path, const models::WordVectors& v, VectorFormat format,
                  const Metadata& extra = {});
// Checks the header, every count, word and number; errors name the file and
// the line (text) or byte offset (binary).
models::WordVectors load_vectors(const std::string& path, VectorFormat format);
inline models::WordVectors load_vectors(const std::string& path) {
  return load_vectors(path, vector_format_for(path));
}

}  // namespace rnnkit::io

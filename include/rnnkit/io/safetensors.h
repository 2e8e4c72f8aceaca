// The safetensors format: 8-byte little-endian header length, a JSON header
// (name -> dtype, shape, data_offsets; "__metadata__" -> string map), then the
// raw little-endian data. Writes are atomic; reads check every size and offset.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "rnnkit/core/tensor.h"

namespace rnnkit::io {

using Metadata = std::map<std::string, std::string>;
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

struct SafetensorsContents {
  NamedTensors tensors;  // in file order, on the CPU
  Metadata metadata;
  const Tensor* find(const std::string& name) const;
  const Tensor& at(const std::string& name, const std::string& path) const;
};

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const Metadata& metadata);
// Throws FormatError naming the file and what is wrong.
SafetensorsContents load_safetensors(const std::string& path);
// The metadata alone, from the header (the data are not read); the header is
// checked as load_safetensors checks it.
Metadata read_safetensors_metadata(const std::string& path);

// Writes `bytes` to path through a temporary file, fsync and rename, so a
// crash never leaves a half-written file under the final name.
// Writes through a temporary file ("<path>.tmp.<pid>"), fsync and rename, so
// that a kill leaves either the old file or the new one; first removes the
// temporaries of writers of this path that died.
void write_file_atomic(const std::string& path, const std::string& bytes);
// A temporary file of write_file_atomic whose process is gone.
bool is_dead_temporary(const std::string& path);

}  // namespace rnnkit::io

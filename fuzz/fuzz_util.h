// The bytes of one fuzz input as a file: every rnnkit parser reads a path.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace rnnkit::fuzz {

// A file of this process's own, rewritten for each input, removed at exit.
inline const std::string& input_file(const std::uint8_t* data, std::size_t size) {
  struct Path {
    std::string name = "/tmp/rnnkit_fuzz_" + std::to_string(::getpid());
    ~Path() { std::remove(name.c_str()); }
  };
  static const Path file;
  const std::string& path = file.name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  return path;
}

}  // namespace rnnkit::fuzz

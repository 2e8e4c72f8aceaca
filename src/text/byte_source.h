// Bytes from a file, a gzip file (zlib recognises it by its magic bytes) or
// standard input ("-"): the one way every command reads text.
#pragma once

#include <fmt/format.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "rnnkit/core/error.h"

namespace rnnkit::text {

// Reads raw or gzip-compressed bytes (zlib detects which) from a path or stdin.
class ByteSource {
 public:
  explicit ByteSource(const std::string& path) : path_(path == "-" ? "<stdin>" : path) {
    if (path == "-") {
      file_ = gzdopen(::dup(0), "rb");
    } else {
      std::error_code ec;
      if (std::filesystem::is_directory(path, ec))
        throw FormatError(fmt::format("{}: is a directory, not a file", path));
      // A device such as /dev/zero never ends: only files and pipes are read.
      const auto type = std::filesystem::status(path, ec).type();
      if (type == std::filesystem::file_type::character ||
          type == std::filesystem::file_type::block)
        throw FormatError(fmt::format("{}: is a device, not a file", path));
      std::FILE* probe = std::fopen(path.c_str(), "rb");
      if (!probe) throw FormatError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
      std::fclose(probe);
      file_ = gzopen(path.c_str(), "rb");
    }
    if (!file_) throw FormatError(fmt::format("{}: cannot open", path_));
    gzbuffer(file_, 1 << 17);
  }
  ~ByteSource() {
    if (file_) gzclose(file_);
  }
  std::size_t read(char* buf, std::size_t n) {
    int got = gzread(file_, buf, static_cast<unsigned>(n));
    if (got < 0) {
      int err = 0;
      const char* msg = gzerror(file_, &err);
      throw FormatError(fmt::format("{}: corrupt gzip data or read error: {}", path_, msg));
    }
    return static_cast<std::size_t>(got);
  }
  void check_end() {
    int err = 0;
    const char* msg = gzerror(file_, &err);
    if (err != Z_OK && err != Z_STREAM_END)
      throw FormatError(fmt::format("{}: corrupt or truncated gzip data: {}", path_, msg));
  }
  const std::string& name() const { return path_; }

 private:
  std::string path_;
  gzFile file_ = nullptr;
};

}  // namespace rnnkit::text

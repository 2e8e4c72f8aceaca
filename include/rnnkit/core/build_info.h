// How this rnnkit was built: for `--version`, `rnnkit info` and bug reports.
#pragma once

#include <string>

namespace rnnkit {

struct BuildInfo {
  std::string version;             // "0.1.0"
  std::string build_type;          // CMake's: "Release", "RelWithDebInfo", ...
  std::string compiler;            // "GCC 12.2.0"
  bool cuda = false;               // the CUDA backend is built in
  std::string cuda_architectures;  // e.g. "90"; "" without CUDA
  bool native = false;             // -march=native: runs only on CPUs like the building one
  bool sanitize = false;           // AddressSanitizer + UndefinedBehaviorSanitizer
};
const BuildInfo& build_info();

}  // namespace rnnkit

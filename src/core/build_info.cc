#include "rnnkit/core/build_info.h"

#include <fmt/format.h>

// Set for this file alone by src/CMakeLists.txt.
#ifndef RNNKIT_VERSION
#error "RNNKIT_VERSION is not defined"
#endif

namespace rnnkit {

const BuildInfo& build_info() {
  static const BuildInfo info = [] {
    BuildInfo b;
    b.version = RNNKIT_VERSION;
    b.build_type = RNNKIT_BUILD_TYPE;
#if defined(__clang__)
    b.compiler =
        fmt::format("Clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
    b.compiler = fmt::format("GCC {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#endif
    b.cuda = RNNKIT_BUILD_CUDA;
    b.cuda_architectures = RNNKIT_BUILD_CUDA ? RNNKIT_CUDA_ARCHS : "";
    b.native = RNNKIT_BUILD_NATIVE;
    b.sanitize = RNNKIT_BUILD_SANITIZE;
    return b;
  }();
  return info;
}

}  // namespace rnnkit

#include "core/cuda/cublas.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <string>
#include <type_traits>

#include "rnnkit/core/error.h"

// The symbol a cuBLAS name stands for after cublas_v2.h's macros (cublasSgemm -> "cublasSgemm_v2").
#define RNNKIT_SYMBOL_NAME(f) RNNKIT_SYMBOL_NAME_(f)
#define RNNKIT_SYMBOL_NAME_(f) #f

namespace rnnkit::cuda {
namespace {

Cublas load() {
  // The soname of the toolkit built against, found as the loader finds libraries
  // (LD_LIBRARY_PATH, ld.so.conf); then that toolkit's own copy, where a linked
  // library would have been found through the build's RPATH; then any libcublas.so.
  const char* names[] = {RNNKIT_CUBLAS_SONAME, RNNKIT_CUBLAS_BUILD_PATH, "libcublas.so"};
  void* lib = nullptr;
  const char* loaded = nullptr;
  std::string why;
  for (const char* n : names) {
    if ((lib = dlopen(n, RTLD_NOW | RTLD_LOCAL))) {
      loaded = n;
      break;
    }
    const char* e = dlerror();
    why += fmt::format("{}{}", why.empty() ? "" : "; ", e ? e : n);
  }
  if (!lib)
    throw Error(fmt::format("cannot load cuBLAS ({}): install the CUDA toolkit's libcublas", why));
  auto get = [&](auto& fn, const char* name) {
    void* p = dlsym(lib, name);
    if (!p) throw Error(fmt::format("cuBLAS ({}) has no {}: too old a version", loaded, name));
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(p);
  };
  Cublas c{};
  get(c.create, RNNKIT_SYMBOL_NAME(cublasCreate));
  get(c.set_stream, RNNKIT_SYMBOL_NAME(cublasSetStream));
  get(c.set_math_mode, RNNKIT_SYMBOL_NAME(cublasSetMathMode));
  get(c.status_string, RNNKIT_SYMBOL_NAME(cublasGetStatusString));
  get(c.sgemm, RNNKIT_SYMBOL_NAME(cublasSgemm));
  get(c.sgemm_strided_batched, RNNKIT_SYMBOL_NAME(cublasSgemmStridedBatched));
  return c;
}

}  // namespace

const Cublas& cublas() {
  static const Cublas api = load();  // a failed load throws, and the next call tries again
  return api;
}

}  // namespace rnnkit::cuda

// cuBLAS, loaded on first use: a CUDA build's CPU runs (and --help) then
// neither map its libraries (~150 MB resident, ~0.1 s at start) nor need
// them installed. Only the calls rnnkit makes are resolved.
#pragma once

#include <cublas_v2.h>

namespace rnnkit::cuda {

struct Cublas {
  // cublas_v2.h maps these names onto the _v2 entry points; so do the types.
  decltype(&cublasCreate) create;
  decltype(&cublasSetStream) set_stream;
  decltype(&cublasSetMathMode) set_math_mode;
  decltype(&cublasGetStatusString) status_string;
  decltype(&cublasSgemm) sgemm;
  decltype(&cublasSgemmStridedBatched) sgemm_strided_batched;
};

// Loads the library on the first call; throws rnnkit::Error naming the
// library and the reason when it cannot.
const Cublas& cublas();

}  // namespace rnnkit::cuda

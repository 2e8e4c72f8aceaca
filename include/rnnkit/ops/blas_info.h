// Which BLAS computes the CPU products, on which kernels, who chose them, and
// whether they compute right.
//
// OpenBLAS picks its kernels ("core") when it loads, from the CPU model. A CPU
// newer than the OpenBLAS release gets the most generic core (Prescott: SSE3,
// no AVX), several times slower than the hardware allows. OpenBLAS honours the
// variable OPENBLAS_CORETYPE, read at load time only: the CLI therefore sets it
// and restarts itself before any product; a program using the library gets
// one warning naming the variable to set. A user's own variable always wins.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rnnkit/core/cpu_info.h"

namespace rnnkit::ops {

// Who chose the core in use.
enum class BlasCoreOrigin {
  kLibrary,   // OpenBLAS, by itself
  kRnnkit,    // rnnkit, over the library's generic choice
  kUser,      // the user's OPENBLAS_CORETYPE
  kReverted,  // rnnkit's choice failed the self-test: back to the library's
};
const char* to_string(BlasCoreOrigin origin);  // "library", "rnnkit", "user", "reverted"

struct BlasInfo {
  std::string library;  // "OpenBLAS"
  std::string version;  // "0.3.21"
  std::string config;   // the library's own build description
  std::string core;     // the kernels in use ("SkylakeX")
  BlasCoreOrigin origin = BlasCoreOrigin::kLibrary;
  std::string library_core;  // what OpenBLAS picked by itself, where rnnkit overrode it
  std::string suggested;     // a faster core the environment could ask for ("" if none)
  std::string rejected_core, rejected_detail;  // kReverted: rnnkit's core and why it failed
  std::string ignored_coretype;  // kUser: a value OpenBLAS did not know (the core is its own)
  bool self_test_passed = false;
  std::string self_test_detail;  // the worst mismatch, when it failed

  // "OpenBLAS 0.3.21, core SkylakeX (chosen by rnnkit; the library picked Prescott)"
  std::string describe() const;
};

// The core to ask for, as a pure function of what OpenBLAS picked, the CPU and
// the user's OPENBLAS_CORETYPE (nullptr or "" when unset): SkylakeX or Haswell
// when OpenBLAS fell back to a pre-AVX2 core on a CPU with AVX-512 (F, BW, DQ,
// VL) or AVX2 + FMA; "" to keep the library's choice.
std::string choose_blas_core(std::string_view library_core, const CpuFeatures& cpu,
                             const char* user_coretype);

// A row-major single-precision GEMM: C = alpha op(A) op(B) + beta C.
using GemmFn = std::function<void(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k,
                                  float alpha, const float* a, std::int64_t lda, const float* b,
                                  std::int64_t ldb, float beta, float* c, std::int64_t ldc)>;
// The BLAS library's own sgemm as a GemmFn.
void blas_sgemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta,
                float* c, std::int64_t ldc);

struct BlasSelfTest {
  bool passed = false;
  std::string detail;  // the worst element: shape, transposes, got, expected
};
// Compares products of awkward shapes (all four transposes, sizes that are no
// multiple of any kernel tile, a single row, a single column, padded leading
// dimensions) with a plain double-precision loop. `gemm` defaults to the BLAS
// library's own sgemm.
BlasSelfTest blas_self_test(const GemmFn& gemm = {});

// This process's BLAS, read and self-tested once (the first CPU product calls
// it). Logs one warning when a faster core is available but not in use, and
// one when the self-test fails (unless rnnkit chose the core: then the caller
// reverts it, see blas_revert_environment).
const BlasInfo& blas_info();

// For a program that can restart itself before its first product (the CLI):
// the variables to set so that the restarted process runs on the core
// choose_blas_core picks; empty when nothing should change.
std::vector<std::pair<std::string, std::string>> blas_restart_environment();
// After rnnkit's choice failed the self-test: the variables that bring the
// restarted process back to the library's own core and let it say why.
std::vector<std::pair<std::string, std::string>> blas_revert_environment(const BlasInfo& failed);

}  // namespace rnnkit::ops

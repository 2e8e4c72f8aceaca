// What the CPU is and which vector instructions the OS lets programs use: the
// facts the BLAS kernel choice and `rnnkit info` need.
#pragma once

#include <string>

namespace rnnkit {

struct CpuFeatures {
  std::string vendor;  // "GenuineIntel", "AuthenticAMD", ...; "" off x86
  std::string model_name;
  int family = 0, model = 0;  // CPUID display family and model
  // Usable: reported by CPUID and their register state enabled by the OS (XCR0).
  bool sse3 = false, avx = false, avx2 = false, fma = false;
  bool avx512f = false, avx512bw = false, avx512dq = false, avx512vl = false;

  // The AVX-512 subset of Skylake-X (F, BW, DQ, VL), which OpenBLAS's SkylakeX kernels use.
  bool has_avx512_skylakex() const { return avx512f && avx512bw && avx512dq && avx512vl; }
  // The usable features above, space-separated ("sse3 avx avx2 fma avx512f ...").
  std::string list() const;
};

// This machine's CPU (read once).
const CpuFeatures& cpu_features();

}  // namespace rnnkit

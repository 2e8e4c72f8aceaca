// Thread count for our kernels and BLAS, set once by the application.
#pragma once

namespace rnnkit {

// More threads than this is a mistake, not a machine (OpenMP and the kernels'
// per-thread buffers would fail in ways that name no flag).
inline constexpr int kMaxThreads = 1024;

// n = 0: all cores; InvalidArgument outside [0, kMaxThreads].
void set_num_threads(int n);
int num_threads();

}  // namespace rnnkit

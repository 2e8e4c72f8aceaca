// Marks functions that CUDA kernels share with the CPU code.
#pragma once

#ifdef __CUDACC__
#define RNNKIT_HOST_DEVICE __host__ __device__
#else
#define RNNKIT_HOST_DEVICE
#endif

// Thread count for our kernels and BLAS, set once by the application.
#pragma once

namespace rnnkit {

void set_num_threads(int n);  // n <= 0: all cores
int num_threads();

}  // namespace rnnkit

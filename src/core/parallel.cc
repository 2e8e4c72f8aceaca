#include "rnnkit/core/parallel.h"

#include <cblas.h>
#include <omp.h>

#include "rnnkit/core/error.h"

namespace rnnkit {

void set_num_threads(int n) {
  RNNKIT_CHECK(n >= 0 && n <= kMaxThreads, "--threads {} outside [0, {}] (0: all {} cores)", n,
               kMaxThreads, omp_get_num_procs());
  if (n == 0) n = omp_get_num_procs();
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

int num_threads() { return omp_get_max_threads(); }

}  // namespace rnnkit

#include <cstring>

#include "ops/cpu/blas.h"
#include "ops/kernels.h"

namespace rnnkit::ops::kernels {

constexpr DeviceType kC = DeviceType::kCPU;

template <>
void embedding<kC>(const Tensor& weight, const Tensor& ids, Tensor& out) {
  std::int64_t vocab = weight.size(0), d = weight.size(1), n = ids.numel();
  const std::int32_t* id = ids.data<std::int32_t>();
  for (std::int64_t i = 0; i < n; ++i)
    RNNKIT_CHECK(id[i] >= 0 && id[i] < vocab,
                 "embedding: id {} at position {} out of range for a vocabulary of {}", id[i], i,
                 vocab);
  const float* w = weight.data();
  float* o = out.data();
#pragma omp parallel for if (out.numel() > cpu::kParallelGrain)
  for (std::int64_t i = 0; i < n; ++i)
    std::memcpy(o + i * d, w + static_cast<std::int64_t>(id[i]) * d, sizeof(float) * d);
}

template <>
void embedding_backward<kC>(Tensor& dweight, const Tensor& ids, const Tensor& dy) {
  std::int64_t d = dweight.size(1), n = ids.numel();
  const std::int32_t* id = ids.data<std::int32_t>();
  const float* g = dy.data();
  float* dw = dweight.data();
  // Sequential: repeated ids would race; the cost is O(n d), small beside the GEMMs.
  for (std::int64_t i = 0; i < n; ++i) {
    float* row = dw + static_cast<std::int64_t>(id[i]) * d;
    const float* gi = g + i * d;
#pragma omp simd
    for (std::int64_t j = 0; j < d; ++j) row[j] += gi[j];
  }
}

}  // namespace rnnkit::ops::kernels

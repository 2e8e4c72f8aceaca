#include <limits>

#include "ops/kernels.h"

namespace rnnkit::ops::kernels {

constexpr DeviceType kC = DeviceType::kCPU;

template <>
void max_over_time<kC>(const Tensor& x, const Tensor& lengths, MaxOverTime& out) {
  const std::int64_t B = x.size(1), H = x.size(2);
  const float* px = x.data();
  const std::int32_t* len = lengths.data<std::int32_t>();
  float* v = out.values.data();
  std::int32_t* s = out.steps.data<std::int32_t>();
  for (std::int64_t b = 0; b < B; ++b) {
    float* vb = v + b * H;
    std::int32_t* sb = s + b * H;
    for (std::int64_t h = 0; h < H; ++h) {
      vb[h] = len[b] > 0 ? -std::numeric_limits<float>::infinity() : 0.0f;
      sb[h] = -1;
    }
    for (std::int32_t t = 0; t < len[b]; ++t) {
      const float* xt = px + (t * B + b) * H;
      for (std::int64_t h = 0; h < H; ++h)
        if (xt[h] > vb[h] || sb[h] < 0) {
          vb[h] = xt[h];
          sb[h] = t;
        }
    }
  }
}

template <>
void max_over_time_backward<kC>(const Tensor& dy, const Tensor& steps, Tensor& dx) {
  const std::int64_t B = dy.size(0), H = dy.size(1);
  const float* g = dy.data();
  const std::int32_t* s = steps.data<std::int32_t>();
  float* d = dx.data();
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t h = 0; h < H; ++h) {
      const std::int32_t t = s[b * H + h];
      if (t >= 0) d[(t * B + b) * H + h] += g[b * H + h];
    }
}

}  // namespace rnnkit::ops::kernels

// Vectorisable float math for CPU kernels. Written out (not libm) so loops
// under `#pragma omp simd` compile to SIMD code and give the same numbers on
// every machine. exp: Cephes-style range reduction, relative error < 2e-7.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>

namespace rnnkit::ops::cpu {

#pragma omp declare simd
inline float fast_exp(float x) {
  x = std::min(std::max(x, -87.3f), 88.3f);  // keeps 2^n a normal float
  // Round x/ln2 to the nearest integer with the 1.5*2^23 trick (vectorises).
  float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  std::int32_t e = (static_cast<std::int32_t>(n) + 127) << 23;
  return p * std::bit_cast<float>(e);
}

#pragma omp declare simd
inline float fast_sigmoid(float x) { return 1.0f / (1.0f + fast_exp(-x)); }

#pragma omp declare simd
inline float fast_tanh(float x) {
  // tanh(x) = sign(x) (1 - e) / (1 + e), e = exp(-2|x|): accurate near 0 too.
  float e = fast_exp(-2.0f * std::abs(x));
  float t = (1.0f - e) / (1.0f + e);
  return x < 0.0f ? -t : t;
}

// log(1 + e) for e in [0, 1]: 2 atanh(z) with z = e / (2 + e) <= 1/3, by its
// series to z^13 (relative error < 1e-7).
#pragma omp declare simd
inline float log1p_unit(float e) {
  float z = e / (2.0f + e), z2 = z * z;
  float p = 1.0f / 13.0f;
  p = p * z2 + 1.0f / 11.0f;
  p = p * z2 + 1.0f / 9.0f;
  p = p * z2 + 1.0f / 7.0f;
  p = p * z2 + 1.0f / 5.0f;
  p = p * z2 + 1.0f / 3.0f;
  p = p * z2 + 1.0f;
  return 2.0f * z * p;
}

// log(1 + exp(x)) without overflow or cancellation.
#pragma omp declare simd
inline float fast_softplus(float x) { return std::max(x, 0.0f) + log1p_unit(fast_exp(-std::abs(x))); }

}  // namespace rnnkit::ops::cpu

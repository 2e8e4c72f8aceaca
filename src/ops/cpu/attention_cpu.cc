// Dot-product attention, one sequence at a time: two strided GEMMs around a
// masked softmax (time-major rows of sequence b sit B*H floats apart).
#include <cmath>
#include <vector>

#include "ops/cpu/blas.h"
#include "ops/cpu/vmath.h"
#include "ops/kernels.h"

namespace rnnkit::ops::kernels {

constexpr DeviceType kC = DeviceType::kCPU;

template <>
void attention_forward<kC>(const Tensor& q, const Tensor& k, const Tensor& k_len,
                           AttentionForward& f) {
  const std::int64_t Tq = q.size(0), B = q.size(1), H = q.size(2), Tk = k.size(0), ld = B * H;
  const std::int32_t* len = k_len.data<std::int32_t>();
  for (std::int64_t b = 0; b < B; ++b)
    RNNKIT_CHECK(len[b] >= 0 && len[b] <= Tk, "attention: key length {} of sequence {} outside [0, {}]",
                 len[b], b, Tk);
  for (std::int64_t b = 0; b < B; ++b) {
    float* w = f.weights.data() + b * Tq * Tk;
    const float* kb = k.data() + b * H;
    const std::int64_t n = len[b];
    cpu::sgemm(false, true, Tq, Tk, H, 1.0f, q.data() + b * H, ld, kb, ld, 0.0f, w, Tk);
    for (std::int64_t i = 0; i < Tq; ++i) {
      float* row = w + i * Tk;
      float mx = -INFINITY, s = 0.0f;
      for (std::int64_t j = 0; j < n; ++j) mx = std::max(mx, row[j]);
      for (std::int64_t j = 0; j < n; ++j) s += row[j] = cpu::fast_exp(row[j] - mx);
      for (std::int64_t j = 0; j < n; ++j) row[j] /= s;
      for (std::int64_t j = n; j < Tk; ++j) row[j] = 0.0f;
    }
    cpu::sgemm(false, false, Tq, H, Tk, 1.0f, w, Tk, kb, ld, 0.0f, f.context.data() + b * H, ld);
  }
}

template <>
void attention_backward<kC>(const Tensor& q, const Tensor& k, const AttentionForward& f,
                            const Tensor& dcontext, AttentionGrads& g) {
  const std::int64_t Tq = q.size(0), B = q.size(1), H = q.size(2), Tk = k.size(0), ld = B * H;
  std::vector<float> ds(static_cast<std::size_t>(Tq * Tk));
  for (std::int64_t b = 0; b < B; ++b) {
    const float* w = f.weights.data() + b * Tq * Tk;
    const float* kb = k.data() + b * H;
    const float* dc = dcontext.data() + b * H;
    float* dk = g.dk.data() + b * H;
    // dW = dC K^T; dK = W^T dC (through the values).
    cpu::sgemm(false, true, Tq, Tk, H, 1.0f, dc, ld, kb, ld, 0.0f, ds.data(), Tk);
    cpu::sgemm(true, false, Tk, H, Tq, 1.0f, w, Tk, dc, ld, 0.0f, dk, ld);
    // Through the softmax: dS = W * (dW - sum_j dW W); masked keys have W = 0.
    for (std::int64_t i = 0; i < Tq; ++i) {
      float* d = ds.data() + i * Tk;
      const float* wr = w + i * Tk;
      float dot = 0.0f;
      for (std::int64_t j = 0; j < Tk; ++j) dot += d[j] * wr[j];
      for (std::int64_t j = 0; j < Tk; ++j) d[j] = wr[j] * (d[j] - dot);
    }
    // Scores = Q K^T: dQ = dS K, dK += dS^T Q.
    cpu::sgemm(false, false, Tq, H, Tk, 1.0f, ds.data(), Tk, kb, ld, 0.0f, g.dq.data() + b * H, ld);
    cpu::sgemm(true, false, Tk, H, Tq, 1.0f, ds.data(), Tk, q.data() + b * H, ld, 1.0f, dk, ld);
  }
}

}  // namespace rnnkit::ops::kernels

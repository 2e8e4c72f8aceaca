// Attention, one sequence at a time (sequences in parallel): scores (dot: a
// strided GEMM; additive: a tanh per query-key pair), a masked softmax, and
// the context as a strided GEMM (time-major rows of sequence b sit B*H floats
// apart).
#include <cmath>
#include <vector>

#include "ops/cpu/blas.h"
#include "ops/cpu/vmath.h"
#include "ops/kernels.h"

namespace rnnkit::ops::kernels {

constexpr DeviceType kC = DeviceType::kCPU;

namespace {

const std::int32_t* checked_lengths(const Tensor& k_len, std::int64_t Tk) {
  const std::int32_t* len = k_len.data<std::int32_t>();
  for (std::int64_t b = 0; b < k_len.numel(); ++b)
    RNNKIT_CHECK(len[b] >= 0 && len[b] <= Tk, "attention: key length {} of sequence {} outside [0, {}]",
                 len[b], b, Tk);
  return len;
}

// Rows of Tk scores -> softmax over the first n, zero after.
void masked_softmax(float* w, std::int64_t Tq, std::int64_t Tk, std::int64_t n) {
  for (std::int64_t i = 0; i < Tq; ++i) {
    float* row = w + i * Tk;
    float mx = -INFINITY, s = 0.0f;
    for (std::int64_t j = 0; j < n; ++j) mx = std::max(mx, row[j]);
    for (std::int64_t j = 0; j < n; ++j) s += row[j] = cpu::fast_exp(row[j] - mx);
    for (std::int64_t j = 0; j < n; ++j) row[j] /= s;
    for (std::int64_t j = n; j < Tk; ++j) row[j] = 0.0f;
  }
}

// In place: ds = W * (ds - sum_j ds W), the gradient through the softmax
// (masked keys have W = 0, so their ds is 0).
void softmax_grad(const float* w, float* ds, std::int64_t Tq, std::int64_t Tk) {
  for (std::int64_t i = 0; i < Tq; ++i) {
    float* d = ds + i * Tk;
    const float* wr = w + i * Tk;
    float dot = 0.0f;
    for (std::int64_t j = 0; j < Tk; ++j) dot += d[j] * wr[j];
    for (std::int64_t j = 0; j < Tk; ++j) d[j] = wr[j] * (d[j] - dot);
  }
}

// dS = dC V^T, and dV = W^T dC (the values' gradient through the context).
void context_backward(const float* w, const float* dc, const float* vb, float* dvb, float* ds,
                      std::int64_t Tq, std::int64_t Tk, std::int64_t H, std::int64_t ld) {
  cpu::sgemm(false, true, Tq, Tk, H, 1.0f, dc, ld, vb, ld, 0.0f, ds, Tk);
  cpu::sgemm(true, false, Tk, H, Tq, 1.0f, w, Tk, dc, ld, 0.0f, dvb, ld);
}

}  // namespace

template <>
void attention_forward<kC>(const Tensor& q, const Tensor& k, const Tensor& k_len,
                           AttentionForward& f) {
  const std::int64_t Tq = q.size(0), B = q.size(1), H = q.size(2), Tk = k.size(0), ld = B * H;
  const std::int32_t* len = checked_lengths(k_len, Tk);
#pragma omp parallel for if (B * Tq * Tk * H > cpu::kParallelGrain)
  for (std::int64_t b = 0; b < B; ++b) {
    float* w = f.weights.data() + b * Tq * Tk;
    const float* kb = k.data() + b * H;
    cpu::sgemm(false, true, Tq, Tk, H, 1.0f, q.data() + b * H, ld, kb, ld, 0.0f, w, Tk);
    masked_softmax(w, Tq, Tk, len[b]);
    cpu::sgemm(false, false, Tq, H, Tk, 1.0f, w, Tk, kb, ld, 0.0f, f.context.data() + b * H, ld);
  }
}

template <>
void attention_backward<kC>(const Tensor& q, const Tensor& k, const AttentionForward& f,
                            const Tensor& dcontext, AttentionGrads& g) {
  const std::int64_t Tq = q.size(0), B = q.size(1), H = q.size(2), Tk = k.size(0), ld = B * H;
  Tensor ds_all = Tensor::empty({B, Tq, Tk});  // each sequence's score gradients
#pragma omp parallel for if (B * Tq * Tk * H > cpu::kParallelGrain)
  for (std::int64_t b = 0; b < B; ++b) {
    const float* w = f.weights.data() + b * Tq * Tk;
    const float* kb = k.data() + b * H;
    float* dk = g.dk.data() + b * H;
    float* ds = ds_all.data() + b * Tq * Tk;
    context_backward(w, dcontext.data() + b * H, kb, dk, ds, Tq, Tk, H, ld);
    softmax_grad(w, ds, Tq, Tk);
    // Scores = Q K^T: dQ = dS K, dK += dS^T Q.
    cpu::sgemm(false, false, Tq, H, Tk, 1.0f, ds, Tk, kb, ld, 0.0f, g.dq.data() + b * H, ld);
    cpu::sgemm(true, false, Tk, H, Tq, 1.0f, ds, Tk, q.data() + b * H, ld, 1.0f, dk, ld);
  }
}

template <>
void additive_attention_forward<kC>(const Tensor& qa, const Tensor& ka, const Tensor& v,
                                    const Tensor& values, const Tensor& k_len, AttentionForward& f) {
  const std::int64_t Tq = qa.size(0), B = qa.size(1), A = qa.size(2), Tk = ka.size(0);
  const std::int64_t H = values.size(2), ld = B * H;
  const std::int32_t* len = checked_lengths(k_len, Tk);
  const float* vv = v.data();
#pragma omp parallel for if (B * Tq * Tk * A > cpu::kParallelGrain)
  for (std::int64_t b = 0; b < B; ++b) {
    float* w = f.weights.data() + b * Tq * Tk;
    for (std::int64_t i = 0; i < Tq; ++i) {
      const float* q = qa.data() + (i * B + b) * A;
      for (std::int64_t j = 0; j < len[b]; ++j) {
        const float* k = ka.data() + (j * B + b) * A;
        float s = 0.0f;
#pragma omp simd reduction(+ : s)
        for (std::int64_t a = 0; a < A; ++a) s += vv[a] * cpu::fast_tanh(q[a] + k[a]);
        w[i * Tk + j] = s;
      }
    }
    masked_softmax(w, Tq, Tk, len[b]);
  }
#pragma omp parallel for if (B * Tq * Tk * H > cpu::kParallelGrain)
  for (std::int64_t b = 0; b < B; ++b)
    cpu::sgemm(false, false, Tq, H, Tk, 1.0f, f.weights.data() + b * Tq * Tk, Tk, values.data() + b * H, ld,
               0.0f, f.context.data() + b * H, ld);
}

template <>
void additive_attention_backward<kC>(const Tensor& qa, const Tensor& ka, const Tensor& v,
                                     const Tensor& values, const AttentionForward& f,
                                     const Tensor& dcontext, AdditiveAttentionGrads& g) {
  const std::int64_t Tq = qa.size(0), B = qa.size(1), A = qa.size(2), Tk = ka.size(0);
  const std::int64_t H = values.size(2), ld = B * H;
  // dv per sequence, summed in sequence order afterwards: the same result at any thread count.
  std::vector<float> dv(static_cast<std::size_t>(B * A), 0.0f);
  std::fill(g.dqa.data(), g.dqa.data() + g.dqa.numel(), 0.0f);
  std::fill(g.dka.data(), g.dka.data() + g.dka.numel(), 0.0f);
  const float* vv = v.data();
#pragma omp parallel if (B * Tq * Tk * (A + H) > cpu::kParallelGrain)
  {
    std::vector<float> ds(static_cast<std::size_t>(Tq * Tk));
#pragma omp for
    for (std::int64_t b = 0; b < B; ++b) {
      const float* w = f.weights.data() + b * Tq * Tk;
      float* dvb = dv.data() + b * A;
      context_backward(w, dcontext.data() + b * H, values.data() + b * H, g.dvalues.data() + b * H,
                       ds.data(), Tq, Tk, H, ld);
      softmax_grad(w, ds.data(), Tq, Tk);
      for (std::int64_t i = 0; i < Tq; ++i) {
        const float* q = qa.data() + (i * B + b) * A;
        float* dq = g.dqa.data() + (i * B + b) * A;
        for (std::int64_t j = 0; j < Tk; ++j) {
          float gs = ds[static_cast<std::size_t>(i * Tk + j)];
          if (gs == 0.0f) continue;  // masked keys
          const float* k = ka.data() + (j * B + b) * A;
          float* dk = g.dka.data() + (j * B + b) * A;
#pragma omp simd
          for (std::int64_t a = 0; a < A; ++a) {
            float t = cpu::fast_tanh(q[a] + k[a]);
            float d = gs * vv[a] * (1.0f - t * t);
            dq[a] += d;
            dk[a] += d;
            dvb[a] += gs * t;
          }
        }
      }
    }
  }
  float* out = g.dv.data();
  std::fill(out, out + A, 0.0f);
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t a = 0; a < A; ++a) out[a] += dv[static_cast<std::size_t>(b * A + a)];
}

}  // namespace rnnkit::ops::kernels

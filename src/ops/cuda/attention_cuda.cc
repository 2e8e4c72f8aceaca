// Dot-product attention on the GPU: strided-batched cuBLAS products (sequence
// b's time-major rows sit B*H floats apart) around a masked softmax kernel.
#include "core/cuda/context.h"
#include "ops/cuda/blas.h"
#include "ops/cuda/launch.h"
#include "ops/kernels.h"

namespace rnnkit::ops::kernels {

constexpr DeviceType kG = DeviceType::kCUDA;

namespace {
// Checked on the host: small, and a bad length is a caller's bug.
void check_lengths(const Tensor& k_len, std::int64_t Tk) {
  auto len = k_len.to_ids();
  for (std::size_t b = 0; b < len.size(); ++b)
    RNNKIT_CHECK(len[b] >= 0 && len[b] <= Tk, "attention: key length {} of sequence {} outside [0, {}]",
                 len[b], b, Tk);
}
}  // namespace

template <>
void attention_forward<kG>(const Tensor& q, const Tensor& k, const Tensor& k_len,
                           AttentionForward& f) {
  cuda::Context& c = cuda::context(q.device().index);
  const std::int64_t Tq = q.size(0), B = q.size(1), H = q.size(2), Tk = k.size(0), ld = B * H;
  check_lengths(k_len, Tk);
  float* w = f.weights.data();
  cuda::sgemm_batched(c, false, true, Tq, Tk, H, 1.0f, q.data(), ld, H, k.data(), ld, H, 0.0f, w, Tk,
                      Tq * Tk, B);
  cuda::masked_softmax(w, k_len.data<std::int32_t>(), B, Tq, Tk, c.stream);
  cuda::check_launch("attention");
  cuda::sgemm_batched(c, false, false, Tq, H, Tk, 1.0f, w, Tk, Tq * Tk, k.data(), ld, H, 0.0f,
                      f.context.data(), ld, H, B);
}

template <>
void attention_backward<kG>(const Tensor& q, const Tensor& k, const AttentionForward& f,
                            const Tensor& dcontext, AttentionGrads& g) {
  cuda::Context& c = cuda::context(q.device().index);
  const std::int64_t Tq = q.size(0), B = q.size(1), H = q.size(2), Tk = k.size(0), ld = B * H;
  Tensor ds = Tensor::empty({B, Tq, Tk}, q.device());
  const float* w = f.weights.data();
  cuda::sgemm_batched(c, false, true, Tq, Tk, H, 1.0f, dcontext.data(), ld, H, k.data(), ld, H, 0.0f,
                      ds.data(), Tk, Tq * Tk, B);
  cuda::sgemm_batched(c, true, false, Tk, H, Tq, 1.0f, w, Tk, Tq * Tk, dcontext.data(), ld, H, 0.0f,
                      g.dk.data(), ld, H, B);
  cuda::softmax_grad_rows(w, ds.data(), B * Tq, Tk, c.stream);
  cuda::check_launch("attention_backward");
  cuda::sgemm_batched(c, false, false, Tq, H, Tk, 1.0f, ds.data(), Tk, Tq * Tk, k.data(), ld, H, 0.0f,
                      g.dq.data(), ld, H, B);
  cuda::sgemm_batched(c, true, false, Tk, H, Tq, 1.0f, ds.data(), Tk, Tq * Tk, q.data(), ld, H, 1.0f,
                      g.dk.data(), ld, H, B);
}

template <>
void additive_attention_forward<kG>(const Tensor& qa, const Tensor& ka, const Tensor& v,
                                    const Tensor& values, const Tensor& k_len, AttentionForward& f) {
  cuda::Context& c = cuda::context(qa.device().index);
  const std::int64_t Tq = qa.size(0), B = qa.size(1), A = qa.size(2), Tk = ka.size(0);
  const std::int64_t H = values.size(2), ld = B * H;
  check_lengths(k_len, Tk);
  float* w = f.weights.data();
  cuda::AdditiveDims d{Tq, Tk, B, A};
  cuda::additive_scores(d, qa.data(), ka.data(), v.data(), k_len.data<std::int32_t>(), w, c.stream);
  cuda::masked_softmax(w, k_len.data<std::int32_t>(), B, Tq, Tk, c.stream);
  cuda::check_launch("additive attention");
  cuda::sgemm_batched(c, false, false, Tq, H, Tk, 1.0f, w, Tk, Tq * Tk, values.data(), ld, H, 0.0f,
                      f.context.data(), ld, H, B);
}

template <>
void additive_attention_backward<kG>(const Tensor& qa, const Tensor& ka, const Tensor& v,
                                     const Tensor& values, const AttentionForward& f,
                                     const Tensor& dcontext, AdditiveAttentionGrads& g) {
  cuda::Context& c = cuda::context(qa.device().index);
  const std::int64_t Tq = qa.size(0), B = qa.size(1), A = qa.size(2), Tk = ka.size(0);
  const std::int64_t H = values.size(2), ld = B * H;
  Tensor ds = Tensor::empty({B, Tq, Tk}, qa.device());
  const float* w = f.weights.data();
  cuda::sgemm_batched(c, false, true, Tq, Tk, H, 1.0f, dcontext.data(), ld, H, values.data(), ld, H, 0.0f,
                      ds.data(), Tk, Tq * Tk, B);
  cuda::sgemm_batched(c, true, false, Tk, H, Tq, 1.0f, w, Tk, Tq * Tk, dcontext.data(), ld, H, 0.0f,
                      g.dvalues.data(), ld, H, B);
  cuda::softmax_grad_rows(w, ds.data(), B * Tq, Tk, c.stream);
  cuda::additive_scores_backward({Tq, Tk, B, A}, qa.data(), ka.data(), v.data(), ds.data(), g.dqa.data(),
                                 g.dka.data(), g.dv.data(), c.stream);
  cuda::check_launch("additive attention backward");
}

}  // namespace rnnkit::ops::kernels

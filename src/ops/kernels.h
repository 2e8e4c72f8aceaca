// Backend kernels: one specialisation per device, defined in cpu/*_cpu.cc and
// cuda/*_cuda.cu. Arguments are already checked by the ops in ops/*.cc;
// outputs are allocated by the caller.
#pragma once

#include <cstdint>

#include "rnnkit/core/rng.h"
#include "rnnkit/ops/ops.h"

namespace rnnkit::ops::kernels {

enum class Binary { kAdd, kSub, kMul };

template <DeviceType D> void fill(Tensor& t, float value);
template <DeviceType D> void uniform(Tensor& t, const Generator& gen, std::uint64_t offset, float lo, float hi);
template <DeviceType D> void gemm(const Tensor& a, bool ta, const Tensor& b, bool tb, float alpha, float beta, Tensor& c);
// out[i] = a[i] op b[i % b.numel()]
template <DeviceType D> void binary(Binary op, const Tensor& a, const Tensor& b, Tensor& out);
template <DeviceType D> void scale(const Tensor& a, float s, Tensor& out);
template <DeviceType D> void axpy(float alpha, const float* scale, const Tensor& x, Tensor& y);
// g viewed as [rows, out.numel()]; out = column sums.
template <DeviceType D> void reduce_rows(const Tensor& g, Tensor& out);
template <DeviceType D> void activation(Activation f, const Tensor& x, Tensor& out);
template <DeviceType D> void activation_backward(Activation f, const Tensor& y, const Tensor& dy, Tensor& out);
template <DeviceType D> void sum(const Tensor& x, bool squares, Tensor& out);
template <DeviceType D> bool all_finite(const Tensor& x);
// norm[0] = sqrt(sum_sq[0]); x *= max_norm / norm[0] where that is below 1.
template <DeviceType D> void clip_norm(Tensor& x, const Tensor& sum_sq, float max_norm, Tensor& norm);
template <DeviceType D> void softmax(const Tensor& x, bool log, Tensor& out);
template <DeviceType D> void softmax_backward(const Tensor& y, const Tensor& dy, bool log, Tensor& out);
template <DeviceType D> void cross_entropy(const Tensor& logits, const Tensor& targets, std::int32_t ignore, CrossEntropyForward& out);
template <DeviceType D> void cross_entropy_backward(const Tensor& logits, const Tensor& lse, const Tensor& targets, std::int32_t ignore, const Tensor& grad_sum, Tensor& out);
template <DeviceType D> void embedding(const Tensor& weight, const Tensor& ids, Tensor& out);
template <DeviceType D> void embedding_backward(Tensor& dweight, const Tensor& ids, const Tensor& dy);
template <DeviceType D> void dropout_mask(Tensor& out, float p, const Generator& gen, std::uint64_t offset);
// Copies `outer` blocks of `block` elements: dst[o*dst_stride + dst_off + i] = src[o*src_stride + src_off + i].
template <DeviceType D> void copy_blocks(const Tensor& src, std::int64_t src_stride, std::int64_t src_off, Tensor& dst, std::int64_t dst_stride, std::int64_t dst_off, std::int64_t outer, std::int64_t block);
template <DeviceType D>
void max_over_time(const Tensor& x, const Tensor& lengths, MaxOverTime& out);
// dx is zero on entry.
template <DeviceType D>
void max_over_time_backward(const Tensor& dy, const Tensor& steps, Tensor& dx);
template <DeviceType D> void recurrent_forward(CellType cell, const Tensor& x, const RecurrentWeights& w, const Tensor& lengths, RecurrentForward& f);
template <DeviceType D> void recurrent_backward(CellType cell, const Tensor& x, const RecurrentWeights& w, const Tensor& lengths, const RecurrentForward& f, const Tensor& dy, const Tensor& dh_n, const Tensor& dc_n, RecurrentGrads& g);

template <DeviceType D> void attention_forward(const Tensor& q, const Tensor& k, const Tensor& k_len, AttentionForward& f);
template <DeviceType D> void attention_backward(const Tensor& q, const Tensor& k, const AttentionForward& f, const Tensor& dcontext, AttentionGrads& g);
template <DeviceType D> void additive_attention_forward(const Tensor& qa, const Tensor& ka, const Tensor& v, const Tensor& values, const Tensor& k_len, AttentionForward& f);
template <DeviceType D> void additive_attention_backward(const Tensor& qa, const Tensor& ka, const Tensor& v, const Tensor& values, const AttentionForward& f, const Tensor& dcontext, AdditiveAttentionGrads& g);

struct OptimStep {
  enum Kind { kSGD, kAdaGrad, kRMSProp, kAdam } kind;
  float lr, momentum_or_beta1, beta2_or_alpha, eps, weight_decay;
  bool decoupled;
  std::int64_t step;
};
// state0/state1: optimiser buffers (momentum; sum of squares; m and v).
template <DeviceType D> void optim_update(const OptimStep& s, Tensor& param, const Tensor& grad, Tensor& state0, Tensor& state1);

}  // namespace rnnkit::ops::kernels

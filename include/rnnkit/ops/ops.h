// Device-independent tensor operations. Each checks its arguments (always on,
// messages with shapes) and dispatches to the backend of its inputs' device.
// Outputs come from the caching allocator. Gradient rules live in autograd/.
#pragma once

#include <cstdint>
#include <vector>

#include "rnnkit/core/rng.h"
#include "rnnkit/core/tensor.h"

namespace rnnkit::ops {

// --- creation and copies
void fill_(Tensor& t, float value);
void copy_(Tensor& dst, const Tensor& src);  // same numel; devices may differ
// Uniform in [lo, hi) from positions [offset, offset + numel) of gen's stream.
void uniform_(Tensor& t, const Generator& gen, std::uint64_t offset, float lo, float hi);

// --- linear algebra (2-D; callers flatten leading dimensions with view())
// c = alpha * op(a) * op(b) + beta * c
void gemm(const Tensor& a, bool trans_a, const Tensor& b, bool trans_b, float alpha, float beta,
          Tensor& c);
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

// --- elementwise. `b` broadcasts when b.numel() is 1 or its shape is a suffix
// of a's shape (a bias [C] over [N, C]; a dropout mask [B, H] over [T, B, H]).
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor scale(const Tensor& a, float s);
void scale_(Tensor& a, float s);
void add_(Tensor& y, const Tensor& x);                // y += x (x may broadcast)
// y += alpha * x, times scale[0] when given: a one-element tensor on y's
// device (a gradient that stays there, so the host never waits for it).
void axpy_(float alpha, const Tensor& x, Tensor& y, const Tensor& scale = Tensor());
// Sums `g` over the broadcast dimensions back to `shape` (the reverse of broadcasting).
Tensor reduce_to(const Tensor& g, const Shape& shape);
// Repeats `b` (broadcast rule above) to `shape`.
Tensor broadcast_to(const Tensor& b, const Shape& shape);

// log: of positive inputs; softplus: log(1 + exp(x)) = -log sigmoid(-x).
enum class Activation { kSigmoid, kTanh, kRelu, kLog, kSoftplus };
Tensor activation(Activation f, const Tensor& x);
// dx from the activation's output y and dy.
Tensor activation_backward(Activation f, const Tensor& y, const Tensor& dy);

// --- reductions
Tensor sum(const Tensor& x);           // [1]
Tensor sum_squares(const Tensor& x);   // [1]
bool all_finite(const Tensor& x);
// x *= min(1, max_norm / ||x||) without reading the norm back to the host;
// returns ||x|| before scaling ([1], on x's device). max_norm <= 0: no scaling.
Tensor clip_norm_(Tensor& x, float max_norm);

// --- softmax family over the last dimension
Tensor softmax(const Tensor& x);
Tensor softmax_backward(const Tensor& y, const Tensor& dy);
Tensor log_softmax(const Tensor& x);
Tensor log_softmax_backward(const Tensor& y, const Tensor& dy);

// Fused softmax + negative log-likelihood over rows of logits [N, V].
struct CrossEntropyForward {
  Tensor loss_sum;  // [1]: sum of -log p(target) over counted rows
  Tensor count;     // [1]: number of rows whose target != ignore_index
  Tensor lse;       // [N]: log-sum-exp of each row, for the backward
};
CrossEntropyForward cross_entropy(const Tensor& logits, const Tensor& targets,
                                  std::int32_t ignore_index = -100);
// d(loss_sum)/d(logits) * grad_sum, where grad_sum is [1].
Tensor cross_entropy_backward(const Tensor& logits, const Tensor& lse, const Tensor& targets,
                              std::int32_t ignore_index, const Tensor& grad_sum);

// --- embedding
Tensor embedding(const Tensor& weight, const Tensor& ids);  // [V, D] x int[...] -> [..., D]
// Adds the rows of dy into dweight at ids; touches only the rows that occur.
void embedding_backward_(Tensor& dweight, const Tensor& ids, const Tensor& dy);

// --- dropout: a mask of 0 and 1/(1-p), drawn from gen's positions
// [offset, offset + numel(shape)). Share it across time by drawing [B, H]
// and letting mul() broadcast it over [T, B, H].
Tensor dropout_mask(const Shape& shape, float p, const Generator& gen, std::uint64_t offset,
                    Device device);

// --- shape
Tensor concat(const std::vector<Tensor>& xs, std::int64_t dim);
Tensor slice(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length);
// Rows `index` of dimension `dim`, in that order (repeats allowed): beam search
// reorders and replicates states with it.
Tensor index_select(const Tensor& x, std::int64_t dim, const std::vector<std::int64_t>& index);
// x [T, B, ...]: each sequence's first lengths[b] steps in reverse order, zero
// after them (its own inverse: the backward of a bidirectional layer's input).
Tensor reverse_sequences(const Tensor& x, const Tensor& lengths);
// Writes `src` into the slice of `dst` (the backward of slice and concat).
void slice_assign_(Tensor& dst, std::int64_t dim, std::int64_t start, const Tensor& src);
// Max pooling over time: for x [T, B, H] the largest of each sequence's first
// lengths[b] steps (int32 [B]), values [B, H], and the step of each (int32;
// -1 and a zero value for an empty sequence).
struct MaxOverTime {
  Tensor values, steps;
};
MaxOverTime max_over_time(const Tensor& x, const Tensor& lengths);
// Its gradient: dy [B, H] routed back to the steps it came from, [T, B, H].
Tensor max_over_time_backward(const Tensor& dy, const Tensor& steps, std::int64_t T);

// --- fused recurrent layers over a whole sequence (time-major x [T, B, I]).
// Weights and gate order follow PyTorch (LSTM: i, f, g, o; GRU: r, z, n).
enum class CellType { kRNN, kLSTM, kGRU };
int gate_count(CellType c);
const char* cell_name(CellType c);

struct RecurrentWeights {
  Tensor w_ih;  // [G*H, I]
  Tensor w_hh;  // [G*H, H]
  Tensor b_ih;  // [G*H]
  Tensor b_hh;  // [G*H]
};

struct RecurrentForward {
  Tensor y;      // [T, B, H]; zero where t >= lengths[b]
  Tensor h_n;    // [B, H]: the state after each sequence's last valid step
  Tensor c_n;    // [B, H] (LSTM only)
  Tensor h_all;  // [T+1, B, H]: states, h0 first (for the backward)
  Tensor c_all;  // [T+1, B, H] (LSTM)
  Tensor gates;  // [T, B, G*H] activated gates (RNN: unused)
  Tensor hn;     // [T, B, H] (GRU: W_hn h + b_hn)
};

// lengths: int32 [B] or undefined (all sequences full length). c0 only for LSTM.
RecurrentForward recurrent_forward(CellType cell, const Tensor& x, const Tensor& h0,
                                   const Tensor& c0, const RecurrentWeights& w,
                                   const Tensor& lengths);

struct RecurrentGrads {
  Tensor dx, dh0, dc0;
  Tensor dw_ih, dw_hh, db_ih, db_hh;
};
// dy, dh_n, dc_n may be undefined (no gradient flows from them).
RecurrentGrads recurrent_backward(CellType cell, const Tensor& x, const RecurrentWeights& w,
                                  const Tensor& lengths, const RecurrentForward& fwd,
                                  const Tensor& dy, const Tensor& dh_n, const Tensor& dc_n);

// --- dot-product attention of queries over keys, per sequence, time-major:
// scores[b, i, j] = q[i, b] . k[j, b] for j < k_len[b] (the rest masked out),
// weights = softmax over j, context[i, b] = sum_j weights[b, i, j] k[j, b].
struct AttentionForward {
  Tensor context;  // [Tq, B, H]
  Tensor weights;  // [B, Tq, Tk]; zero on masked keys (all zero when k_len[b] = 0)
};
AttentionForward attention_forward(const Tensor& q, const Tensor& k, const Tensor& k_len);
struct AttentionGrads {
  Tensor dq, dk;
};
AttentionGrads attention_backward(const Tensor& q, const Tensor& k, const AttentionForward& f,
                                  const Tensor& dcontext);
// Additive (Bahdanau) scores: scores[b, i, j] = v . tanh(qa[i, b] + ka[j, b]),
// qa [Tq, B, A] and ka [Tk, B, A] the projected queries and keys; masking,
// softmax and context over `values` [Tk, B, H] as above.
AttentionForward additive_attention_forward(const Tensor& qa, const Tensor& ka, const Tensor& v,
                                            const Tensor& values, const Tensor& k_len);
struct AdditiveAttentionGrads {
  Tensor dqa, dka, dv, dvalues;
};
AdditiveAttentionGrads additive_attention_backward(const Tensor& qa, const Tensor& ka, const Tensor& v,
                                                   const Tensor& values, const AttentionForward& f,
                                                   const Tensor& dcontext);

// --- optimiser updates (in place, elementwise over flat buffers)
void sgd_update_(Tensor& param, const Tensor& grad, Tensor& momentum_buf, float lr, float momentum,
                 float weight_decay);
void adagrad_update_(Tensor& param, const Tensor& grad, Tensor& sum_sq, float lr, float eps,
                     float weight_decay);
void rmsprop_update_(Tensor& param, const Tensor& grad, Tensor& sq_avg, float lr, float alpha,
                     float eps, float weight_decay);
// Adam (decoupled = false: L2 added to the gradient) or AdamW (decoupled = true).
void adam_update_(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, float lr, float beta1,
                  float beta2, float eps, float weight_decay, bool decoupled, std::int64_t step);

}  // namespace rnnkit::ops

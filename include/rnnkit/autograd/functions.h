// Differentiable functions on Vars. Each forward calls ops/ and records its
// gradient rule, which sits beside it in src/autograd/.
#pragma once

#include <cstdint>
#include <vector>

#include "rnnkit/autograd/variable.h"
#include "rnnkit/ops/ops.h"

namespace rnnkit::fn {

// Broadcasting follows ops::add: b may be a scalar or a suffix of a's shape.
Var add(const Var& a, const Var& b);
Var sub(const Var& a, const Var& b);
Var mul(const Var& a, const Var& b);
Var scale(const Var& a, float s);

Var sigmoid(const Var& x);
Var tanh(const Var& x);
Var relu(const Var& x);
Var log(const Var& x);  // of positive x
Var softplus(const Var& x);  // log(1 + exp(x)), stable for any x

// x [.., K] times W^T for W [N, K], plus bias [N] (bias may be undefined).
Var linear(const Var& x, const Var& weight, const Var& bias);
Var matmul(const Var& a, const Var& b, bool trans_a = false, bool trans_b = false);

Var softmax(const Var& x);
Var log_softmax(const Var& x);

enum class Reduction { kSum, kMean };
struct CrossEntropyOptions {
  std::int32_t ignore_index = -100;
  Reduction reduction = Reduction::kMean;  // mean over non-ignored rows
};
// Fused softmax + NLL over logits [N, V] with int32 targets [N]: a [1] loss.
Var cross_entropy(const Var& logits, const Tensor& targets, const CrossEntropyOptions& opts = {});

// linear(x, weight, bias) then cross_entropy, `chunk_rows` rows of x at a
// time, so that no [N, V] logits exist: the extra memory is chunk_rows x V,
// whatever N. The loss is a scalar, so each chunk's gradients are formed in
// the forward pass for a unit upstream gradient and the backward scales them.
Var linear_cross_entropy(const Var& x, const Var& weight, const Var& bias, const Tensor& targets,
                         std::int64_t chunk_rows, const CrossEntropyOptions& opts = {});

// Rows of weight [V, D] at int32 ids: shape ids.shape + [D].
Var embedding(const Var& weight, const Tensor& ids);

// Inverted dropout. mask_shape: the shape of the mask, broadcast over x
// (x's own shape for ordinary dropout; [B, H] over [T, B, H] shares one mask
// across time, Gal & Ghahramani 2016). Identity when p == 0.
Var dropout(const Var& x, float p, Generator& gen, const Shape& mask_shape);

Var reshape(const Var& x, const Shape& shape);
Var concat(const std::vector<Var>& xs, std::int64_t dim);
Var slice(const Var& x, std::int64_t dim, std::int64_t start, std::int64_t length);
Var reverse_sequences(const Var& x, const Tensor& lengths);
Var sum(const Var& x);
Var mean(const Var& x);
// x [T, B, H] -> [B, H]: the largest of each sequence's first lengths[b] steps.
Var max_over_time(const Var& x, const Tensor& lengths);

struct AttentionResult {
  Var context;     // [Tq, B, H]
  Tensor weights;  // [B, Tq, Tk], for inspection (not differentiated)
};
// Dot-product attention of q [Tq, B, H] over k [Tk, B, H] (keys are the values);
// keys at or past k_len[b] are masked out.
AttentionResult attention(const Var& q, const Var& k, const Tensor& k_len);
// Additive (Bahdanau) attention: scores v . tanh(qa + ka) over projected
// queries qa [Tq, B, A] and keys ka [Tk, B, A]; context over values [Tk, B, H].
AttentionResult additive_attention(const Var& qa, const Var& ka, const Var& v, const Var& values,
                                   const Tensor& k_len);

struct RecurrentResult {
  Var y;    // [T, B, H]
  Var h_n;  // [B, H]
  Var c_n;  // [B, H], LSTM only
};
// One fused recurrent layer over the whole sequence; lengths int32 [B] or undefined.
RecurrentResult recurrent(ops::CellType cell, const Var& x, const Var& h0, const Var& c0,
                          const Var& w_ih, const Var& w_hh, const Var& b_ih, const Var& b_hh,
                          const Tensor& lengths = Tensor());

}  // namespace rnnkit::fn

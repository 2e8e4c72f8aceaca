// Launchers of the CUDA kernels in *.cu. They take raw device pointers and a
// stream, so the kernel files need none of the library's headers; the
// kernels<kCUDA> specialisations in *_cuda.cc unpack tensors and call them.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "rnnkit/core/rng.h"

namespace rnnkit::cuda {

using i64 = std::int64_t;

// elementwise.cu
enum class BinaryOp { kAdd, kSub, kMul };
enum class Act { kSigmoid, kTanh, kRelu, kLog, kSoftplus };
enum class OptimKind { kSGD, kAdaGrad, kRMSProp, kAdam };
struct OptimArgs {
  OptimKind kind;
  float lr, b1, b2, eps, wd, step_size, root_c2;
  bool decoupled;
};
void fill(float* p, i64 n, float v, cudaStream_t s);
// p[i] = lo + (hi - lo) * U(offset + i), or the dropout value for p > 0.
void uniform(float* p, i64 n, PhiloxKey key, std::uint64_t stream, std::uint64_t offset, float lo,
             float hi, cudaStream_t s);
void dropout_mask(float* p, i64 n, float prob, PhiloxKey key, std::uint64_t stream,
                  std::uint64_t offset, cudaStream_t s);
void binary(BinaryOp op, const float* a, const float* b, float* out, i64 n, i64 m, cudaStream_t s);
void scale(const float* a, float k, float* out, i64 n, cudaStream_t s);
void axpy(float alpha, const float* scale, const float* x, float* y, i64 n, cudaStream_t s);
void activation(Act f, const float* x, float* out, i64 n, cudaStream_t s);
void activation_backward(Act f, const float* y, const float* dy, float* out, i64 n, cudaStream_t s);
// Partial sums of n values (or squares) into `partials` (kSumBlocks floats),
// then their total into out[0].
constexpr int kSumBlocks = 512;
void sum(const float* x, i64 n, bool squares, float* partials, float* out, cudaStream_t s);
void clip_norm(float* x, i64 n, const float* sum_sq, float max_norm, float* norm, cudaStream_t s);
void count_nonfinite(const float* x, i64 n, int* flag, cudaStream_t s);
void optim_update(const OptimArgs& a, float* w, const float* g, float* s0, float* s1, i64 n,
                  cudaStream_t s);

// softmax.cu: rows of length v.
void softmax(const float* x, float* out, i64 rows, i64 v, bool log, cudaStream_t s);
void softmax_backward(const float* y, const float* dy, float* out, i64 rows, i64 v, bool log,
                      cudaStream_t s);
// lse[r], and row_loss[r] = lse - x[t] (0 where ignored), row_count[r].
void cross_entropy(const float* x, const std::int32_t* t, i64 rows, i64 v, std::int32_t ignore,
                   float* lse, float* row_loss, float* loss_sum, float* count, int* error,
                   cudaStream_t s);
void cross_entropy_backward(const float* x, const float* lse, const std::int32_t* t, i64 rows,
                            i64 v, std::int32_t ignore, const float* grad_sum, float* out,
                            cudaStream_t s);

// embedding.cu
void embedding(const float* w, i64 vocab, i64 d, const std::int32_t* ids, i64 n, float* out,
               int* error, cudaStream_t s);
void embedding_backward(float* dw, i64 vocab, i64 d, const std::int32_t* ids, i64 n,
                        const float* dy, cudaStream_t s);

// pool.cu: x [T, B, H]; steps[b, h] = -1 for an empty sequence.
void max_over_time(const float* x, const std::int32_t* len, i64 T, i64 B, i64 H, float* values,
                   std::int32_t* steps, cudaStream_t s);
// dx (zeroed) [T, B, H] from dy [B, H].
void max_over_time_backward(const float* dy, const std::int32_t* steps, i64 B, i64 H, float* dx,
                            cudaStream_t s);

// attention.cu: w holds B * Tq rows of Tk scores; sequence b keeps len[b] keys.
void masked_softmax(float* w, const std::int32_t* len, i64 B, i64 Tq, i64 Tk, cudaStream_t s);
// ds = w * (ds - rowsum(ds * w)), in place.
void softmax_grad_rows(const float* w, float* ds, i64 rows, i64 Tk, cudaStream_t s);
// Additive scores w[b, i, j] = v . tanh(qa[i, b] + ka[j, b]) for j < len[b].
struct AdditiveDims {
  i64 Tq, Tk, B, A;
};
void additive_scores(const AdditiveDims& d, const float* qa, const float* ka, const float* v,
                     const std::int32_t* len, float* w, cudaStream_t s);
// From ds (the scores' gradient, [B, Tq, Tk], zero on masked keys): dqa, dka, dv.
void additive_scores_backward(const AdditiveDims& d, const float* qa, const float* ka, const float* v,
                              const float* ds, float* dqa, float* dka, float* dv, cudaStream_t s);

// recurrent.cu: one time step's fused gate math for B sequences of H units.
// `len` (per-sequence lengths, or null) marks step t valid or past the end.
struct StepArgs {
  i64 B, H;
  const std::int32_t* len;
  int t;
};
void rnn_forward_step(const StepArgs& a, float* h, const float* hp, const float* b_ih,
                      const float* b_hh, float* y, cudaStream_t s);
void lstm_forward_step(const StepArgs& a, float* gates, const float* b_ih, const float* b_hh,
                       const float* cp, const float* hp, float* c, float* h, float* y,
                       cudaStream_t s);
void gru_forward_step(const StepArgs& a, float* gates, const float* hproj, const float* b_ih,
                      const float* b_hh, const float* hp, float* hn, float* h, float* y,
                      cudaStream_t s);
void rnn_backward_step(const StepArgs& a, const float* h, const float* dy, float* dh, float* dX,
                       cudaStream_t s);
void lstm_backward_step(const StepArgs& a, const float* gates, const float* c, const float* cp,
                        const float* dy, float* dh, float* dc, float* dX, cudaStream_t s);
void gru_backward_step(const StepArgs& a, const float* gates, const float* hn, const float* hp,
                       const float* dy, float* dh, float* dX, float* dH, cudaStream_t s);

}  // namespace rnnkit::cuda

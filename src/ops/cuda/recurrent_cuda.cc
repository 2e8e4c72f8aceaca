// Fused recurrent layers on the GPU, organised as on the CPU: the input
// projections of all steps in one GEMM, then per step one GEMM and one gate
// kernel, and at the end the weight gradients in one GEMM each.
#include "core/cuda/context.h"
#include "ops/cuda/blas.h"
#include "ops/cuda/launch.h"
#include "ops/kernels.h"

namespace rnnkit::ops::kernels {

constexpr DeviceType kG = DeviceType::kCUDA;

namespace {

void copy_device(float* dst, const float* src, std::int64_t n, cuda::Context& c) {
  RNNKIT_CUDA_CHECK(cudaMemcpyAsync(dst, src, n * sizeof(float), cudaMemcpyDeviceToDevice, c.stream));
}

// Lengths arrive on the device; checking them costs one small copy, paid only
// by padded batches.
const std::int32_t* checked_lengths(CellType cell, const Tensor& lengths, std::int64_t T) {
  if (!lengths.defined()) return nullptr;
  auto len = lengths.to_ids();
  for (std::size_t b = 0; b < len.size(); ++b)
    RNNKIT_CHECK(len[b] >= 0 && len[b] <= T, "{}: length {} of sequence {} outside [0, {}]",
                 cell_name(cell), len[b], b, T);
  return lengths.data<std::int32_t>();
}

}  // namespace

template <>
void recurrent_forward<kG>(CellType cell, const Tensor& x, const RecurrentWeights& w,
                           const Tensor& lengths, RecurrentForward& f) {
  cuda::Context& c = cuda::context(x.device().index);
  const std::int64_t T = x.size(0), B = x.size(1), I = x.size(2), G = w.w_ih.size(0);
  const std::int64_t H = G / gate_count(cell), BH = B * H;
  cuda::StepArgs a{B, H, checked_lengths(cell, lengths, T), 0};
  const float* whh = w.w_hh.data();
  const float* bih = w.b_ih.data();
  const float* bhh = w.b_hh.data();
  float* h_all = f.h_all.data();
  float* y = a.len ? f.y.data() : nullptr;
  auto y_at = [&](std::int64_t t) { return y ? y + t * BH : nullptr; };
  // Input projections of all steps (without biases: the gate kernels add them).
  float* proj = cell == CellType::kRNN ? h_all + BH : f.gates.data();
  cuda::sgemm(c, false, true, T * B, G, I, 1.0f, x.data(), I, w.w_ih.data(), I, 0.0f, proj, G);

  if (cell == CellType::kRNN) {
    for (std::int64_t t = 0; t < T; ++t) {
      a.t = static_cast<int>(t);
      const float* hp = h_all + t * BH;
      float* hn = h_all + (t + 1) * BH;
      cuda::sgemm(c, false, true, B, H, H, 1.0f, hp, H, whh, H, 1.0f, hn, H);
      cuda::rnn_forward_step(a, hn, hp, bih, bhh, y_at(t), c.stream);
    }
  } else if (cell == CellType::kLSTM) {
    float* c_all = f.c_all.data();
    for (std::int64_t t = 0; t < T; ++t) {
      a.t = static_cast<int>(t);
      const float* hp = h_all + t * BH;
      float* gt = f.gates.data() + t * B * G;
      cuda::sgemm(c, false, true, B, G, H, 1.0f, hp, H, whh, H, 1.0f, gt, G);
      cuda::lstm_forward_step(a, gt, bih, bhh, c_all + t * BH, hp, c_all + (t + 1) * BH,
                              h_all + (t + 1) * BH, y_at(t), c.stream);
    }
    copy_device(f.c_n.data(), c_all + T * BH, BH, c);
  } else {
    Tensor hproj = Tensor::empty({B, G}, x.device());
    for (std::int64_t t = 0; t < T; ++t) {
      a.t = static_cast<int>(t);
      const float* hp = h_all + t * BH;
      cuda::sgemm(c, false, true, B, G, H, 1.0f, hp, H, whh, H, 0.0f, hproj.data(), G);
      cuda::gru_forward_step(a, f.gates.data() + t * B * G, hproj.data(), bih, bhh, hp,
                             f.hn.data() + t * BH, h_all + (t + 1) * BH, y_at(t), c.stream);
    }
  }
  cuda::check_launch(cell_name(cell));
  copy_device(f.h_n.data(), h_all + T * BH, BH, c);
}

template <>
void recurrent_backward<kG>(CellType cell, const Tensor& x, const RecurrentWeights& w,
                            const Tensor& lengths, const RecurrentForward& f, const Tensor& dy,
                            const Tensor& dh_n, const Tensor& dc_n, RecurrentGrads& out) {
  cuda::Context& c = cuda::context(x.device().index);
  const std::int64_t T = x.size(0), B = x.size(1), I = x.size(2), G = w.w_ih.size(0);
  const std::int64_t H = G / gate_count(cell), BH = B * H;
  cuda::StepArgs a{B, H, checked_lengths(cell, lengths, T), 0};
  const float* dyp = dy.defined() ? dy.data() : nullptr;
  const float* h_all = f.h_all.data();
  const float* whh = w.w_hh.data();

  // Running gradients of h (and c) flowing back in time.
  float* dh = out.dh0.data();
  if (dh_n.defined()) copy_device(dh, dh_n.data(), BH, c);
  else RNNKIT_CUDA_CHECK(cudaMemsetAsync(dh, 0, BH * sizeof(float), c.stream));
  float* dc = nullptr;
  if (cell == CellType::kLSTM) {
    dc = out.dc0.data();
    if (dc_n.defined()) copy_device(dc, dc_n.data(), BH, c);
    else RNNKIT_CUDA_CHECK(cudaMemsetAsync(dc, 0, BH * sizeof(float), c.stream));
  }
  // Pre-activation gradients: input side (dX) and, for the GRU, recurrent side (dH).
  Tensor dxg_t = Tensor::empty({T * B, G}, x.device());
  Tensor dhg_t = cell == CellType::kGRU ? Tensor::empty({T * B, G}, x.device()) : dxg_t;
  float* dxg = dxg_t.data();
  float* dhg = dhg_t.data();

  for (std::int64_t t = T - 1; t >= 0; --t) {
    a.t = static_cast<int>(t);
    const float* dyt = dyp ? dyp + t * BH : nullptr;
    float* dX = dxg + t * B * G;
    float* dH = dhg + t * B * G;
    if (cell == CellType::kRNN) {
      cuda::rnn_backward_step(a, h_all + (t + 1) * BH, dyt, dh, dX, c.stream);
    } else if (cell == CellType::kLSTM) {
      const float* c_all = f.c_all.data();
      cuda::lstm_backward_step(a, f.gates.data() + t * B * G, c_all + (t + 1) * BH, c_all + t * BH,
                               dyt, dh, dc, dX, c.stream);
    } else {
      cuda::gru_backward_step(a, f.gates.data() + t * B * G, f.hn.data() + t * BH, h_all + t * BH,
                              dyt, dh, dX, dH, c.stream);
    }
    cuda::sgemm(c, false, false, B, H, G, 1.0f, dH, G, whh, H, 1.0f, dh, H);
  }
  cuda::check_launch(cell_name(cell));

  const std::int64_t rows = T * B;
  cuda::sgemm(c, true, false, G, I, rows, 1.0f, dxg, G, x.data(), I, 0.0f, out.dw_ih.data(), I);
  cuda::sgemm(c, true, false, G, H, rows, 1.0f, dhg, G, h_all, H, 0.0f, out.dw_hh.data(), H);
  cuda::sgemm(c, false, false, rows, I, G, 1.0f, dxg, G, w.w_ih.data(), I, 0.0f, out.dx.data(), I);
  cuda::column_sums(c, dxg, rows, G, out.db_ih.data());
  if (cell == CellType::kGRU) cuda::column_sums(c, dhg, rows, G, out.db_hh.data());
  else copy_device(out.db_hh.data(), out.db_ih.data(), G, c);
}

}  // namespace rnnkit::ops::kernels

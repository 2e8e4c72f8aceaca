// Fused recurrent layers on the CPU: the input projections of all steps in one
// GEMM, then per step one small product with W_hh (packed once per call) and
// one fused gate loop, and at the end the weight gradients in one GEMM each.
#include <omp.h>

#include <cstring>
#include <vector>

#include "ops/cell_grad.h"
#include "ops/cpu/blas.h"
#include "ops/cpu/packed_gemm.h"
#include "ops/cpu/vmath.h"
#include "ops/kernels.h"
#include "rnnkit/core/parallel.h"

namespace rnnkit::ops::kernels {

constexpr DeviceType kC = DeviceType::kCPU;

namespace {

struct Dims {
  std::int64_t T, B, I, H, G;
};

Dims dims_of(CellType cell, const Tensor& x, const RecurrentWeights& w) {
  std::int64_t G = w.w_ih.size(0);
  return {x.size(0), x.size(1), x.size(2), G / gate_count(cell), G};
}

bool valid(const std::int32_t* len, std::int64_t t, std::int64_t b) {
  return !len || t < len[b];
}

// Sequences still running at each step. When the lengths do not increase
// along the batch (as packed sequences), those are the first rows, and the
// per-step products skip the finished ones; otherwise every row is computed.
std::vector<std::int64_t> active_rows(const std::int32_t* len, std::int64_t T, std::int64_t B) {
  std::vector<std::int64_t> n(static_cast<std::size_t>(T), B);
  if (!len) return n;
  for (std::int64_t b = 1; b < B; ++b)
    if (len[b] > len[b - 1]) return n;
  for (std::int64_t t = 0; t < T; ++t) {
    std::int64_t k = B;
    while (k > 0 && len[k - 1] <= t) --k;
    n[static_cast<std::size_t>(t)] = k;
  }
  return n;
}

// Batch rows are independent through time, so with several threads each runs
// the whole time loop over its own rows (b = k, k + n, ...) through strided
// single-threaded GEMMs: no synchronisation per step, where a threaded GEMM
// and a parallel gate loop would meet twice a step. Small batches keep one
// team member and thread inside the GEMM instead.
int team_size(std::int64_t B) {
  int n = num_threads();
  return n > 1 && B >= 16 * n ? n : 1;
}

template <typename Body>
void run_team(std::int64_t B, const Body& body) {
  const int n = team_size(B);
  if (n == 1) {
    body(0, 1);
    return;
  }
#pragma omp parallel num_threads(n)
  body(omp_get_thread_num(), n);
}

// Member k's rows among the first `active`: k, k + n, ... below active.
std::int64_t own_rows(std::int64_t active, int k, int n) {
  return active > k ? (active - k + n - 1) / n : 0;
}

// With lengths, outputs past a sequence's end are zero (as PyTorch pads them).
void write_output(float* y, const float* h, bool valid_step, std::int64_t H) {
  if (valid_step)
    std::memcpy(y, h, sizeof(float) * H);
  else
    std::memset(y, 0, sizeof(float) * H);
}

// out[r, :] = x W^T + bias_a (+ bias_b) for all T*B rows.
void project_inputs(const Dims& d, const Tensor& x, const Tensor& w_ih, const float* bias_a,
                    const float* bias_b, float* out) {
  std::vector<float> bias(bias_a, bias_a + d.G);
  for (std::int64_t k = 0; bias_b && k < d.G; ++k) bias[static_cast<std::size_t>(k)] += bias_b[k];
  const cpu::PackedMatrix w_t(w_ih.data(), d.I, /*trans=*/true, d.I, d.G);
  cpu::gemm_packed(d.T * d.B, x.data(), d.I, w_t, false, out, d.G, bias.data());
}

}  // namespace

template <>
void recurrent_forward<kC>(CellType cell, const Tensor& x, const RecurrentWeights& w,
                           const Tensor& lengths, RecurrentForward& f) {
  Dims d = dims_of(cell, x, w);
  const std::int64_t B = d.B, H = d.H, G = d.G, BH = B * H;
  const std::int32_t* len = lengths.defined() ? lengths.data<std::int32_t>() : nullptr;
  for (std::int64_t b = 0; len && b < B; ++b)
    RNNKIT_CHECK(len[b] >= 0 && len[b] <= d.T, "{}: length {} of sequence {} outside [0, {}]",
                 cell_name(cell), len[b], b, d.T);
  // W_hh^T, packed once for all steps.
  const cpu::PackedMatrix whh_t(w.w_hh.data(), H, /*trans=*/true, H, G);
  float* h_all = f.h_all.data();
  float* y = f.y.data();
  const bool separate_y = len != nullptr;
  const bool par = BH > cpu::kParallelGrain;
  const auto active = active_rows(len, d.T, B);

  if (cell == CellType::kRNN) {
    // Pre-activations go straight into the state buffer, then tanh in place.
    project_inputs(d, x, w.w_ih, w.b_ih.data(), w.b_hh.data(), h_all + BH);
    run_team(B, [&](int k, int n) {
      for (std::int64_t t = 0; t < d.T; ++t) {
        const float* hp = h_all + t * BH;
        float* hn = h_all + (t + 1) * BH;
        cpu::gemm_packed(own_rows(active[static_cast<std::size_t>(t)], k, n), hp + k * H, n * H,
                         whh_t, true, hn + k * H, n * H);
#pragma omp parallel for if (par && n == 1)
        for (std::int64_t b = k; b < B; b += n) {
          bool v = valid(len, t, b);
          float* hb = hn + b * H;
          const float* hpb = hp + b * H;
          if (v) {
#pragma omp simd
            for (std::int64_t j = 0; j < H; ++j) hb[j] = cpu::fast_tanh(hb[j]);
          } else {
            std::memcpy(hb, hpb, sizeof(float) * H);
          }
          if (separate_y) write_output(y + t * BH + b * H, hb, v, H);
        }
      }
    });
  } else if (cell == CellType::kLSTM) {
    float* gates = f.gates.data();
    float* c_all = f.c_all.data();
    project_inputs(d, x, w.w_ih, w.b_ih.data(), w.b_hh.data(), gates);
    run_team(B, [&](int k, int n) {
      for (std::int64_t t = 0; t < d.T; ++t) {
        const float* hp = h_all + t * BH;
        float* hn = h_all + (t + 1) * BH;
        const float* cp = c_all + t * BH;
        float* cn = c_all + (t + 1) * BH;
        float* gt = gates + t * B * G;
        cpu::gemm_packed(own_rows(active[static_cast<std::size_t>(t)], k, n), hp + k * H, n * H,
                         whh_t, true, gt + k * G, n * G);
#pragma omp parallel for if (par && n == 1)
        for (std::int64_t b = k; b < B; b += n) {
          float* g = gt + b * G;
          const float* cpb = cp + b * H;
          const float* hpb = hp + b * H;
          float* cnb = cn + b * H;
          float* hnb = hn + b * H;
          bool v = valid(len, t, b);
          if (v) {
#pragma omp simd
            for (std::int64_t j = 0; j < H; ++j) {
              float i = cpu::fast_sigmoid(g[j]);
              float fg = cpu::fast_sigmoid(g[H + j]);
              float gg = cpu::fast_tanh(g[2 * H + j]);
              float o = cpu::fast_sigmoid(g[3 * H + j]);
              g[j] = i;
              g[H + j] = fg;
              g[2 * H + j] = gg;
              g[3 * H + j] = o;
              float c = fg * cpb[j] + i * gg;
              cnb[j] = c;
              hnb[j] = o * cpu::fast_tanh(c);
            }
          } else {
            std::memcpy(cnb, cpb, sizeof(float) * H);
            std::memcpy(hnb, hpb, sizeof(float) * H);
            std::memset(g, 0, sizeof(float) * G);
          }
          if (separate_y) write_output(y + t * BH + b * H, hnb, v, H);
        }
      }
    });
    std::memcpy(f.c_n.data(), c_all + d.T * BH, sizeof(float) * BH);
  } else {  // GRU, PyTorch's formulation: n = tanh(x_n + r * (W_hn h + b_hn))
    float* gates = f.gates.data();
    float* hn_all = f.hn.data();
    project_inputs(d, x, w.w_ih, w.b_ih.data(), nullptr, gates);
    Tensor hproj_t = Tensor::empty({B, G});
    float* hproj = hproj_t.data();
    const float* bhh = w.b_hh.data();
    run_team(B, [&](int k, int n) {
      for (std::int64_t t = 0; t < d.T; ++t) {
        const float* hp = h_all + t * BH;
        float* hnext = h_all + (t + 1) * BH;
        float* gt = gates + t * B * G;
        // hproj = h W_hh^T + b_hh (finished rows are not read).
        cpu::gemm_packed(own_rows(active[static_cast<std::size_t>(t)], k, n), hp + k * H, n * H,
                         whh_t, false, hproj + k * G, n * G, bhh);
#pragma omp parallel for if (par && n == 1)
        for (std::int64_t b = k; b < B; b += n) {
          float* g = gt + b * G;
          const float* hpj = hproj + b * G;
          const float* hpb = hp + b * H;
          float* hnb = hnext + b * H;
          float* hnv = hn_all + t * BH + b * H;
          bool v = valid(len, t, b);
          if (v) {
#pragma omp simd
            for (std::int64_t j = 0; j < H; ++j) {
              float r = cpu::fast_sigmoid(g[j] + hpj[j]);
              float z = cpu::fast_sigmoid(g[H + j] + hpj[H + j]);
              float n = cpu::fast_tanh(g[2 * H + j] + r * hpj[2 * H + j]);
              g[j] = r;
              g[H + j] = z;
              g[2 * H + j] = n;
              hnv[j] = hpj[2 * H + j];
              hnb[j] = (1.0f - z) * n + z * hpb[j];
            }
          } else {
            std::memcpy(hnb, hpb, sizeof(float) * H);
            std::memset(g, 0, sizeof(float) * G);
            std::memset(hnv, 0, sizeof(float) * H);
          }
          if (separate_y) write_output(y + t * BH + b * H, hnb, v, H);
        }
      }
    });
  }
  std::memcpy(f.h_n.data(), h_all + d.T * BH, sizeof(float) * BH);
}

template <>
void recurrent_backward<kC>(CellType cell, const Tensor& x, const RecurrentWeights& w,
                            const Tensor& lengths, const RecurrentForward& f, const Tensor& dy,
                            const Tensor& dh_n, const Tensor& dc_n, RecurrentGrads& out) {
  Dims d = dims_of(cell, x, w);
  const std::int64_t B = d.B, H = d.H, G = d.G, BH = B * H, T = d.T;
  const std::int32_t* len = lengths.defined() ? lengths.data<std::int32_t>() : nullptr;
  const bool par = BH > cpu::kParallelGrain;
  const auto active = active_rows(len, T, B);
  const float* dyp = dy.defined() ? dy.data() : nullptr;
  const float* h_all = f.h_all.data();
  const cpu::PackedMatrix whh(w.w_hh.data(), H, /*trans=*/false, G, H);

  // Running gradients of h (and c) flowing back in time.
  float* dh = out.dh0.data();
  if (dh_n.defined())
    std::memcpy(dh, dh_n.data(), sizeof(float) * BH);
  else
    std::memset(dh, 0, sizeof(float) * BH);
  float* dc = nullptr;
  if (cell == CellType::kLSTM) {
    dc = out.dc0.data();
    if (dc_n.defined())
      std::memcpy(dc, dc_n.data(), sizeof(float) * BH);
    else
      std::memset(dc, 0, sizeof(float) * BH);
  }
  // Gradients of the pre-activations: for the input side (dX) and, for the
  // GRU only, a different one for the recurrent side (dH). Only the rows that
  // ran are kept, step after step (active[t] rows from row first[t]), so the
  // weight gradients below do no work on padding.
  std::vector<std::int64_t> first(static_cast<std::size_t>(T) + 1, 0);
  for (std::size_t t = 0; t < active.size(); ++t) first[t + 1] = first[t] + active[t];
  const std::int64_t rows = first.back();
  Tensor dxg_t = Tensor::empty({rows, G});
  Tensor dhg_t = cell == CellType::kGRU ? Tensor::empty({rows, G}) : dxg_t;
  float* dxg = dxg_t.data();
  float* dhg = dhg_t.data();

  run_team(B, [&](int k, int n) {
    for (std::int64_t t = T - 1; t >= 0; --t) {
      const float* hp = h_all + t * BH;
      const float* hcur = h_all + (t + 1) * BH;
      float* dX = dxg + first[static_cast<std::size_t>(t)] * G;
      float* dH = dhg + first[static_cast<std::size_t>(t)] * G;
#pragma omp parallel for if (par && n == 1)
      for (std::int64_t b = k; b < active[static_cast<std::size_t>(t)]; b += n) {
        float* dhb = dh + b * H;
        float* dXb = dX + b * G;
        float* dHb = dH + b * G;
        if (!valid(len, t, b)) {  // state passed through unchanged
          std::memset(dXb, 0, sizeof(float) * G);
          if (dHb != dXb) std::memset(dHb, 0, sizeof(float) * G);
          continue;
        }
        const float* dyb = dyp ? dyp + t * BH + b * H : nullptr;
        if (cell == CellType::kRNN) {
          const float* hb = hcur + b * H;
#pragma omp simd
          for (std::int64_t j = 0; j < H; ++j) {
            float g = dhb[j] + (dyb ? dyb[j] : 0.0f);
            dXb[j] = g * (1.0f - hb[j] * hb[j]);
            dhb[j] = 0.0f;
          }
        } else if (cell == CellType::kLSTM) {
          const float* g = f.gates.data() + (t * B + b) * G;
          const float* cb = f.c_all.data() + (t + 1) * BH + b * H;
          const float* cpb = f.c_all.data() + t * BH + b * H;
          float* dcb = dc + b * H;
#pragma omp simd
          for (std::int64_t j = 0; j < H; ++j) {
            dcb[j] =
                lstm_gate_grads(g[j], g[H + j], g[2 * H + j], g[3 * H + j], cpu::fast_tanh(cb[j]),
                                cpb[j], dhb[j] + (dyb ? dyb[j] : 0.0f), dcb[j], dXb + j, H);
            dhb[j] = 0.0f;
          }
        } else {
          const float* g = f.gates.data() + (t * B + b) * G;
          const float* hnv = f.hn.data() + t * BH + b * H;
          const float* hpb = hp + b * H;
#pragma omp simd
          for (std::int64_t j = 0; j < H; ++j) {
            dhb[j] = gru_gate_grads(g[j], g[H + j], g[2 * H + j], hnv[j], hpb[j],
                                    dhb[j] + (dyb ? dyb[j] : 0.0f), dXb + j, dHb + j, H);
          }
        }
      }
      cpu::gemm_packed(own_rows(active[static_cast<std::size_t>(t)], k, n), dH + k * G, n * G, whh,
                       true, dh + k * H, n * H);
    }
  });

  // Weight gradients: dW_ih and dW_hh in one product with the rows
  // [x_t | h_{t-1}] (for the GRU, whose two sides differ, two products of it).
  const std::int64_t I = d.I, IH = I + H;
  Tensor xh_t = Tensor::empty({rows, IH});
  float* xh = xh_t.data();
  for (std::int64_t t = 0; t < T; ++t)
    for (std::int64_t b = 0; b < active[static_cast<std::size_t>(t)]; ++b) {
      float* r = xh + (first[static_cast<std::size_t>(t)] + b) * IH;
      std::memcpy(r, x.data() + (t * B + b) * I, sizeof(float) * I);
      std::memcpy(r + I, h_all + t * BH + b * H, sizeof(float) * H);
    }
  if (cell == CellType::kGRU) {
    cpu::sgemm(true, false, G, I, rows, 1.0f, dxg, G, xh, IH, 0.0f, out.dw_ih.data(), I);
    cpu::sgemm(true, false, G, H, rows, 1.0f, dhg, G, xh + I, IH, 0.0f, out.dw_hh.data(), H);
  } else {
    Tensor dw_t = Tensor::empty({G, IH});
    const float* dw = dw_t.data();
    cpu::sgemm(true, false, G, IH, rows, 1.0f, dxg, G, xh, IH, 0.0f, dw_t.data(), IH);
    for (std::int64_t g = 0; g < G; ++g) {
      std::memcpy(out.dw_ih.data() + g * I, dw + g * IH, sizeof(float) * I);
      std::memcpy(out.dw_hh.data() + g * H, dw + g * IH + I, sizeof(float) * H);
    }
  }
  // dx = dX W_ih, zero where a sequence had ended.
  const cpu::PackedMatrix wih(w.w_ih.data(), I, /*trans=*/false, G, I);
  for (std::int64_t t = 0; t < T; ++t) {
    const std::int64_t n = active[static_cast<std::size_t>(t)];
    float* dxt = out.dx.data() + t * B * I;
    cpu::gemm_packed(n, dxg + first[static_cast<std::size_t>(t)] * G, G, wih, false, dxt, I);
    std::memset(dxt + n * I, 0, sizeof(float) * (B - n) * I);
  }
  reduce_rows<kC>(dxg_t, out.db_ih);
  if (cell == CellType::kGRU)
    reduce_rows<kC>(dhg_t, out.db_hh);
  else
    std::memcpy(out.db_hh.data(), out.db_ih.data(), sizeof(float) * G);
}

}  // namespace rnnkit::ops::kernels

// The per-step gate kernels of the fused recurrent layers; the GEMMs around
// them are cuBLAS calls in recurrent_cuda.cc. Same math and same stored
// activations as the CPU version (ops/cpu/recurrent_cpu.cc), except that the
// biases are added here rather than folded into the input projection.
#include "ops/cell_grad.h"
#include "ops/cuda/common.cuh"
#include "ops/cuda/launch.h"

namespace rnnkit::cuda {
namespace {

__device__ bool valid(const StepArgs& a, i64 b) { return !a.len || a.t < a.len[b]; }

__global__ void rnn_forward_k(StepArgs a, float* h, const float* hp, const float* bih,
                              const float* bhh, float* y) {
  RNNKIT_GRID_STRIDE(k, a.B * a.H) {
    i64 b = k / a.H, j = k % a.H;
    bool v = valid(a, b);
    float out = v ? tanhf(h[k] + bih[j] + bhh[j]) : hp[k];
    h[k] = out;
    if (y) y[k] = v ? out : 0.0f;
  }
}

__global__ void lstm_forward_k(StepArgs a, float* gates, const float* bih, const float* bhh,
                               const float* cp, const float* hp, float* c, float* h, float* y) {
  const i64 H = a.H;
  RNNKIT_GRID_STRIDE(k, a.B * H) {
    i64 b = k / H, j = k % H;
    float* g = gates + b * 4 * H;
    bool v = valid(a, b);
    if (v) {
      float i = sigmoidf(g[j] + bih[j] + bhh[j]);
      float f = sigmoidf(g[H + j] + bih[H + j] + bhh[H + j]);
      float gg = tanhf(g[2 * H + j] + bih[2 * H + j] + bhh[2 * H + j]);
      float o = sigmoidf(g[3 * H + j] + bih[3 * H + j] + bhh[3 * H + j]);
      g[j] = i;
      g[H + j] = f;
      g[2 * H + j] = gg;
      g[3 * H + j] = o;
      float cv = f * cp[k] + i * gg;
      c[k] = cv;
      h[k] = o * tanhf(cv);
    } else {
      c[k] = cp[k];
      h[k] = hp[k];
      g[j] = g[H + j] = g[2 * H + j] = g[3 * H + j] = 0.0f;
    }
    if (y) y[k] = v ? h[k] : 0.0f;
  }
}

// PyTorch's GRU: n = tanh(x_n + b_in + r * (W_hn h + b_hn)); hproj = h W_hh^T.
__global__ void gru_forward_k(StepArgs a, float* gates, const float* hproj, const float* bih,
                              const float* bhh, const float* hp, float* hn, float* h, float* y) {
  const i64 H = a.H;
  RNNKIT_GRID_STRIDE(k, a.B * H) {
    i64 b = k / H, j = k % H;
    float* g = gates + b * 3 * H;
    const float* p = hproj + b * 3 * H;
    bool v = valid(a, b);
    if (v) {
      float r = sigmoidf(g[j] + bih[j] + p[j] + bhh[j]);
      float z = sigmoidf(g[H + j] + bih[H + j] + p[H + j] + bhh[H + j]);
      float hnv = p[2 * H + j] + bhh[2 * H + j];
      float n = tanhf(g[2 * H + j] + bih[2 * H + j] + r * hnv);
      g[j] = r;
      g[H + j] = z;
      g[2 * H + j] = n;
      hn[k] = hnv;
      h[k] = (1.0f - z) * n + z * hp[k];
    } else {
      h[k] = hp[k];
      g[j] = g[H + j] = g[2 * H + j] = 0.0f;
      hn[k] = 0.0f;
    }
    if (y) y[k] = v ? h[k] : 0.0f;
  }
}

// Backward: dh holds the gradient flowing back in time; it is reset (or, for
// the GRU, set to its direct part) here, and the GEMM with W_hh adds the rest.
// Past a sequence's end the state passed through unchanged: dh stays, dX = 0.
__global__ void rnn_backward_k(StepArgs a, const float* h, const float* dy, float* dh, float* dX) {
  RNNKIT_GRID_STRIDE(k, a.B * a.H) {
    if (!valid(a, k / a.H)) {
      dX[k] = 0.0f;
      continue;
    }
    float g = dh[k] + (dy ? dy[k] : 0.0f);
    dX[k] = g * (1.0f - h[k] * h[k]);
    dh[k] = 0.0f;
  }
}

__global__ void lstm_backward_k(StepArgs a, const float* gates, const float* c, const float* cp,
                                const float* dy, float* dh, float* dc, float* dX) {
  const i64 H = a.H;
  RNNKIT_GRID_STRIDE(k, a.B * H) {
    i64 b = k / H, j = k % H;
    float* d = dX + b * 4 * H;
    if (!valid(a, b)) {
      d[j] = d[H + j] = d[2 * H + j] = d[3 * H + j] = 0.0f;
      continue;
    }
    const float* g = gates + b * 4 * H;
    dc[k] = ops::lstm_gate_grads(g[j], g[H + j], g[2 * H + j], g[3 * H + j], tanhf(c[k]), cp[k],
                                 dh[k] + (dy ? dy[k] : 0.0f), dc[k], d + j, H);
    dh[k] = 0.0f;
  }
}

__global__ void gru_backward_k(StepArgs a, const float* gates, const float* hn, const float* hp,
                               const float* dy, float* dh, float* dX, float* dH) {
  const i64 H = a.H;
  RNNKIT_GRID_STRIDE(k, a.B * H) {
    i64 b = k / H, j = k % H;
    float* dx = dX + b * 3 * H;
    float* dhh = dH + b * 3 * H;
    if (!valid(a, b)) {
      dx[j] = dx[H + j] = dx[2 * H + j] = 0.0f;
      dhh[j] = dhh[H + j] = dhh[2 * H + j] = 0.0f;
      continue;
    }
    const float* g = gates + b * 3 * H;
    dh[k] = ops::gru_gate_grads(g[j], g[H + j], g[2 * H + j], hn[k], hp[k],
                                dh[k] + (dy ? dy[k] : 0.0f), dx + j, dhh + j, H);
  }
}

}  // namespace

void rnn_forward_step(const StepArgs& a, float* h, const float* hp, const float* b_ih,
                      const float* b_hh, float* y, cudaStream_t s) {
  rnn_forward_k<<<grid_for(a.B * a.H), kThreads, 0, s>>>(a, h, hp, b_ih, b_hh, y);
}

void lstm_forward_step(const StepArgs& a, float* gates, const float* b_ih, const float* b_hh,
                       const float* cp, const float* hp, float* c, float* h, float* y,
                       cudaStream_t s) {
  lstm_forward_k<<<grid_for(a.B * a.H), kThreads, 0, s>>>(a, gates, b_ih, b_hh, cp, hp, c, h, y);
}

void gru_forward_step(const StepArgs& a, float* gates, const float* hproj, const float* b_ih,
                      const float* b_hh, const float* hp, float* hn, float* h, float* y,
                      cudaStream_t s) {
  gru_forward_k<<<grid_for(a.B * a.H), kThreads, 0, s>>>(a, gates, hproj, b_ih, b_hh, hp, hn, h, y);
}

void rnn_backward_step(const StepArgs& a, const float* h, const float* dy, float* dh, float* dX,
                       cudaStream_t s) {
  rnn_backward_k<<<grid_for(a.B * a.H), kThreads, 0, s>>>(a, h, dy, dh, dX);
}

void lstm_backward_step(const StepArgs& a, const float* gates, const float* c, const float* cp,
                        const float* dy, float* dh, float* dc, float* dX, cudaStream_t s) {
  lstm_backward_k<<<grid_for(a.B * a.H), kThreads, 0, s>>>(a, gates, c, cp, dy, dh, dc, dX);
}

void gru_backward_step(const StepArgs& a, const float* gates, const float* hn, const float* hp,
                       const float* dy, float* dh, float* dX, float* dH, cudaStream_t s) {
  gru_backward_k<<<grid_for(a.B * a.H), kThreads, 0, s>>>(a, gates, hn, hp, dy, dh, dX, dH);
}

}  // namespace rnnkit::cuda

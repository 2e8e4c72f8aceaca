// The gate gradients of the recurrent cells at one hidden unit: one definition
// for the CPU loop (ops/cpu/recurrent_cpu.cc) and the CUDA kernels
// (ops/cuda/recurrent.cu). Gates are stored activated (sigmoid/tanh applied);
// outputs are gradients with respect to the gates' pre-activations, written
// at d[0], d[H], d[2H] (d[3H]) in PyTorch's gate order.
#pragma once

#include <cstdint>

#include "rnnkit/core/host_device.h"

namespace rnnkit::ops {

// LSTM (gates i, f, g, o). dh: dL/dh_t; dc: dL/dc_t from step t+1;
// tc = tanh(c_t); cp = c_{t-1}. Returns dL/dc_{t-1}.
RNNKIT_HOST_DEVICE inline float lstm_gate_grads(float i, float f, float g, float o, float tc,
                                                float cp, float dh, float dc, float* d,
                                                std::int64_t H) {
  float dct = dc + dh * o * (1.0f - tc * tc);
  d[0] = dct * g * i * (1.0f - i);
  d[H] = dct * cp * f * (1.0f - f);
  d[2 * H] = dct * i * (1.0f - g * g);
  d[3 * H] = dh * tc * o * (1.0f - o);
  return dct * f;
}

// GRU (gates r, z, n; PyTorch's n = tanh(x_n + r * hn) with hn = W_hn h + b_hn).
// dx: gradients of the input-side pre-activations; dhh: of the hidden-side
// products (the n row carries the factor r). Returns the direct part of
// dL/dh_{t-1} (the rest comes back through W_hh).
RNNKIT_HOST_DEVICE inline float gru_gate_grads(float r, float z, float n, float hn, float hp,
                                               float dh, float* dx, float* dhh, std::int64_t H) {
  float dn = dh * (1.0f - z) * (1.0f - n * n);
  float dr = dn * hn * r * (1.0f - r);
  float dz = dh * (hp - n) * z * (1.0f - z);
  dx[0] = dhh[0] = dr;
  dx[H] = dhh[H] = dz;
  dx[2 * H] = dn;
  dhh[2 * H] = dn * r;
  return dh * z;
}

}  // namespace rnnkit::ops

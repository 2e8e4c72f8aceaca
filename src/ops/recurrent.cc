#include "ops/check.h"
#include "ops/dispatch.h"
#include "ops/kernels.h"

namespace rnnkit::ops {

int gate_count(CellType c) { return c == CellType::kLSTM ? 4 : c == CellType::kGRU ? 3 : 1; }
const char* cell_name(CellType c) {
  return c == CellType::kLSTM ? "lstm" : c == CellType::kGRU ? "gru" : "rnn";
}

namespace {
void check_weights(CellType cell, const Tensor& x, const RecurrentWeights& w, const Tensor& lengths,
                   std::int64_t hidden) {
  const char* op = cell_name(cell);
  RNNKIT_CHECK(x.dim() == 3, "{}: input must be [T, B, I], got {}", op, shape_str(x.shape()));
  std::int64_t g = gate_count(cell) * hidden;
  check_shape(w.w_ih, {g, x.size(2)}, op, "weight_ih");
  check_shape(w.w_hh, {g, hidden}, op, "weight_hh");
  check_shape(w.b_ih, {g}, op, "bias_ih");
  check_shape(w.b_hh, {g}, op, "bias_hh");
  for (const Tensor* t : {&w.w_ih, &w.w_hh, &w.b_ih, &w.b_hh}) check_same_device(x, *t, op);
  if (lengths.defined()) {
    RNNKIT_CHECK(lengths.dtype() == DType::kInt32 && lengths.numel() == x.size(1),
                 "{}: lengths must be int32 [{}], got {} {}", op, x.size(1),
                 dtype_name(lengths.dtype()), shape_str(lengths.shape()));
  }
}
}  // namespace

RecurrentForward recurrent_forward(CellType cell, const Tensor& x, const Tensor& h0,
                                   const Tensor& c0, const RecurrentWeights& w,
                                   const Tensor& lengths) {
  const char* op = cell_name(cell);
  check_defined(h0, op, "h0");
  std::int64_t T = x.size(0), B = x.size(1), H = h0.size(-1);
  check_weights(cell, x, w, lengths, H);
  check_shape(h0, {B, H}, op, "h0");
  if (cell == CellType::kLSTM) {
    check_defined(c0, op, "c0");
    check_shape(c0, {B, H}, op, "c0");
  }
  Device dev = x.device();
  RecurrentForward f;
  f.h_all = Tensor::empty({T + 1, B, H}, dev);
  Tensor first = f.h_all.narrow0(0, 1).view({B, H});
  copy_(first, h0);
  if (cell == CellType::kLSTM) {
    f.c_all = Tensor::empty({T + 1, B, H}, dev);
    Tensor c_first = f.c_all.narrow0(0, 1).view({B, H});
    copy_(c_first, c0);
    f.c_n = Tensor::empty({B, H}, dev);
  }
  if (cell != CellType::kRNN) f.gates = Tensor::empty({T, B, gate_count(cell) * H}, dev);
  if (cell == CellType::kGRU) f.hn = Tensor::empty({T, B, H}, dev);
  // Without lengths the outputs are the states themselves: no copy.
  f.y = lengths.defined() ? Tensor::empty({T, B, H}, dev) : f.h_all.narrow0(1, T);
  f.h_n = Tensor::empty({B, H}, dev);
  RNNKIT_DISPATCH(dev, kernels::recurrent_forward<D>(cell, x, w, lengths, f));
  return f;
}

RecurrentGrads recurrent_backward(CellType cell, const Tensor& x, const RecurrentWeights& w,
                                  const Tensor& lengths, const RecurrentForward& fwd,
                                  const Tensor& dy, const Tensor& dh_n, const Tensor& dc_n) {
  const char* op = cell_name(cell);
  std::int64_t T = x.size(0), B = x.size(1), H = fwd.h_n.size(1);
  check_weights(cell, x, w, lengths, H);
  if (dy.defined()) check_shape(dy, {T, B, H}, op, "dy");
  if (dh_n.defined()) check_shape(dh_n, {B, H}, op, "dh_n");
  if (dc_n.defined()) check_shape(dc_n, {B, H}, op, "dc_n");
  Device dev = x.device();
  RecurrentGrads g;
  g.dx = Tensor::empty(x.shape(), dev);
  g.dh0 = Tensor::empty({B, H}, dev);
  if (cell == CellType::kLSTM) g.dc0 = Tensor::empty({B, H}, dev);
  g.dw_ih = Tensor::empty(w.w_ih.shape(), dev);
  g.dw_hh = Tensor::empty(w.w_hh.shape(), dev);
  g.db_ih = Tensor::empty(w.b_ih.shape(), dev);
  g.db_hh = Tensor::empty(w.b_hh.shape(), dev);
  RNNKIT_DISPATCH(dev, kernels::recurrent_backward<D>(cell, x, w, lengths, fwd, dy, dh_n, dc_n, g));
  return g;
}

}  // namespace rnnkit::ops

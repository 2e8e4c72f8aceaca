// The fused recurrent sequence function and its gradient rule.
#include "rnnkit/autograd/functions.h"

namespace rnnkit::fn {

RecurrentResult recurrent(ops::CellType cell, const Var& x, const Var& h0, const Var& c0,
                          const Var& w_ih, const Var& w_hh, const Var& b_ih, const Var& b_hh,
                          const Tensor& lengths) {
  ops::RecurrentWeights w{w_ih.value(), w_hh.value(), b_ih.value(), b_hh.value()};
  bool lstm = cell == ops::CellType::kLSTM;
  Tensor c0v = lstm ? c0.value() : Tensor();
  auto f = std::make_shared<ops::RecurrentForward>(
      ops::recurrent_forward(cell, x.value(), h0.value(), c0v, w, lengths));
  bool grad = needs_grad({&x, &h0, &w_ih, &w_hh, &b_ih, &b_hh}) || (lstm && needs_grad({&c0}));
  RecurrentResult r{Var(f->y, grad), Var(f->h_n, grad), lstm ? Var(f->c_n, grad) : Var()};
  if (grad) {
    Tape::current().record([=]() mutable {
      bool any = r.y.has_grad() || r.h_n.has_grad() || (lstm && r.c_n.has_grad());
      if (!any) return;
      ops::RecurrentWeights w{w_ih.value(), w_hh.value(), b_ih.value(), b_hh.value()};
      ops::RecurrentGrads g = ops::recurrent_backward(
          cell, x.value(), w, lengths, *f, r.y.has_grad() ? r.y.grad() : Tensor(),
          r.h_n.has_grad() ? r.h_n.grad() : Tensor(),
          lstm && r.c_n.has_grad() ? r.c_n.grad() : Tensor());
      if (x.requires_grad()) x.accumulate_grad(g.dx, true);
      if (h0.requires_grad()) h0.accumulate_grad(g.dh0, true);
      if (lstm && c0.requires_grad()) c0.accumulate_grad(g.dc0, true);
      if (w_ih.requires_grad()) w_ih.accumulate_grad(g.dw_ih, true);
      if (w_hh.requires_grad()) w_hh.accumulate_grad(g.dw_hh, true);
      if (b_ih.requires_grad()) b_ih.accumulate_grad(g.db_ih, true);
      if (b_hh.requires_grad()) b_hh.accumulate_grad(g.db_hh, true);
    });
  }
  return r;
}

}  // namespace rnnkit::fn

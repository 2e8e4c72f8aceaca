#include "rnnkit/autograd/variable.h"

#include "rnnkit/ops/ops.h"

namespace rnnkit {

Var::Var(Tensor value, bool requires_grad) : node_(std::make_shared<VarNode>()) {
  node_->value = std::move(value);
  node_->requires_grad = requires_grad;
}

void Var::accumulate_grad(const Tensor& g, bool fresh) const {
  RNNKIT_CHECK(g.numel() == node_->value.numel(), "gradient {} does not match value {}",
               shape_str(g.shape()), shape_str(node_->value.shape()));
  if (!node_->grad.defined())
    node_->grad = fresh ? g.view(node_->value.shape()) : g.clone().view(node_->value.shape());
  else
    ops::add_(node_->grad, g);
}

namespace {
thread_local bool g_grad_enabled = true;
}

Tape& Tape::current() {
  thread_local Tape tape;
  return tape;
}

void Tape::backward(Var& root) {
  RNNKIT_CHECK(root.value().numel() == 1, "backward: root must have one element, has shape {}",
               shape_str(root.shape()));
  root.accumulate_grad(Tensor::full({1}, 1.0f, root.value().device()), true);
  // Entries may not record while replaying; move them out first.
  auto entries = std::move(entries_);
  entries_.clear();
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) (*it)();
}

bool grad_enabled() { return g_grad_enabled; }

NoGradGuard::NoGradGuard() : prev_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = prev_; }

}  // namespace rnnkit

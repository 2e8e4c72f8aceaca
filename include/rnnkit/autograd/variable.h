// Define-by-run autograd. A Var is a tensor value with an optional gradient;
// every differentiable function applied to Vars that need gradients records its
// backward rule on the current thread's Tape, and Tape::backward replays them in
// reverse order, accumulating gradients.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "rnnkit/core/tensor.h"

namespace rnnkit {

struct VarNode {
  Tensor value;
  Tensor grad;  // undefined until a gradient arrives (parameters: a view into a flat buffer)
  bool requires_grad = false;
};

class Var {
 public:
  Var() = default;
  explicit Var(Tensor value, bool requires_grad = false);

  bool defined() const { return node_ != nullptr; }
  const Tensor& value() const { return node_->value; }
  Tensor& value() { return node_->value; }
  const Shape& shape() const { return node_->value.shape(); }
  bool requires_grad() const { return node_ && node_->requires_grad; }

  bool has_grad() const { return node_ && node_->grad.defined(); }
  const Tensor& grad() const { return node_->grad; }
  // Adds g into the gradient. `fresh`: g is a new tensor nobody else holds, so
  // the first gradient of an intermediate can adopt it instead of copying.
  void accumulate_grad(const Tensor& g, bool fresh = false) const;
  // A Var is a handle: these change the shared node, not the handle.
  // Parameters keep their gradient in a preallocated buffer.
  void set_grad_buffer(Tensor g) const { node_->grad = std::move(g); }
  void clear_grad() const { node_->grad = Tensor(); }
  // A frozen parameter: no gradient flows to it and no optimiser updates it.
  void set_requires_grad(bool on) const { node_->requires_grad = on; }

  // The same value, cut from the graph.
  Var detach() const { return Var(node_->value, false); }
  bool same(const Var& o) const { return node_ == o.node_; }

 private:
  std::shared_ptr<VarNode> node_;
};

class Tape {
 public:
  // The tape of the calling thread.
  static Tape& current();

  void record(std::function<void()> backward) { entries_.push_back(std::move(backward)); }
  // Seeds d(root)/d(root) = 1 (root must be one element), runs every recorded
  // rule in reverse and clears the tape.
  void backward(Var& root);
  void clear() { entries_.clear(); }
  std::size_t size() const { return entries_.size(); }

 private:
  std::vector<std::function<void()>> entries_;
};

bool grad_enabled();

// Evaluation scope: nothing is recorded while one is alive.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// True when a function of these inputs must record its backward.
inline bool needs_grad(std::initializer_list<const Var*> inputs) {
  if (!grad_enabled()) return false;
  for (const Var* v : inputs)
    if (v->requires_grad()) return true;
  return false;
}

}  // namespace rnnkit

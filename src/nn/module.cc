#include "rnnkit/nn/module.h"

#include <cmath>

#include "rnnkit/ops/ops.h"

namespace rnnkit::nn {

Var Module::register_parameter(const std::string& name, const Shape& shape) {
  Var v(Tensor::zeros(shape), true);
  params_.emplace_back(name, v);
  return v;
}

void Module::register_module(const std::string& name, Module* child) {
  children_.emplace_back(name, child);
}

void Module::collect(const std::string& prefix,
                     std::vector<std::pair<std::string, Var>>& out) const {
  for (const auto& [name, v] : params_) {
    bool seen = false;
    for (const auto& [n, o] : out) seen = seen || o.same(v);
    if (!seen) out.emplace_back(prefix + name, v);
  }
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", out);
}

std::vector<std::pair<std::string, Var>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Var>> out;
  collect("", out);
  return out;
}

void Module::reset_parameters(Generator& gen) {
  for (auto& [name, child] : children_) child->reset_parameters(gen);
}

void uniform_init(Var& v, Generator& gen, float range) {
  Tensor& t = v.value();
  ops::uniform_(t, gen, gen.reserve(static_cast<std::uint64_t>(t.numel())), -range, range);
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

ParameterSet::ParameterSet(const Module& module, Device device) {
  std::int64_t total = 0;
  for (bool trainable : {true, false}) {
    for (auto& [name, v] : module.named_parameters()) {
      if (v.requires_grad() != trainable) continue;
      entries_.push_back({name, v, total});
      // Each parameter starts on a 16-float boundary for aligned vector loads.
      total += (v.value().numel() + 15) / 16 * 16;
    }
    if (trainable) trainable_ = total;
  }
  values_ = Tensor::zeros({total}, device);
  grads_ = Tensor::zeros({total}, device);
  for (auto& e : entries_) {
    Tensor old = e.var.value();
    Tensor view = values_.narrow0(e.offset, old.numel()).view(old.shape());
    ops::copy_(view, old);
    e.var.value() = view;
    e.var.set_grad_buffer(grads_.narrow0(e.offset, old.numel()).view(old.shape()));
  }
}

const ParameterSet::Entry* ParameterSet::find(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

void ParameterSet::zero_grad() { ops::fill_(grads_, 0.0f); }

Tensor clip_grad_norm(ParameterSet& params, float max_norm) {
  return ops::clip_norm_(params.grads(), max_norm);
}

}  // namespace rnnkit::nn

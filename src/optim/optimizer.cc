#include "rnnkit/optim/optimizer.h"

#include <cmath>

#include "rnnkit/ops/ops.h"

namespace rnnkit::optim {

void OptimizerOptions::validate() const {
  const std::string& n = name;
  RNNKIT_CHECK(n == "sgd" || n == "adagrad" || n == "rmsprop" || n == "adam" || n == "adamw",
               "unknown optimizer '{}' (expected sgd, adagrad, rmsprop, adam or adamw)", n);
  RNNKIT_CHECK(lr > 0.0f && std::isfinite(lr), "--lr must be positive, got {}", lr);
  RNNKIT_CHECK(momentum >= 0.0f && momentum < 1.0f, "--momentum {} outside [0, 1)", momentum);
  RNNKIT_CHECK(weight_decay >= 0.0f, "--weight-decay must not be negative, got {}", weight_decay);
  RNNKIT_CHECK(beta1 >= 0.0f && beta1 < 1.0f && beta2 >= 0.0f && beta2 < 1.0f && alpha >= 0.0f &&
                   alpha < 1.0f && eps > 0.0f,
               "optimizer constants out of range (beta1 {}, beta2 {}, alpha {}, eps {})", beta1,
               beta2, alpha, eps);
}

Optimizer::Optimizer(nn::ParameterSet& params, const OptimizerOptions& opts)
    : params_(params), opts_(opts) {
  opts_.validate();
  const std::string& n = opts_.name;
  bool needs0 = n != "sgd" || opts_.momentum != 0.0f;
  const std::int64_t numel = params.trainable_numel();
  if (needs0) state0_ = Tensor::zeros({numel}, params.device());
  if (n == "adam" || n == "adamw") state1_ = Tensor::zeros({numel}, params.device());
}

void Optimizer::step() {
  ++steps_;
  // Frozen parameters sit past the trainable part of the buffers.
  const std::int64_t numel = params_.trainable_numel();
  Tensor w = params_.values().narrow0(0, numel);
  const Tensor g = params_.grads().narrow0(0, numel);
  const std::string& n = opts_.name;
  if (n == "sgd")
    ops::sgd_update_(w, g, state0_, opts_.lr, opts_.momentum, opts_.weight_decay);
  else if (n == "adagrad")
    ops::adagrad_update_(w, g, state0_, opts_.lr, opts_.eps, opts_.weight_decay);
  else if (n == "rmsprop")
    ops::rmsprop_update_(w, g, state0_, opts_.lr, opts_.alpha, opts_.eps, opts_.weight_decay);
  else
    ops::adam_update_(w, g, state0_, state1_, opts_.lr, opts_.beta1, opts_.beta2, opts_.eps,
                      opts_.weight_decay, n == "adamw", steps_);
}

std::vector<std::pair<std::string, Tensor>> Optimizer::state() const {
  std::vector<std::pair<std::string, Tensor>> out;
  if (state0_.defined()) out.emplace_back("optim.state0", state0_);
  if (state1_.defined()) out.emplace_back("optim.state1", state1_);
  return out;
}

void Optimizer::load_state(const std::vector<std::pair<std::string, Tensor>>& state) {
  for (const auto& [name, t] : state) {
    Tensor* dst = name == "optim.state0" ? &state0_ : name == "optim.state1" ? &state1_ : nullptr;
    if (!dst) continue;
    RNNKIT_CHECK(dst->defined() && dst->numel() == t.numel(),
                 "optimizer state '{}' has {} values, the {} optimizer expects {}", name, t.numel(),
                 opts_.name, dst->defined() ? dst->numel() : 0);
    ops::copy_(*dst, t);
  }
}

float StepDecay::lr_for_epoch(int epoch) const {
  return lr0 * std::pow(decay, static_cast<float>(std::max(0, epoch - start_epoch)));
}

float PlateauDecay::update(float metric, float lr) {
  if (metric < best_) {
    best_ = metric;
    bad_ = 0;
    return lr;
  }
  if (++bad_ > patience_ - 1) {
    bad_ = 0;
    return lr * factor_;
  }
  return lr;
}

}  // namespace rnnkit::optim

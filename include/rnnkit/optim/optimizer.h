// Optimisers over a ParameterSet's flat buffers: one update kernel per step.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "rnnkit/nn/module.h"

namespace rnnkit::optim {

struct OptimizerOptions {
  std::string name = "sgd";  // sgd | adagrad | rmsprop | adam | adamw
  float lr = 1.0f;
  float momentum = 0.0f;     // sgd
  float beta1 = 0.9f, beta2 = 0.999f;  // adam(w)
  float alpha = 0.99f;       // rmsprop smoothing
  float eps = 1e-8f;
  float weight_decay = 0.0f;
  // InvalidArgument for an unknown name or a rate, momentum, betas or decay out of range.
  void validate() const;
};

class Optimizer {
 public:
  Optimizer(nn::ParameterSet& params, const OptimizerOptions& opts);
  void step();
  float lr() const { return opts_.lr; }
  void set_lr(float lr) { opts_.lr = lr; }
  std::int64_t steps() const { return steps_; }
  void set_steps(std::int64_t s) { steps_ = s; }
  const OptimizerOptions& options() const { return opts_; }
  // Buffers to checkpoint ("optim.state0", ...), restored by name.
  std::vector<std::pair<std::string, Tensor>> state() const;
  void load_state(const std::vector<std::pair<std::string, Tensor>>& state);

 private:
  nn::ParameterSet& params_;
  OptimizerOptions opts_;
  Tensor state0_, state1_;
  std::int64_t steps_ = 0;
};

// Zaremba et al. 2014: lr0 * decay^max(0, epoch - start) for 1-based epochs.
struct StepDecay {
  float lr0 = 1.0f, decay = 1.0f;
  int start_epoch = 0;
  float lr_for_epoch(int epoch) const;
};

// Multiplies the rate by `factor` when the validation metric stops improving
// for `patience` evaluations.
class PlateauDecay {
 public:
  PlateauDecay(float factor, int patience) : factor_(factor), patience_(patience) {}
  // Returns the new learning rate.
  float update(float metric, float lr);
  float best() const { return best_; }
  int bad_epochs() const { return bad_; }
  void restore(float best, int bad) { best_ = best; bad_ = bad; }

 private:
  float factor_;
  int patience_;
  float best_ = 1e30f;
  int bad_ = 0;
};

}  // namespace rnnkit::optim

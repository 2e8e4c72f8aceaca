// Modules own parameters under hierarchical, PyTorch-style names
// ("rnn.weight_ih_l0"). A ParameterSet packs a model's parameters and their
// gradients into one contiguous buffer each, so zeroing, clipping, the
// optimiser step and a future all-reduce are one operation over one buffer.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "rnnkit/autograd/variable.h"
#include "rnnkit/core/rng.h"

namespace rnnkit::nn {

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Every parameter once (a parameter shared by two modules is listed under its
  // first name), in registration order.
  std::vector<std::pair<std::string, Var>> named_parameters() const;

  void train(bool on = true);
  bool training() const { return training_; }

  // Each module's own default initialisation, as torch.nn's reset_parameters:
  // Embedding U(+-sqrt 3) (unit variance, as torch's N(0, 1)), Linear and recurrent layers
  // U(+-1/sqrt(fan-in or hidden)). The default resets the children in order;
  // a module with parameters of its own overrides it. Draws come from `gen`
  // in parameter order, so a seed gives the same model on every device.
  virtual void reset_parameters(Generator& gen);

 protected:
  Var register_parameter(const std::string& name, const Shape& shape);
  // A parameter owned elsewhere (weight tying): listed under its owner's name.
  void register_module(const std::string& name, Module* child);

 private:
  void collect(const std::string& prefix, std::vector<std::pair<std::string, Var>>& out) const;
  std::vector<std::pair<std::string, Var>> params_;
  std::vector<std::pair<std::string, Module*>> children_;
  bool training_ = true;
};

// Fills a parameter with U(-range, range) from the next positions of `gen`.
void uniform_init(Var& v, Generator& gen, float range);

class ParameterSet {
 public:
  // Moves every parameter of `module` into one buffer on `device` (keeping
  // their values) and gives each a gradient view into one gradient buffer.
  // Frozen parameters (requires_grad off) come last, after trainable().
  ParameterSet(const Module& module, Device device);

  struct Entry {
    std::string name;
    Var var;
    std::int64_t offset;  // in elements, into both buffers
  };
  const std::vector<Entry>& entries() const { return entries_; }
  const Entry* find(const std::string& name) const;
  Tensor& values() { return values_; }
  Tensor& grads() { return grads_; }
  // The leading part of both buffers that optimisers update.
  std::int64_t trainable_numel() const { return trainable_; }
  std::int64_t numel() const { return values_.numel(); }
  Device device() const { return values_.device(); }
  void zero_grad();

 private:
  std::vector<Entry> entries_;
  Tensor values_, grads_;
  std::int64_t trainable_ = 0;
};

// Global-norm clipping (Pascanu et al. 2013): scales the gradients so that
// their joint L2 norm is at most max_norm. Returns the norm before clipping
// ([1], on the parameters' device: reading it is the caller's choice).
Tensor clip_grad_norm(ParameterSet& params, float max_norm);

}  // namespace rnnkit::nn

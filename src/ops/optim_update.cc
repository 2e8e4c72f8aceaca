#include "ops/check.h"
#include "ops/dispatch.h"
#include "ops/kernels.h"

namespace rnnkit::ops {
namespace {
void run(const kernels::OptimStep& s, Tensor& param, const Tensor& grad, Tensor& a, Tensor& b) {
  RNNKIT_CHECK(param.numel() == grad.numel() && (!a.defined() || a.numel() == param.numel()) &&
                   (!b.defined() || b.numel() == param.numel()),
               "optimiser update: parameter {} and gradient {} or state differ in size",
               shape_str(param.shape()), shape_str(grad.shape()));
  check_same_device(param, grad, "optimiser update");
  RNNKIT_DISPATCH(param.device(), kernels::optim_update<D>(s, param, grad, a, b));
}
}  // namespace

void sgd_update_(Tensor& param, const Tensor& grad, Tensor& momentum_buf, float lr, float momentum,
                 float weight_decay) {
  Tensor none;
  run({kernels::OptimStep::kSGD, lr, momentum, 0, 0, weight_decay, false, 0}, param, grad,
      momentum_buf, none);
}

void adagrad_update_(Tensor& param, const Tensor& grad, Tensor& sum_sq, float lr, float eps,
                     float weight_decay) {
  Tensor none;
  run({kernels::OptimStep::kAdaGrad, lr, 0, 0, eps, weight_decay, false, 0}, param, grad, sum_sq,
      none);
}

void rmsprop_update_(Tensor& param, const Tensor& grad, Tensor& sq_avg, float lr, float alpha,
                     float eps, float weight_decay) {
  Tensor none;
  run({kernels::OptimStep::kRMSProp, lr, 0, alpha, eps, weight_decay, false, 0}, param, grad,
      sq_avg, none);
}

void adam_update_(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, float lr, float beta1,
                  float beta2, float eps, float weight_decay, bool decoupled, std::int64_t step) {
  run({kernels::OptimStep::kAdam, lr, beta1, beta2, eps, weight_decay, decoupled, step}, param,
      grad, m, v);
}

}  // namespace rnnkit::ops

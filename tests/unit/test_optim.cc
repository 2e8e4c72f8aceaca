// optim: each update rule against a scalar reference, clipping, schedules.
#include <cmath>

#include "rnnkit/optim/optimizer.h"
#include "test_util.h"

namespace rnnkit {
namespace {

class Quad : public nn::Module {
 public:
  Quad() { w = register_parameter("w", {3}); }
  Var w;
};

// Reference implementations (PyTorch's documented update rules), in double.
struct Ref {
  std::string name;
  double lr, mom = 0, b1 = 0.9, b2 = 0.999, alpha = 0.99, eps = 1e-8, wd = 0;
  double w, m = 0, v = 0;
  int t = 0;
  void step(double g) {
    ++t;
    if (name == "adamw") w -= lr * wd * w;
    else g += wd * w;
    if (name == "sgd") {
      if (mom != 0) g = m = mom * m + g;
      w -= lr * g;
    } else if (name == "adagrad") {
      v += g * g;
      w -= lr * g / (std::sqrt(v) + eps);
    } else if (name == "rmsprop") {
      v = alpha * v + (1 - alpha) * g * g;
      w -= lr * g / (std::sqrt(v) + eps);
    } else {
      m = b1 * m + (1 - b1) * g;
      v = b2 * v + (1 - b2) * g * g;
      double mh = m / (1 - std::pow(b1, t)), vh = v / (1 - std::pow(b2, t));
      w -= lr * mh / (std::sqrt(vh) + eps);
    }
  }
};

TEST(Optimizer, MatchesReferenceRules) {
  for (std::string name : {"sgd", "adagrad", "rmsprop", "adam", "adamw"}) {
    SCOPED_TRACE(name);
    Quad q;
    Tensor init = Tensor::from_vector({0.5f, -1.0f, 2.0f}, {3});
    ops::copy_(q.w.value(), init);
    nn::ParameterSet ps(q, kCPU);
    optim::OptimizerOptions o;
    o.name = name;
    o.lr = 0.1f;
    o.momentum = name == "sgd" ? 0.9f : 0.0f;
    o.weight_decay = 0.01f;
    optim::Optimizer opt(ps, o);
    std::vector<Ref> refs;
    for (float w0 : init.to_vector())
      refs.push_back({name, 0.1, name == "sgd" ? 0.9 : 0.0, 0.9, 0.999, 0.99, 1e-8, 0.01, w0});
    for (int step = 0; step < 5; ++step) {
      ps.zero_grad();
      // loss = sum(w^3): gradient 3 w^2.
      Var l = fn::sum(fn::mul(fn::mul(q.w, q.w), q.w));
      Tape::current().backward(l);
      auto w = q.w.value().to_vector();
      for (std::size_t i = 0; i < 3; ++i) refs[i].step(3.0 * w[i] * w[i]);
      opt.step();
    }
    auto w = q.w.value().to_vector();
    for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(w[i], refs[i].w, 1e-5 + 1e-5 * std::abs(refs[i].w));
  }
}

TEST(Optimizer, ClipGlobalNorm) {
  Quad q;
  nn::ParameterSet ps(q, kCPU);
  Tensor g = Tensor::from_vector({3, 4, 0}, {3});
  Tensor dst = ps.grads().narrow0(0, 3);
  ops::copy_(dst, g);
  EXPECT_NEAR(nn::clip_grad_norm(ps, 1.0f).item(), 5.0f, 1e-6);
  auto c = q.w.grad().to_vector();
  EXPECT_NEAR(c[0], 0.6f, 1e-6);
  EXPECT_NEAR(c[1], 0.8f, 1e-6);
  EXPECT_NEAR(nn::clip_grad_norm(ps, 10.0f).item(), 1.0f, 1e-6);  // below the bound: unchanged
  EXPECT_NEAR(q.w.grad().to_vector()[1], 0.8f, 1e-6);
}

TEST(Schedule, ZarembaSmallStepDecay) {
  optim::StepDecay s{1.0f, 0.5f, 4};
  EXPECT_FLOAT_EQ(s.lr_for_epoch(1), 1.0f);
  EXPECT_FLOAT_EQ(s.lr_for_epoch(4), 1.0f);
  EXPECT_FLOAT_EQ(s.lr_for_epoch(5), 0.5f);
  EXPECT_FLOAT_EQ(s.lr_for_epoch(13), 1.0f / 512);
}

TEST(Schedule, PlateauDecaysAfterPatience) {
  optim::PlateauDecay p(0.25f, 2);
  float lr = 1.0f;
  lr = p.update(100, lr);
  lr = p.update(90, lr);
  EXPECT_FLOAT_EQ(lr, 1.0f);
  lr = p.update(95, lr);
  EXPECT_FLOAT_EQ(lr, 1.0f);
  lr = p.update(91, lr);
  EXPECT_FLOAT_EQ(lr, 0.25f);
}

}  // namespace
}  // namespace rnnkit

// Sampled output objectives: gradients, the importance-sampling estimate
// against the full softmax, and a language model trained with each.
#include <cmath>

#include "rnnkit/nn/sampled.h"
#include "test_util.h"

namespace rnnkit {
namespace {

using testing::random_tensor;

const std::vector<std::int64_t> kCounts = {50, 30, 20, 10, 8, 5, 3, 2, 1, 1};

class SampledGrad : public ::testing::TestWithParam<std::string> {};

TEST_P(SampledGrad, AllInputs) {
  const auto objective = nn::parse_sampled_objective(GetParam());
  nn::NoiseSampler q(kCounts, 0.75);
  nn::Linear out(5, 10);
  Tensor targets = Tensor::from_ids({0, 3, 7, 3}, {4});
  std::vector<std::int32_t> noise = {1, 3, 9, 1, 5, 0};  // 3 and 0 hit targets: those are dropped
  testing::gradcheck({Var(random_tensor({4, 5}, 1), true), Var(random_tensor({10, 5}, 2), true),
                      Var(random_tensor({10}, 3), true)},
                     [&](std::vector<Var>& v) {
                       out.weight = v[1];
                       out.bias = v[2];
                       return nn::sampled_loss(objective, v[0], out, targets, noise, q);
                     });
}

INSTANTIATE_TEST_SUITE_P(Objectives, SampledGrad, ::testing::Values("importance", "nce", "negative"));

// Importance sampling estimates the full softmax's cross-entropy with a bias
// that shrinks as the number of noise words grows.
TEST(Sampled, ImportanceBiasShrinksWithK) {
  nn::NoiseSampler q(kCounts, 0.75);
  nn::Linear out(5, 10);
  out.weight = Var(random_tensor({10, 5}, 4));
  out.bias = Var(random_tensor({10}, 5));
  Var h(random_tensor({6, 5}, 6));
  Tensor targets = Tensor::from_ids({0, 1, 4, 6, 8, 9}, {6});
  NoGradGuard ng;
  const double exact =
      fn::cross_entropy(out.forward(h), targets, {.reduction = fn::Reduction::kSum}).value().item();
  Generator gen(7, 0);
  auto bias = [&](std::int64_t k) {
    double sum = 0;
    const int draws = 400;
    for (int i = 0; i < draws; ++i)
      sum += nn::sampled_loss(nn::SampledObjective::kImportance, h, out, targets, q.draw(k, gen), q).value().item();
    return std::abs(sum / draws - exact);
  };
  double small = bias(4), large = bias(256);
  EXPECT_LT(large, small);
  EXPECT_LT(large, 0.02 * exact) << "exact " << exact;
}

}  // namespace
}  // namespace rnnkit

// Output layers for large vocabularies: the sampled objectives' gradients and
// the importance-sampling estimate against the full softmax; the
// hierarchical softmax's normalisation, its loss and gradients.
#include <cmath>

#include "rnnkit/nn/output.h"
#include "rnnkit/text/huffman.h"
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

INSTANTIATE_TEST_SUITE_P(Objectives, SampledGrad,
                         ::testing::Values("importance", "nce", "negative", "blackout"));

// NCE and negative sampling against their definitions, computed here in
// double: -log sigma(s_y - c_y) - sum over draws other than y of
// log(1 - sigma(s_k - c_k)), with c = log(K Q(w)) for NCE and 0 for negative
// sampling.
TEST(Sampled, LogisticObjectivesMatchTheirDefinition) {
  nn::NoiseSampler q(kCounts, 0.75);
  nn::Linear out(5, 10);
  out.weight = Var(random_tensor({10, 5}, 8, -3, 3));
  out.bias = Var(random_tensor({10}, 9));
  Tensor h = random_tensor({4, 5}, 10, -3, 3);
  const std::vector<std::int32_t> y = {0, 3, 7, 3}, noise = {1, 3, 9, 1, 5, 0};
  const auto logits = fn::linear(Var(h), out.weight, out.bias).value().to_vector();
  const double K = static_cast<double>(noise.size());
  auto log_sigmoid = [](double x) { return -std::log1p(std::exp(-x)); };
  NoGradGuard ng;
  for (bool nce : {true, false}) {
    auto c = [&](std::int32_t w) { return nce ? std::log(K * q.probability(w)) : 0.0; };
    double want = 0;
    for (std::size_t r = 0; r < y.size(); ++r) {
      want -= log_sigmoid(logits[r * 10 + static_cast<std::size_t>(y[r])] - c(y[r]));
      for (auto w : noise)
        if (w != y[r]) want -= log_sigmoid(-(logits[r * 10 + static_cast<std::size_t>(w)] - c(w)));
    }
    auto objective = nce ? nn::SampledObjective::kNce : nn::SampledObjective::kNegative;
    double got =
        nn::sampled_loss(objective, Var(h), out, Tensor::from_ids(y, {4}), noise, q).value().item();
    EXPECT_NEAR(got, want, 1e-5 * want) << (nce ? "nce" : "negative");
  }
}

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
      sum += nn::sampled_loss(nn::SampledObjective::kImportance, h, out, targets, q.draw(k, gen), q)
                 .value()
                 .item();
    return std::abs(sum / draws - exact);
  };
  double small = bias(4), large = bias(256);
  EXPECT_LT(large, small);
  EXPECT_LT(large, 0.02 * exact) << "exact " << exact;
}

std::vector<nn::TreePath> huffman_paths(const std::vector<std::int64_t>& counts) {
  std::vector<nn::TreePath> paths;
  for (auto& c : text::build_huffman(counts)) paths.push_back({c.point, c.code});
  return paths;
}

TEST(Hierarchical, ProbabilitiesSumToOneAndMatchTheLoss) {
  auto paths = huffman_paths(kCounts);
  nn::Linear nodes(5, 9);  // V - 1 inner nodes
  nodes.weight = Var(random_tensor({9, 5}, 8));
  nodes.bias = Var(random_tensor({9}, 9));
  Tensor h = random_tensor({3, 5}, 10, -2.0f, 2.0f);
  auto lp = nn::hierarchical_log_probs(h, nodes, paths).to_vector();  // [3, 10]
  for (int r = 0; r < 3; ++r) {
    double sum = 0;
    for (int w = 0; w < 10; ++w) sum += std::exp(lp[static_cast<std::size_t>(r * 10 + w)]);
    EXPECT_NEAR(sum, 1.0, 1e-5) << "row " << r;
  }
  Tensor targets = Tensor::from_ids({0, 9, 4}, {3});
  double nll = nn::hierarchical_nll(Var(h), nodes, targets, paths).value().item();
  EXPECT_NEAR(nll, -(lp[0] + lp[10 + 9] + lp[20 + 4]), 1e-4);
  // Frequent words sit near the root: the most frequent has the shortest path.
  EXPECT_LE(paths[0].nodes.size(), paths[9].nodes.size());
}

TEST(Hierarchical, GradientCheck) {
  auto paths = huffman_paths(kCounts);
  nn::Linear nodes(5, 9);
  Tensor targets = Tensor::from_ids({0, 9, 4, 4}, {4});
  testing::gradcheck({Var(random_tensor({4, 5}, 11), true), Var(random_tensor({9, 5}, 12), true),
                      Var(random_tensor({9}, 13), true)},
                     [&](std::vector<Var>& v) {
                       nodes.weight = v[1];
                       nodes.bias = v[2];
                       return nn::hierarchical_nll(v[0], nodes, targets, paths);
                     });
}

TEST(ClassBased, ClassesProbabilitiesAndLoss) {
  auto wc = nn::frequency_classes(kCounts, 4);
  ASSERT_EQ(wc.members.size(), 4u);
  for (const auto& m : wc.members) EXPECT_FALSE(m.empty());
  EXPECT_EQ(wc.members[0], (std::vector<std::int32_t>{0}));  // 50 of 130: a class alone
  EXPECT_LT(wc.members[0].size(), wc.members[3].size());     // rare words share big classes
  nn::Linear classes(5, 4), words(5, 10);
  Tensor h = random_tensor({3, 5}, 14, -2.0f, 2.0f);
  auto lp = nn::class_log_probs(h, classes, words, wc).to_vector();  // [3, 10]
  for (int r = 0; r < 3; ++r) {
    double sum = 0;
    for (int w = 0; w < 10; ++w) sum += std::exp(lp[static_cast<std::size_t>(r * 10 + w)]);
    EXPECT_NEAR(sum, 1.0, 1e-5) << "row " << r;
  }
  Tensor targets = Tensor::from_ids({0, 9, 4}, {3});
  double nll = nn::class_nll(Var(h), classes, words, targets, wc).value().item();
  EXPECT_NEAR(nll, -(lp[0] + lp[10 + 9] + lp[20 + 4]), 1e-4);
}

TEST(ClassBased, GradientCheck) {
  auto wc = nn::frequency_classes(kCounts, 3);
  nn::Linear classes(5, 3), words(5, 10);
  Tensor targets = Tensor::from_ids({0, 9, 4, 4}, {4});
  testing::gradcheck({Var(random_tensor({4, 5}, 15), true), Var(random_tensor({3, 5}, 16), true),
                      Var(random_tensor({10, 5}, 17), true), Var(random_tensor({10}, 18), true)},
                     [&](std::vector<Var>& v) {
                       classes.weight = v[1];
                       words.weight = v[2];
                       words.bias = v[3];
                       return nn::class_nll(v[0], classes, words, targets, wc);
                     });
}

}  // namespace
}  // namespace rnnkit

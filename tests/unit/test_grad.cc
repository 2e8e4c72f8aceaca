// Finite-difference gradient checks for every differentiable function.
#include "rnnkit/core/allocator.h"
#include "rnnkit/core/parallel.h"
#include "test_util.h"

namespace rnnkit {
namespace {

using testing::gradcheck;
using testing::project;
using testing::random_tensor;

Var param(const Shape& s, std::uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  return Var(random_tensor(s, seed, lo, hi), true);
}

TEST(Grad, AddSubMulWithBroadcast) {
  for (int op = 0; op < 3; ++op) {
    gradcheck({param({4, 3, 5}, 1), param({3, 5}, 2)}, [op](std::vector<Var>& v) {
      Var y = op == 0 ? fn::add(v[0], v[1]) : op == 1 ? fn::sub(v[0], v[1]) : fn::mul(v[0], v[1]);
      return project(y, 3);
    });
  }
  gradcheck({param({4, 3}, 4), param({1}, 5)},
            [](std::vector<Var>& v) { return project(fn::mul(v[0], v[1]), 6); });
}

TEST(Grad, ScaleSumMean) {
  gradcheck({param({5, 2}, 7)},
            [](std::vector<Var>& v) { return fn::mean(fn::scale(fn::mul(v[0], v[0]), 3.0f)); });
  gradcheck({param({5, 2}, 8)}, [](std::vector<Var>& v) { return fn::sum(fn::scale(v[0], -2.0f)); });
}

TEST(Grad, Activations) {
  gradcheck({param({6, 7}, 9, -3, 3)}, [](std::vector<Var>& v) { return project(fn::sigmoid(v[0]), 1); });
  gradcheck({param({6, 7}, 10, -3, 3)}, [](std::vector<Var>& v) { return project(fn::tanh(v[0]), 2); });
  // Keep relu's inputs away from the kink, where differences are meaningless.
  Tensor x = random_tensor({6, 7}, 11, 0.1f, 1.0f);
  Tensor sign = random_tensor({6, 7}, 12);
  for (std::int64_t i = 0; i < x.numel(); ++i)
    if (sign.data()[i] < 0) x.data()[i] = -x.data()[i];
  gradcheck({Var(x, true)}, [](std::vector<Var>& v) { return project(fn::relu(v[0]), 3); });
  gradcheck({param({6, 7}, 13, 0.5f, 3.0f)}, [](std::vector<Var>& v) { return project(fn::log(v[0]), 4); });
}

// softplus = log(1 + exp(x)) to float precision across its range, no
// overflow far out; its gradient checked.
TEST(Grad, Softplus) {
  std::vector<float> xs;
  for (float x = -100.0f; x <= 100.0f; x += 0.37f) xs.push_back(x);
  Tensor x = Tensor::from_vector(xs, {static_cast<std::int64_t>(xs.size())});
  auto y = ops::activation(ops::Activation::kSoftplus, x).to_vector();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    double want = std::log1p(std::exp(static_cast<double>(xs[i])));
    if (xs[i] > 30) want = xs[i] + std::exp(-static_cast<double>(xs[i]));
    EXPECT_NEAR(y[i], want, 1e-6 + 2e-7 * want) << "x = " << xs[i];
  }
  gradcheck({param({6, 7}, 12, -6.0f, 6.0f)}, [](std::vector<Var>& v) { return project(fn::softplus(v[0]), 5); });
}

TEST(Grad, LinearAndMatmul) {
  gradcheck({param({2, 3, 4}, 13), param({5, 4}, 14), param({5}, 15)},
            [](std::vector<Var>& v) { return project(fn::linear(v[0], v[1], v[2]), 16); });
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      Shape sa = ta ? Shape{4, 3} : Shape{3, 4}, sb = tb ? Shape{5, 4} : Shape{4, 5};
      gradcheck({param(sa, 17), param(sb, 18)}, [ta, tb](std::vector<Var>& v) {
        return project(fn::matmul(v[0], v[1], ta, tb), 19);
      });
    }
}

TEST(Grad, SoftmaxAndLogSoftmax) {
  gradcheck({param({3, 6}, 20, -2, 2)}, [](std::vector<Var>& v) { return project(fn::softmax(v[0]), 21); });
  gradcheck({param({3, 6}, 22, -2, 2)},
            [](std::vector<Var>& v) { return project(fn::log_softmax(v[0]), 23); });
}

TEST(Grad, CrossEntropyWithIgnoreIndex) {
  Tensor targets = Tensor::from_ids({2, -100, 0, 4, 4}, {5});
  for (auto red : {fn::Reduction::kMean, fn::Reduction::kSum}) {
    gradcheck({param({5, 6}, 24, -2, 2)}, [&](std::vector<Var>& v) {
      return fn::cross_entropy(v[0], targets, {.ignore_index = -100, .reduction = red});
    });
  }
}

// The chunked linear + cross-entropy equals the two ops, loss and every
// gradient, for chunks that divide the rows, that do not, and one row.
TEST(Grad, LinearCrossEntropyMatchesLinearThenCrossEntropy) {
  Tensor targets = Tensor::from_ids({2, -100, 0, 4, 4, 1, 6}, {7});
  Tensor x = testing::random_tensor({7, 5}, 30), w = testing::random_tensor({8, 5}, 31),
         b = testing::random_tensor({8}, 32);
  for (auto red : {fn::Reduction::kMean, fn::Reduction::kSum}) {
    fn::CrossEntropyOptions opts{.ignore_index = -100, .reduction = red};
    std::vector<std::vector<float>> want;
    {
      Var xv(x.clone(), true), wv(w.clone(), true), bv(b.clone(), true);
      Var loss = fn::scale(fn::cross_entropy(fn::linear(xv, wv, bv), targets, opts), 3.0f);
      Tape::current().backward(loss);
      want = {loss.value().to_vector(), xv.grad().to_vector(), wv.grad().to_vector(), bv.grad().to_vector()};
    }
    for (std::int64_t chunk : {1, 3, 7, 100}) {
      Var xv(x.clone(), true), wv(w.clone(), true), bv(b.clone(), true);
      Var loss = fn::scale(fn::linear_cross_entropy(xv, wv, bv, targets, chunk, opts), 3.0f);
      Tape::current().backward(loss);
      std::vector<Tensor> got = {loss.value(), xv.grad(), wv.grad(), bv.grad()};
      for (std::size_t i = 0; i < got.size(); ++i)
        EXPECT_TRUE(testing::all_close(got[i], Tensor::from_vector(want[i], got[i].shape()), 1e-6f, 1e-5f))
            << "chunk " << chunk << ", output " << i;
    }
    {  // into gradients that exist already (parameters' buffers): added, scaled by the upstream 3
      Var xv(x.clone(), true), wv(w.clone(), true), bv(b.clone(), true);
      for (const Var* v : {&xv, &wv, &bv}) v->set_grad_buffer(Tensor::full(v->shape(), 0.5f));
      Var loss = fn::scale(fn::linear_cross_entropy(xv, wv, bv, targets, 3, opts), 3.0f);
      Tape::current().backward(loss);
      std::vector<Tensor> got = {xv.grad(), wv.grad(), bv.grad()};
      for (std::size_t i = 0; i < got.size(); ++i) {
        std::vector<float> expect = want[i + 1];
        for (float& e : expect) e += 0.5f;
        EXPECT_TRUE(testing::all_close(got[i], Tensor::from_vector(expect, got[i].shape()), 1e-6f, 1e-5f))
            << "existing gradient, output " << i;
      }
    }
    gradcheck({param({7, 5}, 33), param({8, 5}, 34), param({8}, 35)}, [&](std::vector<Var>& v) {
      return fn::linear_cross_entropy(v[0], v[1], v[2], targets, 3, opts);
    });
  }
  // Without gradients (evaluation) only the loss is formed.
  NoGradGuard ng;
  Var l = fn::linear_cross_entropy(Var(x), Var(w), Var(b), targets, 2, {.reduction = fn::Reduction::kSum});
  EXPECT_FALSE(l.requires_grad());
}

// Memory: a loss over 4,000 rows and 5,000 classes (80 MB of logits) trains
// within a few chunks of logits and the gradients' own sizes.
TEST(Grad, LinearCrossEntropyMemoryDoesNotScaleWithRowsTimesClasses) {
  const std::int64_t N = 4000, V = 5000, H = 8, chunk = 100;
  std::vector<std::int32_t> t(N);
  for (std::int64_t i = 0; i < N; ++i) t[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(i * 7 % V);
  Tensor targets = Tensor::from_ids(t, {N});
  Var x(testing::random_tensor({N, H}, 40), true), w(testing::random_tensor({V, H}, 41), true),
      b(Tensor::zeros({V}), true);
  Allocator& a = Allocator::of(kCPU);
  a.reset_peak();
  const std::size_t before = a.stats().live_bytes;
  Var loss = fn::linear_cross_entropy(x, w, b, targets, chunk, {.reduction = fn::Reduction::kSum});
  Tape::current().backward(loss);
  const std::size_t extra = a.stats().peak_live_bytes - before;
  const std::size_t logits_bytes = sizeof(float) * N * V;
  EXPECT_LT(extra, logits_bytes / 8) << extra << " bytes at the peak";
  EXPECT_TRUE(x.has_grad() && w.has_grad() && b.has_grad());
}

TEST(Grad, EmbeddingRepeatedIds) {
  Tensor ids = Tensor::from_ids({1, 3, 3, 0, 1, 1}, {2, 3});
  gradcheck({param({5, 4}, 25)}, [&](std::vector<Var>& v) { return project(fn::embedding(v[0], ids), 26); });
}

TEST(Grad, DropoutPerElementAndSharedAcrossTime) {
  for (bool shared : {false, true}) {
    gradcheck({param({4, 3, 5}, 27)}, [shared](std::vector<Var>& v) {
      Generator g(5, 9);  // same mask at every evaluation
      Shape mask = shared ? Shape{3, 5} : Shape{4, 3, 5};
      return project(fn::dropout(v[0], 0.4f, g, mask), 28);
    });
  }
}

// Each sequence's maximum within its length: the gradient goes to the step
// it came from, none past the length.
TEST(Grad, MaxOverTime) {
  Tensor len = Tensor::from_ids({4, 2, 1}, {3});
  gradcheck({param({4, 3, 5}, 60)},
            [&](std::vector<Var>& v) { return project(fn::max_over_time(v[0], len), 61); });
  Var x(Tensor::from_vector({1, -5, 2, 7, 3, 9, -1, 8}, {4, 2, 1}), true);
  Var y = fn::max_over_time(x, Tensor::from_ids({3, 1}, {2}));
  EXPECT_EQ(y.value().to_vector(), (std::vector<float>{3, -5}));  // 7 and 9 lie past the lengths
}

TEST(Grad, ShapeFunctions) {
  gradcheck({param({2, 3}, 29), param({2, 4}, 30)},
            [](std::vector<Var>& v) { return project(fn::concat({v[0], v[1]}, 1), 31); });
  gradcheck({param({4, 5, 3}, 32)},
            [](std::vector<Var>& v) { return project(fn::slice(v[0], 1, 1, 3), 33); });
  gradcheck({param({4, 6}, 34)},
            [](std::vector<Var>& v) { return project(fn::reshape(v[0], {2, 12}), 35); });
}

class RecurrentGrad : public ::testing::TestWithParam<std::tuple<ops::CellType, bool>> {};

TEST_P(RecurrentGrad, AllInputsAndOutputs) {
  auto [cell, with_lengths] = GetParam();
  const std::int64_t T = 5, B = 3, I = 4, H = 3, G = ops::gate_count(cell) * H;
  bool lstm = cell == ops::CellType::kLSTM;
  // Lengths in any order, and decreasing ones (finished rows are skipped).
  for (auto order : {std::vector<std::int32_t>{5, 2, 4}, std::vector<std::int32_t>{5, 4, 2}}) {
    Tensor lengths = with_lengths ? Tensor::from_ids(order, {B}) : Tensor();
    std::vector<Var> in = {param({T, B, I}, 40),       param({B, H}, 41, -0.5f, 0.5f),
                           param({B, H}, 42, -0.5f, 0.5f), param({G, I}, 43),
                           param({G, H}, 44),          param({G}, 45),
                           param({G}, 46)};
    if (!lstm) in[2] = Var(in[2].value(), false);
    gradcheck(in, [&](std::vector<Var>& v) {
      auto r = fn::recurrent(cell, v[0], v[1], v[2], v[3], v[4], v[5], v[6], lengths);
      Var l = fn::add(project(r.y, 47), project(r.h_n, 48));
      if (lstm) l = fn::add(l, project(r.c_n, 49));
      return l;
    });
  }
}

INSTANTIATE_TEST_SUITE_P(Cells, RecurrentGrad,
                         ::testing::Combine(::testing::Values(ops::CellType::kRNN,
                                                              ops::CellType::kLSTM,
                                                              ops::CellType::kGRU),
                                            ::testing::Bool()),
                         [](const auto& info) {
                           return std::string(ops::cell_name(std::get<0>(info.param))) +
                                  (std::get<1>(info.param) ? "_lengths" : "_full");
                         });

// With two threads and a batch large enough, each thread runs the time loop
// over every other row (a team); results must equal one thread's.
TEST(RecurrentThreads, RowTeamsMatchOneThread) {
  const std::int64_t T = 6, B = 40, I = 5, H = 8;
  std::vector<std::int32_t> sorted(B), shuffled(B);
  for (std::int64_t b = 0; b < B; ++b) {
    sorted[static_cast<std::size_t>(b)] = static_cast<std::int32_t>(T - b * T / B);
    shuffled[static_cast<std::size_t>(b)] = static_cast<std::int32_t>(1 + (b * 7) % T);
  }
  for (auto cell : {ops::CellType::kRNN, ops::CellType::kLSTM, ops::CellType::kGRU})
    for (int lengths_kind = 0; lengths_kind < 3; ++lengths_kind) {
      const std::int64_t G = ops::gate_count(cell) * H;
      Tensor lengths = lengths_kind == 0 ? Tensor() : Tensor::from_ids(lengths_kind == 1 ? sorted : shuffled, {B});
      auto run = [&](int threads) {
        set_num_threads(threads);
        std::vector<Var> v = {param({T, B, I}, 60), param({B, H}, 61), param({B, H}, 62), param({G, I}, 63),
                              param({G, H}, 64),    param({G}, 65),    param({G}, 66)};
        auto r = fn::recurrent(cell, v[0], v[1], v[2], v[3], v[4], v[5], v[6], lengths);
        Var l = fn::add(project(r.y, 67), project(r.h_n, 68));
        if (cell == ops::CellType::kLSTM) l = fn::add(l, project(r.c_n, 69));
        Tape::current().backward(l);
        std::vector<Tensor> out = {r.y.value(), r.h_n.value()};
        for (const auto& x : v)
          if (x.has_grad()) out.push_back(x.grad());
        return out;
      };
      auto one = run(1), two = run(2);
      set_num_threads(0);
      ASSERT_EQ(one.size(), two.size());
      for (std::size_t i = 0; i < one.size(); ++i)
        EXPECT_TRUE(testing::all_close(one[i], two[i], 1e-5f, 1e-5f))
            << ops::cell_name(cell) << " lengths " << lengths_kind << " output " << i;
    }
}

}  // namespace
}  // namespace rnnkit

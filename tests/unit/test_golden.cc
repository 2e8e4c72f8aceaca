// Modules against PyTorch: tests/golden/*.safetensors hold PyTorch's outputs
// and gradients (made by tests/golden/make_golden.py).
#include <fmt/format.h>

#include "rnnkit/io/safetensors.h"
#include "rnnkit/nn/layers.h"
#include "test_util.h"

namespace rnnkit {
namespace {

using testing::all_close;
constexpr float kAtol = 2e-5f, kRtol = 2e-4f;

io::SafetensorsContents golden(const std::string& name) {
  return io::load_safetensors(std::string(RNNKIT_GOLDEN_DIR) + "/" + name + ".safetensors");
}

Var grad_sum(const Var& y, const Tensor& dy) { return fn::sum(fn::mul(y, Var(dy))); }

TEST(Golden, Embedding) {
  auto g = golden("embedding");
  Var w(g.at("weight", "").clone(), true);
  Var y = fn::embedding(w, g.at("ids", ""));
  EXPECT_TRUE(all_close(y.value(), g.at("y", ""), kAtol, kRtol));
  Var l = grad_sum(y, g.at("dy", ""));
  Tape::current().backward(l);
  EXPECT_TRUE(all_close(w.grad(), g.at("dweight", ""), kAtol, kRtol));
}

TEST(Golden, Linear) {
  auto g = golden("linear");
  Var x(g.at("x", ""), true), w(g.at("weight", ""), true), b(g.at("bias", ""), true);
  Var y = fn::linear(x, w, b);
  EXPECT_TRUE(all_close(y.value(), g.at("y", ""), kAtol, kRtol));
  Var l = grad_sum(y, g.at("dy", ""));
  Tape::current().backward(l);
  EXPECT_TRUE(all_close(x.grad(), g.at("dx", ""), kAtol, kRtol));
  EXPECT_TRUE(all_close(w.grad(), g.at("dweight", ""), kAtol, kRtol));
  EXPECT_TRUE(all_close(b.grad(), g.at("dbias", ""), kAtol, kRtol));
}

TEST(Golden, CrossEntropy) {
  auto g = golden("cross_entropy");
  for (auto [red, suffix] : {std::pair{fn::Reduction::kMean, "mean"}, std::pair{fn::Reduction::kSum, "sum"}}) {
    Var logits(g.at("logits", "").clone(), true);
    Var loss = fn::cross_entropy(logits, g.at("targets", ""), {.ignore_index = -100, .reduction = red});
    EXPECT_TRUE(all_close(loss.value(), g.at(fmt::format("loss_{}", suffix), ""), kAtol, kRtol));
    Tape::current().backward(loss);
    EXPECT_TRUE(all_close(logits.grad(), g.at(fmt::format("dlogits_{}", suffix), ""), kAtol, kRtol));
  }
}

// A stacked layer from nn::Recurrent with PyTorch's weights, compared output by
// output and gradient by gradient.
void check_recurrent(const std::string& file, ops::CellType cell) {
  SCOPED_TRACE(file);
  auto g = golden(file);
  std::int64_t layers = std::stoll(g.metadata.at("layers"));
  const Tensor& x0 = g.at("x", "");
  std::int64_t B = x0.size(1), I = x0.size(2), H = g.at("h0", "").size(2);
  nn::Recurrent rnn({cell, I, H, layers, 0.0f, false});
  for (auto& [name, v] : rnn.named_parameters()) {
    Tensor dst = v.value();
    ops::copy_(dst, g.at(name, ""));
  }
  bool lstm = cell == ops::CellType::kLSTM;
  Var x(x0, true);
  nn::RecurrentState s;
  for (std::int64_t l = 0; l < layers; ++l) {
    s.h.emplace_back(g.at("h0", "").narrow0(l, 1).view({B, H}).clone(), true);
    if (lstm) s.c.emplace_back(g.at("c0", "").narrow0(l, 1).view({B, H}).clone(), true);
  }
  Tensor lengths = g.find("lengths") ? *g.find("lengths") : Tensor();
  Generator gen;
  auto [y, next] = rnn.forward(x, s, gen, lengths);
  EXPECT_TRUE(all_close(y.value(), g.at("y", ""), kAtol, kRtol));
  Var loss = grad_sum(y, g.at("dy", ""));
  for (std::int64_t l = 0; l < layers; ++l) {
    Tensor h_ref = g.at("h_n", "").narrow0(l, 1).view({B, H});
    EXPECT_TRUE(all_close(next.h[l].value(), h_ref, kAtol, kRtol)) << "h_n layer " << l;
    loss = fn::add(loss, grad_sum(next.h[l], g.at("dh_n", "").narrow0(l, 1).view({B, H})));
    if (lstm) {
      EXPECT_TRUE(all_close(next.c[l].value(), g.at("c_n", "").narrow0(l, 1).view({B, H}), kAtol, kRtol));
      loss = fn::add(loss, grad_sum(next.c[l], g.at("dc_n", "").narrow0(l, 1).view({B, H})));
    }
  }
  Tape::current().backward(loss);
  EXPECT_TRUE(all_close(x.grad(), g.at("dx", ""), kAtol, kRtol)) << "dx";
  for (std::int64_t l = 0; l < layers; ++l) {
    EXPECT_TRUE(all_close(s.h[l].grad(), g.at("dh0", "").narrow0(l, 1), kAtol, kRtol)) << "dh0";
    if (lstm) {
      EXPECT_TRUE(all_close(s.c[l].grad(), g.at("dc0", "").narrow0(l, 1), kAtol, kRtol));
    }
  }
  for (auto& [name, v] : rnn.named_parameters())
    EXPECT_TRUE(all_close(v.grad(), g.at("grad." + name, ""), kAtol, kRtol)) << name;
}

TEST(Golden, RNN) { check_recurrent("rnn", ops::CellType::kRNN); }
TEST(Golden, LSTM) { check_recurrent("lstm", ops::CellType::kLSTM); }
TEST(Golden, GRU) { check_recurrent("gru", ops::CellType::kGRU); }
TEST(Golden, RNNWithLengths) { check_recurrent("rnn_lengths", ops::CellType::kRNN); }
TEST(Golden, LSTMWithLengths) { check_recurrent("lstm_lengths", ops::CellType::kLSTM); }
TEST(Golden, GRUWithLengths) { check_recurrent("gru_lengths", ops::CellType::kGRU); }

}  // namespace
}  // namespace rnnkit

// The cell inspector's pieces: the state after each token, the text's
// features, the ranking of units, the HTML view.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "rnnkit/decode/sampling.h"
#include "rnnkit/eval/cells.h"
#include "rnnkit/eval/plot.h"
#include "rnnkit/models/language_model.h"
#include "rnnkit/nn/module.h"

using namespace rnnkit;

namespace {

std::unique_ptr<models::LanguageModel> small_lm(const std::string& cell) {
  models::LanguageModelConfig c;
  c.cell = cell;
  c.vocab_size = 12;
  c.emb_size = 5;
  c.hidden_size = 7;
  c.num_layers = 2;
  auto m = std::make_unique<models::LanguageModel>(c);
  m->init_parameters(3);
  return m;
}

}  // namespace

// Each step's state is what one forward over the tokens so far ends in.
TEST(Cells, StateTraceMatchesAForwardOverThePrefix) {
  for (const char* cell : {"lstm", "gru"}) {
    auto owned = small_lm(cell);
    auto& m = *owned;
    nn::ParameterSet params(m, kCPU);
    m.train(false);
    const std::vector<std::int32_t> ids = {3, 1, 4, 1, 5, 9, 2, 6};
    const auto t = decode::state_trace(m, ids, kCPU);
    ASSERT_EQ(t.steps, 8);
    ASSERT_EQ(t.layers, 2);
    ASSERT_EQ(t.hidden, 7);
    ASSERT_EQ(t.h.size(), 8u * 2 * 7);
    ASSERT_EQ(t.c.size(), std::string(cell) == "lstm" ? t.h.size() : 0u);
    NoGradGuard ng;
    Generator gen;
    for (std::int64_t n : {1, 5, 8}) {
      std::vector<std::int32_t> prefix(ids.begin(), ids.begin() + n);
      auto state = m.forward(Tensor::from_ids(prefix, {n, 1}), m.zero_state(1, kCPU), gen).second;
      for (std::int64_t l = 0; l < 2; ++l) {
        const auto h = state.h[static_cast<std::size_t>(l)].value().to_vector();
        for (std::int64_t u = 0; u < 7; ++u)
          EXPECT_NEAR(t.h[static_cast<std::size_t>(((n - 1) * 2 + l) * 7 + u)],
                      h[static_cast<std::size_t>(u)], 1e-5)
              << cell << " step " << n << " layer " << l;
      }
    }
  }
}

TEST(Cells, TextFeatures) {
  const std::vector<std::string> tokens = {
      "a", "\"",           "b", "\"",           "(",    "c", ")", "<eos>",
      "d", "\xE3\x80\x8C", "e", "\xE3\x80\x8D", "<eos>"};
  const auto features = eval::text_features(tokens);
  ASSERT_EQ(features.size(), 4u);
  EXPECT_EQ(features[0].name, "position in line");
  EXPECT_EQ(features[0].values, (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4}));
  EXPECT_EQ(features[1].name, "inside quotes");  // from the opening mark to before the closing one
  EXPECT_EQ(features[1].values, (std::vector<double>{0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(features[2].values, (std::vector<double>{0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(features[3].values, (std::vector<double>{0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0}));
  // A feature the text never shows is left out.
  EXPECT_EQ(eval::text_features({"a", "b", "<eos>"}).size(), 1u);
}

// A unit that follows a feature ranks first, an anti-correlated one next.
TEST(Cells, RankUnitsByCorrelation) {
  const std::vector<double> feature = {0, 1, 1, 0, 1, 0, 0, 1};
  decode::StateTrace t{8, 2, 3, {}, {}};
  for (std::int64_t s = 0; s < 8; ++s)
    for (std::int64_t l = 0; l < 2; ++l)
      for (std::int64_t u = 0; u < 3; ++u) {
        const double f = feature[static_cast<std::size_t>(s)];
        float v = static_cast<float>(std::sin(1.7 * static_cast<double>(s * 7 + l * 3 + u)));
        if (l == 1 && u == 2) v = static_cast<float>(0.5 * f - 0.2);                  // tracks it
        if (l == 0 && u == 1) v = static_cast<float>(-0.9 * f + 0.05 * std::cos(s));  // against it
        t.h.push_back(v);
      }
  const auto r = eval::rank_units(t, false, feature, 2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].layer, 1);
  EXPECT_EQ(r[0].unit, 2);
  EXPECT_NEAR(r[0].correlation, 1.0, 1e-6);
  EXPECT_EQ(r[1].layer, 0);
  EXPECT_EQ(r[1].unit, 1);
  EXPECT_LT(r[1].correlation, -0.95);
  EXPECT_THROW(eval::rank_units(t, true, feature, 2), InvalidArgument);  // no cells: not an LSTM
}

TEST(Cells, HtmlColoursEveryToken) {
  eval::CellView v;
  v.title = "a <test>";
  v.tokens = {"x", "<", "<eos>"};
  v.state = "hidden state h";
  v.units = {{0, 4, {0.5f, -1.0f, 0.0f}}};
  v.rankings = {{"inside quotes", {{0, 4, 0.9}}}};
  const std::string html = eval::cell_html(v);
  std::size_t spans = 0;
  for (auto at = html.find("<span"); at != std::string::npos; at = html.find("<span", at + 1))
    ++spans;
  EXPECT_EQ(spans, 3u);
  EXPECT_NE(html.find("a &lt;test&gt;"), std::string::npos);                      // escaped
  EXPECT_NE(html.find("rgba(30,60,220,1.00)\">&lt;</span>"), std::string::npos);  // -1: full blue
  EXPECT_NE(html.find("rgba(220,60,30,0.50)\">x</span>"), std::string::npos);
  EXPECT_NE(html.find("href=\"#u0_4\""), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

// Forecasting's data layer, baselines and metrics: the CSV reader and its
// errors, a split and scaler that never see past the training rows, the AR
// baseline against a direct solve, the metrics against hand-computed values,
// and persistence on exchange_rate against the figure measured for the issue.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <tuple>

#include "rnnkit/core/error.h"
#include "rnnkit/decode/forecast.h"
#include "rnnkit/eval/forecast.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/io/safetensors.h"
#include "rnnkit/models/baselines.h"
#include "rnnkit/models/forecaster.h"
#include "rnnkit/series/series.h"
#include "rnnkit/train/forecast_trainer.h"
#include "test_util.h"

namespace rnnkit {
namespace {

class SeriesFile : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    const std::string path =
        (std::filesystem::temp_directory_path() /
         ("rnnkit_series_" + std::to_string(::getpid()) + "_" + std::to_string(n_++) + ".csv"))
            .string();
    std::ofstream(path) << text;
    paths_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const auto& p : paths_) std::filesystem::remove(p);
  }
  // The error message of reading `text`, or "" when it reads.
  std::string error_of(const std::string& text, const series::ReadOptions& o = {}) {
    try {
      series::read_table(write(text), o);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

 private:
  std::vector<std::string> paths_;
  int n_ = 0;
};

TEST_F(SeriesFile, ReadsHeaderQuotesTimeColumnAndNumericColumns) {
  const auto t = series::read_table(
      write("\"Date\",\"Count\",note,\"x\"\n1949-01,112,a,1.5\n\"1949-02\",118,b,-2e1\n"),
      {.time_column = "Date"});
  ASSERT_EQ(t.names, (std::vector<std::string>{"Count", "x"}));
  ASSERT_EQ(t.rows, 2);
  EXPECT_EQ(t.times, (std::vector<std::string>{"1949-01", "1949-02"}));
  EXPECT_DOUBLE_EQ(t.at(1, 0), 118);
  EXPECT_DOUBLE_EQ(t.at(1, 1), -20);
  const auto tsv = series::read_table(write("1\t2\n3\t4\n5\t6\n"), {.header = false});
  EXPECT_EQ(tsv.names, (std::vector<std::string>{"1", "2"}));
  EXPECT_DOUBLE_EQ(tsv.at(2, 1), 6);
  const auto picked = series::read_table(write("a,b,c\n1,2,3\n4,5,6\n"), {.columns = {"c", "1"}});
  EXPECT_EQ(picked.names, (std::vector<std::string>{"c", "a"}));
  EXPECT_DOUBLE_EQ(picked.at(1, 0), 6);
}

TEST_F(SeriesFile, BadFilesAreClearErrors) {
  EXPECT_NE(error_of("a,b\n1,2\n3\n").find("line 3 has 1 cells, the first line 2"),
            std::string::npos);
  EXPECT_NE(error_of("a,b\n1,2\n3,x7\n").find("line 3, column 'b': 'x7' is not a number"),
            std::string::npos);
  EXPECT_NE(error_of("a\n1\n").find("1 data row: a series needs at least two"), std::string::npos);
  EXPECT_NE(error_of("").find("empty"), std::string::npos) << error_of("");
  EXPECT_NE(error_of("a,b\n1,2\n,4\n").find("line 3, column 'a': missing value"),
            std::string::npos);
  EXPECT_NE(error_of("a,b\n1,2\n3,4\n", {.columns = {"z"}}).find("no column 'z' (columns: a, b)"),
            std::string::npos);
  EXPECT_NE(error_of("a\nx\ny\n").find("no numeric column on line 2"), std::string::npos);
  EXPECT_NE(error_of("a\n1\n2\n", {.fill = "mean"}).find("unknown --fill 'mean'"),
            std::string::npos);
}

TEST_F(SeriesFile, FillsMissingValues) {
  const std::string text = "a\n1\nNA\n\n4\n7\n";  // a blank line is no row
  const auto prev = series::read_table(write("a\n1\nNA\nnull\n4\n"), {.fill = "previous"});
  EXPECT_EQ(prev.values, (std::vector<double>{1, 1, 1, 4}));
  const auto lin = series::read_table(write("a\n1\nNA\nnull\n4\n"), {.fill = "linear"});
  EXPECT_EQ(lin.values, (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(series::read_table(write(text), {.fill = "linear"}).values,
            (std::vector<double>{1, 2.5, 4, 7}));
  EXPECT_NE(error_of("a\nNA\n2\n", {.fill = "previous"}).find("first value is missing"),
            std::string::npos);
}

// The scaler and the training windows see only the training rows: shifting
// the validation and test parts by +1000 changes neither.
TEST(Series, SplitAndScalerNeverSeePastTraining) {
  series::Table t;
  t.names = {"x", "y"};
  t.rows = 100;
  for (std::int64_t r = 0; r < t.rows; ++r) {
    t.values.push_back(std::sin(0.3 * static_cast<double>(r)));
    t.values.push_back(0.1 * static_cast<double>(r));
  }
  const auto split = series::split_fractions(t.rows, 0.6, 0.2);
  EXPECT_EQ(split.train_end, 60);
  EXPECT_EQ(split.valid_end, 80);
  series::Table shifted = t;
  for (std::int64_t r = split.train_end; r < t.rows; ++r)
    for (std::int64_t c = 0; c < 2; ++c) shifted.at(r, c) += 1000;
  for (const char* kind : {"zscore", "minmax", "maxabs"}) {
    const auto a = series::Scaler::fit(t, split.train_end, kind);
    const auto b = series::Scaler::fit(shifted, split.train_end, kind);
    EXPECT_EQ(a.shift, b.shift) << kind;
    EXPECT_EQ(a.scale, b.scale) << kind;
    EXPECT_NEAR(a.inverse(a.forward(3.5, 1), 1), 3.5, 1e-12);
  }
  const auto z = series::Scaler::fit(t, split.train_end, "zscore").apply(t);
  double mean = 0;
  for (std::int64_t r = 0; r < split.train_end; ++r) mean += z.at(r, 1);
  EXPECT_NEAR(mean / 60, 0, 1e-12);
  const std::int64_t lookback = 7, horizon = 3;
  const auto train = series::window_targets(0, split.train_end, lookback, horizon);
  ASSERT_FALSE(train.empty());
  EXPECT_EQ(train.front() - horizon - lookback + 1, 0);  // the first input is row 0
  EXPECT_EQ(train.back(), split.train_end - 1);          // no target past training
  const auto test = series::window_targets(split.valid_end, t.rows, lookback, horizon);
  EXPECT_EQ(test.front(), split.valid_end);
  EXPECT_EQ(test.size(), 20u);
  EXPECT_EQ(series::split_last(144, 12, 12).train_end, 120);
  EXPECT_THROW(series::split_last(20, 10, 10), InvalidArgument);
  EXPECT_THROW(series::split_fractions(10, 0.8, 0.2), InvalidArgument);
}

// Logarithms and differences at lags 1 and 12 (the classical airline
// preparation): fitted on training rows only, and undone exactly, the values
// a difference reaches back to taken from the data up to the forecast's
// origin and from the earlier forecasts after it.
TEST(Series, LogAndDifferencesAreUndoneExactly) {
  series::Table t;
  t.names = {"passengers"};
  t.rows = 120;
  for (std::int64_t r = 0; r < t.rows; ++r)
    t.values.push_back(100 * std::exp(0.01 * static_cast<double>(r)) *
                       (1.2 + std::sin(2 * M_PI * static_cast<double>(r) / 12.0)));
  const auto p = series::Preparation::fit(t, 80, "zscore", true, {1, 12});
  EXPECT_EQ(p.first_row(), 13);
  const auto z = p.apply(t);
  EXPECT_TRUE(std::isnan(z.at(12, 0)));
  EXPECT_FALSE(std::isnan(z.at(13, 0)));
  double mean = 0;
  for (std::int64_t r = 13; r < 80; ++r) mean += z.at(r, 0);
  EXPECT_NEAR(mean / 67, 0, 1e-12);  // scaled on the training rows that have a value
  // By hand: row 20's prepared value.
  auto l = [&](std::int64_t r) { return std::log(t.at(r, 0)); };
  EXPECT_NEAR(p.scaler.inverse(z.at(20, 0), 0), l(20) - l(19) - l(8) + l(7), 1e-12);
  // Forecasts from origin 90 (1 step ahead and on; lag 12 alone: 3 to 12
  // steps ahead): the true prepared values come back as the data.
  const auto seasonal = series::Preparation::fit(t, 80, "minmax", false, {12});
  for (const auto& [prep, horizon, steps] : {std::tuple{p, 1, 24}, std::tuple{seasonal, 3, 10}}) {
    const auto prepared_table = prep.apply(t);
    std::vector<double> prepared;
    for (std::int64_t k = 0; k < steps; ++k)
      prepared.push_back(prepared_table.at(90 + horizon + k, 0));
    const auto back = prep.invert(t, 0, 90, horizon, prepared);
    ASSERT_EQ(back.size(), static_cast<std::size_t>(steps));
    for (std::int64_t k = 0; k < steps; ++k)
      EXPECT_NEAR(back[static_cast<std::size_t>(k)], t.at(90 + horizon + k, 0), 1e-9) << k;
  }
  // Shifting the rows after training changes nothing that was fitted.
  series::Table shifted = t;
  for (std::int64_t r = 80; r < t.rows; ++r) shifted.at(r, 0) += 1000;
  const auto q = series::Preparation::fit(shifted, 80, "zscore", true, {1, 12});
  EXPECT_EQ(p.scaler.shift, q.scaler.shift);
  EXPECT_EQ(p.scaler.scale, q.scaler.scale);
  // 3 steps ahead, lag 1 needs the unforecast value 2 steps ahead; lag 12
  // covers forecasts 3 .. 12 steps ahead, not 13.
  series::Preparation d;
  d.difference = {1};
  EXPECT_NO_THROW(d.check_invertible(1, 24));
  EXPECT_THROW(d.check_invertible(3, 1), InvalidArgument);
  d.difference = {12};
  EXPECT_NO_THROW(d.check_invertible(3, 10));
  EXPECT_THROW(d.check_invertible(3, 11), InvalidArgument);
  // The logarithm of a value <= 0 is an error naming the series and row.
  t.at(5, 0) = 0;
  try {
    series::Preparation::fit(t, 80, "zscore", true, {});
    ADD_FAILURE() << "no error";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("'passengers' holds 0 at data row 6"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(series::Preparation::fit(t, 10, "zscore", false, {1, 12}), InvalidArgument);
}

TEST(Series, TimesAfterContinueTheLastStep) {
  series::Table t;
  t.times = {"1960-11", "1960-12"};
  EXPECT_EQ(series::times_after(t, 3), (std::vector<std::string>{"1961-01", "1961-02", "1961-03"}));
  t.times = {"2024-02-27", "2024-02-28"};  // a leap year
  EXPECT_EQ(series::times_after(t, 2), (std::vector<std::string>{"2024-02-29", "2024-03-01"}));
  t.times = {"2023-12-24", "2023-12-31"};  // weekly
  EXPECT_EQ(series::times_after(t, 1), (std::vector<std::string>{"2024-01-07"}));
  t.times = {"1960-11-01", "1960-12-01"};  // months as dates: the same day of each month
  EXPECT_EQ(series::times_after(t, 2), (std::vector<std::string>{"1961-01-01", "1961-02-01"}));
  t.times = {"2019-11-30", "2019-12-31"};  // each month's last day
  EXPECT_EQ(series::times_after(t, 2), (std::vector<std::string>{"2020-01-31", "2020-02-29"}));
  t.times = {"2024-01-31", "2024-02-01"};  // daily across a month's end
  EXPECT_EQ(series::times_after(t, 1), (std::vector<std::string>{"2024-02-02"}));
  t.times = {"2020-01", "2020-04"};  // quarterly
  EXPECT_EQ(series::times_after(t, 1), (std::vector<std::string>{"2020-07"}));
  t.times = {"10", "15"};
  EXPECT_EQ(series::times_after(t, 2), (std::vector<std::string>{"20", "25"}));
  t.times = {"Mon", "Tue"};
  EXPECT_TRUE(series::times_after(t, 2).empty());
  t.times = {"1960-12", "1960-11"};  // going back: no guess
  EXPECT_TRUE(series::times_after(t, 2).empty());
}

// Normal equations solved by Gaussian elimination: the direct solve.
std::vector<double> normal_equations(const std::vector<double>& a, std::int64_t rows,
                                     std::int64_t cols, const std::vector<double>& b) {
  std::vector<double> m(static_cast<std::size_t>(cols * (cols + 1)), 0.0);
  for (std::int64_t i = 0; i < cols; ++i) {
    for (std::int64_t j = 0; j < cols; ++j)
      for (std::int64_t r = 0; r < rows; ++r)
        m[i * (cols + 1) + j] += a[r * cols + i] * a[r * cols + j];
    for (std::int64_t r = 0; r < rows; ++r) m[i * (cols + 1) + cols] += a[r * cols + i] * b[r];
  }
  for (std::int64_t k = 0; k < cols; ++k)
    for (std::int64_t i = 0; i < cols; ++i) {
      if (i == k) continue;
      const double f = m[i * (cols + 1) + k] / m[k * (cols + 1) + k];
      for (std::int64_t j = k; j <= cols; ++j) m[i * (cols + 1) + j] -= f * m[k * (cols + 1) + j];
    }
  std::vector<double> x;
  for (std::int64_t k = 0; k < cols; ++k)
    x.push_back(m[k * (cols + 1) + cols] / m[k * (cols + 1) + k]);
  return x;
}

TEST(Baselines, AutoRegressionEqualsADirectSolveAndRecoversItsProcess) {
  series::Table t;
  t.names = {"ar2"};
  t.rows = 600;
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0, 0.1);
  t.values = {0.0, 0.0};
  for (std::int64_t r = 2; r < t.rows; ++r)
    t.values.push_back(1 + 0.5 * t.values[r - 1] - 0.2 * t.values[r - 2] + noise(rng));
  const auto split = series::split_fractions(t.rows, 0.6, 0.2);
  const auto ar = models::AutoRegressive::fit(t, 0, split.train_end, 1, 2);
  // The same regression by hand: rows [1, y[t-1], y[t-2]] for every training target.
  std::vector<double> a, b;
  for (std::int64_t y : series::window_targets(0, split.train_end, 2, 1)) {
    a.insert(a.end(), {1.0, t.at(y - 1, 0), t.at(y - 2, 0)});
    b.push_back(t.at(y, 0));
  }
  const auto direct = normal_equations(a, static_cast<std::int64_t>(b.size()), 3, b);
  ASSERT_EQ(ar.coef[0].size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(ar.coef[0][i], direct[i], 1e-9);
  EXPECT_NEAR(ar.coef[0][1], 0.5, 0.1);
  EXPECT_NEAR(ar.coef[0][2], -0.2, 0.1);
  // Validation picks an order that includes the process's two lags.
  const auto chosen = models::AutoRegressive::fit_selected(t, split, 1, {1, 2, 4, 8});
  EXPECT_GE(chosen.order[0], 2);
  const double f = chosen.predict(t, 500, 0);
  EXPECT_NEAR(f, 1 + 0.5 * t.at(499, 0) - 0.2 * t.at(498, 0), 0.05);
  // A constant series is rank-deficient: the minimum-norm fit predicts the constant.
  series::Table flat{{"c"}, {}, 50, std::vector<double>(50, 3.0)};
  EXPECT_NEAR(models::AutoRegressive::fit(flat, 0, 40, 2, 3).predict(flat, 45, 0), 3.0, 1e-9);
}

TEST(Baselines, PersistenceAndSeasonalNaive) {
  series::Table t{{"x"}, {}, 30, {}};
  for (int r = 0; r < 30; ++r) t.values.push_back(r % 12 + 100 * (r / 12));
  EXPECT_EQ(models::persistence(t, 20, 0, 3), t.at(17, 0));
  EXPECT_EQ(models::seasonal_naive(t, 20, 0, 1, 12), t.at(8, 0));
  EXPECT_EQ(models::seasonal_naive(t, 29, 0, 13, 12), t.at(5, 0));  // two seasons back
  EXPECT_THROW(models::persistence(t, 2, 0, 3), InvalidArgument);
}

TEST(ForecastScores, HandComputed) {
  // rows: (1, 10), (2, 10), (4, 13) actual; (2, 10), (2, 11), (3, 13) forecast.
  const std::vector<double> actual = {1, 10, 2, 10, 4, 13}, forecast = {2, 10, 2, 11, 3, 13};
  std::vector<double> lower, upper;
  for (double f : forecast) {
    lower.push_back(f - 0.5);
    upper.push_back(f + 0.5);
  }
  const auto s = eval::forecast_scores(forecast, actual, 3, 2, lower, upper);
  EXPECT_NEAR(s.all.mae, 0.5, 1e-12);
  EXPECT_NEAR(s.all.rmse, std::sqrt(0.5), 1e-12);
  // LSTNet: sqrt(mean se) / (std(ddof=1 over all 6) * sqrt(2/3)).
  EXPECT_NEAR(s.all.rse, 0.1743714581157289, 1e-12);
  EXPECT_NEAR(s.all.corr, 0.944911182523068, 1e-12);  // 15 / sqrt(252), both series
  EXPECT_NEAR(s.all.mape, 100 * (1.0 + 0.25 + 0.1) / 6, 1e-12);
  EXPECT_NEAR(s.all.smape, 17.46031746031746, 1e-12);
  EXPECT_NEAR(s.all.coverage, 0.5, 1e-12);
  ASSERT_EQ(s.per_series.size(), 2u);
  EXPECT_NEAR(s.per_series[0].rse, 0.6546536707079772, 1e-12);  // sqrt(2/3) / pstdev(1, 2, 4)
  EXPECT_NEAR(s.per_series[0].coverage, 1.0 / 3, 1e-12);
  EXPECT_NEAR(s.per_series[1].corr, 5 / std::sqrt(28.0), 1e-12);
  EXPECT_THROW(eval::forecast_scores({1, 2}, {1}, 2, 1), InvalidArgument);
}

// Persistence on exchange_rate with LSTNet's split and windows, against the
// RSE measured for the issue (0.0171 / 0.0238 / 0.0329 / 0.0434).
TEST(ExchangeRate, PersistenceMatchesTheIssuesFigures) {
  const std::string path = std::string(RNNKIT_SHARED_DATA) + "/timeseries/exchange_rate.txt.gz";
  if (!std::filesystem::exists(path))
    GTEST_SKIP() << "../shared/data/timeseries is absent: exchange_rate check skipped";
  const auto t = series::read_table(path, {.header = false});
  ASSERT_EQ(t.rows, 7588);
  ASSERT_EQ(t.cols(), 8);
  const auto split = series::split_fractions(t.rows, 0.6, 0.2);
  const std::pair<std::int64_t, double> expected[] = {
      {3, 0.0171}, {6, 0.0238}, {12, 0.0329}, {24, 0.0434}};
  for (auto [h, rse] : expected) {
    const auto targets = series::window_targets(split.valid_end, t.rows, 168, h);
    std::vector<double> f, a;
    for (std::int64_t y : targets)
      for (std::int64_t c = 0; c < t.cols(); ++c) {
        f.push_back(models::persistence(t, y, c, h));
        a.push_back(t.at(y, c));
      }
    const auto s = eval::forecast_scores(f, a, static_cast<std::int64_t>(targets.size()), t.cols());
    EXPECT_NEAR(s.all.rse, rse, 0.00005) << "horizon " << h;
  }
}

// Forecasts at least 0.1 from their targets (finite differences never cross
// the losses' kink), both above and below.
std::pair<Var, Tensor> away_from_targets(std::int64_t rows, std::int64_t values, std::int64_t q) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-1, 1), gap(0.1f, 0.8f);
  std::vector<float> t, f;
  for (std::int64_t i = 0; i < rows * values; ++i) t.push_back(u(rng));
  for (std::int64_t i = 0; i < rows * values; ++i)
    for (std::int64_t k = 0; k < q; ++k) f.push_back(t[i] + (rng() % 2 ? 1 : -1) * gap(rng));
  return {Var(Tensor::from_vector(f, {rows, values * q}), true),
          Tensor::from_vector(t, {rows, values})};
}

TEST(ForecastLoss, PinballByHandAndGradients) {
  // e = target - forecast = 1, 0, -1 at q = 0.1, 0.5, 0.9: 0.1, 0, 0.1.
  Var f(Tensor::from_vector({1, 2, 3}, {1, 3}));
  const Tensor t = Tensor::from_vector({2}, {1, 1});
  EXPECT_NEAR(models::forecast_loss(f, t, "pinball", {0.1, 0.5, 0.9}).value().item(), 0.2 / 3,
              1e-6);
  Var g(Tensor::from_vector({1, 4}, {1, 2}));
  const Tensor u = Tensor::from_vector({2, 2}, {1, 2});
  EXPECT_NEAR(models::forecast_loss(g, u, "mse", {}).value().item(), 2.5, 1e-6);
  EXPECT_NEAR(models::forecast_loss(g, u, "mae", {}).value().item(), 1.5, 1e-6);
  for (const char* loss : {"mse", "mae"}) {
    auto [x, y] = away_from_targets(4, 3, 1);
    testing::gradcheck(
        {x}, [&, y = y](std::vector<Var>& v) { return models::forecast_loss(v[0], y, loss, {}); },
        1e-3f);
  }
  auto [x, y] = away_from_targets(4, 3, 3);
  testing::gradcheck(
      {x},
      [&, y = y](std::vector<Var>& v) {
        return models::forecast_loss(v[0], y, "pinball", {0.1, 0.5, 0.9});
      },
      1e-3f);
  EXPECT_THROW(models::forecast_loss(x, y, "mse", {0.1, 0.5, 0.9}), InvalidArgument);
  EXPECT_THROW(models::forecast_loss(g, u, "huber", {}), InvalidArgument);
}

bool has_parameter(const nn::Module& m, const std::string& name) {
  for (const auto& [n, v] : m.named_parameters())
    if (n == name) return true;
  return false;
}

models::ForecasterConfig small_forecaster() {
  models::ForecasterConfig c;
  c.series = 3;
  c.projection = 5;
  c.hidden_size = 6;
  c.lookback = 7;
  c.steps = 2;
  c.quantiles = {0.1, 0.5, 0.9};
  c.ar = 4;
  return c;
}

// Shapes for several series, steps and quantiles, and gradients through the
// recurrent stack, the head and the highway.
TEST(Forecaster, MultivariateShapesAndGradients) {
  auto c = small_forecaster();
  models::Forecaster m(c);
  m.init_parameters(3);
  const Tensor window = testing::random_tensor({7, 2, 3}, 4);
  Generator gen(1, 0);
  const Var y = m.forward(window, gen);
  EXPECT_EQ(y.shape(), (Shape{2, 3 * 2 * 3}));
  std::vector<Var> params;
  for (auto& [name, v] : m.named_parameters()) params.push_back(v);
  EXPECT_TRUE(has_parameter(m, "highway.weight"));
  testing::gradcheck(
      params, [&](std::vector<Var>&) { return testing::project(m.forward(window, gen), 9); });
  c.ar = 0;
  EXPECT_FALSE(has_parameter(models::Forecaster(c), "highway.weight"));
  c.quantiles = {0.5, 0.1};
  EXPECT_THROW(models::Forecaster{c}, InvalidArgument);
  c = small_forecaster();
  c.ar = 8;
  EXPECT_THROW(models::Forecaster{c}, InvalidArgument);
  EXPECT_EQ(models::ForecasterConfig::from_json(small_forecaster().to_json()).to_json(),
            small_forecaster().to_json());
}

// With every weight zero, --residual forecasts the last observed value:
// persistence exactly, for every series, step and quantile.
TEST(Forecaster, ResidualWithZeroWeightsIsPersistence) {
  auto c = small_forecaster();
  c.residual = true;
  models::Forecaster m(c);
  for (auto& [name, v] : m.named_parameters()) {
    Tensor t = v.value();
    ops::fill_(t, 0.0f);
  }
  const Tensor window = testing::random_tensor({7, 2, 3}, 5);
  Generator gen(1, 0);
  const auto y = m.forward(window, gen).value().to_vector();
  const auto w = window.to_vector();
  for (std::int64_t b = 0; b < 2; ++b)
    for (std::int64_t s = 0; s < 3; ++s)
      for (std::int64_t k = 0; k < 2 * 3; ++k)
        EXPECT_EQ(y[static_cast<std::size_t>(b * 18 + s * 6 + k)],
                  w[static_cast<std::size_t>((6 * 2 + b) * 3 + s)]);
}

train::ForecastTrainOptions sine_options(const std::string& data, const std::string& out) {
  train::ForecastTrainOptions o;
  o.data = data;
  o.read.time_column = "time";
  o.out_dir = out;
  o.overwrite = true;
  o.model.hidden_size = 32;
  o.model.projection = 16;
  o.model.lookback = 30;
  o.model.horizon = 3;
  o.batch = 32;
  o.epochs = 12;
  o.optimizer.lr = 3e-3f;
  o.save_interval_s = 0;
  o.progress_interval_s = 1e9;
  return o;
}

// A noisy sine on a trend, 3 steps ahead: the LSTM beats persistence. The
// trend leaves the training range, so the network learns the change from the
// last value (--residual), as a forecaster of trending series must.
TEST(ForecastTask, LearnsANoisySineAndBeatsPersistence) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("rnnkit_forecast_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  testing::write_noisy_series((dir / "s.csv").string(), 1500, 3);
  auto o = sine_options((dir / "s.csv").string(), (dir / "run").string());
  o.model.residual = true;
  auto task = train::make_forecast_task(o);
  const auto r = train::fit(*task, o);
  const double rse = r.results.at("test_rse").get<double>();
  const double persistence = r.results.at("baselines").at("persistence").at("rse").get<double>();
  EXPECT_LT(rse, 0.5 * persistence) << "rnnkit " << rse << ", persistence " << persistence;
  EXPECT_TRUE(r.results.at("baselines").contains(std::string("AR (p <= 16)")) ||
              r.results.at("baselines").size() == 2u);
  std::filesystem::remove_all(dir);
}

// The test rows shifted by +1000 change neither the scaler nor training nor
// the validation figures: nothing but the test report sees them.
TEST(ForecastTask, TestRowsNeverReachTraining) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("rnnkit_forecast_shift_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  testing::write_noisy_series((dir / "a.csv").string(), 400, 4);
  {
    std::ifstream in(dir / "a.csv");
    std::ofstream out(dir / "b.csv");
    std::string line;
    int row = -1;
    while (std::getline(in, line)) {
      if (row >= 320) {  // the last 20%: test
        const auto c1 = line.find(','), c2 = line.find(',', c1 + 1);
        line = line.substr(0, c1 + 1) +
               std::to_string(std::stod(line.substr(c1 + 1, c2 - c1 - 1)) + 1000) + line.substr(c2);
      }
      out << line << "\n";
      ++row;
    }
  }
  std::vector<train::TrainResult> runs;
  for (const char* name : {"a", "b"}) {
    auto o = sine_options((dir / (std::string(name) + ".csv")).string(), (dir / name).string());
    o.model.lookback = 10;
    o.epochs = 2;
    auto task = train::make_forecast_task(o);
    runs.push_back(train::fit(*task, o));
  }
  auto wa = io::load_safetensors(runs[0].model_path), wb = io::load_safetensors(runs[1].model_path);
  ASSERT_EQ(wa.tensors.size(), wb.tensors.size());
  for (std::size_t i = 0; i < wa.tensors.size(); ++i)
    EXPECT_EQ(wa.tensors[i].second.to_vector(), wb.tensors[i].second.to_vector());
  EXPECT_EQ(wa.metadata.at("scaler"), wb.metadata.at("scaler"));
  for (std::size_t e = 0; e < runs[0].history.size(); ++e)
    EXPECT_EQ(runs[0].history[e].metrics[0].value, runs[1].history[e].metrics[0].value);
  EXPECT_NE(runs[0].results.at("test_rse"), runs[1].results.at("test_rse"));
  std::filesystem::remove_all(dir);
}

// predict's CSV reads back as the numbers forecast, the interval holds its
// forecast, and steps past the model's own are its forecasts fed back in.
TEST(ForecastTask, PredictCsvRoundTripsAndRecursesPastTheModelsSteps) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("rnnkit_forecast_predict_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  testing::write_noisy_series((dir / "s.csv").string(), 300, 5);
  auto o = sine_options((dir / "s.csv").string(), (dir / "run").string());
  o.model.lookback = 12;
  o.model.horizon = 1;
  o.model.steps = 2;
  o.model.quantiles = {0.1, 0.5, 0.9};
  o.loss = "pinball";
  o.difference = {1};
  o.epochs = 2;
  auto task = train::make_forecast_task(o);
  const auto r = train::fit(*task, o);
  const auto m = io::load_forecaster(r.model_path);
  EXPECT_EQ(m.preparation.difference, std::vector<std::int64_t>{1});
  const auto table = series::read_table((dir / "s.csv").string(), {.time_column = "time"});
  const auto f = decode::forecast_after(*m.model, m.preparation, table, 5, kCPU);
  ASSERT_EQ(f.rows, (std::vector<std::int64_t>{300, 301, 302, 303, 304}));
  ASSERT_EQ(f.point.size(), 10u);
  for (std::size_t i = 0; i < f.point.size(); ++i) {
    EXPECT_LE(f.lower[i], f.point[i]);
    EXPECT_LE(f.point[i], f.upper[i]);
  }
  // Steps 3 and 4: the model's two steps from the data with steps 1 and 2 appended.
  series::Table longer = table;
  longer.values.insert(longer.values.end(), f.point.begin(), f.point.begin() + 4);
  longer.rows += 2;
  longer.times.resize(static_cast<std::size_t>(longer.rows));
  const auto again = decode::forecast(*m.model, m.preparation, longer, {302}, kCPU);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_DOUBLE_EQ(again.point[i], f.point[4 + i]);
  // The CSV: the time column continued, every number read back exactly.
  const std::string csv = decode::forecast_csv(table, f);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "step,time,wave,wave_lower,wave_upper,slow,slow_lower,slow_upper");
  std::ofstream((dir / "f.csv").string()) << csv;
  const auto back = series::read_table((dir / "f.csv").string(), {.time_column = "time"});
  ASSERT_EQ(back.rows, 5);
  EXPECT_EQ(back.times, (std::vector<std::string>{"300", "301", "302", "303", "304"}));
  for (std::int64_t row = 0; row < 5; ++row)
    for (std::int64_t s = 0; s < 2; ++s) {
      const auto i = static_cast<std::size_t>(row * 2 + s);
      EXPECT_EQ(back.at(row, 0), static_cast<double>(row + 1));  // step
      EXPECT_EQ(back.at(row, 1 + 3 * s), f.point[i]);
      EXPECT_EQ(back.at(row, 2 + 3 * s), f.lower[i]);
      EXPECT_EQ(back.at(row, 3 + 3 * s), f.upper[i]);
    }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rnnkit

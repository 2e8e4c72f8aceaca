#include "rnnkit/eval/forecast.h"

#include <cmath>

#include "rnnkit/core/error.h"

namespace rnnkit::eval {

namespace {

// Sums over the chosen values (one series, or all) of one table.
struct Sums {
  double n = 0, se = 0, ae = 0, ape = 0, ape_n = 0, sape = 0;
  void add(double f, double a) {
    const double e = f - a;
    n += 1;
    se += e * e;
    ae += std::abs(e);
    if (a != 0) {
      ape += std::abs(e / a);
      ape_n += 1;
    }
    const double d = std::abs(f) + std::abs(a);
    if (d > 0) sape += 2 * std::abs(e) / d;
  }
};

void finish(const Sums& s, SeriesScores& out) {
  out.mae = s.ae / s.n;
  out.rmse = std::sqrt(s.se / s.n);
  out.mape = s.ape_n > 0 ? 100 * s.ape / s.ape_n : std::nan("");
  out.smape = 100 * s.sape / s.n;
}

// Pearson's correlation of one series (population moments, as numpy's std);
// NaN for a constant actual.
double correlation(const std::vector<double>& f, const std::vector<double>& a, std::int64_t rows,
                   std::int64_t cols, std::int64_t c) {
  double mf = 0, ma = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    mf += f[r * cols + c];
    ma += a[r * cols + c];
  }
  mf /= static_cast<double>(rows);
  ma /= static_cast<double>(rows);
  double cov = 0, vf = 0, va = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    const double df = f[r * cols + c] - mf, da = a[r * cols + c] - ma;
    cov += df * da;
    vf += df * df;
    va += da * da;
  }
  if (va == 0) return std::nan("");
  return cov / std::sqrt(vf * va);
}

}  // namespace

ForecastScores forecast_scores(const std::vector<double>& forecast,
                               const std::vector<double>& actual, std::int64_t rows,
                               std::int64_t series, const std::vector<double>& lower,
                               const std::vector<double>& upper) {
  const auto size = static_cast<std::size_t>(rows * series);
  RNNKIT_CHECK(rows >= 2 && series >= 1 && forecast.size() == size && actual.size() == size,
               "forecast scores: {} forecasts and {} actual values for {} rows x {} series",
               forecast.size(), actual.size(), rows, series);
  const bool interval = !lower.empty() || !upper.empty();
  RNNKIT_CHECK(!interval || (lower.size() == size && upper.size() == size),
               "forecast scores: the interval has {} and {} bounds for {} values", lower.size(),
               upper.size(), size);
  ForecastScores out;
  Sums all;
  double mean = 0;
  for (double a : actual) mean += a;
  mean /= static_cast<double>(size);
  double var_all = 0;  // numpy ddof=1 over every value, as torch's std()
  for (double a : actual) var_all += (a - mean) * (a - mean);
  const double n = static_cast<double>(rows);
  const double lstnet_sd =
      std::sqrt(var_all / static_cast<double>(size - 1)) * std::sqrt((n - 1) / n);
  double corr_sum = 0, corr_n = 0, inside_all = 0;
  for (std::int64_t c = 0; c < series; ++c) {
    Sums s;
    double m = 0, v = 0, inside = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
      const auto k = static_cast<std::size_t>(r * series + c);
      s.add(forecast[k], actual[k]);
      all.add(forecast[k], actual[k]);
      m += actual[k];
      if (interval && actual[k] >= lower[k] && actual[k] <= upper[k]) inside += 1;
    }
    m /= n;
    for (std::int64_t r = 0; r < rows; ++r) {
      const double d = actual[r * series + c] - m;
      v += d * d;
    }
    SeriesScores one;
    finish(s, one);
    const double sd = std::sqrt(v / n);
    one.rse = sd > 0 ? one.rmse / sd : std::nan("");
    one.corr = correlation(forecast, actual, rows, series, c);
    if (!std::isnan(one.corr)) {
      corr_sum += one.corr;
      corr_n += 1;
    }
    if (interval) {
      one.coverage = inside / n;
      inside_all += inside;
    }
    out.per_series.push_back(one);
  }
  finish(all, out.all);
  out.all.rse = lstnet_sd > 0 ? out.all.rmse / lstnet_sd : std::nan("");
  out.all.corr = corr_n > 0 ? corr_sum / corr_n : std::nan("");
  if (interval) out.all.coverage = inside_all / static_cast<double>(size);
  return out;
}

}  // namespace rnnkit::eval

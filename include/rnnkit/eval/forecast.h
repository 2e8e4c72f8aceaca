// Forecast accuracy in original units. RSE and CORR are LSTNet's (Lai et al.
// 2018, their code's evaluate()): RSE = the root mean squared error over every
// value / the test values' deviation (numpy's ddof=1 over all values, times
// sqrt((n-1)/n) with n the rows); CORR = the mean over series of Pearson's
// correlation of forecast and actual (series with a constant actual left out).
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace rnnkit::eval {

struct SeriesScores {
  double rse = 0, corr = 0, mae = 0, rmse = 0;
  double mape = 0;   // percent, over the nonzero actual values
  double smape = 0;  // percent: mean of 2|f - a| / (|f| + |a|)
  double coverage = std::numeric_limits<double>::quiet_NaN();  // share inside the interval
};

struct ForecastScores {
  SeriesScores all;
  std::vector<SeriesScores> per_series;
};

// forecast, actual (and the optional interval lower, upper): rows x series,
// row-major.
ForecastScores forecast_scores(const std::vector<double>& forecast,
                               const std::vector<double>& actual, std::int64_t rows,
                               std::int64_t series, const std::vector<double>& lower = {},
                               const std::vector<double>& upper = {});

}  // namespace rnnkit::eval

// Forecasts of a trained models::Forecaster in original units: for each
// target row t, the window ending `horizon` steps before it, and the values
// of rows t .. t + steps - 1 of every series.
#pragma once

#include <cstdint>
#include <vector>

#include "rnnkit/core/device.h"
#include "rnnkit/models/forecaster.h"
#include "rnnkit/series/series.h"

namespace rnnkit::decode {

// The windows before `targets` as the model reads them: [lookback, B, series]
// of `scaled`.
Tensor forecast_windows(const series::Table& scaled, const std::vector<std::int64_t>& targets,
                        std::int64_t lookback, std::int64_t horizon);

struct Forecasts {
  std::vector<std::int64_t> rows;  // the table row each forecast row is of
  std::int64_t series = 0;
  std::vector<double> point;         // rows x series: the mean, or the median quantile
  std::vector<double> lower, upper;  // the outer quantiles (empty without quantiles)
};

// `table` in original units (prepared here as the model was trained). Targets
// may lie past the table's end: their windows must not.
Forecasts forecast(const models::Forecaster& model, const series::Preparation& preparation,
                   const series::Table& table, const std::vector<std::int64_t>& targets,
                   Device device, std::int64_t batch = 256);

}  // namespace rnnkit::decode

// Forecasts of a trained models::Forecaster in original units: for each
// target row t, the window ending `horizon` steps before it, and the values
// of rows t .. t + steps - 1 of every series.
#pragma once

#include <cstdint>
#include <string>
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

// The `steps` rows after the table's last one (a model of horizon h starts h
// rows after it): the model's own steps at once; beyond them, a model of
// horizon 1 forecasts again from its point forecasts appended to the data
// (recursive; the intervals of those steps do not carry the earlier steps'
// uncertainty).
Forecasts forecast_after(const models::Forecaster& model, const series::Preparation& preparation,
                         const series::Table& table, std::int64_t steps, Device device);

// Forecasts after the table as CSV: a step column (steps after the last row),
// the time column continued when series::times_after can, then per series its
// forecast and, with quantiles, NAME_lower and NAME_upper. Numbers are written
// so that they read back exactly.
std::string forecast_csv(const series::Table& table, const Forecasts& f);

}  // namespace rnnkit::decode

// Forecasting numeric series on the training harness: one table split
// chronologically, scaled with statistics of its training rows, windows of
// `lookback` rows before each target; after every epoch the validation RSE
// (LSTNet's) decides; the test report holds the baselines beside the model.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rnnkit/decode/forecast.h"
#include "rnnkit/eval/forecast.h"
#include "rnnkit/models/forecaster.h"
#include "rnnkit/series/series.h"
#include "rnnkit/train/trainer.h"

namespace rnnkit::train {

struct ForecastTrainOptions : TrainerOptions {
  ForecastTrainOptions();
  std::string data;  // the whole table; the split is chronological
  series::ReadOptions read;
  double train_fraction = 0.6, valid_fraction = 0.2;  // LSTNet's split
  std::int64_t test_last = 0;    // > 0: the last N rows for test, the N before them for validation
  std::string scale = "zscore";  // series::Scaler kinds
  bool log = false;              // series::Preparation
  std::vector<std::int64_t> difference{};
  std::string loss = "mse";      // mse | mae (pinball with model.quantiles)
  std::int64_t season = 0;       // seasonal naive baseline (0: none)
  models::ForecasterConfig model;  // series comes from the data
  std::int64_t batch = 64;

  nlohmann::ordered_json to_json() const;
  void update_from_json(const nlohmann::json& j);
};

std::unique_ptr<Task> make_forecast_task(const ForecastTrainOptions& opts);

// The split of `rows` that the options ask for.
series::Split forecast_split(const ForecastTrainOptions& o, std::int64_t rows);

// One forecaster's (or baseline's) figures on a part of the table.
struct ForecastReport {
  std::string name;  // "rnnkit", "persistence", "seasonal naive (12)", "AR"
  eval::ForecastScores scores;
  std::vector<double> forecast;  // (targets x steps) x series, in original units
};
// The baselines on `targets` (steps rows each), the AR fitted on the
// training rows of `split` (none without any), in original units.
std::vector<ForecastReport> baseline_reports(const series::Table& table, const series::Split& split,
                                             const std::vector<std::int64_t>& targets,
                                             std::int64_t horizon, std::int64_t steps,
                                             std::int64_t lookback, std::int64_t season);
// Throws unless seasonal naive (`season` > 0) has a value whole seasons back
// for every step of a forecast of `first_target` (before any training).
void check_season(std::int64_t season, std::int64_t first_target, std::int64_t horizon,
                  std::int64_t steps);
nlohmann::ordered_json to_json(const eval::ForecastScores& s,
                               const std::vector<std::string>& names);

// A trained forecaster on the targets of one part, beside its baselines.
struct PartEvaluation {
  decode::Forecasts forecasts;
  eval::ForecastScores scores;
  std::vector<ForecastReport> baselines;
};
PartEvaluation evaluate_part(const models::Forecaster& model, const series::Preparation& prep,
                             const series::Table& table, const series::Split& split,
                             const std::vector<std::int64_t>& targets, std::int64_t season,
                             Device device, bool baselines = true);
// forecast.svg: per series (at most 8: beyond, the 4 worst and 4 best by
// RSE) the actual values, the forecast with its interval as a band and the
// baselines dashed, over every steps-th target's steps; then `below` (the
// learning curve, or "").
std::string forecast_svg(const series::Table& table, const std::vector<std::int64_t>& targets,
                         std::int64_t steps, const PartEvaluation& e, const std::string& title,
                         const std::string& below = "");

}  // namespace rnnkit::train

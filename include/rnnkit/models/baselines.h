// The forecasts a recurrent forecaster must beat, computed on the same split
// and scale: persistence (the last observed value), seasonal naive (the value
// one season before) and a per-series linear autoregression AR(p) fitted by
// least squares on the training rows, p chosen on validation.
#pragma once

#include <cstdint>
#include <vector>

#include "rnnkit/series/series.h"

namespace rnnkit::models {

// Row `target`'s value of series `col` forecast `horizon` steps ahead.
double persistence(const series::Table& t, std::int64_t target, std::int64_t col,
                   std::int64_t horizon);
// The latest value at least `horizon` steps back that lies whole seasons back.
double seasonal_naive(const series::Table& t, std::int64_t target, std::int64_t col,
                      std::int64_t horizon, std::int64_t season);

// Direct h-step AR per series: y[t] = c + sum_i a_i y[t - horizon - i], i < p.
struct AutoRegressive {
  std::int64_t horizon = 1;
  std::vector<std::int64_t> order;        // p per series
  std::vector<std::vector<double>> coef;  // per series: c, a_0 .. a_{p-1}

  // Least squares (LAPACK's dgelsd) over the targets in [begin, end), one order
  // for every series.
  static AutoRegressive fit(const series::Table& t, std::int64_t begin, std::int64_t end,
                            std::int64_t horizon, std::int64_t order);
  // Each series' order from `orders` with the lowest squared error on the
  // validation rows of `split`, fitted on its training rows.
  static AutoRegressive fit_selected(const series::Table& t, const series::Split& split,
                                     std::int64_t horizon, const std::vector<std::int64_t>& orders);
  double predict(const series::Table& t, std::int64_t target, std::int64_t col) const;
};

// Solves min |A x - b| for A rows x cols (row-major) by LAPACK's dgelsd
// (rank-deficient A gets the minimum-norm solution).
std::vector<double> least_squares(const std::vector<double>& a, std::int64_t rows,
                                  std::int64_t cols, const std::vector<double>& b);

}  // namespace rnnkit::models

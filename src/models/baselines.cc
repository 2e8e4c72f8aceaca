#include "rnnkit/models/baselines.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "rnnkit/core/error.h"

// LAPACK (in OpenBLAS): the minimum-norm least-squares solve by SVD.
extern "C" void dgelsd_(const int* m, const int* n, const int* nrhs, double* a, const int* lda,
                        double* b, const int* ldb, double* s, const double* rcond, int* rank,
                        double* work, const int* lwork, int* iwork, int* info);

namespace rnnkit::models {

double persistence(const series::Table& t, std::int64_t target, std::int64_t col,
                   std::int64_t horizon) {
  RNNKIT_CHECK(target - horizon >= 0, "persistence: row {} has no value {} steps before", target,
               horizon);
  return t.at(target - horizon, col);
}

double seasonal_naive(const series::Table& t, std::int64_t target, std::int64_t col,
                      std::int64_t horizon, std::int64_t season) {
  RNNKIT_CHECK(season >= 1, "--season must be positive, got {}", season);
  const std::int64_t back = season * ((horizon + season - 1) / season);
  RNNKIT_CHECK(target - back >= 0, "seasonal naive: row {} has no value {} steps before", target,
               back);
  return t.at(target - back, col);
}

std::vector<double> least_squares(const std::vector<double>& a, std::int64_t rows,
                                  std::int64_t cols, const std::vector<double>& b) {
  RNNKIT_CHECK(rows >= 1 && cols >= 1 && static_cast<std::int64_t>(a.size()) == rows * cols &&
                   static_cast<std::int64_t>(b.size()) == rows,
               "least_squares: A {} x {} and b of {}", rows, cols, b.size());
  const int m = static_cast<int>(rows), n = static_cast<int>(cols), nrhs = 1;
  std::vector<double> col_major(a.size());
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) col_major[c * rows + r] = a[r * cols + c];
  std::vector<double> x(static_cast<std::size_t>(std::max(m, n)), 0.0);
  std::copy(b.begin(), b.end(), x.begin());
  const int ldb = std::max(m, n);
  std::vector<double> sv(static_cast<std::size_t>(std::min(m, n)));
  const double rcond = -1;  // machine precision
  int rank = 0, info = 0, lwork = -1, iwork_query = 0;
  double work_query = 0;
  dgelsd_(&m, &n, &nrhs, col_major.data(), &m, x.data(), &ldb, sv.data(), &rcond, &rank,
          &work_query, &lwork, &iwork_query, &info);
  lwork = static_cast<int>(work_query);
  std::vector<double> work(static_cast<std::size_t>(std::max(lwork, 1)));
  std::vector<int> iwork(static_cast<std::size_t>(std::max(iwork_query, 1)));
  dgelsd_(&m, &n, &nrhs, col_major.data(), &m, x.data(), &ldb, sv.data(), &rcond, &rank,
          work.data(), &lwork, iwork.data(), &info);
  if (info != 0)
    throw NumericalError(fmt::format("least squares did not converge (dgelsd {})", info));
  x.resize(static_cast<std::size_t>(n));
  return x;
}

namespace {

std::vector<double> fit_one(const series::Table& t, std::int64_t col,
                            const std::vector<std::int64_t>& targets, std::int64_t horizon,
                            std::int64_t order) {
  const auto rows = static_cast<std::int64_t>(targets.size());
  RNNKIT_CHECK(rows >= order + 1, "AR({}) at horizon {}: {} training windows are too few", order,
               horizon, rows);
  std::vector<double> a(static_cast<std::size_t>(rows * (order + 1))), b;
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t y = targets[r];
    a[r * (order + 1)] = 1;
    for (std::int64_t i = 0; i < order; ++i)
      a[r * (order + 1) + 1 + i] = t.at(y - horizon - i, col);
    b.push_back(t.at(y, col));
  }
  return least_squares(a, rows, order + 1, b);
}

double apply(const std::vector<double>& coef, const series::Table& t, std::int64_t target,
             std::int64_t col, std::int64_t horizon) {
  double y = coef[0];
  for (std::size_t i = 1; i < coef.size(); ++i)
    y += coef[i] * t.at(target - horizon - static_cast<std::int64_t>(i - 1), col);
  return y;
}

}  // namespace

AutoRegressive AutoRegressive::fit(const series::Table& t, std::int64_t begin, std::int64_t end,
                                   std::int64_t horizon, std::int64_t order) {
  RNNKIT_CHECK(order >= 1, "AR order must be positive, got {}", order);
  AutoRegressive ar;
  ar.horizon = horizon;
  const auto targets = series::window_targets(begin, end, order, horizon);
  for (std::int64_t c = 0; c < t.cols(); ++c) {
    ar.order.push_back(order);
    ar.coef.push_back(fit_one(t, c, targets, horizon, order));
  }
  return ar;
}

AutoRegressive AutoRegressive::fit_selected(const series::Table& t, const series::Split& split,
                                            std::int64_t horizon,
                                            const std::vector<std::int64_t>& orders) {
  RNNKIT_CHECK(!orders.empty(), "AR: no orders to choose from");
  AutoRegressive best;
  best.horizon = horizon;
  best.order.assign(static_cast<std::size_t>(t.cols()), 0);
  best.coef.resize(static_cast<std::size_t>(t.cols()));
  std::vector<double> best_error(static_cast<std::size_t>(t.cols()),
                                 std::numeric_limits<double>::infinity());
  const std::int64_t longest = *std::max_element(orders.begin(), orders.end());
  // Every order is scored on the same validation rows.
  const auto valid = series::window_targets(split.train_end, split.valid_end, longest, horizon);
  std::vector<std::int64_t> ascending = orders;
  std::sort(ascending.begin(), ascending.end());
  for (std::int64_t p : ascending) {
    if (series::window_targets(0, split.train_end, p, horizon).size() <
        static_cast<std::size_t>(p + 1))
      continue;  // too long for the training rows
    const AutoRegressive ar = fit(t, 0, split.train_end, horizon, p);
    for (std::int64_t c = 0; c < t.cols(); ++c) {
      double error = 0;
      for (std::int64_t y : valid) {
        const double e = ar.predict(t, y, c) - t.at(y, c);
        error += e * e;
      }
      if (error < best_error[c]) {  // ties (no validation rows) keep the shorter order
        best_error[c] = error;
        best.order[c] = p;
        best.coef[c] = ar.coef[c];
      }
    }
  }
  RNNKIT_CHECK(best.order[0] != 0, "AR: the training rows are too few for any order");
  return best;
}

double AutoRegressive::predict(const series::Table& t, std::int64_t target,
                               std::int64_t col) const {
  RNNKIT_CHECK(target - horizon - order[col] + 1 >= 0, "AR({}): row {} has too few rows before it",
               order[col], target);
  return apply(coef[col], t, target, col, horizon);
}

}  // namespace rnnkit::models

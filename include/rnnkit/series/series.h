// Numeric time series for forecasting: a table read from CSV/TSV, its
// chronological split, a scaler fitted on the training rows only, and the
// windows a forecaster learns from. Rows are time steps, columns are series.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rnnkit::series {

struct Table {
  std::vector<std::string> names;  // one per series
  std::vector<std::string> times;  // the time column's cells (empty without one)
  std::int64_t rows = 0;
  std::vector<double> values;  // rows x cols, row-major
  std::string time_name{};     // the time column's name
  std::int64_t cols() const { return static_cast<std::int64_t>(names.size()); }
  double at(std::int64_t row, std::int64_t col) const { return values[row * cols() + col]; }
  double& at(std::int64_t row, std::int64_t col) { return values[row * cols() + col]; }
};

struct ReadOptions {
  bool header = true;
  // Names, or 1-based numbers, of the series to keep; empty: every column whose
  // first row is a number (the time column aside).
  std::vector<std::string> columns{};
  std::string time_column{};  // a name or 1-based number; empty: none
  // A missing cell (empty, NA, NaN, null) is an error, or filled from the
  // previous value ("previous") or between its neighbours ("linear").
  std::string fill{};
};

// Reads a CSV (comma) or TSV (a tab in the first line) file, plain, gzip or
// standard input ("-"); cells may be double-quoted. Errors name the file, the
// line and the column: ragged rows, text in a number column, a missing cell
// without --fill, unknown columns, fewer than two rows.
Table read_table(const std::string& path, const ReadOptions& opts = {});

// The time cells of the `n` rows after the table's last, continuing its last
// step: whole numbers, months (YYYY-MM) or dates (YYYY-MM-DD); empty when the
// time column is absent or of another kind.
std::vector<std::string> times_after(const Table& t, std::int64_t n);

// Chronological parts: train [0, train_end), validation [train_end,
// valid_end), test [valid_end, rows).
struct Split {
  std::int64_t train_end = 0, valid_end = 0, rows = 0;
};
// LSTNet's split: the first train share of rows, then valid (the rest is test).
Split split_fractions(std::int64_t rows, double train, double valid);
// The last `test` rows for test, the `valid` rows before them for validation.
Split split_last(std::int64_t rows, std::int64_t valid, std::int64_t test);

// Per-series scaling, fitted on the training rows alone and stored in the
// model: zscore (mean 0, deviation 1), minmax (to [0, 1]), maxabs (divided by
// the largest magnitude, LSTNet's), none.
struct Scaler {
  std::string kind = "zscore";
  std::vector<double> shift, scale;  // x' = (x - shift) / scale
  // Rows [begin, train_end) are the fit's; earlier ones may be undefined.
  static Scaler fit(const Table& t, std::int64_t train_end, const std::string& kind,
                    std::int64_t begin = 0);
  double forward(double x, std::int64_t col) const { return (x - shift[col]) / scale[col]; }
  double inverse(double x, std::int64_t col) const { return x * scale[col] + shift[col]; }
  Table apply(const Table& t) const;
};

// What a forecaster reads: the logarithm of each value (optional), its
// differences at each lag in turn (optional; 1,12: a monthly series' trend and
// season), then scaled; fitted on the training rows alone, stored in the
// model, inverted on output.
struct Preparation {
  bool log = false;
  std::vector<std::int64_t> difference{};  // lags, each positive
  Scaler scaler{};
  static Preparation fit(const Table& t, std::int64_t train_end, const std::string& scale, bool log,
                         const std::vector<std::int64_t>& difference);
  // The rows the differences use up: rows before this one have no value.
  std::int64_t first_row() const;
  // Prepared values (NaN before first_row()). A value <= 0 under log is an
  // error naming its series and row.
  Table apply(const Table& t) const;
  // Forecasts in original units of series `s` for rows origin + horizon + k,
  // k = 0 .. prepared.size() - 1, from their prepared values; the rows a
  // difference reaches back to are `t`'s up to `origin`, else earlier
  // forecasts (an interval's bound is undone with its own earlier bounds).
  std::vector<double> invert(const Table& t, std::int64_t s, std::int64_t origin,
                             std::int64_t horizon, const std::vector<double>& prepared) const;
  // Throws unless every row that undoing the differences of forecasts
  // horizon .. horizon + steps - 1 ahead needs is known or forecast.
  void check_invertible(std::int64_t horizon, std::int64_t steps) const;
};

// The rows whose value a forecaster predicts in one part, `horizon` steps
// after the last of `lookback` inputs (rows target - horizon - lookback + 1 ..
// target - horizon). A window belongs to the part of its target; inputs come
// from earlier rows, which at forecast time are known (LSTNet's windows), so a
// training window never reads a validation or test row.
// Windows start at row `first` or later.
std::vector<std::int64_t> window_targets(std::int64_t begin, std::int64_t end,
                                         std::int64_t lookback, std::int64_t horizon,
                                         std::int64_t first = 0);

}  // namespace rnnkit::series

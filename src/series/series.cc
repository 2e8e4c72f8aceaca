#include "rnnkit/series/series.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>

#include "rnnkit/core/error.h"
#include "rnnkit/text/stream.h"

namespace rnnkit::series {

namespace {

#define CHECK_DATA(cond, ...)                                 \
  do {                                                        \
    if (!(cond)) throw FormatError(fmt::format(__VA_ARGS__)); \
  } while (0)

std::string trim(std::string s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && space(s.back())) s.pop_back();
  std::size_t k = 0;
  while (k < s.size() && space(s[k])) ++k;
  return s.substr(k);
}

// One line's cells; a double-quoted cell may hold the delimiter and "" for ".
std::vector<std::string> cells_of(const std::string& line, char delimiter) {
  std::vector<std::string> out;
  std::string cell;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"' && trim(cell).empty()) {
      quoted = true;
      cell.clear();
    } else if (c == delimiter) {
      out.push_back(trim(cell));
      cell.clear();
    } else {
      cell += c;
    }
  }
  out.push_back(trim(cell));
  return out;
}

bool missing(const std::string& cell) {
  return cell.empty() || cell == "NA" || cell == "N/A" || cell == "NaN" || cell == "nan" ||
         cell == "null";
}

std::optional<double> number(const std::string& cell) {
  double v = 0;
  const char* first = cell.data() + (!cell.empty() && cell[0] == '+' ? 1 : 0);
  const char* last = cell.data() + cell.size();
  auto [end, ec] = std::from_chars(first, last, v);
  if (ec != std::errc() || end != last || !std::isfinite(v)) return std::nullopt;
  return v;
}

// A number that does not fit a double (1e400), or an infinity.
bool out_of_range(const std::string& cell) {
  double v = 0;
  const char* first = cell.data() + (!cell.empty() && cell[0] == '+' ? 1 : 0);
  auto [end, ec] = std::from_chars(first, cell.data() + cell.size(), v);
  return end == cell.data() + cell.size() &&
         (ec == std::errc::result_out_of_range || std::isinf(v));
}

// A column named by its header name, or by a 1-based number.
std::int64_t column_index(const std::string& spec, const std::vector<std::string>& header,
                          const std::string& path) {
  if (auto it = std::find(header.begin(), header.end(), spec); it != header.end())
    return it - header.begin();
  if (auto n = number(spec);
      n && *n >= 1 && *n <= static_cast<double>(header.size()) && *n == std::floor(*n))
    return static_cast<std::int64_t>(*n) - 1;
  std::string names;
  for (const auto& h : header) names += (names.empty() ? "" : ", ") + h;
  throw InvalidArgument(fmt::format("{}: no column '{}' (columns: {})", path, spec, names));
}

}  // namespace

Table read_table(const std::string& path, const ReadOptions& opts) {
  RNNKIT_CHECK(opts.fill.empty() || opts.fill == "previous" || opts.fill == "linear",
               "unknown --fill '{}' (expected previous or linear)", opts.fill);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::int64_t> line_numbers;
  std::int64_t line_no = 0;
  char delimiter = 0;
  text::StreamOptions stream;
  stream.block_bytes = 1 << 16;  // tables are small; the default block is for corpora
  text::read_lines(
      path,
      [&](const std::string& text) {
        ++line_no;
        // A UTF-8 byte order mark (spreadsheets write one) is not part of the first name.
        const bool bom = line_no == 1 && text.rfind("\xEF\xBB\xBF", 0) == 0;
        const std::string line = bom ? text.substr(3) : text;
        if (trim(line).empty()) return;
        if (delimiter == 0) delimiter = line.find('\t') != std::string::npos ? '\t' : ',';
        rows.push_back(cells_of(line, delimiter));
        line_numbers.push_back(line_no);
      },
      stream);
  CHECK_DATA(!rows.empty(), "{}: no rows", path);
  const std::size_t width = rows[0].size();
  for (std::size_t r = 1; r < rows.size(); ++r)
    CHECK_DATA(rows[r].size() == width, "{}: line {} has {} cells, the first line {}", path,
               line_numbers[r], rows[r].size(), width);
  std::vector<std::string> header;
  std::size_t first = 0;
  if (opts.header) {
    header = rows[0];
    first = 1;
  } else {
    for (std::size_t c = 0; c < width; ++c) header.push_back(std::to_string(c + 1));
  }
  CHECK_DATA(rows.size() >= first + 2, "{}: {} data row{}: a series needs at least two", path,
             rows.size() - first, rows.size() - first == 1 ? "" : "s");

  Table t;
  std::int64_t time_col = -1;
  if (!opts.time_column.empty()) time_col = column_index(opts.time_column, header, path);
  std::vector<std::int64_t> keep;
  if (opts.columns.empty()) {
    for (std::size_t c = 0; c < width; ++c) {
      const std::string& cell = rows[first][c];
      if (static_cast<std::int64_t>(c) != time_col && (missing(cell) || number(cell)))
        keep.push_back(static_cast<std::int64_t>(c));
    }
    CHECK_DATA(!keep.empty(), "{}: no numeric column on line {}", path, line_numbers[first]);
  } else {
    for (const auto& spec : opts.columns) keep.push_back(column_index(spec, header, path));
  }
  for (auto c : keep) {
    CHECK_DATA(std::find(t.names.begin(), t.names.end(), header[c]) == t.names.end(),
               "{}: column '{}' is named twice (a series is read once, under one name)", path,
               header[c]);
    t.names.push_back(header[c]);
  }
  if (time_col >= 0) t.time_name = header[time_col];
  t.rows = static_cast<std::int64_t>(rows.size() - first);
  t.values.resize(static_cast<std::size_t>(t.rows) * keep.size());
  std::vector<std::vector<std::int64_t>> gaps(keep.size());  // missing rows per series
  for (std::int64_t r = 0; r < t.rows; ++r) {
    const auto& row = rows[first + r];
    if (time_col >= 0) t.times.push_back(row[time_col]);
    for (std::size_t k = 0; k < keep.size(); ++k) {
      const std::string& cell = row[keep[k]];
      const std::int64_t line = line_numbers[first + r];
      if (missing(cell)) {
        CHECK_DATA(!opts.fill.empty(),
                   "{}: line {}, column '{}': missing value (--fill previous|linear fills it)",
                   path, line, t.names[k]);
        gaps[k].push_back(r);
        continue;
      }
      auto v = number(cell);
      CHECK_DATA(v.has_value(), "{}: line {}, column '{}': '{}' is {}", path, line, t.names[k],
                 cell, out_of_range(cell) ? "too large for a number" : "not a number");
      t.at(r, static_cast<std::int64_t>(k)) = *v;
    }
  }
  for (std::size_t k = 0; k < keep.size(); ++k) {
    const auto c = static_cast<std::int64_t>(k);
    const auto& g = gaps[k];
    CHECK_DATA(g.size() < static_cast<std::size_t>(t.rows), "{}: column '{}' has no values", path,
               t.names[k]);
    std::size_t i = 0;
    while (i < g.size()) {  // fill one run of consecutive gaps [g[i], g[j]]
      std::size_t j = i;
      while (j + 1 < g.size() && g[j + 1] == g[j] + 1) ++j;
      const std::int64_t before = g[i] - 1, after = g[j] + 1;
      CHECK_DATA(before >= 0 || opts.fill == "linear",
                 "{}: column '{}': the first value is missing and --fill previous has nothing "
                 "before it",
                 path, t.names[k]);
      for (std::size_t n = i; n <= j; ++n) {
        const std::int64_t r = g[n];
        if (before < 0)
          t.at(r, c) = t.at(after, c);
        else if (opts.fill == "previous" || after >= t.rows)
          t.at(r, c) = t.at(before, c);
        else
          t.at(r, c) = t.at(before, c) + (t.at(after, c) - t.at(before, c)) *
                                             static_cast<double>(r - before) /
                                             static_cast<double>(after - before);
      }
      i = j + 1;
    }
  }
  return t;
}

Split split_fractions(std::int64_t rows, double train, double valid) {
  RNNKIT_CHECK(train > 0 && valid >= 0 && train + valid < 1,
               "--split: train {} and validation {} must leave a test share", train, valid);
  Split s{static_cast<std::int64_t>(train * static_cast<double>(rows)),
          static_cast<std::int64_t>((train + valid) * static_cast<double>(rows)), rows};
  RNNKIT_CHECK(s.train_end >= 2 && s.valid_end < rows, "--split {},{}: {} rows leave an empty part",
               train, valid, rows);
  return s;
}

Split split_last(std::int64_t rows, std::int64_t valid, std::int64_t test) {
  RNNKIT_CHECK(test >= 1 && valid >= 0 && rows - valid - test >= 2,
               "--test-last {}: {} test and {} validation rows leave {} of the {} rows for "
               "training (at least 2 are needed)",
               test, test, valid, std::max<std::int64_t>(rows - valid - test, 0), rows);
  return {rows - valid - test, rows - test, rows};
}

Scaler Scaler::fit(const Table& t, std::int64_t train_end, const std::string& kind,
                   std::int64_t begin) {
  RNNKIT_CHECK(kind == "zscore" || kind == "minmax" || kind == "maxabs" || kind == "none",
               "unknown --scale '{}' (expected zscore, minmax, maxabs or none)", kind);
  RNNKIT_CHECK(begin >= 0 && train_end > begin && train_end <= t.rows,
               "scaler: training rows {} .. {} of {}", begin, train_end, t.rows);
  Scaler s;
  s.kind = kind;
  const auto n = static_cast<double>(train_end - begin);
  for (std::int64_t c = 0; c < t.cols(); ++c) {
    double lo = t.at(begin, c), hi = lo, sum = 0, big = 0;
    for (std::int64_t r = begin; r < train_end; ++r) {
      const double x = t.at(r, c);
      lo = std::min(lo, x);
      hi = std::max(hi, x);
      sum += x;
      big = std::max(big, std::abs(x));
    }
    const double mean = sum / n;
    double var = 0;
    for (std::int64_t r = begin; r < train_end; ++r)
      var += (t.at(r, c) - mean) * (t.at(r, c) - mean);
    const double sd = std::sqrt(var / n);
    double shift = 0, scale = 1;
    if (kind == "zscore") {
      shift = mean;
      scale = sd;
    } else if (kind == "minmax") {
      shift = lo;
      scale = hi - lo;
    } else if (kind == "maxabs") {
      scale = big;
    }
    RNNKIT_CHECK(std::isfinite(shift) && std::isfinite(scale),
                 "--scale {}: series '{}' holds values too large to scale (|x| up to {:g})", kind,
                 t.names[c], big);
    s.shift.push_back(shift);
    s.scale.push_back(scale > 0 ? scale : 1);  // a constant series is shifted only
  }
  return s;
}

Table Scaler::apply(const Table& t) const {
  Table out = t;
  for (std::int64_t r = 0; r < t.rows; ++r)
    for (std::int64_t c = 0; c < t.cols(); ++c) out.at(r, c) = forward(t.at(r, c), c);
  return out;
}

namespace {

// "YYYY-MM" (day 0) or "YYYY-MM-DD".
struct Calendar {
  bool has_day = false;
  std::chrono::year_month_day date{};
  std::int64_t month_count() const {  // months since year 0
    return static_cast<int>(date.year()) * 12LL + static_cast<unsigned>(date.month()) - 1;
  }
  bool last_day() const {
    return date.day() ==
           std::chrono::year_month_day_last(date.year(), std::chrono::month_day_last(date.month()))
               .day();
  }
};
std::optional<Calendar> calendar(const std::string& s) {
  int y = 0;
  unsigned mo = 0, d = 1;
  char tail = 0;
  Calendar c;
  if (s.size() == 7 && std::sscanf(s.c_str(), "%4d-%2u%c", &y, &mo, &tail) == 2) {
  } else if (s.size() == 10 && std::sscanf(s.c_str(), "%4d-%2u-%2u%c", &y, &mo, &d, &tail) == 3) {
    c.has_day = true;
  } else {
    return std::nullopt;
  }
  c.date = std::chrono::year_month_day{std::chrono::year(y), std::chrono::month(mo),
                                       std::chrono::day(d)};
  if (!c.date.ok()) return std::nullopt;
  return c;
}

std::string format_date(const std::chrono::year_month_day& d, bool has_day) {
  const auto y = static_cast<int>(d.year());
  const auto m = static_cast<unsigned>(d.month());
  return has_day ? fmt::format("{:04}-{:02}-{:02}", y, m, static_cast<unsigned>(d.day()))
                 : fmt::format("{:04}-{:02}", y, m);
}

}  // namespace

std::vector<std::string> times_after(const Table& t, std::int64_t n) {
  if (t.times.size() < 2) return {};
  const std::string &a = t.times[t.times.size() - 2], &b = t.times.back();
  std::vector<std::string> out;
  std::int64_t x = 0, y = 0;
  auto whole = [](const std::string& s, std::int64_t& v) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && end == s.data() + s.size();
  };
  if (whole(a, x) && whole(b, y)) {
    for (std::int64_t k = 1; k <= n; ++k) out.push_back(std::to_string(y + k * (y - x)));
    return out;
  }
  const auto ca = calendar(a), cb = calendar(b);
  if (!ca || !cb || ca->has_day != cb->has_day) return {};
  using std::chrono::sys_days;
  const std::int64_t months = cb->month_count() - ca->month_count();
  const bool same_day = ca->date.day() == cb->date.day();
  const bool month_ends = ca->has_day && ca->last_day() && cb->last_day();
  if (months >= 1 && (!cb->has_day || same_day || month_ends)) {
    // Whole months: the same day of the month, or each month's last day.
    for (std::int64_t k = 1; k <= n; ++k) {
      const std::int64_t m = cb->month_count() + k * months;
      const std::chrono::year_month ym{std::chrono::year(static_cast<int>(m / 12)),
                                       std::chrono::month(static_cast<unsigned>(m % 12 + 1))};
      std::chrono::year_month_day d = ym / cb->date.day();
      if (month_ends || !d.ok()) d = std::chrono::year_month_day(ym / std::chrono::last);
      out.push_back(format_date(d, cb->has_day));
    }
    return out;
  }
  if (!cb->has_day) return {};
  const auto step = sys_days(cb->date) - sys_days(ca->date);
  if (step.count() <= 0) return {};
  for (std::int64_t k = 1; k <= n; ++k)
    out.push_back(format_date(std::chrono::year_month_day(sys_days(cb->date) + k * step), true));
  return out;
}

namespace {

constexpr std::int64_t kMaxLag = 100000;

// The differences as one lag polynomial: prod (1 - B^lag), coefficient e of B^e.
std::vector<double> difference_polynomial(const std::vector<std::int64_t>& lags) {
  std::vector<double> p = {1.0};
  for (std::int64_t lag : lags) {
    RNNKIT_CHECK(lag >= 1 && lag <= kMaxLag, "--difference: lag {} is not in [1, {}]", lag,
                 kMaxLag);
    std::vector<double> q(p.size() + static_cast<std::size_t>(lag), 0.0);
    for (std::size_t e = 0; e < p.size(); ++e) {
      q[e] += p[e];
      q[e + static_cast<std::size_t>(lag)] -= p[e];
    }
    p = std::move(q);
  }
  return p;
}

}  // namespace

Preparation Preparation::fit(const Table& t, std::int64_t train_end, const std::string& scale,
                             bool log, const std::vector<std::int64_t>& difference) {
  Preparation p;
  p.log = log;
  p.difference = difference;
  difference_polynomial(difference);  // checks each lag
  RNNKIT_CHECK(p.first_row() < train_end,
               "--difference {}: the differences use up {} rows, the training part has {}",
               fmt::join(difference, ","), p.first_row(), train_end);
  Preparation unscaled = p;
  unscaled.scaler.kind = "none";
  unscaled.scaler.shift.assign(static_cast<std::size_t>(t.cols()), 0.0);
  unscaled.scaler.scale.assign(static_cast<std::size_t>(t.cols()), 1.0);
  p.scaler = Scaler::fit(unscaled.apply(t), train_end, scale, p.first_row());
  return p;
}

std::int64_t Preparation::first_row() const {
  std::int64_t rows = 0;
  for (std::int64_t lag : difference) rows += lag;
  return rows;
}

Table Preparation::apply(const Table& t) const {
  Table out = t;
  if (log)
    for (std::int64_t r = 0; r < t.rows; ++r)
      for (std::int64_t c = 0; c < t.cols(); ++c) {
        const double x = t.at(r, c);
        RNNKIT_CHECK(x > 0,
                     "--log: series '{}' holds {} at data row {} (a logarithm needs "
                     "values above 0)",
                     t.names[c], x, r + 1);
        out.at(r, c) = std::log(x);
      }
  std::int64_t used = 0;
  for (std::int64_t lag : difference) {
    used += lag;
    for (std::int64_t r = t.rows - 1; r >= 0; --r)
      for (std::int64_t c = 0; c < t.cols(); ++c)
        out.at(r, c) = r >= used ? out.at(r, c) - out.at(r - lag, c)
                                 : std::numeric_limits<double>::quiet_NaN();
  }
  return scaler.apply(out);
}

std::vector<double> Preparation::invert(const Table& t, std::int64_t s, std::int64_t origin,
                                        std::int64_t horizon,
                                        const std::vector<double>& prepared) const {
  const std::vector<double> poly = difference_polynomial(difference);
  std::vector<double> y;  // log units, differences undone
  for (std::size_t k = 0; k < prepared.size(); ++k) {
    const std::int64_t row = origin + horizon + static_cast<std::int64_t>(k);
    double v = scaler.inverse(prepared[k], s);
    for (std::size_t e = 1; e < poly.size(); ++e) {
      if (poly[e] == 0) continue;
      const std::int64_t r = row - static_cast<std::int64_t>(e);
      double earlier;
      if (r <= origin) {
        RNNKIT_CHECK(r >= 0 && r < t.rows, "forecast: row {} is not in the data", r);
        earlier = log ? std::log(t.at(r, s)) : t.at(r, s);
      } else {
        const std::int64_t j = r - origin - horizon;
        RNNKIT_CHECK(j >= 0, "forecast: row {} is neither known nor forecast", r);
        earlier = y[static_cast<std::size_t>(j)];
      }
      v -= poly[e] * earlier;
    }
    y.push_back(v);
  }
  if (log)
    for (double& v : y) v = std::exp(v);
  return y;
}

void Preparation::check_invertible(std::int64_t horizon, std::int64_t steps) const {
  const std::vector<double> poly = difference_polynomial(difference);
  for (std::int64_t k = 0; k < steps; ++k)
    for (std::size_t e = 1; e < poly.size(); ++e)
      if (poly[e] != 0) {
        const auto lag = static_cast<std::int64_t>(e);
        RNNKIT_CHECK(lag >= horizon + k || lag <= k,
                     "--difference {} with --horizon {}: undoing the differences of a forecast {} "
                     "steps ahead needs the value {} steps ahead, which is neither known nor "
                     "forecast (use --horizon 1 and --steps for forecasts further ahead)",
                     fmt::join(difference, ","), horizon, horizon + k, horizon + k - lag);
      }
}

std::vector<std::int64_t> window_targets(std::int64_t begin, std::int64_t end,
                                         std::int64_t lookback, std::int64_t horizon,
                                         std::int64_t first) {
  RNNKIT_CHECK(lookback >= 1 && horizon >= 1, "--lookback {} and --horizon {} must be positive",
               lookback, horizon);
  std::vector<std::int64_t> out;
  for (std::int64_t t = std::max(begin, first + lookback + horizon - 1); t < end; ++t)
    out.push_back(t);
  return out;
}

}  // namespace rnnkit::series

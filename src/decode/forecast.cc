#include "rnnkit/decode/forecast.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "rnnkit/autograd/variable.h"
#include "rnnkit/core/error.h"

namespace rnnkit::decode {

Tensor forecast_windows(const series::Table& scaled, const std::vector<std::int64_t>& targets,
                        std::int64_t lookback, std::int64_t horizon) {
  const auto B = static_cast<std::int64_t>(targets.size());
  const std::int64_t m = scaled.cols();
  std::vector<float> x(static_cast<std::size_t>(lookback * B * m));
  for (std::int64_t b = 0; b < B; ++b) {
    const std::int64_t first = targets[b] - horizon - lookback + 1;
    RNNKIT_CHECK(first >= 0 && targets[b] - horizon < scaled.rows,
                 "forecast: row {} has no window of {} rows {} steps before it", targets[b],
                 lookback, horizon);
    for (std::int64_t w = 0; w < lookback; ++w)
      for (std::int64_t s = 0; s < m; ++s)
        x[static_cast<std::size_t>((w * B + b) * m + s)] =
            static_cast<float>(scaled.at(first + w, s));
  }
  return Tensor::from_vector(x, {lookback, B, m});
}

Forecasts forecast(const models::Forecaster& model, const series::Preparation& preparation,
                   const series::Table& table, const std::vector<std::int64_t>& targets,
                   Device device, std::int64_t batch) {
  const auto& c = model.config();
  RNNKIT_CHECK(table.cols() == c.series, "forecast: the model reads {} series, the data has {}",
               c.series, table.cols());
  for (std::int64_t t : targets)
    RNNKIT_CHECK(
        t - c.horizon - c.lookback + 1 >= preparation.first_row(),
        "forecast: row {} has no window of {} rows (--lookback) {} steps (--horizon) "
        "before it{}",
        t + 1, c.lookback, c.horizon,
        preparation.first_row() > 0
            ? fmt::format(" after the {} rows the differences use up", preparation.first_row())
            : "");
  const series::Table prepared = preparation.apply(table);
  const std::int64_t Q = c.outputs_per_value(), K = c.steps, m = c.series;
  // The point forecast: the median quantile when trained, else the middle one.
  std::int64_t mid = (Q - 1) / 2;
  for (std::size_t q = 0; q < c.quantiles.size(); ++q)
    if (std::abs(c.quantiles[q] - 0.5) < 1e-9) mid = static_cast<std::int64_t>(q);
  Forecasts out;
  out.series = m;
  NoGradGuard no_grad;
  Generator gen(0, 0);  // dropout is off outside training
  for (std::size_t start = 0; start < targets.size(); start += static_cast<std::size_t>(batch)) {
    const std::vector<std::int64_t> part(
        targets.begin() + static_cast<std::ptrdiff_t>(start),
        targets.begin() + static_cast<std::ptrdiff_t>(
                              std::min(targets.size(), start + static_cast<std::size_t>(batch))));
    const auto y =
        model.forward(forecast_windows(prepared, part, c.lookback, c.horizon).to(device), gen)
            .value()
            .to(kCPU)
            .to_vector();
    for (std::size_t b = 0; b < part.size(); ++b) {
      // [series][quantile] -> the K steps in original units
      // Quantiles sorted per value: crossed ones (a lower above the median)
      // rearranged, which never raises the pinball loss (Chernozhukov et al. 2010).
      std::vector<std::vector<double>> steps(static_cast<std::size_t>(m * Q),
                                             std::vector<double>(static_cast<std::size_t>(K)));
      for (std::int64_t s = 0; s < m; ++s)
        for (std::int64_t k = 0; k < K; ++k) {
          const auto first =
              y.begin() + static_cast<std::ptrdiff_t>(static_cast<std::int64_t>(b) * m * K * Q +
                                                      (s * K + k) * Q);
          std::vector<float> qs(first, first + Q);
          std::sort(qs.begin(), qs.end());
          for (std::int64_t q = 0; q < Q; ++q)
            steps[static_cast<std::size_t>(s * Q + q)][static_cast<std::size_t>(k)] =
                qs[static_cast<std::size_t>(q)];
        }
      for (std::int64_t s = 0; s < m; ++s)
        for (std::int64_t q = 0; q < Q; ++q) {
          auto& v = steps[static_cast<std::size_t>(s * Q + q)];
          v = preparation.invert(table, s, part[b] - c.horizon, c.horizon, v);
        }
      for (std::int64_t k = 0; k < K; ++k) {
        out.rows.push_back(part[b] + k);
        for (std::int64_t s = 0; s < m; ++s) {
          const auto at = [&](std::int64_t q) {
            return steps[static_cast<std::size_t>(s * Q + q)][static_cast<std::size_t>(k)];
          };
          out.point.push_back(at(mid));
          if (Q > 1) {
            out.lower.push_back(at(0));
            out.upper.push_back(at(Q - 1));
          }
        }
      }
    }
  }
  return out;
}

Forecasts forecast_after(const models::Forecaster& model, const series::Preparation& preparation,
                         const series::Table& table, std::int64_t steps, Device device) {
  const auto& c = model.config();
  RNNKIT_CHECK(steps >= 1, "--steps must be at least 1, got {}", steps);
  RNNKIT_CHECK(steps <= c.steps || c.horizon == 1,
               "--steps {}: the model forecasts {} step{} at once and {} steps ahead; forecasting "
               "further recursively needs a model of --horizon 1",
               steps, c.steps, c.steps == 1 ? "" : "s", c.horizon);
  series::Table t = table;
  Forecasts out;
  out.series = c.series;
  const auto m = static_cast<std::size_t>(c.series);
  while (static_cast<std::int64_t>(out.rows.size()) < steps) {
    const std::int64_t target = t.rows - 1 + c.horizon;
    const Forecasts f = forecast(model, preparation, t, {target}, device);
    for (std::size_t k = 0; k < f.rows.size() && static_cast<std::int64_t>(out.rows.size()) < steps;
         ++k) {
      out.rows.push_back(table.rows - 1 + c.horizon + static_cast<std::int64_t>(out.rows.size()));
      const auto from = f.point.begin() + static_cast<std::ptrdiff_t>(k * m);
      out.point.insert(out.point.end(), from, from + static_cast<std::ptrdiff_t>(m));
      if (!f.lower.empty()) {
        out.lower.insert(out.lower.end(), f.lower.begin() + static_cast<std::ptrdiff_t>(k * m),
                         f.lower.begin() + static_cast<std::ptrdiff_t>((k + 1) * m));
        out.upper.insert(out.upper.end(), f.upper.begin() + static_cast<std::ptrdiff_t>(k * m),
                         f.upper.begin() + static_cast<std::ptrdiff_t>((k + 1) * m));
      }
      for (auto v = from; v != from + static_cast<std::ptrdiff_t>(m); ++v)
        RNNKIT_CHECK(std::isfinite(*v),
                     "forecast: the forecast {} steps ahead is not finite: forecasting that far "
                     "recursively, from its own forecasts, diverged (ask for fewer --steps)",
                     out.rows.size());
      t.values.insert(t.values.end(), from, from + static_cast<std::ptrdiff_t>(m));
      ++t.rows;
      if (!t.times.empty()) t.times.emplace_back();
    }
  }
  return out;
}

std::string forecast_csv(const series::Table& table, const Forecasts& f) {
  const auto n = static_cast<std::int64_t>(f.rows.size());
  const auto times = series::times_after(table, n > 0 ? f.rows.back() - table.rows + 1 : 0);
  auto quoted = [](const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return q + "\"";
  };
  std::string out = "step";
  if (!times.empty()) out += "," + quoted(table.time_name.empty() ? "time" : table.time_name);
  for (const auto& name : table.names) {
    out += "," + quoted(name);
    if (!f.lower.empty()) out += "," + quoted(name + "_lower") + "," + quoted(name + "_upper");
  }
  out += "\n";
  const auto m = static_cast<std::size_t>(f.series);
  for (std::size_t i = 0; i < f.rows.size(); ++i) {
    const std::int64_t ahead = f.rows[i] - table.rows + 1;
    out += std::to_string(ahead);
    if (!times.empty()) out += "," + times[static_cast<std::size_t>(ahead - 1)];
    for (std::size_t s = 0; s < m; ++s) {
      out += fmt::format(",{}", f.point[i * m + s]);
      if (!f.lower.empty()) out += fmt::format(",{},{}", f.lower[i * m + s], f.upper[i * m + s]);
    }
    out += "\n";
  }
  return out;
}

}  // namespace rnnkit::decode

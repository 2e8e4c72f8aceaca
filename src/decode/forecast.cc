#include "rnnkit/decode/forecast.h"

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
      std::vector<std::vector<double>> steps(static_cast<std::size_t>(m * Q));
      for (std::int64_t s = 0; s < m; ++s)
        for (std::int64_t q = 0; q < Q; ++q) {
          std::vector<double> v;
          for (std::int64_t k = 0; k < K; ++k)
            v.push_back(y[static_cast<std::size_t>(static_cast<std::int64_t>(b) * m * K * Q +
                                                   (s * K + k) * Q + q)]);
          steps[static_cast<std::size_t>(s * Q + q)] =
              preparation.invert(table, s, part[b] - c.horizon, c.horizon, v);
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

}  // namespace rnnkit::decode

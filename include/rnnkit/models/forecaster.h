// A recurrent forecaster: a window of `lookback` steps of every series ->
// a Linear input projection -> an RNN/LSTM/GRU stack (nn::SequenceEncoder)
// -> a Linear head from the last state to every series' next `steps` values
// `horizon` steps ahead (one per quantile when quantiles are trained).
// `residual` feeds the stack the window minus its last value and adds the
// last value to every output, so that zero weights forecast persistence, the
// network learns only what persistence misses, and a level never seen in
// training (a trend) reads like any other; `ar` adds LSTNet's highway, one linear autoregression
// over each series' last `ar` values, its weights shared by every series.
#pragma once

#include <string>
#include <vector>

#include "rnnkit/nn/layers.h"
#include "rnnkit/nn/sequence_encoder.h"

namespace rnnkit::models {

struct ForecasterConfig {
  std::string cell = "lstm";  // lstm | gru | rnn
  std::int64_t series = 1;    // how many series are read and forecast
  std::int64_t projection = 32;
  std::int64_t hidden_size = 64;
  std::int64_t num_layers = 1;
  float dropout = 0.0f;
  std::int64_t lookback = 24;
  std::int64_t horizon = 1;       // steps from the last input to the first forecast
  std::int64_t steps = 1;         // consecutive values forecast at once (direct multi-step)
  std::vector<double> quantiles;  // empty: one point forecast per value
  bool residual = false;
  std::int64_t ar = 0;  // highway order (0: none)

  std::int64_t outputs_per_value() const {
    return quantiles.empty() ? 1 : static_cast<std::int64_t>(quantiles.size());
  }
  // The head's width: series x steps x outputs_per_value, in that order.
  std::int64_t outputs() const { return series * steps * outputs_per_value(); }
  std::string to_json() const;
  static ForecasterConfig from_json(const std::string& json);  // throws FormatError
  void validate() const;                                       // InvalidArgument naming the flag
  std::int64_t min_parameters() const { return hidden_size * outputs(); }  // the head's
};

class Forecaster : public nn::Module {
 public:
  explicit Forecaster(const ForecasterConfig& config);
  const ForecasterConfig& config() const { return config_; }
  void init_parameters(std::uint64_t seed);

  // window [lookback, B, series] (scaled values, time-major) -> [B, outputs()].
  Var forward(const Tensor& window, Generator& gen) const;

 private:
  ForecasterConfig config_;
  nn::SequenceEncoder encoder_;
  nn::Linear head_, highway_;
};

// The training loss of forecasts [B, outputs()] against targets [B, series x
// steps] (each target repeated over the quantiles): "mse", "mae", or the
// pinball loss of each quantile q (q e for e = target - forecast >= 0, else
// (q - 1) e), averaged over every output.
Var forecast_loss(const Var& forecast, const Tensor& targets, const std::string& loss,
                  const std::vector<double>& quantiles);

}  // namespace rnnkit::models

#include "rnnkit/models/forecaster.h"

#include "rnnkit/core/rng_streams.h"
#include "rnnkit/models/language_model.h"

namespace rnnkit::models {

namespace {

const ForecasterConfig& validated(const ForecasterConfig& c) {
  c.validate();
  return c;
}

nn::SequenceEncoderOptions encoder_options(const ForecasterConfig& c) {
  nn::SequenceEncoderOptions o;
  o.input_size = c.series;
  o.emb_size = c.projection;
  o.cell = parse_cell(c.cell);
  o.hidden_size = c.hidden_size;
  o.num_layers = c.num_layers;
  o.dropout = c.dropout;
  return o;
}

// [1, B, series] -> [B, series * n]: each series' value repeated n times.
Var repeat_per_series(const Var& last, std::int64_t batch, std::int64_t series, std::int64_t n) {
  Var column = fn::reshape(last, {batch * series, 1});
  return fn::reshape(fn::concat(std::vector<Var>(static_cast<std::size_t>(n), column), 1),
                     {batch, series * n});
}

}  // namespace

Forecaster::Forecaster(const ForecasterConfig& config)
    : config_(validated(config)),
      encoder_(encoder_options(config)),
      head_(config.hidden_size, config.outputs()),
      highway_(std::max<std::int64_t>(config.ar, 1), config.steps * config.outputs_per_value()) {
  register_module("encoder", &encoder_);
  register_module("head", &head_);
  if (config.ar > 0) register_module("highway", &highway_);
}

void Forecaster::init_parameters(std::uint64_t seed) {
  Generator gen(seed, stream_id(RngStream::kInit));
  Module::reset_parameters(gen);
}

Var Forecaster::forward(const Tensor& window, Generator& gen) const {
  const auto& c = config_;
  RNNKIT_CHECK(window.dim() == 3 && window.size(0) == c.lookback && window.size(2) == c.series,
               "forecaster: the window must be [{}, B, {}], got {}", c.lookback, c.series,
               shape_str(window.shape()));
  const std::int64_t B = window.size(1), per_series = c.steps * c.outputs_per_value();
  Var x(window);
  Var last = fn::slice(x, 0, c.lookback - 1, 1);  // [1, B, series]
  // Residual: the stack reads the window relative to its last value, so a level
  // never seen in training looks like any other, and predicts the change.
  Var input = c.residual ? fn::add(x, fn::scale(fn::reshape(last, {B, c.series}), -1.0f)) : x;
  auto enc = encoder_.run(encoder_.embed(input, gen), encoder_.zero_state(B, window.device()), gen);
  Var y = head_.forward(enc.final.h.back());
  if (c.residual) y = fn::add(y, repeat_per_series(last, B, c.series, per_series));
  if (c.ar > 0) {  // [ar, B x series]^T . W^T: every series through the same weights
    Var recent = fn::reshape(fn::slice(x, 0, c.lookback - c.ar, c.ar), {c.ar, B * c.series});
    Var ar = fn::add(fn::matmul(recent, highway_.weight, true, true), highway_.bias);
    y = fn::add(y, fn::reshape(ar, {B, c.outputs()}));
  }
  return y;
}

Var forecast_loss(const Var& forecast, const Tensor& targets, const std::string& loss,
                  const std::vector<double>& quantiles) {
  const auto Q = static_cast<std::int64_t>(std::max<std::size_t>(quantiles.size(), 1));
  const Tensor& f = forecast.value();
  RNNKIT_CHECK(f.dim() == 2 && targets.dim() == 2 && targets.size(0) == f.size(0) &&
                   targets.size(1) * Q == f.size(1),
               "forecast loss: forecasts {} against targets {} with {} quantile(s)",
               shape_str(forecast.shape()), shape_str(targets.shape()), Q);
  const std::int64_t values = targets.numel();
  // Targets [values, 1] repeated over the quantiles, as forecasts [values, Q].
  Var t = fn::reshape(Var(targets), {values, 1});
  if (Q > 1) t = fn::concat(std::vector<Var>(static_cast<std::size_t>(Q), t), 1);
  Var e = fn::sub(t, fn::reshape(forecast, {values, Q}));
  if (!quantiles.empty()) {
    RNNKIT_CHECK(loss == "pinball", "quantiles are trained with the pinball loss, not '{}'", loss);
    std::vector<float> q(quantiles.begin(), quantiles.end());
    Var qs(Tensor::from_vector(q, {Q}).to(f.device()));
    // max(q e, (q - 1) e) = q e + relu(-e)
    return fn::mean(fn::add(fn::mul(e, qs), fn::relu(fn::scale(e, -1.0f))));
  }
  if (loss == "mse") return fn::mean(fn::mul(e, e));
  if (loss == "mae") return fn::mean(fn::add(fn::relu(e), fn::relu(fn::scale(e, -1.0f))));
  throw InvalidArgument(fmt::format(
      "unknown --loss '{}' (expected mse or mae; pinball comes with --quantiles)", loss));
}

}  // namespace rnnkit::models

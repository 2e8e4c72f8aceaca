#include "rnnkit/train/forecast_trainer.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <numeric>
#include <optional>

#include "core/json_util.h"
#include "rnnkit/autograd/functions.h"
#include "rnnkit/core/numbers.h"
#include "rnnkit/decode/forecast.h"
#include "rnnkit/eval/plot.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/models/baselines.h"
#include "rnnkit/text/corpus.h"
#include "rnnkit/train/run_directory.h"

namespace rnnkit::train {

ForecastTrainOptions::ForecastTrainOptions() {
  out_dir = "runs/forecast";
  epochs = 50;
  early_stopping = 10;
  optimizer.name = "adam";
  optimizer.lr = 1e-3f;
  clip = 10.0f;
  schedule = "step";
}

nlohmann::ordered_json ForecastTrainOptions::to_json() const {
  nlohmann::ordered_json j = TrainerOptions::to_json();
  j.update(nlohmann::ordered_json{{"data", data},
                                  {"header", read.header},
                                  {"columns", read.columns},
                                  {"time_column", read.time_column},
                                  {"fill", read.fill},
                                  {"train_fraction", train_fraction},
                                  {"valid_fraction", valid_fraction},
                                  {"test_last", test_last},
                                  {"scale", scale},
                                  {"log", log},
                                  {"difference", difference},
                                  {"loss", loss},
                                  {"season", season},
                                  {"model", nlohmann::ordered_json::parse(model.to_json())},
                                  {"batch", batch}});
  return j;
}

void ForecastTrainOptions::update_from_json(const nlohmann::json& j) {
  TrainerOptions::update_from_json(j);
  data = j.value("data", data);
  read.header = j.value("header", read.header);
  read.columns = j.value("columns", read.columns);
  read.time_column = j.value("time_column", read.time_column);
  read.fill = j.value("fill", read.fill);
  train_fraction = j.value("train_fraction", train_fraction);
  valid_fraction = j.value("valid_fraction", valid_fraction);
  test_last = json_read(j, "test_last", test_last);
  scale = j.value("scale", scale);
  log = j.value("log", log);
  difference = j.value("difference", difference);
  loss = j.value("loss", loss);
  season = json_read(j, "season", season);
  if (j.contains("model")) model = models::ForecasterConfig::from_json(j.at("model").dump());
  batch = json_read(j, "batch", batch);
}

series::Split forecast_split(const ForecastTrainOptions& o, std::int64_t rows) {
  return o.test_last > 0 ? series::split_last(rows, o.test_last, o.test_last)
                         : series::split_fractions(rows, o.train_fraction, o.valid_fraction);
}

void check_season(std::int64_t season, std::int64_t first_target, std::int64_t horizon,
                  std::int64_t steps) {
  RNNKIT_CHECK(season >= 0, "--season must not be negative, got {}", season);
  for (std::int64_t k = 0; season > 0 && k < steps; ++k) {
    const std::int64_t back = season * ((horizon + k + season - 1) / season);
    RNNKIT_CHECK(first_target + k - back >= 0,
                 "--season {}: row {} has no value {} rows before it for the seasonal naive "
                 "baseline (a shorter --season, or 0 for none)",
                 season, first_target + k + 1, back);
  }
}

nlohmann::ordered_json to_json(const eval::ForecastScores& s,
                               const std::vector<std::string>& names) {
  auto one = [](const eval::SeriesScores& x) {
    auto num = [](double v) {
      return std::isnan(v) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(v);
    };
    return nlohmann::ordered_json{{"rse", num(x.rse)},          {"corr", num(x.corr)},
                                  {"mae", num(x.mae)},          {"rmse", num(x.rmse)},
                                  {"mape", num(x.mape)},        {"smape", num(x.smape)},
                                  {"coverage", num(x.coverage)}};
  };
  nlohmann::ordered_json j = one(s.all);
  nlohmann::ordered_json per = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < s.per_series.size() && i < names.size(); ++i)
    per[names[i]] = one(s.per_series[i]);
  j["per_series"] = per;
  return j;
}

namespace {

// Actual values of the rows t .. t + steps - 1 for each target t: rows x series.
std::vector<double> actual_values(const series::Table& t, const std::vector<std::int64_t>& targets,
                                  std::int64_t steps) {
  std::vector<double> out;
  for (std::int64_t y : targets)
    for (std::int64_t k = 0; k < steps; ++k)
      for (std::int64_t s = 0; s < t.cols(); ++s) out.push_back(t.at(y + k, s));
  return out;
}

}  // namespace

std::vector<ForecastReport> baseline_reports(const series::Table& table, const series::Split& split,
                                             const std::vector<std::int64_t>& targets,
                                             std::int64_t horizon, std::int64_t steps,
                                             std::int64_t lookback, std::int64_t season) {
  const std::int64_t m = table.cols();
  const auto rows = static_cast<std::int64_t>(targets.size()) * steps;
  const std::vector<double> actual = actual_values(table, targets, steps);
  std::vector<ForecastReport> out;
  auto report = [&](const std::string& name,
                    const std::function<double(std::int64_t, std::int64_t, std::int64_t)>& f) {
    std::vector<double> fc;
    for (std::int64_t y : targets)
      for (std::int64_t k = 0; k < steps; ++k)
        for (std::int64_t s = 0; s < m; ++s) fc.push_back(f(y, k, s));
    auto scores = eval::forecast_scores(fc, actual, rows, m);
    out.push_back({name, std::move(scores), std::move(fc)});
  };
  // Everything is known up to row y - horizon: step k is horizon + k ahead of it.
  report("persistence", [&](std::int64_t y, std::int64_t k, std::int64_t s) {
    return models::persistence(table, y + k, s, horizon + k);
  });
  if (season > 0)
    report(fmt::format("seasonal naive ({})", season),
           [&](std::int64_t y, std::int64_t k, std::int64_t s) {
             return models::seasonal_naive(table, y + k, s, horizon + k, season);
           });
  // AR(p) per step ahead, p from 1, 2, 4, ... up to the lookback, chosen on validation.
  std::vector<std::int64_t> orders;
  for (std::int64_t p = 1; p <= lookback; p *= 2) orders.push_back(p);
  std::vector<models::AutoRegressive> ar;
  if (split.train_end == 0) return out;
  try {
    for (std::int64_t k = 0; k < steps; ++k)
      ar.push_back(models::AutoRegressive::fit_selected(table, split, horizon + k, orders));
  } catch (const InvalidArgument&) {
    return out;  // too few training rows for any order
  }
  std::int64_t p_max = 0;
  for (const auto& a : ar)
    for (auto p : a.order) p_max = std::max(p_max, p);
  report(fmt::format("AR (p <= {})", p_max), [&](std::int64_t y, std::int64_t k, std::int64_t s) {
    return ar[static_cast<std::size_t>(k)].predict(table, y + k, s);
  });
  return out;
}

PartEvaluation evaluate_part(const models::Forecaster& model, const series::Preparation& prep,
                             const series::Table& table, const series::Split& split,
                             const std::vector<std::int64_t>& targets, std::int64_t season,
                             Device device, bool baselines) {
  const auto& c = model.config();
  PartEvaluation e;
  e.forecasts = decode::forecast(model, prep, table, targets, device);
  e.scores = eval::forecast_scores(e.forecasts.point, actual_values(table, targets, c.steps),
                                   static_cast<std::int64_t>(e.forecasts.rows.size()), table.cols(),
                                   e.forecasts.lower, e.forecasts.upper);
  if (baselines)
    e.baselines = baseline_reports(table, split, targets, c.horizon, c.steps, c.lookback, season);
  return e;
}

std::string forecast_svg(const series::Table& table, const std::vector<std::int64_t>& targets,
                         std::int64_t steps, const PartEvaluation& e, const std::string& title,
                         const std::string& below) {
  const std::int64_t m = table.cols();
  std::vector<std::int64_t> panels(static_cast<std::size_t>(m));
  std::iota(panels.begin(), panels.end(), 0);
  std::vector<std::string> labels(panels.size());
  if (m > 8) {                        // the 4 worst and the 4 best
    auto rse = [&](std::int64_t s) {  // undefined (a constant series) ranks as the worst
      const double x = e.scores.per_series[static_cast<std::size_t>(s)].rse;
      return std::isnan(x) ? std::numeric_limits<double>::infinity() : x;
    };
    std::sort(panels.begin(), panels.end(),
              [&](std::int64_t a, std::int64_t b) { return rse(a) > rse(b); });
    panels.erase(panels.begin() + 4, panels.end() - 4);
    labels = {"worst RSE", "2nd worst", "3rd worst", "4th worst",
              "4th best",  "3rd best",  "2nd best",  "best RSE"};
  }
  std::vector<std::string> charts;
  for (std::size_t i = 0; i < panels.size(); ++i) {
    const std::int64_t s = panels[i];
    eval::Series actual{"actual", {}, {}};
    eval::Series model{e.forecasts.lower.empty() ? "rnnkit" : "rnnkit (interval shaded)", {}, {}};
    std::vector<eval::Series> base;
    for (const auto& b : e.baselines) base.push_back({b.name, {}, {}});
    // Every steps-th target: its steps forecast at once, side by side.
    for (std::size_t t = 0; t < targets.size(); t += static_cast<std::size_t>(steps))
      for (std::int64_t k = 0; k < steps; ++k) {
        const auto row = static_cast<std::size_t>(static_cast<std::int64_t>(t) * steps + k);
        const auto at = row * static_cast<std::size_t>(m) + static_cast<std::size_t>(s);
        const double x = static_cast<double>(targets[t] + k + 1);  // rows from 1
        actual.x.push_back(x);
        actual.y.push_back(table.at(targets[t] + k, s));
        model.x.push_back(x);
        model.y.push_back(e.forecasts.point[at]);
        if (!e.forecasts.lower.empty()) {
          model.lower.push_back(e.forecasts.lower[at]);
          model.upper.push_back(e.forecasts.upper[at]);
        }
        for (std::size_t b = 0; b < base.size(); ++b) {
          base[b].x.push_back(x);
          base[b].y.push_back(e.baselines[b].forecast[at]);
        }
      }
    std::vector<eval::Series> lines{actual, model};
    for (auto& b : base) {
      b.dashed = true;
      lines.push_back(std::move(b));
    }
    for (auto& l : lines) l.marks = l.x.size() <= 60;
    eval::ChartOptions o;
    const auto& sc = e.scores.per_series[static_cast<std::size_t>(s)];
    o.title = fmt::format(
        "{}: {}{} (RSE {:.4g}, RMSE {:.4g}{})", title, table.names[s],
        labels[i].empty() ? "" : ", " + labels[i], sc.rse, sc.rmse,
        std::isnan(sc.coverage) ? "" : fmt::format(", coverage {:.1f}%", 100 * sc.coverage));
    o.x_label = table.times.empty()
                    ? "row"
                    : fmt::format("row ({} .. {})", table.times.front(), table.times.back());
    o.width = 900;
    o.height = 320;
    charts.push_back(eval::line_chart_svg(o, lines));
  }
  if (!below.empty()) charts.push_back(below);
  return eval::stack_svg(charts);
}

namespace {

class ForecastTask : public Task {
 public:
  explicit ForecastTask(const ForecastTrainOptions& o) : o_(o) {
    models::ForecasterConfig probe = o.model;  // checked before any data is read
    probe.series = std::max<std::int64_t>(probe.series, 1);
    probe.validate();
    RNNKIT_CHECK(o.batch > 0, "--batch must be positive, got {}", o.batch);
    RNNKIT_CHECK(o.season >= 0, "--season must not be negative, got {}", o.season);
    RNNKIT_CHECK(
        o.model.quantiles.empty() ? (o.loss == "mse" || o.loss == "mae") : o.loss == "pinball",
        "--loss {} {}", o.loss,
        o.model.quantiles.empty() ? "is not mse or mae (pinball needs --quantiles)"
                                  : "with --quantiles: quantiles train with pinball");
    const auto& q = o.model.quantiles;
    RNNKIT_CHECK(q.empty() || (std::find(q.begin(), q.end(), 0.5) != q.end() && q.front() < 0.5 &&
                               q.back() > 0.5),
                 "--quantiles must include 0.5 and one on each side of it: the median is the "
                 "forecast, the outer two the interval");
    series::Preparation p;
    p.difference = o.difference;
    p.check_invertible(o.model.horizon, o.model.steps);
  }

  std::string family() const override { return "forecast"; }
  std::string unit() const override { return "win"; }
  nlohmann::ordered_json options_json() const override { return family_options(o_.to_json()); }
  std::vector<std::string> data_options() const override { return {"data"}; }
  std::vector<std::string> frozen_options() const override {
    return {"header",    "columns", "time_column", "fill", "train_fraction", "valid_fraction",
            "test_last", "scale",   "loss",        "log",  "difference"};
  }

  void prepare(const Checkpoint* resume, RngStreams&) override {
    RNNKIT_CHECK(!o_.data.empty(), "no data given (--data)");
    table_ = series::read_table(o_.data, o_.read);
    split_ = forecast_split(o_, table_.rows);
    o_.model.series = table_.cols();
    std::optional<io::LoadedForecaster> resumed;
    if (resume) {
      resumed = io::load_forecaster(resume->path);
      check_same_model(nlohmann::json::parse(o_.model.to_json()),
                       nlohmann::json::parse(resumed->model->config().to_json()), {}, resume->path);
      prep_ = resumed->preparation;
    } else {
      prep_ = series::Preparation::fit(table_, split_.train_end, o_.scale, o_.log, o_.difference);
    }
    scaled_ = prep_.apply(table_);
    const std::int64_t W = o_.model.lookback, h = o_.model.horizon, K = o_.model.steps;
    // A target's steps stay inside its part.
    const std::int64_t first = prep_.first_row();
    train_ = series::window_targets(0, split_.train_end - K + 1, W, h, first);
    valid_ = series::window_targets(split_.train_end, split_.valid_end - K + 1, W, h, first);
    test_ = series::window_targets(split_.valid_end, split_.rows - K + 1, W, h, first);
    RNNKIT_CHECK(
        !train_.empty(),
        "{}: {} training rows hold no window of --lookback {} + --horizon {} + --steps {}{}",
        o_.data, split_.train_end, W, h, K,
        first > 0 ? fmt::format(" after the {} rows the differences use up", first) : "");
    RNNKIT_CHECK(!test_.empty(), "{}: the {} test rows hold no target of --steps {}", o_.data,
                 split_.rows - split_.valid_end, K);
    RNNKIT_CHECK(!valid_.empty() || o_.early_stopping == 0,
                 "{}: the split leaves no validation windows, and early stopping needs them "
                 "(give a validation share in --split, or --early-stopping 0)",
                 o_.data);
    check_part(valid_, "validation");
    check_part(test_, "test");
    check_season(o_.season, test_.front(), h, K);
    plan_.emplace(std::vector<std::size_t>(train_.size(), 1), o_.batch, false);
    model_ = std::make_unique<models::Forecaster>(o_.model);
    model_->init_parameters(o_.seed);
    info_ = fmt::format(
        "data: {} rows x {} series; {} training, {} validation, {} test windows; {} scaling",
        table_.rows, table_.cols(), train_.size(), valid_.size(), test_.size(), prep_.scaler.kind);
    if (prep_.log) info_ += " of logarithms";
    if (!prep_.difference.empty())
      info_ += fmt::format(", differenced at {}", fmt::join(prep_.difference, ","));
  }

  nn::Module& model() override { return *model_; }
  std::string describe() const override {
    const auto& m = o_.model;
    std::string q;
    for (double x : m.quantiles) q += (q.empty() ? "" : ",") + fmt::format("{}", x);
    return fmt::format(
        "{}; {} projection {} hidden {} x{}, lookback {}, horizon {}, steps {}{}{}{}, {} loss",
        info_, m.cell, m.projection, m.hidden_size, m.num_layers, m.lookback, m.horizon, m.steps,
        m.residual ? ", residual" : "", m.ar > 0 ? fmt::format(", AR highway {}", m.ar) : "",
        q.empty() ? "" : ", quantiles " + q, o_.loss);
  }
  std::int64_t num_batches() const override { return plan_->num_batches(); }
  void begin_epoch(int epoch, Device) override {
    plan_->shuffle(o_.seed, static_cast<std::uint64_t>(epoch));
  }

  StepResult train_step(std::int64_t i, Device device, RngStreams& rng) override {
    std::vector<std::int64_t> targets;
    for (std::size_t r : plan_->rows(i)) targets.push_back(train_[r]);
    const auto B = static_cast<std::int64_t>(targets.size());
    const std::int64_t m = o_.model.series, K = o_.model.steps;
    std::vector<float> y(static_cast<std::size_t>(B * m * K));
    for (std::int64_t b = 0; b < B; ++b)
      for (std::int64_t s = 0; s < m; ++s)
        for (std::int64_t k = 0; k < K; ++k)
          y[static_cast<std::size_t>(b * m * K + s * K + k)] =
              static_cast<float>(scaled_.at(targets[b] + k, s));
    Var f = model_->forward(
        decode::forecast_windows(scaled_, targets, o_.model.lookback, o_.model.horizon).to(device),
        rng[RngStream::kDropout]);
    Var loss = models::forecast_loss(f, Tensor::from_vector(y, {B, m * K}).to(device), o_.loss,
                                     o_.model.quantiles);
    const std::int64_t outputs = B * o_.model.outputs();
    return {loss, fn::scale(loss, static_cast<float>(outputs)).value(), outputs, B};
  }

  bool has_validation() const override { return !valid_.empty(); }
  Evaluation evaluate_epoch(Device device) override {
    const bool on_valid = !valid_.empty();
    const auto s = score(on_valid ? valid_ : test_, device);
    return {on_valid ? "valid" : "test", metrics(s), on_valid};
  }
  Metrics test(Device device) override {
    test_eval_ = evaluate_part(*model_, prep_, table_, split_, test_, o_.season, device);
    return metrics(test_eval_->scores);
  }
  void write_artifacts(const RunDirectory& run, Device) override {
    if (!test_eval_) return;
    std::string curve;
    if (std::ifstream in(run.path("learning_curve.svg")); in)
      curve.assign(std::istreambuf_iterator<char>(in), {});
    run.write("forecast.svg",
              forecast_svg(table_, test_, o_.model.steps, *test_eval_, "Test", curve));
  }
  io::Metadata model_metadata() const override {
    return io::forecaster_metadata(*model_, table_.names, prep_,
                                   {{"header", o_.read.header},
                                    {"columns", o_.read.columns},
                                    {"time_column", o_.read.time_column},
                                    {"fill", o_.read.fill},
                                    {"train_fraction", o_.train_fraction},
                                    {"valid_fraction", o_.valid_fraction},
                                    {"test_last", o_.test_last},
                                    {"season", o_.season}});
  }
  nlohmann::ordered_json results(const TrainResult& r) const override {
    nlohmann::ordered_json j = {
        {"test_rse", test_eval_ ? nlohmann::ordered_json(test_eval_->scores.all.rse) : nullptr},
        {"test_corr", test_eval_ ? nlohmann::ordered_json(test_eval_->scores.all.corr) : nullptr},
        {"epochs", r.epochs},
        {"kept_epoch", r.kept_epoch},
        {"windows_per_s", r.units_per_s},
        {"model", r.model_path}};
    if (test_eval_) {
      j["test"] = to_json(test_eval_->scores, table_.names);
      nlohmann::ordered_json b = nlohmann::ordered_json::object();
      for (const auto& x : test_eval_->baselines) b[x.name] = to_json(x.scores, table_.names);
      j["baselines"] = b;
    }
    return j;
  }

 private:
  // RSE divides by the deviation of a part's values: it needs two values and a change.
  void check_part(const std::vector<std::int64_t>& targets, const char* part) const {
    if (targets.empty()) return;
    const auto values = actual_values(table_, targets, o_.model.steps);
    RNNKIT_CHECK(static_cast<std::int64_t>(targets.size()) * o_.model.steps >= 2,
                 "{}: the {} part holds one value per series; its RSE needs two (a longer "
                 "--test-last, or larger shares in --split)",
                 o_.data, part);
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    RNNKIT_CHECK(*lo < *hi, "{}: every value of the {} part is {}: its RSE is undefined", o_.data,
                 part, *lo);
  }

  eval::ForecastScores score(const std::vector<std::int64_t>& targets, Device device) const {
    return evaluate_part(*model_, prep_, table_, split_, targets, o_.season, device, false).scores;
  }
  static Metrics metrics(const eval::ForecastScores& s) {
    Metrics m = {{"rse", s.all.rse, false},
                 {"corr", s.all.corr, true},
                 {"rmse", s.all.rmse, false},
                 {"mae", s.all.mae, false}};
    if (!std::isnan(s.all.coverage)) m.push_back({"coverage", s.all.coverage, true});
    return m;
  }

  ForecastTrainOptions o_;
  series::Table table_, scaled_;
  series::Split split_;
  series::Preparation prep_;
  std::vector<std::int64_t> train_, valid_, test_;
  std::optional<text::BatchPlan> plan_;
  std::unique_ptr<models::Forecaster> model_;
  std::optional<PartEvaluation> test_eval_;
  std::string info_;
};

}  // namespace

std::unique_ptr<Task> make_forecast_task(const ForecastTrainOptions& opts) {
  return std::make_unique<ForecastTask>(opts);
}

}  // namespace rnnkit::train

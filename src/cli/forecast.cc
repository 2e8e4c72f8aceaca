// rnnkit forecast train | eval | predict.
#include "rnnkit/decode/forecast.h"

#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "cli/train_command.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/train/forecast_trainer.h"

namespace rnnkit::cli {

namespace {

// --split A,B,C: the training and validation fractions (the test part is the rest).
void apply_split(const std::vector<double>& split, double& train, double& valid) {
  RNNKIT_CHECK(split.size() == 3, "--split takes three fractions (train,valid,test), got {}",
               split.size());
  for (double x : split) RNNKIT_CHECK(x >= 0 && x < 1, "--split: {} is not in [0, 1)", x);
  RNNKIT_CHECK(std::abs(split[0] + split[1] + split[2] - 1) < 1e-6,
               "--split {},{},{} does not add up to 1", split[0], split[1], split[2]);
  RNNKIT_CHECK(split[0] > 0 && split[2] > 0, "--split needs a training and a test part");
  train = split[0];
  valid = split[1];
}

std::string figure(const nlohmann::ordered_json& j, const char* key, bool percent = false) {
  if (!j.contains(key) || !j.at(key).is_number()) return "-";
  return percent ? fmt::format("{:.2f}%", 100 * j.at(key).get<double>())
                 : fmt::format("{:.4g}", j.at(key).get<double>());
}

// The model beside its baselines, one row each, from results.json's shape.
std::string comparison(const nlohmann::ordered_json& results, const std::string& part) {
  if (!results.contains("test")) return "";
  std::string out = fmt::format("{:<22} {:>9} {:>9} {:>10} {:>10} {:>8} {:>8} {:>9}\n", part, "RSE",
                                "CORR", "MAE", "RMSE", "MAPE", "sMAPE", "coverage");
  auto row = [&](const std::string& name, const nlohmann::ordered_json& s) {
    const bool covered = s.contains("coverage") && s.at("coverage").is_number();
    out += fmt::format("{:<22} {:>9} {:>9} {:>10} {:>10} {:>7}% {:>7}% {:>9}\n", name,
                       figure(s, "rse"), figure(s, "corr"), figure(s, "mae"), figure(s, "rmse"),
                       figure(s, "mape"), figure(s, "smape"),
                       covered ? figure(s, "coverage", true) : "-");
  };
  row("rnnkit", results.at("test"));
  if (results.contains("baselines"))
    for (const auto& [name, s] : results.at("baselines").items()) row(name, s);
  return out;
}

// The trap of forecasting: a model worse than "the next value is the last one".
std::string persistence_warning(const nlohmann::ordered_json& results, bool residual) {
  if (!results.contains("test") || !results.contains("baselines") ||
      !results.at("baselines").contains("persistence"))
    return "";
  const auto& ours = results.at("test").at("rse");
  const auto& last = results.at("baselines").at("persistence").at("rse");
  if (!ours.is_number() || !last.is_number() || ours.get<double>() <= last.get<double>()) return "";
  return fmt::format(
      "warning: the model's RSE {:.4g} is worse than persistence's {:.4g} (the last value "
      "repeated){}\n",
      ours.get<double>(), last.get<double>(),
      residual ? ""
               : "; on series that wander (prices, rates) try --residual (forecast the change "
                 "from the last value) or --difference 1");
}

const char* kDataHelp =
    "CSV or TSV with a header (or rows of numbers with --no-header), plain, .gz, or - for "
    "standard input; rows are time steps, columns series";

}  // namespace

void add_forecast_train(CLI::App& forecast) {
  auto* cmd = forecast.add_subcommand(
      "train", "train a recurrent forecaster of numeric series, reported beside its baselines");
  struct Flags : TrainFlags {
    std::string data, time_column, fill, scale, loss, cell;
    std::vector<std::string> columns;
    std::vector<double> split, quantiles;
    std::vector<std::int64_t> difference;
    bool no_header = false, log = false, residual = false;
    std::int64_t test_last = 0, lookback = 0, horizon = 0, steps = 0, ar = 0, season = 0,
                 hidden = 0, layers = 0, projection = 0, batch = 0;
    float dropout = 0;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--data", f->data, kDataHelp);
  cmd->add_flag("--no-header", f->no_header, "the first row is data (columns are named 1, 2, ...)");
  cmd->add_option("--columns", f->columns,
                  "the series to read, by name or 1-based number (default: every numeric column)")
      ->delimiter(',');
  cmd->add_option("--time-column", f->time_column,
                  "a column of times (a name or number): not a series; labels the plots and the "
                  "forecasts");
  cmd->add_option("--fill", f->fill,
                  "missing cells (empty, NA, NaN): an error (default), or previous | linear");
  cmd->add_option("--split", f->split,
                  "chronological train,valid,test fractions (default 0.6,0.2,0.2, LSTNet's)")
      ->delimiter(',');
  cmd->add_option("--test-last", f->test_last,
                  "instead of --split: the last N rows are the test part, the N before them "
                  "validation");
  cmd->add_option("--scale", f->scale,
                  "per series, fitted on the training rows: zscore (default) | minmax | maxabs "
                  "(LSTNet's) | none");
  cmd->add_flag("--log", f->log, "forecast the logarithm of the values (all must be above 0)");
  cmd->add_option("--difference", f->difference,
                  "forecast differences at these lags, in turn (1: the change; 1,12: the change "
                  "from a year before in a monthly series); undone on output")
      ->delimiter(',');
  cmd->add_option("--lookback", f->lookback, "rows each forecast reads (default 24)");
  cmd->add_option("--horizon", f->horizon,
                  "steps from the last row read to the first one forecast (default 1)");
  cmd->add_option("--steps", f->steps,
                  "consecutive rows forecast at once (direct multi-step, default 1)");
  cmd->add_option("--quantiles", f->quantiles,
                  "train these quantiles with the pinball loss, e.g. 0.1,0.5,0.9: the outer two "
                  "are the prediction interval, the median the forecast")
      ->delimiter(',');
  cmd->add_flag("--residual", f->residual,
                "forecast the change from the last value read (persistence plus what it misses)");
  cmd->add_option("--ar", f->ar,
                  "a linear autoregressive highway over the last P values (LSTNet's), 0: none");
  cmd->add_option("--loss", f->loss, "mse (default) | mae; pinball with --quantiles");
  cmd->add_option("--season", f->season,
                  "rows per season: adds the seasonal naive baseline (e.g. 12 for months)");
  cmd->add_option("--cell", f->cell, "lstm (default) | gru | rnn");
  cmd->add_option("--projection", f->projection,
                  "the size of the linear projection of each row read (default 32)");
  cmd->add_option("--hidden", f->hidden, "hidden units (default 64)");
  cmd->add_option("--layers", f->layers, "recurrent layers (default 1)");
  cmd->add_option("--dropout", f->dropout, "dropout between layers and before the head");
  cmd->add_option("--batch", f->batch, "windows per batch (default 64)");
  add_train_flags(cmd, *f, "runs/forecast", "validation RSE");
  cmd->callback([f, cmd]() {
    train::ForecastTrainOptions o;
    const nlohmann::json saved = resume_config(*cmd, *f, "forecast");
    apply_saved(o, saved, *f);
    apply_train_flags(*cmd, *f, saved, o);
    auto given = [&](const char* name) { return cmd->count(name) > 0; };
    RNNKIT_CHECK(!(given("--split") && given("--test-last")),
                 "give --split or --test-last, not both");
    if (given("--data")) o.data = data_path(f->data);
    if (f->no_header) o.read.header = false;
    if (given("--columns")) o.read.columns = f->columns;
    if (given("--time-column")) o.read.time_column = f->time_column;
    if (given("--fill")) o.read.fill = f->fill;
    if (given("--split")) {
      apply_split(f->split, o.train_fraction, o.valid_fraction);
      o.test_last = 0;
    }
    if (given("--test-last")) {
      RNNKIT_CHECK(f->test_last > 0, "--test-last must be positive, got {}", f->test_last);
      o.test_last = f->test_last;
    }
    if (given("--scale")) o.scale = f->scale;
    if (f->log) o.log = true;
    if (given("--difference")) o.difference = f->difference;
    if (given("--lookback")) o.model.lookback = f->lookback;
    if (given("--horizon")) o.model.horizon = f->horizon;
    if (given("--steps")) o.model.steps = f->steps;
    if (given("--quantiles")) {
      o.model.quantiles = f->quantiles;
      if (!given("--loss")) o.loss = "pinball";
    }
    if (f->residual) o.model.residual = true;
    if (given("--ar")) o.model.ar = f->ar;
    if (given("--loss")) o.loss = f->loss;
    if (given("--season")) o.season = f->season;
    if (given("--cell")) o.model.cell = f->cell;
    if (given("--projection")) o.model.projection = f->projection;
    if (given("--hidden")) o.model.hidden_size = f->hidden;
    if (given("--layers")) o.model.num_layers = f->layers;
    if (given("--dropout")) o.model.dropout = f->dropout;
    if (given("--batch")) o.batch = f->batch;
    auto task = train::make_forecast_task(o);
    const auto r = run_training("forecast train", *task, o, *f);
    const std::string table = comparison(r.results, "test");
    if (!table.empty())
      std::cerr << table << persistence_warning(r.results, o.model.residual) << "forecast plot: "
                << (std::filesystem::path(o.out_dir) / "forecast.svg").lexically_normal().string()
                << "\n";
  });
}

series::Table read_forecast_data(const io::LoadedForecaster& m, const std::string& data,
                                 const std::string& fill) {
  const auto& r = m.reading;
  series::ReadOptions o;
  o.header = r.value("header", true);
  o.time_column = r.value("time_column", std::string());
  o.fill = fill.empty() ? r.value("fill", std::string()) : fill;
  // By name with a header; without one, the columns training read.
  o.columns = o.header ? m.names : r.value("columns", std::vector<std::string>{});
  series::Table table = series::read_table(data, o);
  const auto& c = m.model->config();
  RNNKIT_CHECK(table.cols() == c.series, "{}: {} numeric columns, the model forecasts {} series",
               data, table.cols(), c.series);
  const std::int64_t needed = c.lookback + m.preparation.first_row();
  RNNKIT_CHECK(table.rows >= needed,
               "{}: {} rows; the model reads {} (--lookback){}, so it needs at least {}", data,
               table.rows, c.lookback,
               needed > c.lookback
                   ? fmt::format(" after the {} its differences use up", needed - c.lookback)
                   : "",
               needed);
  try {
    m.preparation.apply(table);  // a log of a value <= 0, named with the file
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(fmt::format("{}: {}", data, e.what()));
  }
  return table;
}

namespace {

struct ForecastData {
  ModelForUse<io::LoadedForecaster> l;
  series::Table table;
};
ForecastData load_with_data(const std::string& model, const std::string& data,
                            const std::string& fill, const std::string& device) {
  ForecastData d{load_for_use(&io::load_forecaster, model, device), {}};
  d.table = read_forecast_data(d.l.m, data, fill);
  return d;
}

void add_fill_flag(CLI::App* cmd, std::string& fill) {
  cmd->add_option("--fill", fill, "missing cells: previous | linear (default: the model's)");
}

}  // namespace

void add_forecast_eval(CLI::App& forecast) {
  auto* cmd = forecast.add_subcommand(
      "eval",
      "RSE, CORR, MAE, RMSE, MAPE, sMAPE (and the interval's coverage) beside the "
      "baselines, on the test part of a split or on every window");
  struct Flags {
    std::string model, data, fill, svg, device = "cpu";
    std::vector<double> split;
    std::int64_t test_last = 0, season = -1;
    bool all = false, json = false;
    int threads = 0;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--model", f->model,
                  "model.safetensors from forecast train (or its run directory)")
      ->required();
  cmd->add_option("--data", f->data, kDataHelp)->required();
  cmd->add_option("--split", f->split,
                  "evaluate the test part of this split (default: the model's training split)")
      ->delimiter(',');
  cmd->add_option("--test-last", f->test_last, "evaluate the last N rows");
  cmd->add_flag("--all", f->all,
                "evaluate every window of the data (new data; the AR baseline needs a training "
                "part and is left out)");
  cmd->add_option("--season", f->season,
                  "rows per season of the seasonal naive baseline "
                  "(default: the model's; 0: none)");
  add_fill_flag(cmd, f->fill);
  cmd->add_option("--svg", f->svg, "write the forecast plot here");
  add_device_flags(cmd, f->threads, f->device);
  cmd->add_flag("--json", f->json, "print a JSON object last");
  cmd->callback([f, cmd]() {
    apply_threads(f->threads);
    const int parts = static_cast<int>(cmd->count("--split") > 0) +
                      static_cast<int>(cmd->count("--test-last") > 0) + static_cast<int>(f->all);
    RNNKIT_CHECK(parts <= 1, "give one of --split, --test-last and --all");
    RNNKIT_CHECK(cmd->count("--test-last") == 0 || f->test_last > 0,
                 "--test-last must be positive, got {}", f->test_last);
    RNNKIT_CHECK(cmd->count("--season") == 0 || f->season >= 0,
                 "--season must not be negative, got {}", f->season);
    if (!f->svg.empty()) check_writable(f->svg);
    auto d = load_with_data(f->model, f->data, f->fill, f->device);
    const auto& c = d.l.m.model->config();
    const auto& r = d.l.m.reading;
    train::ForecastTrainOptions o;  // the split, as training made it unless a flag says
    o.train_fraction = r.value("train_fraction", o.train_fraction);
    o.valid_fraction = r.value("valid_fraction", o.valid_fraction);
    o.test_last = r.value("test_last", o.test_last);
    if (!f->split.empty()) {
      apply_split(f->split, o.train_fraction, o.valid_fraction);
      o.test_last = 0;
    }
    if (f->test_last > 0) o.test_last = f->test_last;
    const std::int64_t season = f->season >= 0 ? f->season : r.value("season", std::int64_t{0});
    const std::int64_t first = d.l.m.preparation.first_row();
    series::Split split{0, 0, d.table.rows};
    if (!f->all) split = train::forecast_split(o, d.table.rows);
    const auto targets = series::window_targets(split.valid_end, d.table.rows - c.steps + 1,
                                                c.lookback, c.horizon, first);
    RNNKIT_CHECK(!targets.empty(),
                 "{}: the {} rows evaluated hold no forecast of --lookback {}, --horizon {}, "
                 "--steps {}",
                 f->data, d.table.rows - split.valid_end, c.lookback, c.horizon, c.steps);
    train::check_season(season, targets.front(), c.horizon, c.steps);
    const auto start = std::chrono::steady_clock::now();
    const auto e = train::evaluate_part(*d.l.m.model, d.l.m.preparation, d.table, split, targets,
                                        season, d.l.device);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    nlohmann::ordered_json j = {{"windows", targets.size()},
                                {"first_row", targets.front() + 1},
                                {"test", train::to_json(e.scores, d.table.names)}};
    nlohmann::ordered_json b = nlohmann::ordered_json::object();
    for (const auto& x : e.baselines) b[x.name] = train::to_json(x.scores, d.table.names);
    j["baselines"] = b;
    j["seconds"] = secs;
    const char* windows = targets.size() == 1 ? "window" : "windows";
    std::cerr << comparison(j, fmt::format("{} {}", targets.size(), windows))
              << persistence_warning(j, c.residual);
    if (!f->svg.empty())
      io::write_file_atomic(f->svg, train::forecast_svg(d.table, targets, c.steps, e, f->data));
    std::string line = fmt::format("{} {} from row {}: RSE {:.4g}, CORR {:.4g}, RMSE {:.4g}",
                                   targets.size(), windows, targets.front() + 1, e.scores.all.rse,
                                   e.scores.all.corr, e.scores.all.rmse);
    if (!e.baselines.empty())
      line += fmt::format("; persistence RSE {:.4g}", e.baselines.front().scores.all.rse);
    if (!std::isnan(e.scores.all.coverage))
      line += fmt::format("; interval coverage {:.1f}%", 100 * e.scores.all.coverage);
    print_result(line, j, f->json);
  });
}

void add_forecast_predict(CLI::App& forecast) {
  auto* cmd = forecast.add_subcommand(
      "predict",
      "forecast the rows after the data's last one (CSV, with the interval when the "
      "model has quantiles)");
  struct Flags {
    std::string model, data, fill, output, device = "cpu";
    std::int64_t steps = 0;
    int threads = 0;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--model", f->model,
                  "model.safetensors from forecast train (or its run directory)")
      ->required();
  cmd->add_option("--data", f->data, std::string(kDataHelp) + "; the forecasts follow its last row")
      ->required();
  cmd->add_option("--steps", f->steps,
                  "rows to forecast (default: the model's --steps; more, for a model of --horizon "
                  "1, recursively from its own forecasts, whose intervals then leave out the "
                  "earlier steps' uncertainty)");
  add_fill_flag(cmd, f->fill);
  cmd->add_option("--output", f->output, "write the CSV here (default or -: standard output)");
  add_device_flags(cmd, f->threads, f->device);
  cmd->callback([f, cmd]() {
    apply_threads(f->threads);
    RNNKIT_CHECK(cmd->count("--steps") == 0 || f->steps >= 1, "--steps must be at least 1, got {}",
                 f->steps);
    if (f->output == "-") f->output.clear();
    if (!f->output.empty()) check_writable(f->output);
    auto d = load_with_data(f->model, f->data, f->fill, f->device);
    const auto& c = d.l.m.model->config();
    const auto fc = decode::forecast_after(*d.l.m.model, d.l.m.preparation, d.table,
                                           f->steps > 0 ? f->steps : c.steps, d.l.device);
    const std::string csv = decode::forecast_csv(d.table, fc);
    if (f->output.empty())
      std::cout << csv << std::flush;
    else
      io::write_file_atomic(f->output, csv);
  });
}

}  // namespace rnnkit::cli

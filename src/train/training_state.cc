#include "rnnkit/train/training_state.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "core/json_util.h"
#include "rnnkit/core/error.h"
#include "rnnkit/core/numbers.h"

namespace rnnkit::train {
namespace {

constexpr const char* kRecordKeys[] = {"epoch",   "lr",      "train_loss", "units_per_s",
                                       "seconds", "batches", "eval_set"};

// JSON has no NaN: a figure that does not exist is null.
nlohmann::ordered_json number(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}
double number_of(const nlohmann::ordered_json& j) {
  if (j.is_null()) return std::nan("");
  if (!j.is_number()) throw InvalidArgument(fmt::format("{} is not a number", j.dump()));
  return j.get<double>();
}

// Records written before the shared harness: the LM's {train_ppl, valid_ppl,
// tokens_per_s} and seq2seq's {<set>_accuracy, sentences_per_s}.
EpochRecord legacy_record(const nlohmann::ordered_json& j) {
  EpochRecord r;
  r.epoch = json_read(j, "epoch", 0);
  r.lr = json_read(j, "lr", 0.0f);
  r.seconds = json_read(j, "seconds", 0.0);
  if (j.contains("train_ppl")) {
    r.train_loss = std::log(json_read(j, "train_ppl", 1.0));
    r.units_per_s = json_read(j, "tokens_per_s", 0.0);
    const double valid = json_read(j, "valid_ppl", 0.0);
    if (valid > 0) {
      r.eval_set = "valid";
      r.metrics.push_back({"ppl", valid, false});
    }
  } else {
    r.train_loss = json_read(j, "train_loss", 0.0);
    r.units_per_s = json_read(j, "sentences_per_s", 0.0);
    r.eval_set = j.value("eval_set", std::string());
    r.metrics.push_back({"bleu", json_read(j, "bleu", 0.0), true});
    r.metrics.push_back({"accuracy", json_read(j, r.eval_set + "_accuracy", 0.0), true});
    r.metrics.push_back({"token_accuracy", json_read(j, "token_accuracy", 0.0), true});
  }
  return r;
}

}  // namespace

const Metric* find_metric(const Metrics& metrics, const std::string& name) {
  for (const Metric& m : metrics)
    if (m.name == name) return &m;
  return nullptr;
}

double metric_value(const Metrics& metrics, const std::string& name, double missing) {
  const Metric* m = find_metric(metrics, name);
  return m ? m->value : missing;
}

nlohmann::ordered_json EpochRecord::to_json() const {
  nlohmann::ordered_json j = {{"epoch", epoch},
                              {"lr", shortest_decimal(lr)},
                              {"train_loss", number(train_loss)},
                              {"units_per_s", units_per_s},
                              {"seconds", seconds},
                              {"batches", batches},
                              {"eval_set", eval_set.empty() ? nlohmann::ordered_json(nullptr)
                                                            : nlohmann::ordered_json(eval_set)}};
  for (const Metric& m : metrics) j[m.name] = number(m.value);
  return j;
}

EpochRecord EpochRecord::from_json(const nlohmann::ordered_json& j) {
  if (!j.is_object()) throw InvalidArgument("a history entry is not an object");
  if (!j.contains("units_per_s")) return legacy_record(j);
  EpochRecord r;
  r.epoch = json_read(j, "epoch", 0);
  r.lr = json_read(j, "lr", 0.0f);
  r.train_loss = number_of(j.at("train_loss"));
  r.units_per_s = json_read(j, "units_per_s", 0.0);
  r.seconds = json_read(j, "seconds", 0.0);
  r.batches = json_read(j, "batches", std::int64_t{0});
  if (j.contains("eval_set") && !j.at("eval_set").is_null())
    r.eval_set = j.at("eval_set").get<std::string>();
  for (const auto& [key, value] : j.items()) {
    bool fixed = false;
    for (const char* k : kRecordKeys) fixed |= key == k;
    if (!fixed) r.metrics.push_back({key, number_of(value), false});
  }
  return r;
}

nlohmann::ordered_json TrainingState::to_json() const {
  nlohmann::ordered_json hist = nlohmann::ordered_json::array();
  for (const EpochRecord& r : history) hist.push_back(r.to_json());
  return {{"epoch", epoch},
          {"batch", batch},
          {"step", step},
          {"lr", shortest_decimal(lr)},
          {"plateau_best", shortest_decimal(plateau_best)},
          {"plateau_bad", plateau_bad},
          {"best_epoch", best_epoch},
          {"best", number(best)},
          {"stalled", stalled},
          {"train_seconds", train_seconds},
          {"units", units},
          {"epoch_loss", epoch_loss},
          {"epoch_loss_units", epoch_loss_units},
          {"epoch_units", epoch_units},
          {"epoch_seconds", epoch_seconds},
          {"validation", validation},
          {"rng", rng},
          {"history", hist}};
}

TrainingState TrainingState::from_json(const nlohmann::ordered_json& j, const std::string& path) {
  TrainingState s;
  try {
    if (!j.is_object()) throw InvalidArgument("not a JSON object");
    s.epoch = json_read(j, "epoch", 0);
    s.batch = json_read(j, "batch", std::int64_t{0});
    // Older checkpoints name the step and the dropout stream's position otherwise.
    s.step = j.contains("step") ? json_read(j, "step", std::int64_t{0})
                                : json_read(j, "optimizer_steps", std::int64_t{0});
    s.lr = json_read(j, "lr", 0.0f);
    s.plateau_best = json_read(j, "plateau_best", 1e30f);
    s.plateau_bad = json_read(j, "plateau_bad", 0);
    s.best_epoch =
        j.contains("best_epoch") ? json_read(j, "best_epoch", 0) : json_read(j, "kept_epoch", 0);
    if (j.contains("best"))
      s.best = number_of(j.at("best"));
    else
      s.best = json_read(j, "best_bleu", 0.0);
    s.stalled = json_read(j, "stalled", 0);
    s.train_seconds = json_read(j, "train_seconds", 0.0);
    s.units = j.contains("units") ? json_read(j, "units", std::int64_t{0})
                                  : json_read(j, "train_sentences", std::int64_t{0});
    s.epoch_loss = json_read(j, "epoch_loss", 0.0);
    s.epoch_loss_units = json_read(j, "epoch_loss_units", std::int64_t{0});
    s.epoch_units = json_read(j, "epoch_units", std::int64_t{0});
    s.epoch_seconds = json_read(j, "epoch_seconds", 0.0);
    s.validation = j.value("validation", s.best_epoch > 0);
    if (j.contains("rng")) {
      if (!j.at("rng").is_object()) throw InvalidArgument("field 'rng' is not an object");
      for (const auto& [name, position] : j.at("rng").items())
        s.rng[name] = json_read(j.at("rng"), name, std::uint64_t{0});
    } else if (j.contains("dropout_offset")) {
      s.rng["dropout"] = json_read(j, "dropout_offset", std::uint64_t{0});
    }
    if (j.contains("history")) {
      if (!j.at("history").is_array()) throw InvalidArgument("field 'history' is not a list");
      for (const auto& h : j.at("history")) s.history.push_back(EpochRecord::from_json(h));
    }
    if (!j.contains("train_seconds"))
      for (const EpochRecord& r : s.history) s.train_seconds += r.seconds;
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("{}: training state is malformed ({})", path, e.what()));
  } catch (const Error& e) {
    throw FormatError(fmt::format("{}: training state is malformed: {}", path, e.what()));
  }
  // Nothing a damaged file says is trusted: a huge epoch would loop for ever.
  auto check = [&](bool ok, const char* field, double value) {
    if (!ok)
      throw FormatError(
          fmt::format("{}: training state field '{}' is {}: out of range", path, field, value));
  };
  check(s.epoch >= 0 && s.epoch <= kMaxEpochs, "epoch", s.epoch);
  check(s.batch >= 0, "batch", static_cast<double>(s.batch));
  check(s.step >= 0, "step", static_cast<double>(s.step));
  check(std::isfinite(s.lr) && s.lr >= 0, "lr", s.lr);
  check(s.best_epoch >= 0 && s.best_epoch <= s.epoch, "best_epoch", s.best_epoch);
  check(s.stalled >= 0 && s.plateau_bad >= 0, "stalled", s.stalled);
  check(s.units >= 0 && s.epoch_units >= 0 && s.epoch_loss_units >= 0, "units",
        static_cast<double>(s.units));
  check(s.train_seconds >= 0 && s.epoch_seconds >= 0, "train_seconds", s.train_seconds);
  return s;
}

}  // namespace rnnkit::train

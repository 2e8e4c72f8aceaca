#include "rnnkit/train/training_state.h"

#include <fmt/format.h>

#include <cmath>

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
  return j.is_null() ? std::nan("") : j.get<double>();
}

// Records written before the shared harness: the LM's {train_ppl, valid_ppl,
// tokens_per_s} and seq2seq's {<set>_accuracy, sentences_per_s}.
EpochRecord legacy_record(const nlohmann::ordered_json& j) {
  EpochRecord r;
  r.epoch = j.at("epoch").get<int>();
  r.lr = j.value("lr", 0.0f);
  r.seconds = j.value("seconds", 0.0);
  if (j.contains("train_ppl")) {
    r.train_loss = std::log(j.at("train_ppl").get<double>());
    r.units_per_s = j.value("tokens_per_s", 0.0);
    const double valid = j.value("valid_ppl", 0.0);
    if (valid > 0) {
      r.eval_set = "valid";
      r.metrics.push_back({"ppl", valid, false});
    }
  } else {
    r.train_loss = j.value("train_loss", 0.0);
    r.units_per_s = j.value("sentences_per_s", 0.0);
    r.eval_set = j.value("eval_set", std::string());
    r.metrics.push_back({"bleu", j.value("bleu", 0.0), true});
    r.metrics.push_back({"accuracy", j.value(r.eval_set + "_accuracy", 0.0), true});
    r.metrics.push_back({"token_accuracy", j.value("token_accuracy", 0.0), true});
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
  if (!j.contains("units_per_s")) return legacy_record(j);
  EpochRecord r;
  r.epoch = j.at("epoch").get<int>();
  r.lr = j.value("lr", 0.0f);
  r.train_loss = number_of(j.at("train_loss"));
  r.units_per_s = j.value("units_per_s", 0.0);
  r.seconds = j.value("seconds", 0.0);
  r.batches = j.value("batches", std::int64_t{0});
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
    s.epoch = j.value("epoch", 0);
    s.batch = j.value("batch", std::int64_t{0});
    // Older checkpoints name the step and the dropout stream's position otherwise.
    s.step = j.contains("step") ? j.at("step").get<std::int64_t>()
                                : j.value("optimizer_steps", std::int64_t{0});
    s.lr = j.value("lr", 0.0f);
    s.plateau_best = j.value("plateau_best", 1e30f);
    s.plateau_bad = j.value("plateau_bad", 0);
    s.best_epoch =
        j.contains("best_epoch") ? j.at("best_epoch").get<int>() : j.value("kept_epoch", 0);
    if (j.contains("best"))
      s.best = number_of(j.at("best"));
    else if (j.contains("best_bleu"))
      s.best = j.at("best_bleu").get<double>();
    s.stalled = j.value("stalled", 0);
    s.train_seconds = j.value("train_seconds", 0.0);
    s.units = j.contains("units") ? j.at("units").get<std::int64_t>()
                                  : j.value("train_sentences", std::int64_t{0});
    s.epoch_loss = j.value("epoch_loss", 0.0);
    s.epoch_loss_units = j.value("epoch_loss_units", std::int64_t{0});
    s.epoch_units = j.value("epoch_units", std::int64_t{0});
    s.epoch_seconds = j.value("epoch_seconds", 0.0);
    s.validation = j.value("validation", s.best_epoch > 0);
    if (j.contains("rng"))
      s.rng = j.at("rng").get<std::map<std::string, std::uint64_t>>();
    else if (j.contains("dropout_offset"))
      s.rng["dropout"] = j.at("dropout_offset").get<std::uint64_t>();
    if (j.contains("history"))
      for (const auto& h : j.at("history")) s.history.push_back(EpochRecord::from_json(h));
    if (!j.contains("train_seconds"))
      for (const EpochRecord& r : s.history) s.train_seconds += r.seconds;
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("{}: training state is malformed ({})", path, e.what()));
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

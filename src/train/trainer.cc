#include "rnnkit/train/trainer.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>

#include "core/json_util.h"
#include "rnnkit/autograd/functions.h"
#include "rnnkit/core/numbers.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/ops/ops.h"
#include "rnnkit/train/run_directory.h"
#include "train/learning_curve.h"
#include "train/run_environment.h"

namespace rnnkit::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // KiB on Linux
}

// The parameters as named CPU tensors, taken from `values` (the ParameterSet's
// buffer layout): the current ones, or a kept copy.
io::NamedTensors parameters_from(const nn::ParameterSet& params, const Tensor& values) {
  io::NamedTensors out;
  Tensor cpu = values.to(kCPU);
  for (const auto& e : params.entries()) {
    const Shape& shape = e.var.value().shape();
    out.emplace_back(e.name, cpu.narrow0(e.offset, e.var.value().numel()).view(shape).clone());
  }
  return out;
}

// Is `value` better than the best so far (none yet when best_epoch is 0)?
bool improves(const Metric& m, const TrainingState& st) {
  if (st.best_epoch == 0) return true;
  return m.higher_is_better ? m.value > st.best : m.value < st.best;
}

std::string describe_stop(std::int64_t batch, std::int64_t batches, int epoch) {
  return batch >= batches ? fmt::format("after epoch {}'s last batch", epoch)
                          : fmt::format("at batch {} of {} in epoch {}", batch, batches, epoch);
}

// On resume: the run must be of this family; what fixes its numbers (the
// seed, the family's frozen options) must not change; data may move, with a
// warning.
void check_resume(const Task& task, const nlohmann::json& saved, const nlohmann::ordered_json& now,
                  const std::function<void(const std::string&)>& say) {
  if (saved.contains("family") && saved.at("family") != task.family())
    throw InvalidArgument(fmt::format("the run directory holds a {} run, not a {} one",
                                      saved.at("family").get<std::string>(), task.family()));
  std::vector<std::string> frozen = task.frozen_options();
  frozen.push_back("seed");
  auto flag = [](std::string key) {
    std::replace(key.begin(), key.end(), '_', '-');
    return "--" + key;
  };
  for (const std::string& key : frozen)
    if (saved.contains(key) && now.contains(key) && saved.at(key) != now.at(key))
      throw InvalidArgument(fmt::format(
          "{} {} differs from the run's {}: a resumed run keeps it (drop the flag, or start a new "
          "run)",
          flag(key), json_dump(now.at(key)), json_dump(saved.at(key))));
  for (const std::string& key : task.data_options())
    if (saved.contains(key) && now.contains(key) && saved.at(key) != now.at(key))
      say(fmt::format("warning: {} is now {} (the run's configuration says {})", flag(key),
                      json_dump(now.at(key)), json_dump(saved.at(key))));
}

}  // namespace

nlohmann::ordered_json TrainerOptions::to_json() const {
  return {{"preset", preset},
          {"out", out_dir},
          {"epochs", epochs},
          {"optimizer", optimizer.name},
          {"lr", shortest_decimal(optimizer.lr)},
          {"momentum", shortest_decimal(optimizer.momentum)},
          {"weight_decay", shortest_decimal(optimizer.weight_decay)},
          {"schedule", schedule},
          {"lr_decay", shortest_decimal(lr_decay)},
          {"decay_after", decay_after},
          {"patience", patience},
          {"clip", shortest_decimal(clip)},
          {"seed", seed},
          {"device", device},
          {"max_batches", max_batches},
          {"time_budget_s", time_budget_s},
          {"early_stopping", early_stopping},
          {"save_every", save_every},
          {"save_interval_s", save_interval_s}};
}

void TrainerOptions::update_from_json(const nlohmann::json& j) {
  preset = j.value("preset", preset);
  out_dir = j.value("out", out_dir);
  epochs = json_read(j, "epochs", epochs);
  optimizer.name = j.value("optimizer", optimizer.name);
  optimizer.lr = json_read(j, "lr", optimizer.lr);
  optimizer.momentum = json_read(j, "momentum", optimizer.momentum);
  optimizer.weight_decay = json_read(j, "weight_decay", optimizer.weight_decay);
  schedule = j.value("schedule", schedule);
  lr_decay = json_read(j, "lr_decay", lr_decay);
  decay_after = json_read(j, "decay_after", decay_after);
  patience = json_read(j, "patience", patience);
  clip = json_read(j, "clip", clip);
  seed = json_read(j, "seed", seed);
  device = j.value("device", device);
  max_batches = json_read(j, "max_batches", max_batches);
  time_budget_s = json_read(j, "time_budget_s", time_budget_s);
  early_stopping = json_read(j, "early_stopping", early_stopping);
  save_every = json_read(j, "save_every", save_every);
  save_interval_s = json_read(j, "save_interval_s", save_interval_s);
}

void check_same_model(const nlohmann::json& given, const nlohmann::json& saved,
                      const std::vector<std::string>& derived, const std::string& path) {
  for (const auto& [key, value] : given.items()) {
    if (std::find(derived.begin(), derived.end(), key) != derived.end()) continue;
    if (!saved.contains(key) || saved.at(key) == value) continue;
    throw InvalidArgument(fmt::format(
        "{}: the run's model has {} {}, not {}: a resumed run keeps its model (drop the flag, or "
        "start a new run)",
        path, key, json_dump(saved.at(key)), json_dump(value)));
  }
}

nlohmann::ordered_json family_options(nlohmann::ordered_json all) {
  const nlohmann::ordered_json shared = TrainerOptions().to_json();
  for (const auto& [key, value] : shared.items()) all.erase(key);
  return all;
}

void check_vocabulary_size(std::int64_t vocab_size, const std::string& data, std::int64_t min_count,
                           std::int64_t max_vocab, const char* max_flag) {
  RNNKIT_CHECK(vocab_size - 2 >= kMinVocabulary,
               "{}: the vocabulary keeps {} units (--min-count {}, {} {}): too few to learn from",
               data, vocab_size - 2, min_count, max_flag, max_vocab);
}

std::string resumed_data_warning(double unknown_rate, const std::string& data) {
  if (unknown_rate <= kMaxUnknownRate) return "";
  return fmt::format(
      "{:.1f}% of the training text {} is outside the run's vocabulary: is it the same language "
      "and preparation?",
      100 * unknown_rate, data);
}

nlohmann::ordered_json resolved_config(const Task& task, const TrainerOptions& opts) {
  nlohmann::ordered_json config = opts.to_json();
  config["family"] = task.family();
  config.update(task.options_json());
  return config;
}

TrainResult fit(Task& task, const TrainerOptions& opts, const Callbacks& cb) {
  const auto wall_start = Clock::now();
  auto say = [&](const std::string& m) {
    if (cb.on_message) cb.on_message(m);
  };
  RNNKIT_CHECK(opts.epochs > 0 && opts.epochs <= kMaxEpochs, "--epochs {} outside [1, {}]",
               opts.epochs, kMaxEpochs);
  RNNKIT_CHECK(opts.schedule == "step" || opts.schedule == "plateau" || opts.schedule == "none",
               "unknown schedule '{}' (expected step, plateau or none)", opts.schedule);
  RNNKIT_CHECK(opts.time_budget_s >= 0, "the time budget must not be negative, got {}",
               opts.time_budget_s);
  RNNKIT_CHECK(opts.clip >= 0, "--clip must not be negative, got {}", opts.clip);
  RNNKIT_CHECK(opts.early_stopping >= 0 && opts.save_every >= 0 && opts.save_interval_s >= 0,
               "--early-stopping, --save-every and --save-interval must not be negative");
  RNNKIT_CHECK(opts.lr_decay >= 0 && opts.decay_after >= 0 && opts.patience >= 1,
               "--lr-decay {} and --decay-after {} must not be negative, --patience {} positive",
               opts.lr_decay, opts.decay_after, opts.patience);
  RNNKIT_CHECK(opts.max_batches >= 0, "--max-batches must not be negative, got {}",
               opts.max_batches);
  opts.optimizer.validate();
  const Device device = available_device(opts.device);
  const RunDirectory run(opts.out_dir, opts.resume, opts.overwrite);
  const std::string checkpoint_path = run.checkpoint_path().string();
  const std::string model_path = run.model_path().string();

  RngStreams rng(opts.seed);
  std::optional<Checkpoint> checkpoint;
  nlohmann::ordered_json config = resolved_config(task, opts);
  if (opts.resume) {
    checkpoint = read_checkpoint(checkpoint_path);
    if (auto saved = run.read_config()) check_resume(task, *saved, config, say);
  }
  if (cb.on_begin) cb.on_begin();
  task.prepare(checkpoint ? &*checkpoint : nullptr, rng);
  for (const std::string& w : task.warnings()) say("warning: " + w);
  RNNKIT_CHECK(opts.schedule != "plateau" || task.has_validation(),
               "the plateau schedule needs --valid (a validation set)");
  RNNKIT_CHECK(opts.early_stopping == 0 || task.has_validation(),
               "early stopping needs --valid (a validation set)");
  if (checkpoint && checkpoint->state.validation != task.has_validation())
    throw InvalidArgument(
        fmt::format("{}: the run was trained {} a validation set; resume it {} one",
                    checkpoint->path, checkpoint->state.validation ? "with" : "without",
                    checkpoint->state.validation ? "with" : "without"));
  run.begin();
  nn::Module& model = task.model();
  if (checkpoint) io::load_parameters(model, checkpoint->file, checkpoint->path);
  nn::ParameterSet params(model, device);
  optim::Optimizer optimizer(params, opts.optimizer);
  optim::PlateauDecay plateau(opts.lr_decay, opts.patience);
  TrainingState st;
  st.lr = opts.optimizer.lr;
  st.validation = task.has_validation();
  Tensor kept;  // with a validation set: the parameters of its best epoch
  if (checkpoint) {
    st = checkpoint->state;
    io::NamedTensors optim_state;
    for (const auto& [name, t] : checkpoint->file.tensors) {
      if (name.rfind("optim.", 0) == 0) optim_state.emplace_back(name, t);
      if (name == "kept") kept = t.to(device);
    }
    optimizer.load_state(optim_state);
    optimizer.set_steps(st.step);
    rng.restore(st.rng, checkpoint->path);
    plateau.restore(st.plateau_best, st.plateau_bad);
    say(fmt::format("resuming {} from {}",
                    st.batch > 0 ? fmt::format("epoch {} at batch {}", st.epoch + 1, st.batch + 1)
                                 : fmt::format("after epoch {}", st.epoch),
                    checkpoint->path));
  }
  // What a resumed run keeps: its epochs done, whatever --epochs says.
  config["epochs"] = std::max<std::int64_t>(opts.epochs, st.epoch);
  config["environment"] = run_environment(device.str());
  if (!opts.resume) run.write_config(config);  // a resumed run's, with its next checkpoint
  say(fmt::format("model: {} ({} parameters), device {}, seed {}", task.describe(), params.numel(),
                  device.str(), opts.seed));

  auto save_checkpoint = [&] {
    st.rng = rng.positions();
    st.step = optimizer.steps();
    st.plateau_best = plateau.best();
    st.plateau_bad = plateau.bad_epochs();
    io::Metadata meta = task.model_metadata();
    meta["training_state"] = st.to_json().dump();
    io::NamedTensors tensors = parameters_from(params, params.values());
    for (auto& t : optimizer.state()) tensors.emplace_back(t.first, t.second.to(kCPU));
    if (kept.defined()) tensors.emplace_back("kept", kept.to(kCPU));
    if (st.batch > 0)
      for (auto& t : task.carried_state()) tensors.emplace_back(t.first, t.second.to(kCPU));
    io::save_safetensors(checkpoint_path, tensors, meta);
    if (opts.resume) run.write_config(config);
    run.mark_saved();
  };
  auto save_model = [&](const Tensor& values) {
    io::Metadata meta = task.model_metadata();
    meta["train_options"] = json_dump(config);
    io::save_safetensors(model_path, parameters_from(params, values), meta);
  };

  if (st.batch > task.num_batches())
    throw InvalidArgument(fmt::format(
        "{}: the run stopped at batch {} of epoch {}, but the training data now makes {} batches: "
        "resume with the run's data, or start a new run",
        checkpoint_path, st.batch, st.epoch + 1, task.num_batches()));
  const std::int64_t per_epoch =
      opts.max_batches > 0 ? std::min(opts.max_batches, task.num_batches()) : task.num_batches();
  const double budget = opts.time_budget_s;  // a resumed run takes the budget given now
  bool budget_out = budget > 0 && st.train_seconds >= budget;
  if (budget_out)
    say(
        fmt::format("the time budget of {:.3g} s is spent already (raise --time-budget, or 0 for "
                    "none, to train on)",
                    budget));
  // An early-stopped run stays stopped until --early-stopping is raised.
  bool stopped_early =
      opts.early_stopping > 0 && st.validation && st.epoch > 0 && st.stalled >= opts.early_stopping;
  if (stopped_early)
    say(
        fmt::format("the run stopped early after epoch {} (no better validation figure for {} "
                    "epochs): raise --early-stopping to train on",
                    st.epoch, st.stalled));
  const std::string display = task.loss_display();
  TrainResult result;
  result.model_path = model_path;
  result.checkpoint_path = checkpoint_path;
  const int first_epoch = st.epoch + 1;
  auto last_save = Clock::now();

  std::int64_t epoch_batches = 0;  // trained in the epoch under way
  bool stop = false;
  for (int epoch = first_epoch; epoch <= opts.epochs && !budget_out && !stopped_early; ++epoch) {
    if (opts.schedule == "step")
      st.lr =
          optim::StepDecay{opts.optimizer.lr, opts.lr_decay, opts.decay_after}.lr_for_epoch(epoch);
    optimizer.set_lr(st.lr);
    model.train(true);
    task.begin_epoch(epoch, device);
    const std::int64_t first_batch = std::min(st.batch, per_epoch);
    if (first_batch > 0) {
      task.restore_carried_state(*checkpoint, device);
    } else {
      st.epoch_loss = 0;
      st.epoch_loss_units = st.epoch_units = 0;
      st.epoch_seconds = 0;
    }
    // The loss is summed on the device and read at each report (every batch
    // on the CPU, where reading is free): a GPU never waits for the host.
    Tensor pending = Tensor::zeros({1}, device);
    std::int64_t pending_units = 0, last_read = first_batch;
    const auto epoch_start = Clock::now();
    const double seconds_before = st.epoch_seconds;
    auto last_report = epoch_start;
    epoch_batches = first_batch;
    for (std::int64_t b = first_batch; b < per_epoch; ++b) {
      params.zero_grad();
      StepResult step = task.train_step(b, device, rng);
      ops::add_(pending, step.loss_sum);
      pending_units += step.loss_units;
      Tape::current().backward(step.loss);
      if (opts.clip > 0) nn::clip_grad_norm(params, opts.clip);
      optimizer.step();
      st.epoch_units += step.units;
      st.units += step.units;
      epoch_batches = b + 1;
      const auto now = Clock::now();
      const double secs = seconds_before + std::chrono::duration<double>(now - epoch_start).count();
      budget_out = budget > 0 && st.train_seconds + secs >= budget;
      stop = cb.should_stop && cb.should_stop();
      const bool save_due =
          b + 1 < per_epoch &&
          ((opts.save_every > 0 && (b + 1) % opts.save_every == 0) ||
           (opts.save_interval_s > 0 &&
            std::chrono::duration<double>(now - last_save).count() >= opts.save_interval_s));
      const bool report_due =
          std::chrono::duration<double>(now - last_report).count() >= opts.progress_interval_s ||
          b + 1 == per_epoch || budget_out || stop || save_due;
      if (device.type == DeviceType::kCPU || report_due) {
        const double read = pending.item();
        ops::fill_(pending, 0.0f);
        const double mean = read / static_cast<double>(std::max<std::int64_t>(pending_units, 1));
        // A perplexity of exp(> 700) is as lost as a NaN.
        if (!std::isfinite(read) || (display == "ppl" && !std::isfinite(std::exp(mean)))) {
          Tape::current().clear();
          throw NumericalError(
              fmt::format("the {} became {} at batch {} of epoch {}; try a lower --lr{}{}",
                          display == "ppl" ? "perplexity" : "loss",
                          std::isfinite(read) ? "infinite" : fmt::format("{}", read),
                          b == last_read ? fmt::format("{}", b + 1)
                                         : fmt::format("{}..{}", last_read + 1, b + 1),
                          epoch, opts.clip > 0 ? " or --clip" : " or set --clip",
                          fs::exists(checkpoint_path)
                              ? fmt::format(" (the last good checkpoint is {})", checkpoint_path)
                              : ""));
        }
        st.epoch_loss += read;
        st.epoch_loss_units += pending_units;
        pending_units = 0;
        last_read = b + 1;
      }
      if (cb.on_progress && report_due) {
        last_report = now;
        Progress p;
        p.epoch = epoch;
        p.epochs = static_cast<int>(opts.epochs);
        p.batch = b + 1;
        p.batches = per_epoch;
        p.unit = task.unit();
        p.units_per_s = static_cast<double>(st.epoch_units) / std::max(secs, 1e-9);
        p.lr = st.lr;
        p.loss =
            st.epoch_loss / static_cast<double>(std::max<std::int64_t>(st.epoch_loss_units, 1));
        p.loss_display = display;
        p.elapsed_s = seconds_since(wall_start);
        const double epoch_total =
            secs * static_cast<double>(per_epoch) / static_cast<double>(b + 1);
        p.eta_s = epoch_total * static_cast<double>(opts.epochs - epoch) + epoch_total - secs;
        if (budget > 0) p.eta_s = std::min(p.eta_s, budget - st.train_seconds - secs);
        cb.on_progress(p);
      }
      if (stop || save_due) {
        st.epoch_seconds = secs;
        st.batch = b + 1;
        save_checkpoint();
        last_save = Clock::now();
        st.batch = 0;
      }
      if (stop) {
        result.interrupted = true;
        result.epochs = epoch - 1;
        result.batch = b + 1;
        say(fmt::format("stopped {}; the checkpoint {} holds the position",
                        describe_stop(b + 1, per_epoch, epoch), checkpoint_path));
        break;
      }
      if (budget_out) {
        if (b + 1 < per_epoch)
          say(fmt::format("time budget of {:.0f} s spent: epoch {} ends after {} of {} batches",
                          budget, epoch, b + 1, per_epoch));
        break;
      }
    }
    if (stop) break;
    const double epoch_secs = seconds_before + seconds_since(epoch_start);
    st.train_seconds += epoch_secs;

    EpochRecord r;
    r.epoch = epoch;
    r.lr = st.lr;
    r.train_loss =
        st.epoch_loss / static_cast<double>(std::max<std::int64_t>(st.epoch_loss_units, 1));
    r.seconds = epoch_secs;
    r.units_per_s = epoch_secs > 0 ? static_cast<double>(st.epoch_units) / epoch_secs : 0;
    r.batches = epoch_batches;
    model.train(false);
    Evaluation ev = task.evaluate_epoch(device);
    r.eval_set = ev.set;
    r.metrics = ev.metrics;
    for (const Metric& m : ev.metrics)
      if (!std::isfinite(m.value))
        throw NumericalError(
            fmt::format("the {} {} became {} after epoch {}; try a lower --lr{}", ev.set, m.name,
                        m.value, epoch,
                        fs::exists(checkpoint_path)
                            ? fmt::format(" (the last good checkpoint is {})", checkpoint_path)
                            : ""));
    st.history.push_back(r);
    if (cb.on_epoch) cb.on_epoch(r);
    bool early_stop = false;
    if (ev.selects && !ev.metrics.empty()) {
      const Metric& primary = ev.metrics.front();
      if (improves(primary, st)) {
        st.best = primary.value;
        st.best_epoch = epoch;
        st.stalled = 0;
        kept = params.values().clone();
      } else {
        ++st.stalled;
      }
      if (opts.schedule == "plateau")
        st.lr = plateau.update(
            static_cast<float>(primary.higher_is_better ? -primary.value : primary.value), st.lr);
      early_stop = opts.early_stopping > 0 && st.stalled >= opts.early_stopping;
    }
    st.epoch = epoch;
    st.batch = 0;
    save_checkpoint();
    last_save = Clock::now();
    save_model(kept.defined() ? kept : params.values());
    run.write_metrics(st.history);
    run.write("learning_curve.svg", learning_curve_svg(st.history, display));
    if (early_stop) {
      say(fmt::format("early stopping: no better validation {} for {} epochs (best: epoch {})",
                      ev.metrics.front().name, st.stalled, st.best_epoch));
      break;
    }
    // A signal during the evaluation: the epoch is saved, stop here.
    if (cb.should_stop && cb.should_stop()) {
      stop = true;
      result.interrupted = true;
      result.epochs = epoch;
      say(fmt::format("stopped after epoch {}; the checkpoint {} holds it", epoch,
                      checkpoint_path));
      break;
    }
  }

  result.history = st.history;
  // The whole run's, resumed parts included.
  result.units = st.units;
  result.units_per_s = st.train_seconds > 0 ? static_cast<double>(st.units) / st.train_seconds : 0;
  if (!st.history.empty()) result.last = st.history.back();
  result.wall_s = seconds_since(wall_start);
  if (result.interrupted) return result;
  result.epochs = st.epoch;
  if (kept.defined()) {
    ops::copy_(params.values(), kept);
    result.kept_epoch = st.best_epoch;
    say(fmt::format("kept epoch {} (validation {} {:.4g})", st.best_epoch,
                    st.history.empty() || st.history.back().metrics.empty()
                        ? std::string("figure")
                        : st.history.back().metrics.front().name,
                    st.best));
  } else {
    result.kept_epoch = st.epoch;
  }
  model.train(false);
  result.test = task.test(device);
  task.write_artifacts(run, device);
  if (cb.should_stop && cb.should_stop()) {  // during the test: the model is saved, results not
    result.interrupted = true;
    return result;
  }
  if (result.epochs > 0 && !fs::exists(model_path)) save_model(params.values());
  result.wall_s = seconds_since(wall_start);
  result.results = task.results(result);
  result.results["peak_rss_mb"] = peak_rss_mb();
  result.results["wall_s"] = result.wall_s;
  result.results["warnings"] = task.warnings();
  run.write_results(result.results);
  return result;
}

}  // namespace rnnkit::train

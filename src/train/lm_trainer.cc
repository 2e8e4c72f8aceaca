#include "rnnkit/train/lm_trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "rnnkit/autograd/functions.h"
#include "rnnkit/eval/perplexity.h"
#include "rnnkit/eval/plot.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/nn/output.h"
#include "rnnkit/ops/ops.h"
#include "rnnkit/text/corpus.h"
#include "rnnkit/text/parallel.h"
#include "train/checkpoint.h"
#include "train/run_environment.h"

namespace rnnkit::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

LmTrainOptions lm_preset(const std::string& name) {
  LmTrainOptions o;
  o.preset = name;
  o.optimizer.name = "sgd";
  o.optimizer.lr = 1.0f;
  o.model.cell = "lstm";
  o.model.num_layers = 2;
  o.batch = 20;
  if (name == "small") {
    o.model.emb_size = o.model.hidden_size = 200;
    o.steps = 20;
    o.epochs = 13;
    o.lr_decay = 0.5f;
    o.decay_after = 4;
    o.clip = 5.0f;
    o.model.init_range = 0.1f;
  } else if (name == "medium") {
    o.model.emb_size = o.model.hidden_size = 650;
    o.steps = 35;
    o.epochs = 39;
    o.model.dropout = 0.5f;
    o.lr_decay = 0.8f;
    o.decay_after = 6;
    o.clip = 5.0f;
    o.model.init_range = 0.05f;
  } else if (name == "large") {
    o.model.emb_size = o.model.hidden_size = 1500;
    o.steps = 35;
    o.epochs = 55;
    o.model.dropout = 0.65f;
    o.lr_decay = 1.0f / 1.15f;
    o.decay_after = 14;
    o.clip = 10.0f;
    o.model.init_range = 0.04f;
  } else if (name == "book-rnnlm" || name == "book-better-rnnlm") {
    // The book's ch. 6 Rnnlm and BetterRnnlm. Its loss is the mean over batch
    // and time; ours sums over the time steps (Zaremba), so its lr 20 and
    // clip 0.25 become 20/35 and 0.25*35 here: the same SGD steps.
    o.steps = 35;
    o.optimizer.lr = 20.0f / 35.0f;
    o.clip = 0.25f * 35.0f;
    if (name == "book-rnnlm") {
      o.model.num_layers = 1;
      o.model.emb_size = o.model.hidden_size = 100;
      o.epochs = 4;
      o.schedule = "none";
      o.model.init_range = 0.1f;
    } else {  // two layers, dropout, tied weights; lr / 4 when validation worsens
      o.model.emb_size = o.model.hidden_size = 650;
      o.model.dropout = 0.5f;
      o.model.tie_weights = true;
      o.epochs = 40;
      o.schedule = "plateau";
      o.lr_decay = 0.25f;
      o.patience = 1;
      o.model.init_range = 0.05f;
    }
  } else {
    throw InvalidArgument(fmt::format(
        "unknown preset '{}' (expected small, medium, large, book-rnnlm or book-better-rnnlm)", name));
  }
  return o;
}

std::string LmTrainOptions::to_json() const {
  nlohmann::ordered_json j = {
      {"preset", preset},
      {"train", train_path},
      {"valid", valid_path},
      {"test", test_path},
      {"out", out_dir},
      {"model", nlohmann::json::parse(model.to_json())},
      {"max_vocab", max_vocab},
      {"min_count", min_count},
      {"batch", batch},
      {"steps", steps},
      {"epochs", epochs},
      {"optimizer", optimizer.name},
      {"lr", optimizer.lr},
      {"momentum", optimizer.momentum},
      {"weight_decay", optimizer.weight_decay},
      {"schedule", schedule},
      {"lr_decay", lr_decay},
      {"decay_after", decay_after},
      {"patience", patience},
      {"clip", clip},
      {"output", output},
      {"samples", samples},
      {"noise_alpha", noise_alpha},
      {"eval_batch", eval_batch},
      {"eval_steps", eval_steps},
      {"seed", seed},
      {"device", device},
      {"max_batches", max_batches},
      {"time_budget_s", time_budget_s}};
  return j.dump(2);
}

namespace {

struct Data {
  text::Vocabulary vocab;
  std::vector<std::int32_t> train, valid, test;
};

std::vector<std::int32_t> load_ids(const std::string& path, const text::Vocabulary& vocab, const std::string& unit) {
  return vocab.encode(text::tokenize_lines(text::read_text_file(path), text::parse_unit(unit)));
}

void write_text(const fs::path& path, const std::string& text) {
  io::write_file_atomic(path.string(), text);
}

// The schedule's rate for an epoch (plateau: carried in `lr`).
float scheduled_lr(const LmTrainOptions& o, int epoch, float current) {
  if (o.schedule == "step")
    return optim::StepDecay{o.optimizer.lr, o.lr_decay, o.decay_after}.lr_for_epoch(epoch);
  return current;
}

}  // namespace

LmTrainResult train_language_model(const LmTrainOptions& opts, const LmTrainCallbacks& cb) {
  auto wall_start = Clock::now();
  auto say = [&](const std::string& m) {
    if (cb.on_message) cb.on_message(m);
  };
  RNNKIT_CHECK(!opts.train_path.empty(), "no training file given (--train)");
  RNNKIT_CHECK(opts.schedule == "step" || opts.schedule == "plateau" || opts.schedule == "none",
               "unknown schedule '{}' (expected step, plateau or none)", opts.schedule);
  if (opts.output != "softmax") nn::parse_sampled_objective(opts.output);  // throws for an unknown name
  RNNKIT_CHECK(opts.epochs > 0, "epochs must be positive, got {}", opts.epochs);
  RNNKIT_CHECK(opts.time_budget_s >= 0, "the time budget must not be negative, got {}", opts.time_budget_s);
  Device device = available_device(opts.device);
  fs::path out(opts.out_dir);
  fs::path checkpoint_path = out / "checkpoint.safetensors";

  // Data and vocabulary (on resume, the checkpoint's vocabulary).
  Data data;
  Checkpoint checkpoint;
  LmTrainOptions o = opts;
  if (opts.resume) {
    checkpoint = read_checkpoint(checkpoint_path);
    io::LoadedLanguageModel loaded = io::load_language_model(checkpoint.path);
    data.vocab = loaded.vocab;
    o.model = loaded.model->config();
  } else {
    auto tokens = text::tokenize_lines(text::read_text_file(opts.train_path), text::parse_unit(opts.model.unit));
    data.vocab = text::Vocabulary::build(tokens, {opts.max_vocab, opts.min_count});
    data.train = data.vocab.encode(tokens);
  }
  if (data.train.empty()) data.train = load_ids(opts.train_path, data.vocab, o.model.unit);
  if (!opts.valid_path.empty()) data.valid = load_ids(opts.valid_path, data.vocab, o.model.unit);
  if (!opts.test_path.empty()) data.test = load_ids(opts.test_path, data.vocab, o.model.unit);
  o.model.vocab_size = data.vocab.size();
  say(fmt::format("data: {} training tokens, {} valid, {} test; vocabulary {}", data.train.size(),
                  data.valid.size(), data.test.size(), data.vocab.size()));

  models::LanguageModel model(o.model);
  model.init_parameters(o.seed);
  if (opts.resume) io::load_parameters(model, checkpoint.file, checkpoint.path);
  nn::ParameterSet params(model, device);
  optim::Optimizer optimizer(params, o.optimizer);
  optim::PlateauDecay plateau(o.lr_decay, o.patience);
  Generator dropout_gen(o.seed, /*stream=*/2);
  int first_epoch = 1;
  float lr = o.optimizer.lr;
  std::vector<LmEpochReport> history;
  if (opts.resume) {
    first_epoch = restore_progress(
        checkpoint, lr, optimizer, dropout_gen, plateau, [&](const nlohmann::json& s) {
          for (const auto& h : s.at("history"))
            history.push_back({h.at("epoch"), h.at("lr"), h.at("train_ppl"), h.at("valid_ppl"),
                               h.at("tokens_per_s"), h.at("seconds")});
        });
    say(fmt::format("resuming after epoch {} from {}", first_epoch - 1, checkpoint.path));
  }
  fs::create_directories(out);
  write_text(out / "config.json", config_with_environment(o.to_json(), device.str()));
  say(fmt::format("model: {} {} hidden {} emb {} ({} parameters), device {}, seed {}",
                  o.model.context > 0 ? fmt::format("feed-forward over {} words,", o.model.context)
                                      : fmt::format("{} x{}", o.model.cell, o.model.num_layers),
                  o.model.tie_weights ? "tied" : "untied", o.model.hidden_size, o.model.emb_size, params.numel(),
                  device.str(), o.seed));

  // Sampled objectives: noise from the training counts ^ alpha, K words per batch.
  const bool sampled = o.output != "softmax";
  nn::SampledObjective objective{};
  nn::NoiseSampler noise;
  Generator noise_gen(o.seed, /*stream=*/5);
  std::vector<std::int64_t> counts(static_cast<std::size_t>(data.vocab.size()), 0);
  for (auto id : data.train) ++counts[static_cast<std::size_t>(id)];
  model.set_word_counts(counts);  // the hierarchical softmax's tree
  if (sampled) {
    objective = nn::parse_sampled_objective(o.output);
    RNNKIT_CHECK(o.samples > 0, "--samples must be positive, got {}", o.samples);
    RNNKIT_CHECK(o.model.output == "softmax", "a sampled objective trains a softmax output layer, not a {} one",
                 o.model.output);
    noise = nn::NoiseSampler(counts, o.noise_alpha);
    if (objective == nn::SampledObjective::kNce && !opts.resume) {
      // NCE learns self-normalised log-probabilities: the output bias starts
      // at the log unigram probabilities (Mnih & Teh), not at log 1 for all.
      std::vector<float> logp(counts.size());
      for (std::size_t w = 0; w < counts.size(); ++w)
        logp[w] = static_cast<float>(std::log(static_cast<double>(std::max<std::int64_t>(counts[w], 1)) /
                                              static_cast<double>(data.train.size())));
      Tensor bias = model.output_layer().bias.value();
      ops::copy_(bias, Tensor::from_vector(logp, {data.vocab.size()}));
    }
  }

  text::BpttBatcher batches(data.train, o.batch, o.steps);
  std::int64_t per_epoch =
      o.max_batches > 0 ? std::min(o.max_batches, batches.num_batches()) : batches.num_batches();
  LmTrainResult result;
  std::ofstream metrics(out / "metrics.jsonl", opts.resume ? std::ios::app : std::ios::trunc);
  double train_seconds_total = 0.0;
  std::int64_t train_tokens_total = 0;
  int epochs_left_start = static_cast<int>(o.epochs) - first_epoch + 1;
  double budget_spent = 0.0;  // training seconds, earlier runs of a resumed one included
  for (const auto& h : history) budget_spent += h.seconds;
  const double budget = opts.time_budget_s;  // a resumed run takes the budget given now
  bool budget_out = budget > 0 && budget_spent >= budget;
  if (budget_out) say(fmt::format("the time budget of {:.0f} s is spent already", budget));

  for (int epoch = first_epoch; epoch <= o.epochs && !budget_out; ++epoch) {
    lr = scheduled_lr(o, epoch, lr);
    optimizer.set_lr(lr);
    model.train(true);
    nn::RecurrentState hidden = model.zero_state(o.batch, device);
    double nll = 0.0;
    std::int64_t tokens = 0;
    // The loss is summed on the device and read back at each report (every
    // batch on the CPU, where reading is free): a GPU never waits for the host.
    Tensor nll_pending = Tensor::zeros({1}, device);
    std::int64_t last_read = 0;
    auto epoch_start = Clock::now();
    auto last_report = epoch_start;
    for (std::int64_t b = 0; b < per_epoch; ++b) {
      auto [x, y] = batches.get(b);
      params.zero_grad();
      auto [features, next] = model.features(x.to(device), hidden, dropout_gen);
      // Zaremba: the per-step batch-mean NLL summed over the time steps.
      Var loss_sum = sampled ? nn::sampled_loss(objective, features, model.output_layer(), y,
                                                noise.draw(o.samples, noise_gen), noise)
                             : model.nll(features, y.to(device));
      Var loss = fn::scale(loss_sum, 1.0f / static_cast<float>(o.batch));
      ops::add_(nll_pending, loss_sum.value());
      Tape::current().backward(loss);
      nn::clip_grad_norm(params, o.clip);
      optimizer.step();
      hidden = next.detach();
      tokens += y.numel();
      auto now = Clock::now();
      double secs = std::chrono::duration<double>(now - epoch_start).count();
      budget_out = budget > 0 && budget_spent + secs >= budget;
      bool report_due = std::chrono::duration<double>(now - last_report).count() >= 1.0 ||
                        b + 1 == per_epoch || budget_out;
      if (device.type == DeviceType::kCPU || report_due) {
        double read = nll_pending.item();
        ops::fill_(nll_pending, 0.0f);
        if (!std::isfinite(read)) {
          Tape::current().clear();
          throw NumericalError(fmt::format(
              "loss became {} at batch {} of epoch {}; try a lower --lr or --clip{}", read,
              b == last_read ? fmt::format("{}", b + 1) : fmt::format("{}..{}", last_read + 1, b + 1),
              epoch,
              fs::exists(checkpoint_path)
                  ? fmt::format(" (the last good checkpoint is {})", checkpoint_path.string())
                  : ""));
        }
        nll += read;
        last_read = b + 1;
      }
      if (cb.on_progress && report_due) {
        last_report = now;
        LmProgress p;
        p.epoch = epoch;
        p.epochs = static_cast<int>(o.epochs);
        p.fraction = static_cast<double>(b + 1) / static_cast<double>(per_epoch);
        p.tokens_per_s = tokens / std::max(secs, 1e-9);
        p.lr = lr;
        p.ppl = std::exp(nll / static_cast<double>(tokens));
        double epoch_total = secs / p.fraction;
        int done_epochs = epoch - first_epoch;
        p.eta_s = epoch_total * (epochs_left_start - done_epochs) - secs;
        if (budget > 0) p.eta_s = std::min(p.eta_s, budget - budget_spent - secs);
        cb.on_progress(p);
      }
      if (budget_out) {
        if (b + 1 < per_epoch)
          say(fmt::format("time budget of {:.0f} s spent: epoch {} ends after {} of {} batches", budget, epoch,
                          b + 1, per_epoch));
        break;
      }
    }
    double epoch_secs = std::chrono::duration<double>(Clock::now() - epoch_start).count();
    train_seconds_total += epoch_secs;
    train_tokens_total += tokens;
    budget_spent += epoch_secs;

    LmEpochReport report;
    report.epoch = epoch;
    report.lr = lr;
    report.train_ppl = std::exp(nll / static_cast<double>(tokens));
    report.tokens_per_s = tokens / epoch_secs;
    report.seconds = epoch_secs;
    model.train(false);
    if (!data.valid.empty()) {
      auto r = eval::evaluate_perplexity(model, data.valid, o.eval_batch, o.eval_steps, device);
      report.valid_ppl = r.perplexity();
      if (o.schedule == "plateau") lr = plateau.update(static_cast<float>(report.valid_ppl), lr);
    }
    history.push_back(report);
    if (cb.on_epoch) cb.on_epoch(report);
    metrics << nlohmann::json({{"epoch", epoch},
                               {"lr", lr},
                               {"train_ppl", report.train_ppl},
                               {"valid_ppl", report.valid_ppl},
                               {"tokens_per_s", report.tokens_per_s},
                               {"seconds", epoch_secs}})
                   .dump()
            << "\n"
            << std::flush;

    // Checkpoint: weights, optimiser state and everything needed to resume.
    nlohmann::json hist = nlohmann::json::array();
    for (const auto& h : history)
      hist.push_back({{"epoch", h.epoch}, {"lr", h.lr}, {"train_ppl", h.train_ppl},
                      {"valid_ppl", h.valid_ppl}, {"tokens_per_s", h.tokens_per_s},
                      {"seconds", h.seconds}});
    nlohmann::ordered_json st = progress_state(epoch, lr, optimizer, dropout_gen, plateau);
    st["seed"] = o.seed;
    st["history"] = hist;
    io::Metadata meta = io::language_model_metadata(model, data.vocab);
    meta["training_state"] = st.dump();
    io::NamedTensors tensors;
    for (const auto& [name, v] : model.named_parameters()) tensors.emplace_back(name, v.value());
    for (auto& kv : optimizer.state()) tensors.push_back(kv);
    io::save_safetensors(checkpoint_path.string(), tensors, meta);
    io::save_language_model((out / "model.safetensors").string(), model, data.vocab,
                            {{"train_options", o.to_json()}});

    eval::Series train_s{"train", {}, {}}, valid_s{"valid", {}, {}};
    for (const auto& h : history) {
      train_s.x.push_back(h.epoch);
      train_s.y.push_back(h.train_ppl);
      if (h.valid_ppl > 0) {
        valid_s.x.push_back(h.epoch);
        valid_s.y.push_back(h.valid_ppl);
      }
    }
    write_text(out / "learning_curve.svg",
               eval::line_chart_svg("Perplexity by epoch", "epoch", "perplexity",
                                    {train_s, valid_s}, true));
    result.train_ppl = report.train_ppl;
    result.valid_ppl = report.valid_ppl;
    result.epochs = epoch;
  }
  if (result.epochs == 0 && !history.empty()) {  // resumed a finished run
    result.train_ppl = history.back().train_ppl;
    result.valid_ppl = history.back().valid_ppl;
    result.epochs = history.back().epoch;
  }
  model.train(false);
  double eval_secs = 0.0;
  std::int64_t eval_tokens = 0;
  if (!data.test.empty()) {
    auto r = eval::evaluate_perplexity(model, data.test, o.eval_batch, o.eval_steps, device);
    result.test_ppl = r.perplexity();
    eval_secs += r.seconds;
    eval_tokens += r.tokens;
  }
  result.train_tokens_per_s = train_seconds_total > 0 ? train_tokens_total / train_seconds_total : 0;
  result.train_tokens = train_tokens_total;
  result.eval_tokens_per_s = eval_secs > 0 ? eval_tokens / eval_secs : 0;
  result.model_path = (out / "model.safetensors").string();
  result.wall_s = std::chrono::duration<double>(Clock::now() - wall_start).count();
  return result;
}

}  // namespace rnnkit::train

#include "rnnkit/train/lm_trainer.h"

#include <cmath>
#include <memory>
#include <optional>

#include "core/json_util.h"
#include "rnnkit/autograd/functions.h"
#include "rnnkit/core/numbers.h"
#include "rnnkit/eval/perplexity.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/nn/output.h"
#include "rnnkit/ops/ops.h"
#include "rnnkit/text/corpus.h"
#include "rnnkit/text/parallel.h"
#include "rnnkit/text/segmenter.h"

namespace rnnkit::train {

LmTrainOptions::LmTrainOptions() {
  out_dir = "runs/lm";
  epochs = 13;
  schedule = "step";
  lr_decay = 0.5f;
  decay_after = 4;
}

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

nlohmann::ordered_json LmTrainOptions::to_json() const {
  nlohmann::ordered_json j = TrainerOptions::to_json();
  j.update(nlohmann::ordered_json{{"train", train_path},
                                  {"valid", valid_path},
                                  {"test", test_path},
                                  {"model", nlohmann::ordered_json::parse(model.to_json())},
                                  {"max_vocab", max_vocab},
                                  {"min_count", min_count},
                                  {"batch", batch},
                                  {"steps", steps},
                                  {"output", output},
                                  {"samples", samples},
                                  {"noise_alpha", shortest_decimal(noise_alpha)},
                                  {"eval_batch", eval_batch},
                                  {"eval_steps", eval_steps},
                                  {"subword_vocab", subword_vocab},
                                  {"subword_model", subword_model},
                                  {"mecab_dictionary", mecab_dictionary}});
  return j;
}

void LmTrainOptions::update_from_json(const nlohmann::json& j) {
  TrainerOptions::update_from_json(j);
  train_path = j.value("train", train_path);
  valid_path = j.value("valid", valid_path);
  test_path = j.value("test", test_path);
  if (j.contains("model")) model = models::LanguageModelConfig::from_json(j.at("model").dump());
  max_vocab = json_read(j, "max_vocab", max_vocab);
  min_count = json_read(j, "min_count", min_count);
  batch = json_read(j, "batch", batch);
  steps = json_read(j, "steps", steps);
  output = j.value("output", output);
  samples = json_read(j, "samples", samples);
  noise_alpha = json_read(j, "noise_alpha", noise_alpha);
  eval_batch = json_read(j, "eval_batch", eval_batch);
  eval_steps = json_read(j, "eval_steps", eval_steps);
  subword_vocab = json_read(j, "subword_vocab", subword_vocab);
  subword_model = j.value("subword_model", subword_model);
  mecab_dictionary = j.value("mecab_dictionary", mecab_dictionary);
}

namespace {

// A text as ids, and the share of its tokens outside the vocabulary.
struct Ids {
  std::vector<std::int32_t> ids;
  double unknown_rate = 0;
};
Ids load_ids(const std::string& path, const text::Vocabulary& vocab, const text::Segmenter& units) {
  auto tokens = units.tokenize_lines(text::read_text_file(path));
  return {vocab.encode(tokens), vocab.unknown_rate(tokens)};
}

class LanguageModelTask : public Task {
 public:
  explicit LanguageModelTask(const LmTrainOptions& o) : o_(o) {
    // The model's settings, checked before any data is read (the vocabulary's
    // size comes from the data: a stand-in here).
    models::LanguageModelConfig probe = o.model;
    probe.vocab_size = std::max<std::int64_t>({probe.vocab_size, probe.classes, 2});
    probe.validate();
    RNNKIT_CHECK(o.batch > 0 && o.steps > 0 && o.eval_batch > 0 && o.eval_steps > 0,
                 "--batch {}, --steps {}, --eval-batch {} and --eval-steps {} must be positive",
                 o.batch, o.steps, o.eval_batch, o.eval_steps);
    RNNKIT_CHECK(o.max_vocab >= 0 && o.min_count >= 1,
                 "--max-vocab must not be negative ({}) and --min-count positive ({})", o.max_vocab,
                 o.min_count);
    if (sampled()) {
      objective_ = nn::parse_sampled_objective(o.output);  // throws for an unknown name
      RNNKIT_CHECK(o.samples > 0, "--samples must be positive, got {}", o.samples);
      RNNKIT_CHECK(o.model.output == "softmax",
                   "a sampled objective trains a softmax output layer, not a {} one",
                   o.model.output);
    }
  }

  std::string family() const override { return "lm"; }
  std::string unit() const override { return "tok"; }
  std::string loss_display() const override { return sampled() ? "objective" : "ppl"; }
  nlohmann::ordered_json options_json() const override { return family_options(o_.to_json()); }
  std::vector<std::string> data_options() const override { return {"train", "valid", "test"}; }
  std::vector<std::string> frozen_options() const override {
    return {"output", "max_vocab", "min_count", "batch", "steps"};
  }

  void prepare(const Checkpoint* resume, RngStreams&) override {
    RNNKIT_CHECK(!o_.train_path.empty(), "no training file given (--train)");
    if (resume) {  // the run's model and vocabulary; the text is read again
      io::LoadedLanguageModel loaded = io::load_language_model(resume->path);
      models::LanguageModelConfig given = o_.model;
      check_same_model(nlohmann::json::parse(given.to_json()),
                       nlohmann::json::parse(loaded.model->config().to_json()), {"vocab_size"},
                       resume->path);
      vocab_ = loaded.vocab;
      units_ = loaded.units;
      o_.model = loaded.model->config();
      Ids train = load_ids(o_.train_path, vocab_, units_);
      train_ = std::move(train.ids);
      if (auto w = resumed_data_warning(train.unknown_rate, o_.train_path); !w.empty())
        warnings_.push_back(w);
    } else {
      const std::string text = text::read_text_file(o_.train_path);
      const text::UnitOptions u{o_.model.unit, o_.subword_vocab, o_.subword_model,
                                o_.mecab_dictionary};
      units_ = text::make_segmenter(u, u.unit == "subword" && u.subword_model.empty()
                                           ? text::split_lines(text)
                                           : std::vector<std::string>{});
      auto tokens = units_.tokenize_lines(text);
      vocab_ = text::Vocabulary::build(tokens, {o_.max_vocab, o_.min_count});
      check_vocabulary_size(vocab_.size(), o_.train_path, o_.min_count, o_.max_vocab);
      train_ = vocab_.encode(tokens);
    }
    auto load_eval = [&](const std::string& path, const char* set, double& rate) {
      if (path.empty()) return std::vector<std::int32_t>{};
      Ids e = load_ids(path, vocab_, units_);
      rate = e.unknown_rate;
      if (rate > kMaxUnknownRate)
        warnings_.push_back(fmt::format(
            "{:.1f}% of the {} text {} is outside the vocabulary: its perplexity is not comparable "
            "with in-vocabulary text",
            100 * rate, set, path));
      return std::move(e.ids);
    };
    valid_ = load_eval(o_.valid_path, "validation", valid_unknown_);
    test_ = load_eval(o_.test_path, "test", test_unknown_);
    o_.model.vocab_size = vocab_.size();
    model_ = std::make_unique<models::LanguageModel>(o_.model);
    model_->init_parameters(o_.seed);
    // The training counts: the hierarchical softmax's tree, the classes, the noise.
    std::vector<std::int64_t> counts(static_cast<std::size_t>(vocab_.size()), 0);
    for (auto id : train_) ++counts[static_cast<std::size_t>(id)];
    model_->set_word_counts(counts);
    if (sampled()) {
      noise_ = nn::NoiseSampler(counts, o_.noise_alpha);
      if (objective_ == nn::SampledObjective::kNce && !resume) {
        // NCE learns self-normalised log-probabilities: the output bias starts
        // at the log unigram probabilities (Mnih & Teh), not at log 1 for all.
        std::vector<float> logp(counts.size());
        for (std::size_t w = 0; w < counts.size(); ++w)
          logp[w] = static_cast<float>(
              std::log(static_cast<double>(std::max<std::int64_t>(counts[w], 1)) /
                       static_cast<double>(train_.size())));
        Tensor bias = model_->output_layer().bias.value();
        ops::copy_(bias, Tensor::from_vector(logp, {vocab_.size()}));
      }
    }
    batches_.emplace(train_, o_.batch, o_.steps);
    info_ = fmt::format("data: {} training tokens, {} valid, {} test; vocabulary {}", train_.size(),
                        valid_.size(), test_.size(), vocab_.size());
  }

  std::vector<std::string> warnings() const override { return warnings_; }
  nn::Module& model() override { return *model_; }
  std::string describe() const override {
    const auto& m = o_.model;
    return fmt::format("{}; {} {} hidden {} emb {}", info_,
                       m.context > 0 ? fmt::format("feed-forward over {} words,", m.context)
                                     : fmt::format("{} x{}", m.cell, m.num_layers),
                       m.tie_weights ? "tied" : "untied", m.hidden_size, m.emb_size);
  }
  std::int64_t num_batches() const override { return batches_->num_batches(); }
  void begin_epoch(int, Device device) override { hidden_ = model_->zero_state(o_.batch, device); }

  StepResult train_step(std::int64_t b, Device device, RngStreams& rng) override {
    auto [x, y] = batches_->get(b);
    auto [features, next] = model_->features(x.to(device), hidden_, rng[RngStream::kDropout]);
    // Zaremba: the per-step batch-mean NLL summed over the time steps.
    Var loss_sum = sampled()
                       ? nn::sampled_loss(objective_, features, model_->output_layer(), y,
                                          noise_.draw(o_.samples, rng[RngStream::kNoise]), noise_)
                       : model_->nll(features, y.to(device));
    hidden_ = next.detach();
    return {fn::scale(loss_sum, 1.0f / static_cast<float>(o_.batch)), loss_sum.value(), y.numel(),
            y.numel()};
  }

  io::NamedTensors carried_state() const override {
    io::NamedTensors out;
    for (std::size_t i = 0; i < hidden_.h.size(); ++i)
      out.emplace_back(fmt::format("carry.h.{}", i), hidden_.h[i].value());
    for (std::size_t i = 0; i < hidden_.c.size(); ++i)
      out.emplace_back(fmt::format("carry.c.{}", i), hidden_.c[i].value());
    return out;
  }
  void restore_carried_state(const Checkpoint& c, Device device) override {
    for (std::size_t i = 0; i < hidden_.h.size(); ++i)
      hidden_.h[i] = Var(c.file.at(fmt::format("carry.h.{}", i), c.path).to(device));
    for (std::size_t i = 0; i < hidden_.c.size(); ++i)
      hidden_.c[i] = Var(c.file.at(fmt::format("carry.c.{}", i), c.path).to(device));
  }

  bool has_validation() const override { return !valid_.empty(); }
  Evaluation evaluate_epoch(Device device) override {
    if (valid_.empty()) return {};
    auto r = eval::evaluate_perplexity(*model_, valid_, o_.eval_batch, o_.eval_steps, device);
    return {"valid", {{"ppl", r.perplexity(), false}}, true};
  }
  Metrics test(Device device) override {
    if (test_.empty()) return {};
    auto r = eval::evaluate_perplexity(*model_, test_, o_.eval_batch, o_.eval_steps, device);
    eval_tokens_per_s_ = r.tokens_per_second();
    return {{"ppl", r.perplexity(), false}};
  }
  io::Metadata model_metadata() const override {
    return io::language_model_metadata(*model_, units_, vocab_);
  }

  nlohmann::ordered_json results(const TrainResult& r) const override {
    auto number = [](double v) {
      return v > 0 && std::isfinite(v) ? nlohmann::ordered_json(v)
                                       : nlohmann::ordered_json(nullptr);
    };
    double valid = 0;
    for (const EpochRecord& h : r.history)
      if (h.epoch == r.kept_epoch)
        if (const Metric* m = find_metric(h.metrics, "ppl")) valid = m->value;
    const Metric* test = find_metric(r.test, "ppl");
    nlohmann::ordered_json j = {
        {"train_ppl",
         r.history.empty() ? nlohmann::ordered_json(nullptr) : number(std::exp(r.last.train_loss))},
        {"valid_ppl", number(valid)},
        {"test_ppl", number(test ? test->value : 0)},
        {"train_tokens_per_s", r.units_per_s},
        {"train_tokens", r.units},
        {"eval_tokens_per_s", number(eval_tokens_per_s_)},
        {"epochs", r.epochs},
        {"kept_epoch", r.kept_epoch},
        {"model", r.model_path},
        {"valid_oov_rate",
         valid_.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(valid_unknown_)},
        {"test_oov_rate",
         test_.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(test_unknown_)}};
    if (o_.model.unit == "char")
      j["test_bpc"] =
          test ? nlohmann::ordered_json(std::log2(test->value)) : nlohmann::ordered_json(nullptr);
    return j;
  }

 private:
  bool sampled() const { return o_.output != "softmax"; }

  LmTrainOptions o_;
  nn::SampledObjective objective_{};
  text::Segmenter units_;
  text::Vocabulary vocab_;
  std::vector<std::int32_t> train_, valid_, test_;
  std::unique_ptr<models::LanguageModel> model_;
  nn::NoiseSampler noise_;
  std::optional<text::BpttBatcher> batches_;
  nn::RecurrentState hidden_;
  double eval_tokens_per_s_ = 0;
  double valid_unknown_ = 0, test_unknown_ = 0;  // shares outside the vocabulary
  std::vector<std::string> warnings_;
  std::string info_;
};

}  // namespace

std::unique_ptr<Task> make_lm_task(const LmTrainOptions& opts) {
  return std::make_unique<LanguageModelTask>(opts);
}

LmTrainResult train_language_model(const LmTrainOptions& opts, const Callbacks& cb) {
  LanguageModelTask task(opts);
  TrainResult r = fit(task, opts, cb);
  LmTrainResult out;
  auto value = [&](const char* key) {
    const auto& v = r.results.contains(key) ? r.results.at(key) : nlohmann::ordered_json(nullptr);
    return v.is_number() ? v.get<double>() : 0.0;
  };
  out.train_ppl = r.history.empty() ? 0 : std::exp(r.last.train_loss);
  out.valid_ppl = value("valid_ppl");
  out.test_ppl = value("test_ppl");
  out.train_tokens_per_s = r.units_per_s;
  out.eval_tokens_per_s = value("eval_tokens_per_s");
  out.train_tokens = r.units;
  out.wall_s = r.wall_s;
  out.epochs = r.epochs;
  out.kept_epoch = r.kept_epoch;
  out.interrupted = r.interrupted;
  out.model_path = r.model_path;
  out.results = r.results;
  return out;
}

}  // namespace rnnkit::train

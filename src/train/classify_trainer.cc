#include "rnnkit/train/classify_trainer.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "core/json_util.h"
#include "rnnkit/autograd/functions.h"
#include "rnnkit/core/numbers.h"
#include "rnnkit/decode/classify.h"
#include "rnnkit/eval/classification.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/io/vectors_file.h"
#include "rnnkit/ops/ops.h"
#include "rnnkit/text/labeled.h"
#include "rnnkit/text/segmenter.h"
#include "rnnkit/train/run_directory.h"

namespace rnnkit::train {

ClassifyTrainOptions::ClassifyTrainOptions() {
  out_dir = "runs/classify";
  epochs = 10;
  optimizer.name = "adam";
  optimizer.lr = 1e-3f;
  clip = 5.0f;
  schedule = "step";
  model.emb_size = 128;
  model.hidden_size = 256;
  model.bidirectional = true;
  model.pooling = "max";
  model.dropout = 0.3f;
}

nlohmann::ordered_json ClassifyTrainOptions::to_json() const {
  nlohmann::ordered_json j = TrainerOptions::to_json();
  j.update(nlohmann::ordered_json{{"train", train},
                                  {"valid", valid},
                                  {"test", test},
                                  {"format", format},
                                  {"label_prefix", label_prefix},
                                  {"phrases", phrases},
                                  {"max_vocab", max_vocab},
                                  {"min_count", min_count},
                                  {"subword_vocab", subword_vocab},
                                  {"subword_model", subword_model},
                                  {"mecab_dictionary", mecab_dictionary},
                                  {"model", nlohmann::ordered_json::parse(model.to_json())},
                                  {"batch", batch},
                                  {"bucket", bucket},
                                  {"max_length", max_length},
                                  {"class_weights", class_weights},
                                  {"pretrained_vectors", pretrained_vectors},
                                  {"freeze_vectors", freeze_vectors},
                                  {"init_from", init_from},
                                  {"threshold", shortest_decimal(threshold)}});
  return j;
}

void ClassifyTrainOptions::update_from_json(const nlohmann::json& j) {
  TrainerOptions::update_from_json(j);
  train = j.value("train", train);
  valid = j.value("valid", valid);
  test = j.value("test", test);
  format = j.value("format", format);
  label_prefix = j.value("label_prefix", label_prefix);
  phrases = j.value("phrases", phrases);
  max_vocab = json_read(j, "max_vocab", max_vocab);
  min_count = json_read(j, "min_count", min_count);
  subword_vocab = json_read(j, "subword_vocab", subword_vocab);
  subword_model = j.value("subword_model", subword_model);
  mecab_dictionary = j.value("mecab_dictionary", mecab_dictionary);
  if (j.contains("model")) model = models::ClassifierConfig::from_json(j.at("model").dump());
  batch = json_read(j, "batch", batch);
  bucket = j.value("bucket", bucket);
  max_length = json_read(j, "max_length", max_length);
  class_weights = j.value("class_weights", class_weights);
  pretrained_vectors = j.value("pretrained_vectors", pretrained_vectors);
  freeze_vectors = j.value("freeze_vectors", freeze_vectors);
  init_from = j.value("init_from", init_from);
  threshold = json_read(j, "threshold", threshold);
}

std::vector<float> class_weights(const std::string& spec, const std::vector<std::string>& labels,
                                 const std::vector<std::int64_t>& counts) {
  std::vector<float> w(labels.size(), 1.0f);
  if (spec.empty()) return w;
  if (spec == "balanced") {
    std::int64_t total = 0;
    for (auto c : counts) total += c;
    for (std::size_t l = 0; l < labels.size(); ++l)
      w[l] = counts[l] > 0 ? static_cast<float>(static_cast<double>(total) /
                                                (static_cast<double>(labels.size()) *
                                                 static_cast<double>(counts[l])))
                           : 1.0f;
    return w;
  }
  std::size_t start = 0;
  while (start <= spec.size()) {
    std::size_t end = std::min(spec.find(',', start), spec.size());
    const std::string item = spec.substr(start, end - start);
    const std::size_t eq = item.rfind('=');
    RNNKIT_CHECK(eq != std::string::npos && eq > 0,
                 "--class-weights: '{}' is not LABEL=WEIGHT (or give 'balanced')", item);
    const std::string label = item.substr(0, eq);
    auto it = std::find(labels.begin(), labels.end(), label);
    RNNKIT_CHECK(it != labels.end(), "--class-weights: no label '{}' in the training data", label);
    float value = 0;
    try {
      std::size_t used = 0;
      value = std::stof(item.substr(eq + 1), &used);
      RNNKIT_CHECK(used == item.size() - eq - 1, "");
    } catch (const std::exception&) {
      throw InvalidArgument(
          fmt::format("--class-weights: '{}' is not a number", item.substr(eq + 1)));
    }
    RNNKIT_CHECK(std::isfinite(value) && value > 0,
                 "--class-weights: the weight of '{}' must be positive, got {}", label, value);
    w[static_cast<std::size_t>(it - labels.begin())] = value;
    start = end + 1;
  }
  return w;
}

namespace {

// Label names sorted as numbers when they all are (SST's 0-4), else as text.
std::vector<std::string> label_names(const text::LabeledText& data) {
  std::vector<std::string> names;
  for (const auto& ls : data.labels)
    for (const auto& l : ls)
      if (std::find(names.begin(), names.end(), l) == names.end()) names.push_back(l);
  auto number = [](const std::string& s, long long& v) {
    try {
      std::size_t used = 0;
      v = std::stoll(s, &used);
      return used == s.size();
    } catch (const std::exception&) {
      return false;
    }
  };
  long long a = 0, b = 0;
  const bool numeric =
      std::all_of(names.begin(), names.end(), [&](const auto& s) { return number(s, a); });
  std::sort(names.begin(), names.end(), [&](const std::string& x, const std::string& y) {
    if (numeric) {
      number(x, a);
      number(y, b);
      return a < b;
    }
    return x < y;
  });
  return names;
}

class ClassifyTask : public Task {
 public:
  explicit ClassifyTask(const ClassifyTrainOptions& o) : o_(o) {
    models::ClassifierConfig probe = o.model;  // checked before any data is read
    probe.vocab_size = std::max<std::int64_t>(probe.vocab_size, 2);
    probe.labels = std::max<std::int64_t>(probe.labels, 1);
    probe.validate();
    text::parse_unit(o.model.unit);
    RNNKIT_CHECK(
        o.max_vocab >= 0 && o.min_count >= 1 && o.subword_vocab > 0 && o.max_length >= 0,
        "negative sizes: --max-vocab {}, --min-count {}, --subword-vocab {}, --max-length {}",
        o.max_vocab, o.min_count, o.subword_vocab, o.max_length);
    RNNKIT_CHECK(o.batch > 0, "--batch must be positive, got {}", o.batch);
    RNNKIT_CHECK(o.threshold > 0 && o.threshold < 1, "--threshold {} outside (0, 1)", o.threshold);
    RNNKIT_CHECK(!o.freeze_vectors || !o.pretrained_vectors.empty(),
                 "--freeze-vectors needs --pretrained-vectors");
    RNNKIT_CHECK(
        o.pretrained_vectors.empty() || o.init_from.empty(),
        "give --pretrained-vectors or --init-from, not both (the encoder brings its embedding)");
    RNNKIT_CHECK(!o.phrases || o.format == "sst" || o.format == "sst2" || o.format == "auto",
                 "--phrases is for sentiment trees (--format sst or sst2), not {}", o.format);
  }

  std::string family() const override { return "classify"; }
  std::string unit() const override { return "sent"; }
  nlohmann::ordered_json options_json() const override { return family_options(o_.to_json()); }
  std::vector<std::string> data_options() const override { return {"train", "valid", "test"}; }
  std::vector<std::string> frozen_options() const override {
    return {"format",        "label_prefix", "max_vocab",          "min_count",
            "class_weights", "init_from",    "pretrained_vectors", "freeze_vectors"};
  }

  void prepare(const Checkpoint* resume, RngStreams&) override {
    RNNKIT_CHECK(!o_.train.empty(), "no training data given (--train)");
    RNNKIT_CHECK(!o_.test.empty() || !o_.valid.empty(),
                 "--train needs --test or --valid (the set evaluated after each epoch)");
    std::optional<io::LoadedClassifier> resumed;
    if (resume) {
      resumed = io::load_classifier(resume->path);
      check_same_model(nlohmann::json::parse(o_.model.to_json()),
                       nlohmann::json::parse(resumed->model->config().to_json()),
                       o_.init_from.empty()
                           ? std::vector<std::string>{"vocab_size", "labels", "format",
                                                      "label_prefix", "threshold"}
                           : std::vector<std::string>{"vocab_size", "labels", "format",
                                                      "label_prefix", "threshold", "unit"},
                       resume->path);
      o_.model = resumed->model->config();
    }
    text::LabeledReadOptions read{o_.format, o_.label_prefix, o_.phrases, o_.model.lowercase};
    text::LabeledText train = text::read_labeled(o_.train, read);
    RNNKIT_CHECK(!o_.phrases || train.format == "sst" || train.format == "sst2",
                 "--phrases is for sentiment trees; {} holds {} lines", o_.train, train.format);
    read.phrases = false;
    read.format = train.format;  // every set in the training data's format
    // Kept with the model, so that eval and predict read and decide as training did.
    o_.model.format = train.format;
    o_.model.label_prefix = o_.label_prefix;
    o_.model.threshold = o_.threshold;
    std::optional<io::PretrainedEncoder> encoder;
    if (!o_.init_from.empty() && !resumed) {
      encoder = io::load_encoder(o_.init_from);
      o_.model.unit = encoder->unit;
    }
    if (resumed) {
      units_ = resumed->units;
      vocab_ = resumed->vocab;
      labels_ = resumed->labels;
    } else {
      labels_ = label_names(train);
      if (encoder) {
        units_ = encoder->units;
        vocab_ = encoder->vocab;
      } else {
        units_ = text::make_segmenter(
            {o_.model.unit, o_.subword_vocab, o_.subword_model, o_.mecab_dictionary}, train.text);
      }
    }
    o_.model.labels = static_cast<std::int64_t>(labels_.size());
    RNNKIT_CHECK(o_.model.loss == "one-vs-all" || labels_.size() >= 2,
                 "{}: every example has the label '{}': nothing to tell apart", o_.train,
                 labels_[0]);
    std::vector<std::vector<std::string>> train_units;
    for (const auto& s : train.text) train_units.push_back(units_.split(s));
    std::vector<std::string> all;
    for (const auto& s : train_units) all.insert(all.end(), s.begin(), s.end());
    if (!resumed && !encoder) {
      vocab_ = text::Vocabulary::build(all, {o_.max_vocab, o_.min_count});
      check_vocabulary_size(vocab_.size(), o_.train, o_.min_count, o_.max_vocab);
    } else if (auto w = resumed_data_warning(vocab_.unknown_rate(all), o_.train); !w.empty()) {
      warnings_.push_back(w);
    }
    o_.model.vocab_size = vocab_.size();
    // Training examples: ids, label sets (over labels_), counts.
    std::vector<std::int64_t> counts(labels_.size(), 0);
    for (std::size_t i = 0; i < train.size(); ++i) {
      std::vector<std::int32_t> ids = vocab_.encode(train_units[i]);
      if (ids.empty()) ids.push_back(vocab_.unk_id());
      if (o_.max_length > 0 && static_cast<std::int64_t>(ids.size()) > o_.max_length)
        ids.resize(static_cast<std::size_t>(o_.max_length));
      train_ids_.push_back(std::move(ids));
      std::vector<int> set;
      for (const auto& l : train.labels[i]) {
        auto it = std::find(labels_.begin(), labels_.end(), l);
        RNNKIT_CHECK(it != labels_.end(),
                     "{}: the label '{}' is not one of the run's labels (a resumed run keeps them)",
                     o_.train, l);
        const int k = static_cast<int>(it - labels_.begin());
        if (std::find(set.begin(), set.end(), k) == set.end()) set.push_back(k);
        ++counts[static_cast<std::size_t>(k)];
      }
      if (set.size() > 1) multi_label_ = true;
      train_labels_.push_back(std::move(set));
    }
    weights_ = class_weights(o_.class_weights, labels_, counts);
    std::vector<std::size_t> lengths;
    for (const auto& s : train_ids_) lengths.push_back(s.size());
    plan_.emplace(lengths, o_.batch, o_.bucket);

    on_valid_ = !o_.valid.empty();
    eval_ = load_set(on_valid_ ? o_.valid : o_.test, read);
    if (!o_.test.empty()) test_ = on_valid_ ? load_set(o_.test, read) : eval_;

    model_ = std::make_unique<models::Classifier>(o_.model);
    model_->init_parameters(o_.seed);
    std::string start = "random initialisation";
    if (encoder) {
      auto names = io::copy_encoder(*encoder, *model_);
      start = fmt::format("encoder from {} ({} tensors, {})", o_.init_from, names.size(),
                          encoder->shape);
    }
    if (!o_.pretrained_vectors.empty() && !resumed) start = load_vectors_into_embedding();
    if (o_.freeze_vectors)
      for (auto& [name, v] : model_->named_parameters())
        if (name == "encoder.embedding.weight") v.set_requires_grad(false);
    info_ =
        fmt::format("data: {} training {} ({}{}), {} {}; {} labels{}; vocabulary {} {}; {}",
                    train.size(), o_.phrases ? "phrases and sentences" : "examples", train.format,
                    train.dropped > 0 ? fmt::format(", {} left out", train.dropped) : "",
                    eval_.ids.size(), on_valid_ ? "validation" : "test", labels_.size(),
                    multi_label_ ? " (several per example)" : "", vocab_.size(),
                    text::units_name(units_.unit()), start);
  }

  std::vector<std::string> warnings() const override { return warnings_; }
  nn::Module& model() override { return *model_; }
  std::string describe() const override {
    const auto& m = o_.model;
    return fmt::format("{}; {}{} emb {} hidden {} x{}, {} pooling, {} loss", info_,
                       m.bidirectional ? "bidirectional " : "", m.cell, m.emb_size, m.hidden_size,
                       m.num_layers, m.pooling, m.loss);
  }
  std::int64_t num_batches() const override { return plan_->num_batches(); }
  void begin_epoch(int epoch, Device) override {
    plan_->shuffle(o_.seed, static_cast<std::uint64_t>(epoch));
  }

  StepResult train_step(std::int64_t i, Device device, RngStreams& rng) override {
    const std::vector<std::size_t> rows = plan_->rows(i);
    text::PaddedBatch b = text::pad_batch(train_ids_, rows, vocab_.eos_id());
    Var logits =
        model_->forward(b.ids.to(device), b.lengths.to(device), rng[RngStream::kDropout]).logits;
    const std::int64_t B = static_cast<std::int64_t>(rows.size()), L = o_.model.labels;
    // Per example and label, the target's weight: softmax, the label weight
    // shared among the example's labels; one-vs-all, the positive's weight.
    std::vector<float> target(static_cast<std::size_t>(B * L), 0.0f), negative;
    double weight_sum = 0;
    for (std::int64_t r = 0; r < B; ++r) {
      const auto& set = train_labels_[rows[static_cast<std::size_t>(r)]];
      for (int l : set) {
        const float w = weights_[static_cast<std::size_t>(l)] /
                        (one_vs_all() ? 1.0f : static_cast<float>(set.size()));
        target[static_cast<std::size_t>(r * L + l)] = w;
        weight_sum += w;
      }
    }
    auto constant = [&](const std::vector<float>& v) {
      return Var(Tensor::from_vector(v, {B, L}).to(device));
    };
    Var sum;
    if (one_vs_all()) {
      // Per label softplus(z) - y z: w (softplus(z) - z) on positives, softplus(z) on negatives.
      for (float t : target) negative.push_back(t > 0 ? 0.0f : 1.0f);
      Var sp = fn::softplus(logits);
      sum = fn::sum(
          fn::add(fn::mul(fn::sub(sp, logits), constant(target)), fn::mul(sp, constant(negative))));
      weight_sum = static_cast<double>(B);
    } else {
      sum = fn::scale(fn::sum(fn::mul(fn::log_softmax(logits), constant(target))), -1.0f);
    }
    Var loss = fn::scale(sum, static_cast<float>(1.0 / std::max(weight_sum, 1e-12)));
    return {loss, sum.value(), B, B};
  }

  bool has_validation() const override { return on_valid_; }
  Evaluation evaluate_epoch(Device device) override {
    auto s = score(eval_, device);
    return {on_valid_ ? "valid" : "test", metrics(s), on_valid_};
  }
  Metrics test(Device device) override {
    if (test_.ids.empty()) return {};
    test_scores_ = score(test_, device);
    return metrics(*test_scores_);
  }
  io::Metadata model_metadata() const override {
    return io::classifier_metadata(*model_, units_, vocab_, labels_);
  }
  void write_artifacts(const RunDirectory& run, Device) override {
    if (test_scores_ && !test_scores_->confusion.empty())
      run.write("confusion.svg", eval::confusion_svg(*test_scores_, "Test set"));
  }
  nlohmann::ordered_json results(const TrainResult& r) const override {
    nlohmann::ordered_json j = {
        {"test_accuracy", test_scores_ ? nlohmann::ordered_json(test_scores_->accuracy) : nullptr},
        {"macro_f1", test_scores_ ? nlohmann::ordered_json(test_scores_->macro_f1) : nullptr},
        {"epochs", r.epochs},
        {"kept_epoch", r.kept_epoch},
        {"sentences_per_s", r.units_per_s},
        {"model", r.model_path}};
    if (test_scores_) j["test"] = eval::to_json(*test_scores_);
    return j;
  }

 private:
  struct Set {
    std::vector<std::vector<std::int32_t>> ids;
    std::vector<std::vector<int>> labels;  // a label unknown to the model is -1 (never predicted)
  };

  bool one_vs_all() const { return o_.model.loss == "one-vs-all"; }

  Set load_set(const std::string& path, const text::LabeledReadOptions& read) {
    text::LabeledText t = text::read_labeled(path, read);
    Set s;
    std::int64_t unknown = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
      s.ids.push_back(decode::classifier_ids(o_.model, units_, vocab_, t.text[i]));
      if (o_.max_length > 0 && static_cast<std::int64_t>(s.ids.back().size()) > o_.max_length)
        s.ids.back().resize(static_cast<std::size_t>(o_.max_length));
      std::vector<int> set;
      for (const auto& l : t.labels[i]) {
        auto it = std::find(labels_.begin(), labels_.end(), l);
        if (it == labels_.end()) ++unknown;
        set.push_back(it == labels_.end() ? -1 : static_cast<int>(it - labels_.begin()));
      }
      s.labels.push_back(std::move(set));
    }
    if (unknown > 0)
      warnings_.push_back(fmt::format("{}: {} label{} not seen in training (counted as errors)",
                                      path, unknown, unknown == 1 ? "" : "s"));
    return s;
  }

  eval::ClassificationScores score(const Set& s, Device device) const {
    auto probs = decode::classify(*model_, s.ids, {}, device);
    const std::size_t L = labels_.size();
    std::vector<std::string> names = labels_;
    const bool unknown = std::any_of(s.labels.begin(), s.labels.end(), [](const auto& set) {
      return std::find(set.begin(), set.end(), -1) != set.end();
    });
    if (unknown) names.push_back("(unseen)");
    auto known = [&](int l) { return l < 0 ? static_cast<int>(L) : l; };
    if (one_vs_all() || multi_label_) {
      std::vector<std::vector<int>> truth, predicted;
      std::vector<int> top;
      for (std::size_t i = 0; i < probs.size(); ++i) {
        std::vector<int> t;
        for (int l : s.labels[i]) t.push_back(known(l));
        truth.push_back(t);
        predicted.push_back(decode::predicted_labels(probs[i], one_vs_all(), o_.threshold));
        top.push_back(decode::top_labels(probs[i], 1)[0]);
      }
      return eval::score_label_sets(truth, predicted, top, names);
    }
    std::vector<int> truth, predicted;
    for (std::size_t i = 0; i < probs.size(); ++i) {
      truth.push_back(known(s.labels[i][0]));
      predicted.push_back(decode::top_labels(probs[i], 1)[0]);
    }
    return eval::score_labels(truth, predicted, names);
  }

  static Metrics metrics(const eval::ClassificationScores& s) {
    return {{"accuracy", s.accuracy, true}, {"macro_f1", s.macro_f1, true}};
  }

  // The pre-trained vectors' rows for the vocabulary's words; the rest keep
  // their random initialisation. Returns what happened, for the log.
  std::string load_vectors_into_embedding() {
    const models::WordVectors v = io::load_vectors(o_.pretrained_vectors);
    RNNKIT_CHECK(v.dim() == o_.model.emb_size,
                 "{}: the vectors have {} dimensions, the embedding {} (give --emb {})",
                 o_.pretrained_vectors, v.dim(), o_.model.emb_size, v.dim());
    std::unordered_map<std::string, std::size_t> row;
    for (std::size_t i = 0; i < v.words.size(); ++i) row.emplace(v.words[i], i);
    Var weight;
    for (auto& [name, p] : model_->named_parameters())
      if (name == "encoder.embedding.weight") weight = p;
    Tensor& w = weight.value();
    const std::int64_t D = v.dim();
    float* dst = w.data();
    const float* src = v.vectors.data();
    std::int64_t found = 0;
    for (std::int64_t id = 0; id < vocab_.size(); ++id) {
      auto it = row.find(vocab_.word(static_cast<std::int32_t>(id)));
      if (it == row.end()) continue;
      std::copy(src + static_cast<std::int64_t>(it->second) * D,
                src + static_cast<std::int64_t>(it->second + 1) * D, dst + id * D);
      ++found;
    }
    return fmt::format("{} of {} words from {}{}", found, vocab_.size() - 2, o_.pretrained_vectors,
                       o_.freeze_vectors ? " (frozen)" : "");
  }

  ClassifyTrainOptions o_;
  text::Segmenter units_;
  text::Vocabulary vocab_;
  std::vector<std::string> labels_;
  std::vector<float> weights_;
  std::vector<std::vector<std::int32_t>> train_ids_;
  std::vector<std::vector<int>> train_labels_;
  bool multi_label_ = false;
  std::optional<text::BatchPlan> plan_;
  Set eval_, test_;
  bool on_valid_ = false;
  std::optional<eval::ClassificationScores> test_scores_;
  std::unique_ptr<models::Classifier> model_;
  std::vector<std::string> warnings_;
  std::string info_;
};

}  // namespace

std::unique_ptr<Task> make_classify_task(const ClassifyTrainOptions& opts) {
  return std::make_unique<ClassifyTask>(opts);
}

}  // namespace rnnkit::train

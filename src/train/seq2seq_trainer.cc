#include "rnnkit/train/seq2seq_trainer.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <optional>

#include "core/json_util.h"
#include "rnnkit/autograd/functions.h"
#include "rnnkit/core/numbers.h"
#include "rnnkit/decode/translate.h"
#include "rnnkit/eval/plot.h"
#include "rnnkit/eval/sequence_scores.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/ops/ops.h"
#include "rnnkit/text/parallel.h"
#include "rnnkit/text/segmenter.h"
#include "rnnkit/text/stream.h"
#include "rnnkit/train/run_directory.h"

namespace rnnkit::train {

Seq2SeqTrainOptions::Seq2SeqTrainOptions() {
  out_dir = "runs/seq2seq";
  epochs = 25;
  schedule = "step";
  lr_decay = 1.0f;
  decay_after = 0;
}

Seq2SeqTrainOptions seq2seq_preset(const std::string& name) {
  Seq2SeqTrainOptions o;
  o.preset = name;
  o.optimizer.name = "adam";
  o.optimizer.lr = 1e-3f;
  o.clip = 5.0f;
  o.batch = 128;
  o.model.cell = "lstm";
  o.model.unit = "char";
  o.model.emb_size = 16;
  if (name == "addition-baseline" || name == "addition-reverse" || name == "addition-peeky") {
    o.model.hidden_size = 128;
    o.epochs = 25;
    o.model.reverse_source = name != "addition-baseline";
    o.model.peeky = name == "addition-peeky";
    // Past epoch 16 the rate decays (x0.7 per epoch): at a constant 1e-3 Adam
    // keeps jumping between ~99% and ~90% on this task (the book's own run too).
    o.lr_decay = 0.7f;
    o.decay_after = 16;
  } else if (name == "date-attention") {
    o.model.hidden_size = 256;
    o.epochs = 10;
    o.model.reverse_source = true;
    o.model.attention = "dot";
  } else if (name == "enja") {
    o.model.unit = "word";
    o.model.emb_size = 256;
    o.model.hidden_size = 256;
    o.model.num_layers = 2;
    o.model.attention = "general";
    o.model.bidirectional = true;
    o.model.dropout = 0.3f;
    o.batch = 64;
    // Test BLEU 33.4 (beam 5) on the CPU in 73 minutes (bench/RESULTS.md).
    o.epochs = 26;
    o.lr_decay = 0.8f;
    o.decay_after = 13;
    o.beam = 5;
    o.eval_limit = 200;
    o.bucket = true;
  } else if (name == "autoencoder") {  // a sentence autoencoder (the LSTM talk's experiment)
    o.autoencode = true;
    o.model.unit = "word";
    o.model.emb_size = 128;
    o.model.hidden_size = 256;
    o.batch = 64;
    o.bucket = true;
    o.epochs = 10;
    o.eval_limit = 500;
  } else {
    throw InvalidArgument(fmt::format(
        "unknown preset '{}' (expected addition-baseline, addition-reverse, addition-peeky, "
        "date-attention, enja or autoencoder)",
        name));
  }
  return o;
}

nlohmann::ordered_json Seq2SeqTrainOptions::to_json() const {
  nlohmann::ordered_json j = TrainerOptions::to_json();
  j.update(nlohmann::ordered_json{{"data", data},
                                  {"train", train},
                                  {"valid", valid},
                                  {"test", test},
                                  {"format", format},
                                  {"autoencode", autoencode},
                                  {"book_split", book_split},
                                  {"test_fraction", test_fraction},
                                  {"max_vocab", max_vocab},
                                  {"max_target_vocab", max_target_vocab},
                                  {"min_count", min_count},
                                  {"subword_vocab", subword_vocab},
                                  {"subword_models", subword_models},
                                  {"mecab_dictionary", mecab_dictionary},
                                  {"model", nlohmann::ordered_json::parse(model.to_json())},
                                  {"batch", batch},
                                  {"bucket", bucket},
                                  {"beam", beam},
                                  {"length_penalty", shortest_decimal(length_penalty)},
                                  {"max_length", max_length},
                                  {"eval_limit", eval_limit}});
  return j;
}

void Seq2SeqTrainOptions::update_from_json(const nlohmann::json& j) {
  TrainerOptions::update_from_json(j);
  data = j.value("data", data);
  train = j.value("train", train);
  valid = j.value("valid", valid);
  test = j.value("test", test);
  format = j.value("format", format);
  autoencode = j.value("autoencode", autoencode);
  book_split = j.value("book_split", book_split);
  test_fraction = json_read(j, "test_fraction", test_fraction);
  max_vocab = json_read(j, "max_vocab", max_vocab);
  max_target_vocab = json_read(j, "max_target_vocab", max_target_vocab);
  min_count = json_read(j, "min_count", min_count);
  subword_vocab = json_read(j, "subword_vocab", subword_vocab);
  subword_models = j.value("subword_models", subword_models);
  mecab_dictionary = j.value("mecab_dictionary", mecab_dictionary);
  if (j.contains("model")) model = models::Seq2SeqConfig::from_json(j.at("model").dump());
  batch = json_read(j, "batch", batch);
  bucket = j.value("bucket", bucket);
  beam = json_read(j, "beam", beam);
  length_penalty = json_read(j, "length_penalty", length_penalty);
  max_length = json_read(j, "max_length", max_length);
  eval_limit = json_read(j, "eval_limit", eval_limit);
}

namespace {

text::ParallelText load(const std::string& spec, const std::string& format, bool autoencode) {
  if (autoencode) {  // each sentence is its own target
    text::ParallelText t;
    text::read_lines(spec, [&](const std::string& line) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) return;
      t.source.push_back(line);
      t.target.push_back(line);
    });
    return t;
  }
  auto comma = spec.find(',');
  if (comma != std::string::npos) return text::read_parallel_files(spec.substr(0, comma), spec.substr(comma + 1));
  return text::read_parallel(spec, format);
}

std::vector<std::vector<std::string>> units_of(const std::vector<std::string>& sentences, const text::Segmenter& u) {
  std::vector<std::vector<std::string>> out;
  out.reserve(sentences.size());
  for (const auto& s : sentences) out.push_back(u.split(s));
  return out;
}

std::vector<std::vector<std::string>> scoring_units_of(const std::vector<std::string>& sentences,
                                                       const text::Segmenter& u) {
  std::vector<std::vector<std::string>> out;
  out.reserve(sentences.size());
  for (const auto& s : sentences) out.push_back(u.scoring_units(s));
  return out;
}

// Each side's segmentation; subword models are loaded or trained here.
std::pair<text::Segmenter, text::Segmenter> segmenters(const Seq2SeqTrainOptions& o, const text::ParallelText& train) {
  std::string source_model, target_model;
  if (!o.subword_models.empty()) {
    RNNKIT_CHECK(o.model.unit == "subword", "--subword-models is for --unit subword, not {}",
                 o.model.unit);
    auto comma = o.subword_models.find(',');
    RNNKIT_CHECK(comma != std::string::npos, "--subword-models wants SRC.model,TGT.model, got '{}'", o.subword_models);
    source_model = o.subword_models.substr(0, comma);
    target_model = o.subword_models.substr(comma + 1);
  }
  auto side = [&](const std::vector<std::string>& lines, const std::string& model) {
    return text::make_segmenter({o.model.unit, o.subword_vocab, model, o.mecab_dictionary}, lines);
  };
  if (o.autoencode) {  // one text, one segmenter
    text::Segmenter units = side(train.source, source_model);
    return {units, units};
  }
  return {side(train.source, source_model), side(train.target, target_model)};
}

text::Vocabulary build_vocab(const std::vector<std::vector<std::string>>& sentences,
                             std::int64_t max_vocab, std::int64_t min_count) {
  std::vector<std::string> all;
  for (const auto& s : sentences) all.insert(all.end(), s.begin(), s.end());
  return text::Vocabulary::build(all, {max_vocab, min_count});
}

std::vector<std::vector<std::int32_t>> encode_all(const std::vector<std::vector<std::string>>& s,
                                                  const text::Vocabulary& v) {
  std::vector<std::vector<std::int32_t>> out;
  out.reserve(s.size());
  for (const auto& x : s) out.push_back(v.encode(x));
  return out;
}

class Seq2SeqTask : public Task {
 public:
  explicit Seq2SeqTask(const Seq2SeqTrainOptions& o) : o_(o) {
    models::Seq2SeqConfig probe = o.model;  // checked before any data is read
    probe.source_vocab = std::max<std::int64_t>(probe.source_vocab, 2);
    probe.target_vocab = std::max<std::int64_t>(probe.target_vocab, 2);
    probe.validate();
    text::parse_unit(o.model.unit);
    RNNKIT_CHECK(o.format == "tsv" || o.format == "book",
                 "unknown --format '{}' (expected tsv or book)", o.format);
    RNNKIT_CHECK(o.test_fraction > 0 && o.test_fraction < 1, "--test-fraction {} outside (0, 1)",
                 o.test_fraction);
    RNNKIT_CHECK(
        o.max_vocab >= 0 && o.max_target_vocab >= 0 && o.min_count >= 1 && o.subword_vocab > 0 &&
            o.max_length >= 0 && o.eval_limit >= 0 && o.length_penalty >= 0,
        "negative sizes: --max-vocab {}, --max-target-vocab {}, --min-count {}, --subword-vocab "
        "{}, --max-length {}, --eval-limit {}, --length-penalty {}",
        o.max_vocab, o.max_target_vocab, o.min_count, o.subword_vocab, o.max_length, o.eval_limit,
        o.length_penalty);
    RNNKIT_CHECK(o.batch > 0, "--batch must be positive, got {}", o.batch);
    RNNKIT_CHECK(o.beam >= 1, "beam width must be at least 1, got {}", o.beam);
  }

  std::string family() const override { return o_.autoencode ? "autoencode" : "seq2seq"; }
  std::string unit() const override { return "sent"; }
  nlohmann::ordered_json options_json() const override { return family_options(o_.to_json()); }
  std::vector<std::string> data_options() const override {
    return {"data", "train", "valid", "test"};
  }

  void prepare(const Checkpoint* resume, RngStreams&) override {
    RNNKIT_CHECK(!o_.data.empty() || !o_.train.empty(),
                 "no data given (--data, or --train and --test)");
    RNNKIT_CHECK(o_.data.empty() || o_.train.empty(), "give either --data or --train, not both");
    // On resume the run's model, segmentation and vocabularies; the data is read again.
    std::optional<io::LoadedSeq2Seq> resumed;
    if (resume) {
      resumed = io::load_seq2seq(resume->path);
      check_same_model(nlohmann::json::parse(o_.model.to_json()),
                       nlohmann::json::parse(resumed->model->config().to_json()),
                       {"source_vocab", "target_vocab"}, resume->path);
      o_.model = resumed->model->config();
    }
    text::ParallelText train_text;
    if (!o_.data.empty()) {
      text::ParallelText all = load(o_.data, o_.format, o_.autoencode);
      std::vector<std::size_t> perm;
      std::size_t n_test;
      if (o_.book_split) {
        perm = text::numpy_permutation(all.size(), 1984);
        n_test = all.size() / 10;
      } else {
        perm.resize(all.size());
        std::iota(perm.begin(), perm.end(), 0);
        PhiloxStream g(o_.seed, stream_id(RngStream::kDataSplit));
        for (std::size_t i = perm.size(); i > 1; --i)
          std::swap(perm[i - 1], perm[g.below(static_cast<std::uint32_t>(i))]);
        n_test = static_cast<std::size_t>(
            std::llround(o_.test_fraction * static_cast<double>(all.size())));
      }
      RNNKIT_CHECK(n_test > 0 && n_test < all.size(),
                   "{}: {} pairs cannot be split into train and test", o_.data, all.size());
      std::size_t split = all.size() - n_test;
      train_text =
          text::select(all, {perm.begin(), perm.begin() + static_cast<std::ptrdiff_t>(split)});
      test_text_ =
          text::select(all, {perm.begin() + static_cast<std::ptrdiff_t>(split), perm.end()});
    } else {
      RNNKIT_CHECK(!o_.test.empty(), "--train needs --test (the set evaluated after each epoch)");
      train_text = load(o_.train, o_.format, o_.autoencode);
      test_text_ = load(o_.test, o_.format, o_.autoencode);
    }
    const bool on_valid = !o_.valid.empty();
    text::ParallelText eval_text = on_valid ? load(o_.valid, o_.format, o_.autoencode) : test_text_;
    if (resumed) {
      src_units_ = resumed->source_units;
      tgt_units_ = resumed->target_units;
    } else {
      std::tie(src_units_, tgt_units_) = segmenters(o_, train_text);
    }
    auto train_src = units_of(train_text.source, src_units_),
         train_tgt = units_of(train_text.target, tgt_units_);
    if (o_.model.reverse_target)  // decoded outputs are turned back (decode::translate)
      for (auto& t : train_tgt) std::reverse(t.begin(), t.end());
    test_src_ = units_of(test_text_.source, src_units_);
    test_refs_ = scoring_units_of(test_text_.target, tgt_units_);
    const std::string train_name = o_.train.empty() ? o_.data : o_.train;
    if (resumed) {
      src_vocab_ = resumed->source_vocab;
      tgt_vocab_ = resumed->target_vocab;
      std::vector<std::string> all;
      for (const auto& s : train_src) all.insert(all.end(), s.begin(), s.end());
      if (auto w = resumed_data_warning(src_vocab_.unknown_rate(all), train_name + " (source)");
          !w.empty())
        warnings_.push_back(w);
    } else {
      const std::int64_t tgt_max = o_.max_target_vocab > 0 ? o_.max_target_vocab : o_.max_vocab;
      src_vocab_ = build_vocab(train_src, o_.max_vocab, o_.min_count);
      tgt_vocab_ = build_vocab(train_tgt, tgt_max, o_.min_count);
      check_vocabulary_size(src_vocab_.size(), train_name + " (source)", o_.min_count,
                            o_.max_vocab);
      check_vocabulary_size(tgt_vocab_.size(), train_name + " (target)", o_.min_count, tgt_max,
                            o_.max_target_vocab > 0 ? "--max-target-vocab" : "--max-vocab");
    }
    o_.model.source_vocab = src_vocab_.size();
    o_.model.target_vocab = tgt_vocab_.size();
    std::size_t longest = 0;
    for (const auto& t : train_tgt) longest = std::max(longest, t.size());
    if (o_.max_length <= 0) o_.max_length = static_cast<std::int64_t>(2 * longest + 10);
    const std::string units = text::units_name(text::parse_unit(o_.model.unit));
    const std::string valid = on_valid ? fmt::format("{} validation, ", eval_text.size()) : "";
    info_ = o_.autoencode
                ? fmt::format("data: {} training sentences, {}{} test; vocabulary {} {}{}",
                              train_text.size(), valid, test_text_.size(), src_vocab_.size(), units,
                              tgt_vocab_.size() == src_vocab_.size()
                                  ? ""
                                  : fmt::format(" ({} predicted)", tgt_vocab_.size()))
                : fmt::format(
                      "data: {} training pairs, {}{} test; vocabularies {} (source) and {} "
                      "(target) {}",
                      train_text.size(), valid, test_text_.size(), src_vocab_.size(),
                      tgt_vocab_.size(), units);
    model_ = std::make_unique<models::Seq2Seq>(o_.model);
    model_->init_parameters(o_.seed);
    batches_.emplace(encode_all(train_src, src_vocab_), encode_all(train_tgt, tgt_vocab_), o_.batch,
                     o_.model.reverse_source, tgt_vocab_.eos_id(), o_.bucket);
    const std::size_t n_eval =
        o_.eval_limit > 0
            ? std::min<std::size_t>(eval_text.size(), static_cast<std::size_t>(o_.eval_limit))
            : eval_text.size();
    eval_sources_.assign(eval_text.source.begin(),
                         eval_text.source.begin() + static_cast<std::ptrdiff_t>(n_eval));
    eval_refs_ = scoring_units_of(
        {eval_text.target.begin(), eval_text.target.begin() + static_cast<std::ptrdiff_t>(n_eval)},
        tgt_units_);
    on_valid_ = on_valid;
  }

  nn::Module& model() override { return *model_; }
  std::string describe() const override {
    const auto& m = o_.model;
    return fmt::format("{}; {} {}{}{}, emb {} hidden {} x{}", info_, m.cell,
                       std::string(m.reverse_source ? "reversed input, " : "") +
                           (m.reverse_target ? "reversed output, " : ""),
                       m.peeky ? "peeky, " : "",
                       m.attention != "none" ? m.attention + " attention" : "no attention",
                       m.emb_size, m.hidden_size, m.num_layers);
  }
  std::int64_t num_batches() const override { return batches_->num_batches(); }
  void begin_epoch(int epoch, Device) override {
    batches_->shuffle(o_.seed, static_cast<std::uint64_t>(epoch));
  }

  StepResult train_step(std::int64_t i, Device device, RngStreams& rng) override {
    text::Seq2SeqBatch b = batches_->get(i);
    Generator& dropout = rng[RngStream::kDropout];
    auto enc = model_->encode(b.source.to(device), b.source_length.to(device), dropout);
    auto dec = model_->decode(enc, b.target_in.to(device), model_->start(enc), dropout);
    // Summed, then scaled by the count of real targets known here: no device read.
    Var sum =
        fn::cross_entropy(dec.logits, b.target_out.to(device),
                          {.ignore_index = text::kIgnoreIndex, .reduction = fn::Reduction::kSum});
    Var loss =
        fn::scale(sum, 1.0f / static_cast<float>(std::max<std::int64_t>(b.target_tokens, 1)));
    return {loss, sum.value(), b.target_tokens, static_cast<std::int64_t>(b.rows.size())};
  }

  std::vector<std::string> warnings() const override { return warnings_; }
  bool has_validation() const override { return on_valid_; }
  Evaluation evaluate_epoch(Device device) override {
    auto s = evaluate(1, eval_sources_, eval_refs_, device);
    return {on_valid_ ? "valid" : "test", metrics(s), on_valid_};
  }
  Metrics test(Device device) override {
    return metrics(evaluate(o_.beam, test_text_.source, test_refs_, device));
  }
  io::Metadata model_metadata() const override {
    return io::seq2seq_metadata(*model_, src_units_, tgt_units_, src_vocab_, tgt_vocab_);
  }

  void write_artifacts(const RunDirectory& run, Device device) override {
    if (o_.model.attention == "none") return;
    decode::TranslateOptions t;
    t.max_length = o_.max_length;
    t.attention = true;
    const std::size_t n = std::min<std::size_t>(8, test_text_.size());
    std::vector<std::string> srcs(test_text_.source.begin(),
                                  test_text_.source.begin() + static_cast<std::ptrdiff_t>(n));
    auto outs = decode::translate(*model_, src_units_, src_vocab_, tgt_vocab_, srcs, t, device);
    std::vector<eval::AttentionExample> ex;
    for (std::size_t i = 0; i < n; ++i) {
      auto target = outs[i][0].units;
      target.push_back(text::kEos);
      ex.push_back({fmt::format("{} -> {}", srcs[i], tgt_units_.join(outs[i][0].units)),
                    test_src_[i], target, outs[i][0].attention, test_text_.target[i]});
    }
    run.write("attention.html", eval::attention_html(ex, "Attention, test examples"));
    run.write("attention.svg", eval::attention_svg(ex[0]));
  }

  nlohmann::ordered_json results(const TrainResult& r) const override {
    auto figure = [&](const char* name) {
      const Metric* m = find_metric(r.test, name);
      return m ? nlohmann::ordered_json(m->value) : nlohmann::ordered_json(nullptr);
    };
    return {{"test_accuracy", figure("accuracy")},
            {"token_accuracy", figure("token_accuracy")},
            {"bleu", figure("bleu")},
            {"beam", o_.beam},
            {"epochs", r.epochs},
            {"kept_epoch", r.kept_epoch},
            {"sentences_per_s", r.units_per_s},
            {"model", r.model_path}};
  }

 private:
  eval::SequenceScores evaluate(std::int64_t beam, const std::vector<std::string>& sources,
                                const std::vector<std::vector<std::string>>& refs, Device device) {
    decode::TranslateOptions t;
    t.beam = beam;
    t.max_length = o_.max_length;
    t.length_penalty = o_.length_penalty;
    auto outs = decode::translate(*model_, src_units_, src_vocab_, tgt_vocab_, sources, t, device);
    std::vector<std::vector<std::string>> hyp;
    for (auto& x : outs) hyp.push_back(tgt_units_.scoring_units(tgt_units_.join(x[0].units)));
    return eval::score_outputs(hyp, refs);
  }
  static Metrics metrics(const eval::SequenceScores& s) {
    return {{"bleu", s.bleu.bleu, true},
            {"accuracy", s.accuracy, true},
            {"token_accuracy", s.token_accuracy, true}};
  }

  Seq2SeqTrainOptions o_;
  text::ParallelText test_text_;
  std::vector<std::vector<std::string>> test_src_, test_refs_, eval_refs_;
  std::vector<std::string> eval_sources_;
  text::Segmenter src_units_, tgt_units_;
  text::Vocabulary src_vocab_, tgt_vocab_;
  std::vector<std::string> warnings_;
  std::unique_ptr<models::Seq2Seq> model_;
  std::optional<text::Seq2SeqBatcher> batches_;
  bool on_valid_ = false;
  std::string info_;
};

}  // namespace

std::unique_ptr<Task> make_seq2seq_task(const Seq2SeqTrainOptions& opts) {
  return std::make_unique<Seq2SeqTask>(opts);
}

Seq2SeqTrainResult train_seq2seq(const Seq2SeqTrainOptions& opts, const Callbacks& cb) {
  Seq2SeqTask task(opts);
  TrainResult r = fit(task, opts, cb);
  Seq2SeqTrainResult out;
  for (const EpochRecord& h : r.history) {
    Seq2SeqEpochReport e;
    e.epoch = h.epoch;
    e.train_loss = h.train_loss;
    e.eval_set = h.eval_set;
    e.accuracy = metric_value(h.metrics, "accuracy");
    e.token_accuracy = metric_value(h.metrics, "token_accuracy");
    e.bleu = metric_value(h.metrics, "bleu");
    e.lr = h.lr;
    e.seconds = h.seconds;
    e.sentences_per_s = h.units_per_s;
    out.history.push_back(e);
  }
  out.test_accuracy = metric_value(r.test, "accuracy");
  out.token_accuracy = metric_value(r.test, "token_accuracy");
  out.bleu = metric_value(r.test, "bleu");
  out.kept_epoch = r.kept_epoch;
  out.sentences_per_s = r.units_per_s;
  out.wall_s = r.wall_s;
  out.interrupted = r.interrupted;
  out.model_path = r.model_path;
  out.results = r.results;
  return out;
}

}  // namespace rnnkit::train

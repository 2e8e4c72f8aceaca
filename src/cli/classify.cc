// rnnkit classify train | eval | predict.
#include "rnnkit/decode/classify.h"

#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "cli/train_command.h"
#include "rnnkit/eval/classification.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/text/labeled.h"
#include "rnnkit/text/stream.h"
#include "rnnkit/train/classify_trainer.h"

namespace rnnkit::cli {

namespace {

ModelForUse<io::LoadedClassifier> load_classifier_for_use(const std::string& path,
                                                          const std::string& device) {
  return load_for_use(&io::load_classifier, path, device);
}

constexpr std::int64_t kMaxLength = 1000;  // units per sentence at inference

void add_max_length_flag(CLI::App* cmd, std::int64_t& max) {
  cmd->add_option("--max-length", max, "cut longer sentences to this many units (0: no limit)")
      ->capture_default_str();
}

const char* kFormats =
    "auto | fasttext (__label__X text) | tsv (label<TAB>text) | first-word "
    "(label text) | sst (sentiment trees, labels 0-4) | sst2 (trees, "
    "0-1 negative, 3-4 positive, 2 left out)";

std::string pct(double x) {
  return fmt::format("{:.2f}%", 100 * x);
}

// The figures as a table: per label, then the confusion matrix.
std::string report(const eval::ClassificationScores& s) {
  std::string out = fmt::format("{:<16} {:>9} {:>9} {:>9} {:>8}\n", "label", "precision", "recall",
                                "F1", "support");
  for (const auto& l : s.labels)
    out += fmt::format("{:<16} {:>9} {:>9} {:>9} {:>8}\n", l.label, pct(l.precision), pct(l.recall),
                       pct(l.f1), l.support);
  if (s.confusion.empty()) return out;
  out += "confusion (rows: true label, columns: predicted):\n" + fmt::format("{:<16}", "");
  for (const auto& l : s.labels) out += fmt::format(" {:>9.9}", l.label);
  out += "\n";
  for (std::size_t i = 0; i < s.confusion.size(); ++i) {
    out += fmt::format("{:<16.16}", s.labels[i].label);
    for (auto c : s.confusion[i]) out += fmt::format(" {:>9}", c);
    out += "\n";
  }
  return out;
}

}  // namespace

void add_classify_train(CLI::App& classify) {
  auto* cmd = classify.add_subcommand("train", "train a sentence classifier");
  struct Flags : TrainFlags {
    std::string train, valid, test, format = "auto", label_prefix, cell, unit, pooling, loss,
                                    subword_model, mecab_dict, class_weights, vectors, init_from;
    bool phrases = false, bidirectional = false, unidirectional = false, freeze = false,
         lowercase = false, no_bucket = false;
    int subword_vocab = 8000;
    std::int64_t emb = 0, hidden = 0, layers = 0, batch = 0, max_vocab = 0, min_count = 1,
                 max_length = 0;
    float dropout = -1, init = -1, threshold = 0.5f;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--train", f->train,
                  "labelled training examples (a file, .gz, or - for standard input)");
  cmd->add_option("--valid", f->valid,
                  "validation examples: evaluated after every epoch instead of the test set; the "
                  "epoch of the best validation accuracy is the model saved");
  cmd->add_option("--test", f->test,
                  "test examples: evaluated at the end (and after every epoch without --valid)");
  cmd->add_option("--format", f->format, kFormats)->capture_default_str();
  cmd->add_option("--label-prefix", f->label_prefix,
                  "fasttext format: the labels' prefix (default __label__)");
  cmd->add_flag("--phrases", f->phrases,
                "sentiment trees: train on every labelled phrase of --train, each distinct text "
                "once (validation and test stay whole sentences)");
  cmd->add_flag("--lowercase", f->lowercase, "lower-case ASCII letters (kept with the model)");
  cmd->add_option("--unit", f->unit,
                  "word | char | subword (SentencePiece) | mecab (Japanese words, MeCab)");
  cmd->add_option("--subword-vocab", f->subword_vocab,
                  "subword: pieces of the model trained on --train")
      ->capture_default_str();
  cmd->add_option("--subword-model", f->subword_model,
                  "subword: a SentencePiece .model file to use instead");
  add_mecab_dict_flag(cmd, f->mecab_dict);
  cmd->add_option("--cell", f->cell, "lstm (default) | gru | rnn");
  cmd->add_option("--emb", f->emb, "embedding size (default 128)");
  cmd->add_option("--hidden", f->hidden, "hidden units, both directions together (default 256)");
  cmd->add_option("--layers", f->layers, "recurrent layers (default 1)");
  cmd->add_flag("--bidirectional", f->bidirectional, "read each sentence both ways (the default)");
  cmd->add_flag("--unidirectional", f->unidirectional, "read each sentence left to right only");
  cmd->add_option("--pooling", f->pooling,
                  "last (final states) | mean | max (the default) | attention (learned weights)");
  cmd->add_option(
      "--loss", f->loss,
      "softmax (one label; several share the target) | one-vs-all (a sigmoid per label)");
  cmd->add_option("--threshold", f->threshold,
                  "one-vs-all: labels above this probability are predicted")
      ->capture_default_str();
  cmd->add_option("--class-weights", f->class_weights,
                  "balanced (N / (labels x count)) | LABEL=W,LABEL=W");
  cmd->add_option("--dropout", f->dropout,
                  "dropout on embeddings, between layers and on the pooled vector (default 0.3)");
  cmd->add_option("--init", f->init, "uniform initialisation range (0: +-1/sqrt(fan-in))");
  cmd->add_option("--pretrained-vectors", f->vectors,
                  "word vectors for the embedding: word2vec text or .bin, or rnnkit .safetensors "
                  "(their dimension must equal --emb)");
  cmd->add_flag("--freeze-vectors", f->freeze, "keep the pre-trained vectors fixed");
  cmd->add_option("--init-from", f->init_from,
                  "start from the encoder (embedding and recurrent layers) and vocabulary of an "
                  "rnnkit language model, autoencoder or classifier (Dai & Le 2015)");
  cmd->add_option("--batch", f->batch, "sentences per batch (default 32)");
  cmd->add_flag("--no-bucket", f->no_bucket,
                "batches of random sentences instead of similar lengths");
  cmd->add_option("--max-length", f->max_length, "units kept per sentence (0: all)");
  cmd->add_option("--max-vocab", f->max_vocab, "vocabulary size limit (0: none)");
  cmd->add_option("--min-count", f->min_count, "rarer units become <unk>");
  add_train_flags(cmd, *f, "runs/classify", "validation accuracy");
  cmd->callback([f, cmd]() {
    train::ClassifyTrainOptions o;
    const nlohmann::json saved = resume_config(*cmd, *f, "classify");
    apply_saved(o, saved, *f);
    apply_train_flags(*cmd, *f, saved, o);
    auto given = [&](const char* name) { return cmd->count(name) > 0; };
    RNNKIT_CHECK(!(f->bidirectional && f->unidirectional),
                 "give --bidirectional or --unidirectional, not both");
    if (given("--train")) o.train = data_path(f->train);
    if (given("--valid")) o.valid = data_path(f->valid);
    if (given("--test")) o.test = data_path(f->test);
    if (given("--format")) o.format = f->format;
    if (given("--label-prefix")) o.label_prefix = f->label_prefix;
    if (f->phrases) o.phrases = true;
    if (f->lowercase) o.model.lowercase = true;
    if (given("--unit")) o.model.unit = f->unit;
    if (given("--subword-vocab")) o.subword_vocab = f->subword_vocab;
    if (given("--subword-model")) o.subword_model = data_path(f->subword_model);
    if (given("--mecab-dict")) o.mecab_dictionary = f->mecab_dict;
    if (given("--cell")) o.model.cell = f->cell;
    if (given("--emb")) o.model.emb_size = f->emb;
    if (given("--hidden")) o.model.hidden_size = f->hidden;
    if (given("--layers")) o.model.num_layers = f->layers;
    if (f->bidirectional || f->unidirectional) o.model.bidirectional = f->bidirectional;
    if (given("--pooling")) o.model.pooling = f->pooling;
    if (given("--loss")) o.model.loss = f->loss;
    if (given("--threshold")) o.threshold = f->threshold;
    if (given("--class-weights")) o.class_weights = f->class_weights;
    if (given("--dropout")) o.model.dropout = f->dropout;
    if (given("--init")) o.model.init_range = f->init;
    if (given("--pretrained-vectors"))
      o.pretrained_vectors = data_path(file_in_run(f->vectors, kVectorFiles));
    if (f->freeze) o.freeze_vectors = true;
    if (given("--init-from"))
      o.init_from = data_path(file_in_run(f->init_from, {"model.safetensors"}));
    if (given("--batch")) o.batch = f->batch;
    if (f->no_bucket) o.bucket = false;
    if (given("--max-length")) o.max_length = f->max_length;
    if (given("--max-vocab")) o.max_vocab = f->max_vocab;
    if (given("--min-count")) o.min_count = f->min_count;
    auto task = train::make_classify_task(o);
    run_training("classify train", *task, o, *f);
  });
}

void add_classify_eval(CLI::App& classify) {
  auto* cmd = classify.add_subcommand(
      "eval", "accuracy, macro-F1, per-label precision/recall/F1 and the confusion matrix");
  struct Flags {
    std::string model, data, format, label_prefix, confusion_svg, device = "cpu";
    std::int64_t max_length = kMaxLength;
    double max_oov_rate = 0.05;
    float threshold = -1;
    int threads = 0;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--model", f->model,
                  "model.safetensors from classify train (or its run directory)")
      ->required();
  cmd->add_option("--data", f->data, "labelled examples (a file, .gz, or - for standard input)")
      ->required();
  cmd->add_option("--format", f->format,
                  std::string(kFormats) + " (default: the training data's format)");
  cmd->add_option("--label-prefix", f->label_prefix,
                  "fasttext format: the labels' prefix (default: the model's)");
  cmd->add_option("--threshold", f->threshold,
                  "one-vs-all: labels above this probability are predicted (default: the model's)");
  cmd->add_option("--confusion-svg", f->confusion_svg,
                  "write the confusion matrix to this SVG file");
  add_max_length_flag(cmd, f->max_length);
  add_oov_flag(cmd, f->max_oov_rate);
  add_device_flags(cmd, f->threads, f->device);
  cmd->add_flag("--json", f->json, "print a JSON object last");
  cmd->callback([f]() {
    apply_threads(f->threads);
    if (!f->confusion_svg.empty()) check_writable(f->confusion_svg);
    RNNKIT_CHECK(f->threshold == -1 || (f->threshold > 0 && f->threshold < 1),
                 "--threshold {} outside (0, 1)", f->threshold);
    auto l = load_classifier_for_use(f->model, f->device);
    const auto& cfg = l.m.model->config();
    // The model's own reading and decision unless a flag says otherwise.
    if (f->format.empty()) f->format = cfg.format;
    if (f->label_prefix.empty()) f->label_prefix = cfg.label_prefix;
    if (f->threshold == -1) f->threshold = cfg.threshold;
    text::LabeledText data =
        text::read_labeled(f->data, {f->format, f->label_prefix, false, false});
    std::vector<std::vector<std::int32_t>> ids;
    std::vector<std::string> units;
    for (const auto& s : data.text) {
      ids.push_back(decode::classifier_ids(cfg, l.m.units, l.m.vocab, s));
      for (auto& u : l.m.units.split(cfg.lowercase ? text::ascii_lower(s) : s))
        units.push_back(std::move(u));
    }
    const double unknown = l.m.vocab.unknown_rate(units);
    warn_oov(f->data, unknown, f->max_oov_rate);
    auto start = std::chrono::steady_clock::now();
    auto probs = decode::classify(*l.m.model, ids, {64, f->max_length}, l.device);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // Labels the model does not know count as errors, under one extra name.
    std::vector<std::string> names = l.m.labels;
    auto index = [&](const std::string& label) {
      auto it = std::find(names.begin(), names.end(), label);
      if (it != names.end()) return static_cast<int>(it - names.begin());
      if (names.size() == l.m.labels.size()) names.push_back("(unknown)");
      return static_cast<int>(l.m.labels.size());
    };
    std::int64_t unseen = 0;
    eval::ClassificationScores s;
    bool several = cfg.loss == "one-vs-all";
    for (const auto& set : data.labels) several = several || set.size() > 1;
    if (several) {
      std::vector<std::vector<int>> truth, predicted;
      std::vector<int> top;
      for (std::size_t i = 0; i < probs.size(); ++i) {
        std::vector<int> t;
        for (const auto& x : data.labels[i]) t.push_back(index(x));
        truth.push_back(t);
        predicted.push_back(
            decode::predicted_labels(probs[i], cfg.loss == "one-vs-all", f->threshold));
        top.push_back(decode::top_labels(probs[i], 1)[0]);
      }
      s = eval::score_label_sets(truth, predicted, top, names);
    } else {
      std::vector<int> truth, predicted;
      for (std::size_t i = 0; i < probs.size(); ++i) {
        truth.push_back(index(data.labels[i][0]));
        predicted.push_back(decode::top_labels(probs[i], 1)[0]);
      }
      s = eval::score_labels(truth, predicted, names);
    }
    if (names.size() > l.m.labels.size()) unseen = s.labels.back().support;
    if (unseen > 0)
      info(fmt::format(
          "warning: {}: {} example{} carry labels the model does not know (counted as errors)",
          f->data, unseen, unseen == 1 ? "" : "s"));
    if (!f->confusion_svg.empty()) {
      RNNKIT_CHECK(!s.confusion.empty(),
                   "--confusion-svg: several labels per example have no confusion matrix");
      io::write_file_atomic(f->confusion_svg, eval::confusion_svg(s, f->data));
    }
    const double per_s = static_cast<double>(data.size()) / secs;
    nlohmann::ordered_json j = eval::to_json(s);
    j["format"] = data.format;
    j["oov_rate"] = unknown;
    j["sentences_per_s"] = per_s;
    std::cerr << report(s);
    print_result(fmt::format("{} examples ({}): accuracy {}, macro-F1 {}; {:.0f} sentences/s; "
                             "{:.2f}% of the units out of the vocabulary",
                             data.size(), data.format, pct(s.accuracy), pct(s.macro_f1), per_s,
                             100 * unknown),
                 j, f->json);
  });
}

void add_classify_predict(CLI::App& classify) {
  auto* cmd = classify.add_subcommand(
      "predict", "the most probable labels of each input line, with their probabilities");
  struct Flags {
    std::string model, input, output, label_prefix, device = "cpu";
    std::int64_t k = 1, max_length = kMaxLength;
    float threshold = 0.0f;
    int threads = 0;
    bool ids = false, json = false;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--model", f->model,
                  "model.safetensors from classify train (or its run directory)")
      ->required();
  cmd->add_option("--input", f->input, "one text per line (a file, .gz; default: standard input)");
  cmd->add_option("--output", f->output,
                  "write the predictions here (default or -: standard output)");
  cmd->add_option("-k,--top", f->k, "labels per line, most probable first")->capture_default_str();
  cmd->add_option("--threshold", f->threshold, "leave out labels below this probability")
      ->capture_default_str();
  cmd->add_flag("--ids", f->ids,
                "each line is ID<TAB>text: the id starts the output line (without it, lines are "
                "numbered from 1 in --json)");
  cmd->add_option("--label-prefix", f->label_prefix,
                  "printed before each label (fastText's predict-prob), and leading labels of the "
                  "input with it are skipped (default: the model's, __label__)");
  add_max_length_flag(cmd, f->max_length);
  add_device_flags(cmd, f->threads, f->device);
  cmd->add_flag("--json", f->json,
                "one JSON object per line: {\"id\", \"labels\": [{\"label\", \"probability\"}]}");
  cmd->callback([f]() {
    apply_threads(f->threads);
    RNNKIT_CHECK(f->k >= 1, "--top must be at least 1, got {}", f->k);
    RNNKIT_CHECK(f->threshold >= 0 && f->threshold < 1, "--threshold {} outside [0, 1)",
                 f->threshold);
    if (f->output == "-") f->output.clear();
    if (!f->output.empty()) check_writable(f->output);
    auto l = load_classifier_for_use(f->model, f->device);
    const auto& cfg = l.m.model->config();
    if (f->label_prefix.empty()) f->label_prefix = cfg.label_prefix;
    std::vector<std::string> line_ids;
    std::vector<std::vector<std::int32_t>> ids;
    text::read_lines(f->input.empty() ? "-" : f->input, [&](const std::string& line) {
      std::string_view text = line;
      std::string id = std::to_string(ids.size() + 1);
      if (f->ids) {
        const auto tab = text.find('\t');
        RNNKIT_CHECK(tab != std::string_view::npos, "{}: line {} has no ID<TAB> (--ids)",
                     f->input.empty() ? "standard input" : f->input, ids.size() + 1);
        id = std::string(text.substr(0, tab));
        text.remove_prefix(tab + 1);
      }
      text = decode::without_labels(text, f->label_prefix);  // fastText's labelled lines
      line_ids.push_back(std::move(id));
      ids.push_back(decode::classifier_ids(cfg, l.m.units, l.m.vocab, std::string(text)));
    });
    auto probs = decode::classify(*l.m.model, ids, {64, f->max_length}, l.device);
    std::string out;
    for (std::size_t i = 0; i < probs.size(); ++i) {
      nlohmann::ordered_json labels = nlohmann::ordered_json::array();
      std::string line = f->ids ? line_ids[i] + "\t" : "";
      bool first = true;
      for (int k : decode::top_labels(probs[i], static_cast<std::size_t>(f->k))) {
        const float p = probs[i][static_cast<std::size_t>(k)];
        if (p < f->threshold) break;
        const std::string& name = l.m.labels[static_cast<std::size_t>(k)];
        labels.push_back({{"label", name}, {"probability", p}});
        line += fmt::format("{}{}{} {:.5f}", first ? "" : " ", f->label_prefix, name, p);
        first = false;
      }
      out += f->json ? json_line({{"id", line_ids[i]}, {"labels", labels}}) + "\n" : line + "\n";
    }
    if (f->output.empty())
      std::cout << out << std::flush;
    else
      io::write_file_atomic(f->output, out);
  });
}

}  // namespace rnnkit::cli

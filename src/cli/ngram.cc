// rnnkit ngram train | eval: Kneser-Ney n-gram models as ARPA files.
#include "rnnkit/models/ngram.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "cli/train_command.h"
#include "core/json_util.h"
#include "rnnkit/io/arpa.h"
#include "rnnkit/text/corpus.h"
#include "rnnkit/text/parallel.h"
#include "rnnkit/train/run_directory.h"
#include "train/run_environment.h"

namespace rnnkit::cli {

namespace {
using Clock = std::chrono::steady_clock;

// One sentence per line, words split at whitespace.
std::vector<std::vector<std::string>> read_sentences(const std::string& path) {
  return models::ngram_sentences(text::read_text_file(path));
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Scores `path` and says so; returns the perplexity.
double report(const models::NgramModel& m, const std::string& name, const std::string& path) {
  auto start = Clock::now();
  auto s = m.score(read_sentences(path));
  info(fmt::format("{} ({}): perplexity {:.2f} over {} words and {} sentence ends{} ({:.0f} words/s)", name, path,
                   s.perplexity(), s.words, s.sentences, s.oovs ? fmt::format(", {} OOVs skipped", s.oovs) : "",
                   static_cast<double>(s.words + s.sentences) / std::max(seconds_since(start), 1e-9)));
  return s.perplexity();
}
}  // namespace

void add_ngram_train(CLI::App& ngram) {
  auto* cmd = ngram.add_subcommand(
      "train", "count a Kneser-Ney n-gram model (interpolated, modified discounts)");
  struct Flags {
    std::string train, valid, test, out = "runs/ngram";
    int order = 5;
    bool json = false, overwrite = false, print_config = false;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--train", f->train, "training text, one sentence per line")->required();
  cmd->add_option("--valid", f->valid, "validation text (perplexity reported)");
  cmd->add_option("--test", f->test, "test text (perplexity reported)");
  cmd->add_option("--order", f->order, "n-gram order (1-6)")->capture_default_str();
  cmd->add_option("--out", f->out, "run directory: model.arpa, config.json, results.json")
      ->capture_default_str();
  cmd->add_flag("--overwrite", f->overwrite, "replace a run that --out holds");
  cmd->add_flag("--json", f->json, "print results.json's figures as one JSON line last");
  cmd->add_flag("--print-config", f->print_config, "print the configuration, and exit");
  cmd->callback([f]() {
    auto start = Clock::now();
    nlohmann::ordered_json config = {{"family", "ngram"},
                                     {"train", data_path(f->train)},
                                     {"valid", data_path(f->valid)},
                                     {"test", data_path(f->test)},
                                     {"order", f->order},
                                     {"out", f->out}};
    if (f->print_config) {
      std::cout << json_dump(config, 2) << std::endl;
      return;
    }
    RNNKIT_CHECK(f->order >= 1 && f->order <= models::kMaxNgramOrder,
                 "n-gram order {} outside [1, {}]", f->order, models::kMaxNgramOrder);
    train::RunDirectory run(f->out, false, f->overwrite, /*resumable=*/false);
    auto sentences = read_sentences(f->train);
    run_header("ngram train", fmt::format("order {}, {} sentences from {}, output {}", f->order,
                                          sentences.size(), f->train, f->out));
    auto m = models::NgramModel::train_kneser_ney(sentences, f->order);
    std::string counts;
    for (int n = 1; n <= m.order(); ++n) {
      auto D = m.discounts(n);
      counts += fmt::format("{}{}-grams {} (D {:.3f} {:.3f} {:.3f})", n > 1 ? ", " : "", n,
                            m.num_ngrams(n), D[0], D[1], D[2]);
    }
    info(fmt::format("counted in {}: {}", format_duration(seconds_since(start)), counts));
    run.begin();
    config["environment"] = train::run_environment("cpu");
    run.write_config(config);
    std::string path = run.path("model.arpa").string();
    io::save_arpa(path, m);
    info(fmt::format("model: {}", path));
    nlohmann::ordered_json j = {{"order", m.order()},
                                {"vocab", m.vocab_size()},
                                {"valid_ppl", nullptr},
                                {"test_ppl", nullptr}};
    if (!f->valid.empty()) j["valid_ppl"] = report(m, "valid", f->valid);
    if (!f->test.empty()) j["test_ppl"] = report(m, "test", f->test);
    j["wall_s"] = seconds_since(start);
    j["peak_rss_mb"] = peak_rss_mb();
    j["model"] = path;
    run.write_results(j);
    run.mark_saved();
    print_results(j, f->json);
  });
}

void add_ngram_eval(CLI::App& ngram) {
  auto* cmd = ngram.add_subcommand("eval", "perplexity of an ARPA model (ours, SRILM's or KenLM's) on a text");
  struct Flags {
    std::string model, data;
    double max_oov_rate = 0.05;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--model", f->model, "an ARPA file")->required();
  cmd->add_option("--data", f->data, "text, one sentence per line")->required();
  add_oov_flag(cmd, f->max_oov_rate);
  cmd->add_flag("--json", f->json, "print a JSON object with the figures last");
  cmd->callback([f]() {
    auto m = io::load_arpa(file_in_run(f->model, {"model.arpa"}));
    auto s = m.score(read_sentences(f->data));
    const std::int64_t unknown = s.oovs + s.unks, tokens = s.words + s.oovs;
    const double rate = tokens > 0 ? static_cast<double>(unknown) / static_cast<double>(tokens) : 0;
    if (!std::isfinite(s.perplexity()))
      throw NumericalError(
          fmt::format("{}: the perplexity is {}: the model gives probability 0 "
                      "(or a non-finite log-probability)",
                      f->model, s.perplexity()));
    warn_oov(f->data, rate, f->max_oov_rate);
    print_result(fmt::format("{}: perplexity {:.2f} over {} words and {} sentence ends; {} out of "
                             "the vocabulary ({:.2f}%: {} scored as <unk>, {} skipped)",
                             f->data, s.perplexity(), s.words, s.sentences, unknown, 100 * rate,
                             s.unks, s.oovs),
                 {{"ppl", s.perplexity()},
                  {"words", s.words},
                  {"sentences", s.sentences},
                  {"oov", unknown},
                  {"oov_rate", rate},
                  {"unks", s.unks},
                  {"oovs", s.oovs}},
                 f->json);
  });
}

}  // namespace rnnkit::cli

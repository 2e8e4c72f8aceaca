// rnnkit ngram train | eval: Kneser-Ney n-gram models as ARPA files.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "rnnkit/io/arpa.h"
#include "rnnkit/models/ngram.h"
#include "rnnkit/text/corpus.h"
#include "rnnkit/text/parallel.h"

namespace rnnkit::cli {

namespace {
using Clock = std::chrono::steady_clock;

// One sentence per line, words split at whitespace.
std::vector<std::vector<std::string>> read_sentences(const std::string& path) {
  std::vector<std::vector<std::string>> out;
  for (const auto& line : text::split_lines(text::read_text_file(path))) {
    auto words = text::split_units(line, text::Unit::kWord);
    if (!words.empty()) out.push_back(std::move(words));
  }
  return out;
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
  auto* cmd = ngram.add_subcommand("train", "count a Kneser-Ney n-gram model (interpolated, modified discounts)");
  struct Flags {
    std::string train, valid, test, out = "runs/ngram";
    int order = 5;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--train", f->train, "training text, one sentence per line")->required();
  cmd->add_option("--valid", f->valid, "validation text (perplexity reported)");
  cmd->add_option("--test", f->test, "test text (perplexity reported)");
  cmd->add_option("--order", f->order, "n-gram order (1-6)")->capture_default_str();
  cmd->add_option("--out", f->out, "run directory: model.arpa")->capture_default_str();
  cmd->add_flag("--json", f->json, "print a JSON object with the figures last");
  cmd->callback([f]() {
    auto start = Clock::now();
    auto sentences = read_sentences(f->train);
    info(fmt::format("rnnkit ngram train: {} sentences from {}, order {}", sentences.size(), f->train, f->order));
    auto m = models::NgramModel::train_kneser_ney(sentences, f->order);
    std::string counts;
    for (int n = 1; n <= m.order(); ++n) {
      auto D = m.discounts(n);
      counts += fmt::format("{}{}-grams {} (D {:.3f} {:.3f} {:.3f})", n > 1 ? ", " : "", n, m.num_ngrams(n), D[0],
                            D[1], D[2]);
    }
    info(fmt::format("counted in {}: {}", format_duration(seconds_since(start)), counts));
    std::filesystem::create_directories(f->out);
    std::string path = (std::filesystem::path(f->out) / "model.arpa").string();
    io::save_arpa(path, m);
    info(fmt::format("model: {}", path));
    nlohmann::ordered_json j = {{"order", m.order()}, {"vocab", m.vocab_size()}};
    if (!f->valid.empty()) j["valid_ppl"] = report(m, "valid", f->valid);
    if (!f->test.empty()) j["test_ppl"] = report(m, "test", f->test);
    j["wall_s"] = seconds_since(start);
    j["model"] = path;
    if (f->json) std::cout << j.dump() << std::endl;
  });
}

void add_ngram_eval(CLI::App& ngram) {
  auto* cmd = ngram.add_subcommand("eval", "perplexity of an ARPA model (ours, SRILM's or KenLM's) on a text");
  struct Flags {
    std::string model, data;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--model", f->model, "an ARPA file")->required();
  cmd->add_option("--data", f->data, "text, one sentence per line")->required();
  cmd->add_flag("--json", f->json, "print a JSON object with the figures last");
  cmd->callback([f]() {
    auto m = io::load_arpa(f->model);
    auto s = m.score(read_sentences(f->data));
    info(fmt::format("{}: perplexity {:.2f} over {} words and {} sentence ends{}", f->data, s.perplexity(), s.words,
                     s.sentences, s.oovs ? fmt::format(", {} OOVs skipped", s.oovs) : ""));
    if (f->json) {
      nlohmann::ordered_json j = {{"ppl", s.perplexity()}, {"words", s.words}, {"sentences", s.sentences},
                                  {"oovs", s.oovs}};
      std::cout << j.dump() << std::endl;
    }
  });
}

}  // namespace rnnkit::cli

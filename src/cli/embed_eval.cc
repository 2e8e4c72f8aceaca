// rnnkit embed eval: analogy accuracy by section and similarity correlations.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "rnnkit/eval/word_vectors.h"
#include "rnnkit/io/vectors_file.h"

namespace rnnkit::cli {

void add_embed_eval(CLI::App& embed) {
  auto* cmd = embed.add_subcommand("eval", "analogy and similarity benchmarks");
  struct Flags {
    std::string vectors, analogy, method = "add";
    std::vector<std::string> similarity;
    std::int64_t restrict_vocab = 30000;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  add_option_with_alias(cmd, "--model", "--vectors", f->vectors,
                        "vectors: a run directory of embed train, or a .txt, .bin or .safetensors "
                        "file");
  cmd->add_option("--analogy", f->analogy, "analogy questions (questions-words.txt format)");
  cmd->add_option("--method", f->method, "add (3CosAdd) | mul (3CosMul)")->capture_default_str();
  cmd->add_option("--restrict", f->restrict_vocab, "analogy: answer from the N most frequent words")
      ->capture_default_str();
  cmd->add_option("--similarity", f->similarity,
                  "similarity files (word word score), or several separated by commas")
      ->delimiter(',');
  cmd->add_flag("--json", f->json, "print a JSON object with the figures last");
  cmd->callback([f]() {
    RNNKIT_CHECK(!f->vectors.empty(), "--model is required (the vectors)");
    RNNKIT_CHECK(!f->analogy.empty() || !f->similarity.empty(), "give --analogy and/or --similarity");
    RNNKIT_CHECK(f->method == "add" || f->method == "mul", "unknown analogy method '{}' (add or mul)",
                 f->method);
    models::WordVectors v = io::load_vectors(file_in_run(f->vectors, kVectorFiles));
    nlohmann::ordered_json j = {{"analogy_acc", nullptr}, {"similarity_spearman", nullptr}};
    // The table is the result; with --json the JSON is, and the table goes to the log.
    std::ostream& table = f->json ? std::cerr : std::cout;
    if (!f->analogy.empty()) {
      eval::VectorIndex index(v, f->restrict_vocab);
      auto r = eval::evaluate_analogy(index, f->analogy,
                                      f->method == "add" ? eval::AnalogyMethod::kAdd : eval::AnalogyMethod::kMul);
      table << fmt::format("{:<28} {:>9} {:>9} {:>9}\n", "section", "accuracy", "covered",
                           "questions");
      auto row = [](const eval::AnalogySection& s) {
        return fmt::format("{:<28} {:>8.2f}% {:>9} {:>9}\n", s.name,
                           s.covered ? 100.0 * s.correct / s.covered : 0.0, s.covered, s.questions);
      };
      nlohmann::ordered_json sections;
      for (const auto& s : r.sections) {
        table << row(s);
        sections[s.name] = s.covered ? double(s.correct) / s.covered : 0.0;
      }
      table << row(r.semantic) << row(r.syntactic) << row(r.total);
      j["analogy_acc"] = r.accuracy();
      j["analogy_coverage"] = r.coverage();
      j["analogy_sections"] = sections;
    }
    if (!f->similarity.empty()) {
      eval::VectorIndex index(v);
      nlohmann::ordered_json sims;
      for (const auto& path : f->similarity) {
        auto s = eval::evaluate_similarity(index, path);
        table << fmt::format("{:<28} Spearman {:.4f} over {} of {} pairs\n", s.name, s.spearman,
                             s.covered, s.pairs);
        sims[s.name] = {{"spearman", s.spearman}, {"covered", s.covered}, {"pairs", s.pairs}};
        if (j["similarity_spearman"].is_null()) j["similarity_spearman"] = s.spearman;
      }
      j["similarity"] = sims;
    }
    if (f->json) std::cout << json_line(j) << std::endl;
  });
}

}  // namespace rnnkit::cli

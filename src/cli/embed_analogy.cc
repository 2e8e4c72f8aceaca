// rnnkit embed analogy: a : b = c : ?
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "rnnkit/eval/word_vectors.h"
#include "rnnkit/io/vectors_file.h"

namespace rnnkit::cli {

void add_embed_analogy(CLI::App& embed) {
  auto* cmd = embed.add_subcommand("analogy", "solve a : b = c : ? (e.g. king man queen)");
  struct Flags {
    std::string vectors, method = "add";
    std::vector<std::string> words;
    std::int64_t top = 5;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  add_option_with_alias(cmd, "--model", "--vectors", f->vectors,
                        "vectors: a run directory of embed train, or a .txt, .bin or .safetensors "
                        "file");
  cmd->add_option("words", f->words,
                  "a b c; none: one 'a b c' per line of standard input, the model loaded once")
      ->expected(0, 3);
  cmd->add_option("--method", f->method, "add (3CosAdd) | mul (3CosMul)")->capture_default_str();
  cmd->add_option("--top", f->top, "answers to show (3CosAdd)")->capture_default_str();
  cmd->add_flag("--json", f->json,
                "one JSON object per query: {\"query\", \"method\", \"answers\": [{\"word\", "
                "\"similarity\"}]} (3CosMul: the best answer, no similarity)");
  cmd->callback([f]() {
    RNNKIT_CHECK(!f->vectors.empty(), "--model is required (the vectors)");
    RNNKIT_CHECK(f->method == "add" || f->method == "mul", "unknown analogy method '{}' (add or mul)",
                 f->method);
    RNNKIT_CHECK(f->words.empty() || f->words.size() == 3, "give three words, a b c (got {})",
                 f->words.size());
    eval::VectorIndex index(io::load_vectors(file_in_run(f->vectors, kVectorFiles)));
    auto answer = [&](const std::vector<std::string>& w) {
      RNNKIT_CHECK(w.size() == 3, "an analogy is three words, a b c (got {})", w.size());
      nlohmann::ordered_json answers = nlohmann::ordered_json::array();
      if (f->method == "add") {
        for (auto& [word, sim] : index.most_similar({w[1], w[2]}, {w[0]}, f->top)) {
          if (!f->json) std::cout << fmt::format("{}\t{:.4f}\n", word, sim);
          answers.push_back({{"word", word}, {"similarity", sim}});
        }
      } else {
        std::array<std::int32_t, 3> q{};
        for (std::size_t i = 0; i < 3; ++i) {
          q[i] = index.id(w[i]);
          RNNKIT_CHECK(q[i] >= 0, "'{}' is not in the vocabulary", w[i]);
        }
        const std::string best = index.word(index.analogy({q}, eval::AnalogyMethod::kMul)[0]);
        if (!f->json) std::cout << best << "\n";
        answers.push_back({{"word", best}});
      }
      if (f->json)
        std::cout << json_line(nlohmann::ordered_json(
                         {{"query", w}, {"method", f->method}, {"answers", answers}}))
                  << "\n";
    };
    if (!f->words.empty()) return answer(f->words);
    for_each_query(answer, f->json);
  });
}

}  // namespace rnnkit::cli

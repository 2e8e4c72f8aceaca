// rnnkit embed similar: nearest words by cosine similarity.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "rnnkit/eval/word_vectors.h"
#include "rnnkit/io/vectors_file.h"

namespace rnnkit::cli {

void add_embed_similar(CLI::App& embed) {
  auto* cmd = embed.add_subcommand("similar", "the words nearest to a word (or a sum of words)");
  struct Flags {
    std::string vectors;
    std::vector<std::string> words, minus;
    std::int64_t top = 10;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  add_option_with_alias(cmd, "--model", "--vectors", f->vectors,
                        "vectors: a run directory of embed train, or a .txt, .bin or .safetensors "
                        "file");
  cmd->add_option("words", f->words,
                  "query words (their vectors are added); none: one query per line of standard "
                  "input, the model loaded once");
  cmd->add_option("--minus", f->minus, "words whose vectors are subtracted");
  cmd->add_option("--top", f->top, "how many neighbours")->capture_default_str();
  cmd->add_flag("--json", f->json,
                "one JSON object per query: {\"query\", \"minus\", \"neighbours\": [{\"word\", "
                "\"similarity\"}]}");
  cmd->callback([f]() {
    RNNKIT_CHECK(!f->vectors.empty(), "--model is required (the vectors)");
    RNNKIT_CHECK(f->top > 0, "--top must be positive, got {}", f->top);
    eval::VectorIndex index(io::load_vectors(file_in_run(f->vectors, kVectorFiles)));
    auto answer = [&](const std::vector<std::string>& words) {
      const auto neighbours = index.most_similar(words, f->minus, f->top);
      if (!f->json) {
        for (auto& [word, sim] : neighbours) std::cout << fmt::format("{}\t{:.4f}\n", word, sim);
        return;
      }
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      for (auto& [word, sim] : neighbours) list.push_back({{"word", word}, {"similarity", sim}});
      std::cout << json_line(nlohmann::ordered_json(
                       {{"query", words}, {"minus", f->minus}, {"neighbours", list}}))
                << "\n";
    };
    if (!f->words.empty()) return answer(f->words);
    // Queries from standard input (as fastText's nn): a block of answers per line.
    for_each_query([&](const std::vector<std::string>& words) { answer(words); }, f->json);
  });
}

}  // namespace rnnkit::cli

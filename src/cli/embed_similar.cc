// rnnkit embed similar: nearest words by cosine similarity.
#include <fmt/format.h>

#include <iostream>

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
  cmd->callback([f]() {
    RNNKIT_CHECK(!f->vectors.empty(), "--model is required (the vectors)");
    RNNKIT_CHECK(f->top > 0, "--top must be positive, got {}", f->top);
    eval::VectorIndex index(io::load_vectors(file_in_run(f->vectors, kVectorFiles)));
    auto answer = [&](const std::vector<std::string>& words) {
      for (auto& [word, sim] : index.most_similar(words, f->minus, f->top))
        std::cout << fmt::format("{}\t{:.4f}\n", word, sim);
    };
    if (!f->words.empty()) return answer(f->words);
    // Queries from standard input (as fastText's nn): a block of answers per line.
    for_each_query([&](const std::vector<std::string>& words) { answer(words); });
  });
}

}  // namespace rnnkit::cli

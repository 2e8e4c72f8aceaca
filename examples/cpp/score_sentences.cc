// Scores each line of standard input with an rnnkit language model: the
// line's log10 probability (its words and the end of the line), as KenLM's
// `query` prints it, and the model's perplexity on it.
//   score_sentences MODEL.safetensors < sentences.txt
#include <rnnkit/eval/perplexity.h>
#include <rnnkit/io/model_file.h>
#include <rnnkit/nn/module.h>

#include <cmath>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: score_sentences MODEL.safetensors < sentences.txt\n";
    return 2;
  }
  try {
    auto lm = rnnkit::io::load_language_model(argv[1]);
    rnnkit::nn::ParameterSet params(*lm.model, rnnkit::kCPU);
    lm.model->train(false);
    std::vector<std::vector<std::int32_t>> lines;
    std::vector<std::string> texts;
    for (std::string line; std::getline(std::cin, line);) {
      lines.push_back(lm.vocab.encode(lm.units.tokenize_lines(line + "\n")));
      texts.push_back(line);
    }
    const auto scores =
        rnnkit::eval::score_lines(*lm.model, lines, lm.vocab.eos_id(), rnnkit::kCPU);
    for (std::size_t i = 0; i < scores.size(); ++i)
      std::cout << -scores[i].nll / std::log(10.0) << '\t'
                << std::exp(scores[i].nll / static_cast<double>(scores[i].tokens)) << '\t'
                << texts[i] << '\n';
  } catch (const rnnkit::Error& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
  }
}

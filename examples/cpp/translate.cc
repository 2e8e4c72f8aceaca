// Translates each line of standard input with an rnnkit encoder-decoder
// (`rnnkit seq2seq train`), by beam search.
//   translate MODEL.safetensors [BEAM] < source.txt
#include <rnnkit/decode/translate.h>
#include <rnnkit/io/model_file.h>
#include <rnnkit/nn/module.h>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: translate MODEL.safetensors [BEAM] < source.txt\n";
    return 2;
  }
  try {
    auto s2s = rnnkit::io::load_seq2seq(argv[1]);
    rnnkit::nn::ParameterSet params(*s2s.model, rnnkit::kCPU);
    s2s.model->train(false);
    std::vector<std::string> sources;
    for (std::string line; std::getline(std::cin, line);) sources.push_back(line);
    rnnkit::decode::TranslateOptions options;
    options.beam = argc == 3 ? std::stoll(argv[2]) : 5;
    const auto out = rnnkit::decode::translate(*s2s.model, s2s.source_units, s2s.source_vocab,
                                               s2s.target_vocab, sources, options, rnnkit::kCPU);
    for (const auto& nbest : out) std::cout << s2s.target_units.join(nbest.front().units) << '\n';
  } catch (const rnnkit::Error& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
  }
}

// rnnkit lm generate: sample a continuation of a prompt.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "rnnkit/decode/sampling.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/text/segmenter.h"

namespace rnnkit::cli {

void add_lm_generate(CLI::App& lm) {
  auto* cmd = lm.add_subcommand("generate", "sample text from a prompt");
  struct Flags {
    std::string model, prompt, device = "cpu";
    decode::GenerateOptions gen;
    int threads = 1;
    std::int64_t beam = 1;
    float length_penalty = 1.0f;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--model", f->model, "model.safetensors written by lm train")->required();
  cmd->add_option("--prompt", f->prompt, "text to continue (words outside the vocabulary become <unk>)");
  cmd->add_option("--length", f->gen.length, "tokens to generate")->capture_default_str();
  cmd->add_option("--temperature", f->gen.sampling.temperature, "0: greedy")->capture_default_str();
  cmd->add_option("--top-k", f->gen.sampling.top_k, "sample among the k likeliest (0: all)")
      ->capture_default_str();
  cmd->add_option("--top-p", f->gen.sampling.top_p, "nucleus mass (1: all)")->capture_default_str();
  cmd->add_option("--seed", f->gen.seed, "random seed")->capture_default_str();
  cmd->add_flag("--stop-at-eos", f->gen.stop_at_eos, "stop at the end of the sentence");
  cmd->add_flag("--no-unk", f->gen.ban_unk, "never generate <unk>");
  cmd->add_option("--beam", f->beam, "beam width: the likeliest continuation up to <eos> (1: sample)")
      ->capture_default_str();
  cmd->add_option("--length-penalty", f->length_penalty, "beam: score = log p / length^alpha")->capture_default_str();
  cmd->add_flag("--json", f->json,
                "print one JSON object: {\"prompt\", \"text\" (the continuation), \"tokens\"}");
  add_device_flags(cmd, f->threads, f->device);
  cmd->callback([f]() {
    RNNKIT_CHECK(f->gen.length > 0, "--length must be positive, got {}", f->gen.length);
    apply_threads(f->threads);
    InferenceModel m = load_for_inference(f->model, f->device);
    const text::Segmenter& units = m.loaded.units;
    std::vector<std::string> prompt = units.tokenize_lines(f->prompt);
    if (!prompt.empty()) prompt.pop_back();  // the <eos> ending the prompt line
    auto tokens = decode::continue_prompt(*m.loaded.model, m.loaded.vocab, prompt, f->gen, f->beam,
                                          f->length_penalty, m.device);
    const std::string out = decode::continuation_text(units, tokens);
    if (f->json) {
      std::cout << json_line(nlohmann::ordered_json(
                       {{"prompt", f->prompt}, {"text", out}, {"tokens", tokens.size()}}))
                << std::endl;
      return;
    }
    std::cout << f->prompt << out << std::endl;
  });
}

}  // namespace rnnkit::cli

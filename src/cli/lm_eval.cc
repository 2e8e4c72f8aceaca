// rnnkit lm eval: perplexity of a saved model on a text file.
#include <fmt/format.h>

#include <cmath>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "rnnkit/eval/perplexity.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/text/parallel.h"

namespace rnnkit::cli {

namespace {

// One score per line: log10 of the line's probability, as KenLM and SRILM print it.
template <typename Flags>
void score_per_line(const InferenceModel& m, const Flags& f) {
  const auto& vocab = m.loaded.vocab;
  std::vector<std::vector<std::int32_t>> lines;
  std::vector<std::int64_t> unknown;
  for (const auto& line : text::split_lines(text::read_text_file(f.data))) {
    auto tokens = m.loaded.units.tokenize_lines(line + "\n");
    std::int64_t n = 0;
    for (const auto& t : tokens) n += !vocab.contains(t);
    unknown.push_back(n);
    lines.push_back(vocab.encode(tokens));
  }
  auto scores = eval::score_lines(*m.loaded.model, lines, vocab.eos_id(), m.device);
  std::int64_t tokens = 0, oov = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    tokens += scores[i].tokens;
    oov += unknown[i];
    if (!std::isfinite(scores[i].nll))
      throw NumericalError(fmt::format("{}: line {} scores {}: are the model's weights finite?",
                                       f.model, i + 1, -scores[i].nll));
  }
  warn_oov(f.data, tokens > 0 ? static_cast<double>(oov) / static_cast<double>(tokens) : 0.0,
           f.max_oov_rate);
  std::string out;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const double log10p = -scores[i].nll / std::log(10.0);
    if (f.json)
      out += json_line({{"line", i + 1},
                        {"log10_prob", log10p},
                        {"tokens", scores[i].tokens},
                        {"oov", unknown[i]}}) +
             "\n";
    else
      out += fmt::format("{:.6f}\t{}\n", log10p, scores[i].tokens);
  }
  std::cout << out;
}

}  // namespace

void add_lm_eval(CLI::App& lm) {
  auto* cmd = lm.add_subcommand("eval", "perplexity of a model on a text file");
  struct Flags {
    std::string model, data, device = "cpu";
    std::int64_t batch = 1, steps = 35;
    int threads = 0;
    bool tf32 = false;
    double max_oov_rate = 0.05;
    bool json = false, per_line = false;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--model", f->model, "model.safetensors written by lm train")->required();
  cmd->add_option("--data", f->data, "text to evaluate, read as one stream")->required();
  add_oov_flag(cmd, f->max_oov_rate);
  cmd->add_option("--batch", f->batch, "parallel streams (1: exact continuous stream)")
      ->capture_default_str();
  cmd->add_option("--steps", f->steps, "window length")->capture_default_str();
  add_device_flags(cmd, f->threads, f->device);
  cmd->add_flag("--tf32", f->tf32, "GPU: TF32 tensor cores for float32 products (faster, ~1e-3 relative error)");
  cmd->add_flag("--json", f->json, "print a JSON object with the figures last");
  cmd->add_flag("--per-line", f->per_line,
                "score each line on its own (from a fresh state), one 'log10prob<TAB>tokens' line "
                "(or JSON object) per input line, as KenLM's query");
  cmd->callback([f]() {
    apply_threads(f->threads);
    set_cuda_tf32(f->tf32);
    InferenceModel m = load_for_inference(f->model, f->device);
    const std::string& unit = m.loaded.model->config().unit;
    if (f->per_line) return score_per_line(m, *f);
    auto tokens = m.loaded.units.tokenize_lines(text::read_text_file(f->data));
    std::int64_t oov = 0;
    for (const auto& t : tokens) oov += !m.loaded.vocab.contains(t);
    const double unknown =
        tokens.empty() ? 0.0 : static_cast<double>(oov) / static_cast<double>(tokens.size());
    auto r = eval::evaluate_perplexity(*m.loaded.model, m.loaded.vocab.encode(tokens), f->batch,
                                       f->steps, m.device);
    if (!std::isfinite(r.perplexity()))
      throw NumericalError(fmt::format("{}: the perplexity is {}: are the model's weights finite?",
                                       f->model, r.perplexity()));
    warn_oov(f->data, unknown, f->max_oov_rate);
    const bool chars = unit == "char";
    std::string line = fmt::format(
        "{}: perplexity {:.2f}{} over {} tokens, {} out of the vocabulary ({:.2f}%, scored as "
        "<unk>) ({:.0f} tokens/s)",
        f->data, r.perplexity(),
        chars ? fmt::format(" ({:.3f} bits per character)", std::log2(r.perplexity())) : "",
        r.tokens, oov, 100 * unknown, r.tokens_per_second());
    nlohmann::ordered_json j = {
        {"ppl", r.perplexity()},       {"nll", r.nll_sum / std::max<std::int64_t>(r.tokens, 1)},
        {"tokens", r.tokens},          {"oov", oov},
        {"oov_rate", unknown},         {"eval_tokens_per_s", r.tokens_per_second()},
        {"peak_rss_mb", peak_rss_mb()}};
    if (chars) j["bpc"] = std::log2(r.perplexity());
    print_result(line, j, f->json);
  });
}

}  // namespace rnnkit::cli

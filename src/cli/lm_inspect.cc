// rnnkit lm inspect: what a recurrent language model's units do over a text,
// as a standalone HTML page (the cell view of Karpathy, Johnson & Fei-Fei 2015).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "rnnkit/decode/sampling.h"
#include "rnnkit/eval/cells.h"
#include "rnnkit/eval/plot.h"
#include "rnnkit/io/safetensors.h"
#include "rnnkit/text/parallel.h"
#include "rnnkit/text/stream.h"

namespace rnnkit::cli {

void add_lm_inspect(CLI::App& lm) {
  auto* cmd = lm.add_subcommand(
      "inspect",
      "colour a text by the states of chosen units, and rank the units by what they "
      "track (an HTML page)");
  struct Flags {
    std::string model, text, out, state, device = "cpu";
    std::vector<std::int64_t> units;
    std::int64_t layer = -1, max_tokens = 5000, top = 3;
    int threads = 0;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--model", f->model,
                  "model.safetensors written by lm train (or its run directory)")
      ->required();
  cmd->add_option("--text", f->text, "the text to read (a file, .gz, or - for standard input)")
      ->required();
  cmd->add_option("--out", f->out, "the HTML page to write")->required();
  cmd->add_option("--layer", f->layer,
                  "the layer of --units, from 0 (default: the last); with it, the ranking is of "
                  "this layer's units only");
  cmd->add_option("--units", f->units,
                  "units to show, from 0, separated by commas (default: the units that track the "
                  "text's features best)")
      ->delimiter(',');
  cmd->add_option("--state", f->state, "c (an LSTM's cells, the default for one) | h");
  cmd->add_option("--top", f->top, "units listed (and shown) per feature")->capture_default_str();
  cmd->add_option("--max-tokens", f->max_tokens, "read at most this many tokens of the text")
      ->capture_default_str();
  add_device_flags(cmd, f->threads, f->device);
  cmd->callback([f, cmd]() {
    apply_threads(f->threads);
    RNNKIT_CHECK(f->max_tokens >= 1, "--max-tokens must be at least 1, got {}", f->max_tokens);
    RNNKIT_CHECK(f->top >= 1 && f->top <= 100, "--top {} outside [1, 100]", f->top);
    RNNKIT_CHECK(f->state.empty() || f->state == "c" || f->state == "h",
                 "--state is c or h, got '{}'", f->state);
    RNNKIT_CHECK(f->out != "-", "--out -: the page goes to a file (name one ending in .html)");
    check_writable(f->out);
    std::error_code ec;
    RNNKIT_CHECK(!std::filesystem::equivalent(f->out, f->text, ec),
                 "--out {} is the --text file: the page would replace the text", f->out);
    InferenceModel m = load_for_inference(f->model, f->device);
    const auto& c = m.loaded.model->config();
    const bool lstm = c.cell == "lstm";
    RNNKIT_CHECK(f->state != "c" || lstm, "--state c: a {} has no cell states (use --state h)",
                 c.cell);
    const bool cell = f->state.empty() ? lstm : f->state == "c";
    const bool given_layer = cmd->count("--layer") > 0;
    RNNKIT_CHECK(!given_layer || (f->layer >= 0 && f->layer < c.num_layers),
                 "--layer {} outside [0, {}] (the model has {} layers)", f->layer, c.num_layers - 1,
                 c.num_layers);
    const std::int64_t layer = given_layer ? f->layer : c.num_layers - 1;
    for (std::int64_t u : f->units)
      RNNKIT_CHECK(u >= 0 && u < c.hidden_size, "--units: {} outside [0, {}] ({} units a layer)", u,
                   c.hidden_size - 1, c.hidden_size);

    RNNKIT_CHECK(c.context == 0,
                 "{}: a feed-forward language model (--context {}) has no recurrent state",
                 f->model, c.context);
    // Line by line, up to --max-tokens: a huge text (or an endless pipe) is not read whole.
    std::vector<std::string> tokens;
    struct Enough {};
    try {
      text::read_lines(f->text, [&](const std::string& line) {
        for (auto& t : m.loaded.units.tokenize_lines(line + "\n")) {
          if (static_cast<std::int64_t>(tokens.size()) == f->max_tokens) throw Enough{};
          tokens.push_back(std::move(t));
        }
      });
    } catch (const Enough&) {
      info(fmt::format("warning: {}: reading its first {} tokens (--max-tokens)", f->text,
                       f->max_tokens));
    }
    const auto trace =
        decode::state_trace(*m.loaded.model, m.loaded.vocab.encode(tokens), m.device);

    eval::CellView view;
    view.title = fmt::format("{}: {}", f->model, f->text);
    view.tokens = tokens;
    if (m.loaded.units.unit() == text::Unit::kSubword)  // SentencePiece's word mark as a space
      for (auto& t : view.tokens)
        for (auto at = t.find("\xE2\x96\x81"); at != std::string::npos; at = t.find("\xE2\x96\x81"))
          t.replace(at, 3, " ");
    view.spaced = m.loaded.units.unit() == text::Unit::kWord;
    view.state = cell ? "cell state c" : "hidden state h";
    // Rankings over every layer, or over --layer's units alone.
    decode::StateTrace ranked = trace;
    if (given_layer) {
      const std::vector<float>& all = cell ? trace.c : trace.h;
      std::vector<float> one;
      for (std::int64_t t = 0; t < trace.steps; ++t) {
        const auto* row = all.data() + (t * trace.layers + layer) * trace.hidden;
        one.insert(one.end(), row, row + trace.hidden);
      }
      ranked.layers = 1;
      (cell ? ranked.c : ranked.h) = std::move(one);
    }
    // Shown: the --units, or every unit the ranking lists (once each).
    std::vector<std::pair<std::int64_t, std::int64_t>> shown;  // (layer, unit)
    auto show = [&](std::int64_t l, std::int64_t u) {
      if (std::find(shown.begin(), shown.end(), std::pair{l, u}) == shown.end())
        shown.emplace_back(l, u);
    };
    for (std::int64_t u : f->units) show(layer, u);
    for (const auto& feature : eval::text_features(tokens)) {
      auto best = eval::rank_units(ranked, cell, feature.values, static_cast<std::size_t>(f->top));
      for (auto& u : best) {
        if (given_layer) u.layer = layer;
        if (f->units.empty()) show(u.layer, u.unit);
      }
      view.rankings.push_back({feature.name, std::move(best)});
    }
    const std::vector<float>& values = cell ? trace.c : trace.h;
    for (const auto& [l, u] : shown) {
      eval::CellView::Unit unit{l, u, {}};
      for (std::int64_t t = 0; t < trace.steps; ++t)
        unit.values.push_back(
            values[static_cast<std::size_t>((t * trace.layers + l) * trace.hidden + u)]);
      view.units.push_back(std::move(unit));
    }
    io::write_file_atomic(f->out, eval::cell_html(view));
    info(fmt::format("{} tokens, {} units shown ({}), features: {}; wrote {}", tokens.size(),
                     view.units.size(), view.state, view.rankings.size(), f->out));
  });
}

}  // namespace rnnkit::cli

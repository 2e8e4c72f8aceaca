// rnnkit autoencode eval | encode (train is seq2seq train's trainer, in seq2seq.cc).
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "rnnkit/core/rng.h"
#include "rnnkit/decode/translate.h"
#include "rnnkit/eval/sequence_scores.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/io/safetensors.h"
#include "rnnkit/text/stream.h"

namespace rnnkit::cli {

bool is_autoencoder(const io::LoadedSeq2Seq& m) {
  auto it = m.metadata.find("train_options");
  if (it == m.metadata.end()) return false;
  const auto options = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  return options.is_object() && options.value("autoencode", false);
}

namespace {

// An encoder-decoder trained by autoencode train (its training options say so).
ModelForUse<io::LoadedSeq2Seq> load_autoencoder(const std::string& path,
                                                const std::string& device) {
  auto a = load_for_use(&io::load_seq2seq, path, device);
  RNNKIT_CHECK(is_autoencoder(a.m),
               "{}: an encoder-decoder, not an autoencoder (use seq2seq eval or translate)", path);
  return a;
}

std::vector<std::string> read_sentences(const std::string& path, std::int64_t limit) {
  std::vector<std::string> out;
  text::read_lines(path, [&](const std::string& line) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) return;
    if (limit <= 0 || static_cast<std::int64_t>(out.size()) < limit) out.push_back(line);
  });
  return out;
}

// One unit dropped, two neighbours swapped, or one replaced by a vocabulary
// unit, at a position drawn from `gen` (the talk's robustness probe).
std::vector<std::string> perturbed(std::vector<std::string> units, const std::string& kind,
                                   const text::Vocabulary& vocab, Generator& gen) {
  if (units.empty()) return units;
  const auto n = static_cast<std::uint32_t>(units.size());
  const std::uint32_t at = static_cast<std::uint32_t>(gen.next_u32() % n);
  if (kind == "drop" && n > 1) {
    units.erase(units.begin() + at);
  } else if (kind == "swap" && n > 1) {
    const std::uint32_t next = at + 1 < n ? at + 1 : at - 1;
    std::swap(units[at], units[next]);
  } else if (kind == "replace" && vocab.size() > 3) {  // a real unit, not <eos> or <unk>
    std::string u;
    do
      u = vocab.word(static_cast<std::int32_t>(
          2 + gen.next_u32() % static_cast<std::uint32_t>(vocab.size() - 2)));
    while (u == units[at]);
    units[at] = u;
  }
  return units;
}

struct Bucket {
  std::size_t lo, hi;  // reference units, inclusive
  std::vector<std::size_t> rows;
};

nlohmann::ordered_json scores_json(const std::vector<std::size_t>& rows,
                                   const std::vector<std::vector<std::string>>& hyps,
                                   const std::vector<std::vector<std::string>>& refs,
                                   const std::vector<decode::ForcedScore>& forced) {
  std::vector<std::vector<std::string>> h, r;
  std::int64_t correct = 0, total = 0;
  for (std::size_t i : rows) {
    h.push_back(hyps[i]);
    r.push_back(refs[i]);
    correct += forced[i].correct;
    total += forced[i].total;
  }
  const eval::SequenceScores s = eval::score_outputs(h, r);
  return {{"sentences", rows.size()},
          {"forced_token_accuracy",
           total > 0 ? static_cast<double>(correct) / static_cast<double>(total) : 0.0},
          {"greedy_token_accuracy", s.token_accuracy},
          {"exact_match", s.accuracy},
          {"bleu", s.bleu.bleu}};
}

std::string pct(double x) {
  return fmt::format("{:6.2f}%", 100 * x);
}

}  // namespace

void add_autoencode_eval(CLI::App& autoencode) {
  auto* cmd = autoencode.add_subcommand(
      "eval",
      "reconstruction: token accuracy (teacher-forced and greedy), exact match and BLEU by length");
  struct Flags {
    std::string model, data, perturb, device = "cpu";
    std::int64_t limit = 0, max_length = 0, seed = 1;
    int threads = 0;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--model", f->model,
                  "model.safetensors from autoencode train (or its run directory)")
      ->required();
  cmd->add_option("--data", f->data, "sentences, one per line")->required();
  cmd->add_option("--perturb", f->perturb,
                  "drop | swap | replace: change one unit of every input (the target stays the "
                  "sentence) to see how reconstruction degrades");
  cmd->add_option("--seed", f->seed, "where --perturb strikes")->capture_default_str();
  cmd->add_option("--limit", f->limit, "the first N sentences only (0: all)");
  cmd->add_option("--max-length", f->max_length,
                  "longest output (0: 2 x the longest sentence + 10)");
  add_device_flags(cmd, f->threads, f->device);
  cmd->add_flag("--json", f->json, "print a JSON object last");
  cmd->callback([f]() {
    apply_threads(f->threads);
    RNNKIT_CHECK(f->perturb.empty() || f->perturb == "drop" || f->perturb == "swap" ||
                     f->perturb == "replace",
                 "unknown --perturb '{}' (expected drop, swap or replace)", f->perturb);
    auto a = load_autoencoder(f->model, f->device);
    const auto& src_units = a.m.source_units;
    const auto& tgt_units = a.m.target_units;
    const std::vector<std::string> sentences = read_sentences(f->data, f->limit);
    RNNKIT_CHECK(!sentences.empty(), "{}: no sentences", f->data);
    Generator gen(static_cast<std::uint64_t>(f->seed), 0);
    std::vector<std::string> inputs;
    std::vector<std::vector<std::int32_t>> src_ids, tgt_ids;
    std::vector<std::vector<std::string>> refs;
    std::size_t longest = 0;
    for (const auto& s : sentences) {
      std::vector<std::string> units = src_units.split(s);
      if (!f->perturb.empty()) units = perturbed(units, f->perturb, a.m.source_vocab, gen);
      inputs.push_back(src_units.join(units));
      src_ids.push_back(a.m.source_vocab.encode(units));
      const std::vector<std::string> target = tgt_units.split(s);
      longest = std::max(longest, target.size());
      tgt_ids.push_back(a.m.target_vocab.encode(target));
      refs.push_back(tgt_units.scoring_units(s));
    }
    const auto forced = decode::teacher_forced_scores(*a.m.model, src_ids, tgt_ids,
                                                      a.m.target_vocab.eos_id(), a.device);
    decode::TranslateOptions t;
    t.max_length = f->max_length > 0 ? f->max_length : static_cast<std::int64_t>(2 * longest + 10);
    auto outs = decode::translate(*a.m.model, src_units, a.m.source_vocab, a.m.target_vocab, inputs,
                                  t, a.device);
    std::vector<std::vector<std::string>> hyps;
    for (auto& o : outs) hyps.push_back(tgt_units.scoring_units(tgt_units.join(o[0].units)));
    std::vector<Bucket> buckets = {
        {1, 5, {}}, {6, 10, {}}, {11, 20, {}}, {21, 40, {}}, {41, SIZE_MAX, {}}};
    std::vector<std::size_t> all(sentences.size());
    for (std::size_t i = 0; i < sentences.size(); ++i) {
      all[i] = i;
      const std::size_t n = std::max<std::size_t>(1, refs[i].size());
      for (auto& b : buckets)
        if (n >= b.lo && n <= b.hi) b.rows.push_back(i);
    }
    nlohmann::ordered_json j = scores_json(all, hyps, refs, forced);
    j["perturb"] =
        f->perturb.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f->perturb);
    nlohmann::ordered_json by_length = nlohmann::ordered_json::array();
    std::string table = fmt::format("{:>9} {:>9} {:>9} {:>9} {:>9} {:>7}\n", "length", "sentences",
                                    "forced", "greedy", "exact", "BLEU");
    for (const auto& b : buckets) {
      if (b.rows.empty()) continue;
      auto x = scores_json(b.rows, hyps, refs, forced);
      const std::string range =
          b.hi == SIZE_MAX ? fmt::format("{}+", b.lo) : fmt::format("{}-{}", b.lo, b.hi);
      table += fmt::format("{:>9} {:>9} {:>9} {:>9} {:>9} {:>7.2f}\n", range, b.rows.size(),
                           pct(x["forced_token_accuracy"]), pct(x["greedy_token_accuracy"]),
                           pct(x["exact_match"]), x["bleu"].get<double>());
      x["length"] = range;
      by_length.push_back(x);
    }
    j["by_length"] = by_length;
    std::cerr << table;
    print_result(
        fmt::format("{} sentences{}: token accuracy {} teacher-forced, {} greedy; exact "
                    "match {}; BLEU {:.2f}",
                    sentences.size(),
                    f->perturb.empty() ? "" : fmt::format(" (one unit each: {})", f->perturb),
                    pct(j["forced_token_accuracy"]), pct(j["greedy_token_accuracy"]),
                    pct(j["exact_match"]), j["bleu"].get<double>()),
        j, f->json);
  });
}

void add_autoencode_encode(CLI::App& autoencode) {
  auto* cmd = autoencode.add_subcommand(
      "encode",
      "one vector per input line (the encoder's final state), or each line's nearest sentences");
  struct Flags {
    std::string model, input, output, corpus, device = "cpu";
    std::int64_t nearest = 0, max_length = 1000;
    int threads = 0;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--model", f->model,
                  "model.safetensors from autoencode train (or its run directory)")
      ->required();
  cmd->add_option("--input", f->input, "sentences, one per line (default: standard input)");
  cmd->add_option("--output", f->output,
                  "write the vectors here: .safetensors (a 'codes' tensor [lines, hidden]) or text "
                  "(one line of numbers per input line)");
  cmd->add_option(
      "--nearest", f->nearest,
      "instead, print for each input line the K most similar lines of --corpus (cosine)");
  cmd->add_option("--corpus", f->corpus,
                  "--nearest: the sentences to search (the training text, say)");
  cmd->add_option("--max-length", f->max_length,
                  "cut longer inputs to this many units (0: no limit)")
      ->capture_default_str();
  add_device_flags(cmd, f->threads, f->device);
  cmd->callback([f, cmd]() {
    apply_threads(f->threads);
    const bool nearest = cmd->count("--nearest") > 0;
    RNNKIT_CHECK(!nearest || f->nearest >= 1, "--nearest must be at least 1, got {}", f->nearest);
    RNNKIT_CHECK(nearest == !f->corpus.empty(), "--nearest K and --corpus F go together");
    RNNKIT_CHECK(nearest || !f->output.empty(), "give --output F (or --nearest K --corpus F)");
    if (!f->output.empty() && f->output != "-") check_writable(f->output);
    auto a = load_autoencoder(f->model, f->device);
    std::vector<std::string> lines;
    text::read_lines(f->input.empty() ? "-" : f->input,
                     [&](const std::string& l) { lines.push_back(l); });
    auto codes = decode::sentence_codes(*a.m.model, a.m.source_units, a.m.source_vocab, lines,
                                        a.device, f->max_length);
    const std::int64_t H = a.m.model->config().hidden_size;
    if (!f->output.empty()) {
      if (f->output.size() > 12 && f->output.substr(f->output.size() - 12) == ".safetensors") {
        std::vector<float> flat;
        for (const auto& c : codes) flat.insert(flat.end(), c.begin(), c.end());
        io::save_safetensors(
            f->output,
            {{"codes", Tensor::from_vector(flat, {static_cast<std::int64_t>(codes.size()), H})}},
            {{"format", "rnnkit.codes"}, {"model", f->model}});
      } else {
        std::string out;
        for (const auto& c : codes) {
          for (std::size_t k = 0; k < c.size(); ++k)
            out += fmt::format("{}{:.6g}", k ? " " : "", c[k]);
          out += "\n";
        }
        if (f->output == "-")
          std::cout << out << std::flush;
        else
          io::write_file_atomic(f->output, out);
      }
      info(fmt::format("{} vectors of {} values written to {}", codes.size(), H,
                       f->output == "-" ? "standard output" : f->output));
    }
    if (!nearest) return;
    const std::vector<std::string> corpus = read_sentences(f->corpus, 0);
    auto known = decode::sentence_codes(*a.m.model, a.m.source_units, a.m.source_vocab, corpus,
                                        a.device, f->max_length);
    auto unit = [](std::vector<float>& v) {
      double n = 0;
      for (float x : v) n += static_cast<double>(x) * x;
      const float s = n > 0 ? static_cast<float>(1 / std::sqrt(n)) : 0.0f;
      for (float& x : v) x *= s;
    };
    for (auto& c : known) unit(c);
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      unit(codes[i]);
      std::vector<std::pair<float, std::size_t>> sims;
      for (std::size_t k = 0; k < known.size(); ++k) {
        float d = 0;
        for (std::int64_t h = 0; h < H; ++h) d += codes[i][h] * known[k][h];
        sims.emplace_back(d, k);
      }
      const std::size_t K =
          std::min<std::size_t>(static_cast<std::size_t>(f->nearest), sims.size());
      std::partial_sort(sims.begin(), sims.begin() + static_cast<std::ptrdiff_t>(K), sims.end(),
                        [](const auto& x, const auto& y) { return x.first > y.first; });
      out += "query: " + lines[i] + "\n";
      for (std::size_t k = 0; k < K; ++k)
        out += fmt::format("{:.4f}\t{}\n", sims[k].first, corpus[sims[k].second]);
    }
    std::cout << out << std::flush;
  });
}

}  // namespace rnnkit::cli

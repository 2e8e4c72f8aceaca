// rnnkit embed train: word2vec (skip-gram/CBOW, NS/HS) or PPMI + SVD vectors
// from a corpus file, a .gz file or stdin.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "cli/train_command.h"
#include "core/json_util.h"
#include "rnnkit/core/numbers.h"
#include "rnnkit/eval/word_vectors.h"
#include "rnnkit/io/vectors_file.h"
#include "rnnkit/models/count_vectors.h"
#include "rnnkit/text/segmenter.h"
#include "rnnkit/text/stream.h"
#include "rnnkit/train/run_directory.h"
#include "train/run_environment.h"

namespace rnnkit::cli {
namespace {

// The book's chapter-4 example queries.
void book_queries(const models::WordVectors& v) {
  eval::VectorIndex index(v);
  for (const char* w : {"you", "year", "car", "toyota"}) {
    if (index.id(w) < 0) continue;
    std::string line = fmt::format("[query] {}:", w);
    for (auto& [word, sim] : index.most_similar({w}, {}, 5)) line += fmt::format(" {} {:.3f};", word, sim);
    info(line);
  }
  const char* analogies[][3] = {{"king", "man", "queen"}, {"take", "took", "go"},
                                {"car", "cars", "child"}, {"good", "better", "bad"}};
  for (auto& a : analogies) {
    if (index.id(a[0]) < 0 || index.id(a[1]) < 0 || index.id(a[2]) < 0) continue;
    auto best = index.most_similar({a[1], a[2]}, {a[0]}, 3);
    info(fmt::format("[analogy] {} : {} = {} : ? -> {} ({:.3f}), {}, {}", a[0], a[1], a[2],
                     best[0].first, best[0].second, best[1].first, best[2].first));
  }
}

// Units other than words are split line by line; a subword model is trained
// on the first million lines unless one is given.
text::Segmenter embed_segmenter(const text::UnitOptions& u, const std::string& corpus) {
  std::vector<std::string> lines;
  if (u.unit == "subword" && u.subword_model.empty()) {
    RNNKIT_CHECK(corpus != "-",
                 "--unit subword on standard input needs --subword-model: the text would be read "
                 "twice (once to train the SentencePiece model)");
    text::StreamOptions first_lines;
    first_lines.max_lines = 1000000;
    text::read_lines(
        corpus, [&](const std::string& line) { lines.push_back(line); }, first_lines);
  }
  return text::make_segmenter(u, lines);
}

}  // namespace

void add_embed_train(CLI::App& embed) {
  auto* cmd = embed.add_subcommand("train", "train word vectors");
  struct Flags {
    std::string corpus, out = "runs/embed", format = "bin", method = "word2vec", preset, analogy;
    text::UnitOptions units;
    std::vector<std::string> similarity;
    models::Word2VecOptions w2v;
    text::IdCorpusOptions corpus_opts;
    models::CountVectorOptions count;
    std::int64_t restrict_vocab = 30000;
    double log_interval = 10;
    bool json = false, overwrite = false, print_config = false;
  };
  auto f = std::make_shared<Flags>();
  add_option_with_alias(cmd, "--train", "--corpus", f->corpus,
                        "training text (plain or gzip), '-' for stdin; a line is a sentence");
  cmd->add_option("--out", f->out, "run directory: vectors.<format>, config.json, results.json")
      ->capture_default_str();
  cmd->add_option("--format", f->format,
                  "vectors file: txt (word2vec text), bin (word2vec binary) or safetensors (with "
                  "the counts)")
      ->capture_default_str();
  cmd->add_flag("--overwrite", f->overwrite, "replace a run that --out holds");
  cmd->add_option("--unit", f->units.unit,
                  "what a word is: word (whitespace-separated) | char (UTF-8 characters) | subword "
                  "(SentencePiece) | mecab (Japanese words, MeCab)")
      ->capture_default_str();
  cmd->add_option("--subword-vocab", f->units.subword_vocab,
                  "subword: pieces of the SentencePiece model trained on the first million lines")
      ->capture_default_str();
  cmd->add_option("--subword-model", f->units.subword_model,
                  "subword: a SentencePiece .model file to use instead of training one");
  add_mecab_dict_flag(cmd, f->units.mecab_dictionary);
  cmd->add_option("--log-interval", f->log_interval,
                  "seconds between progress lines when stderr is not a terminal")
      ->capture_default_str();
  cmd->add_option("--method", f->method, "word2vec | ppmi-svd")->capture_default_str();
  cmd->add_option("--preset", f->preset, "book-cbow-ptb: the book's chapter-4 CBOW on PTB");
  cmd->add_option("--arch", f->w2v.arch, "skipgram | cbow")->capture_default_str();
  cmd->add_option("--loss", f->w2v.loss, "ns (negative sampling) | hs (hierarchical softmax)")->capture_default_str();
  cmd->add_option("--dim", f->w2v.dim, "vector size")->capture_default_str();
  cmd->add_option("--window", f->w2v.window, "context words on each side (ppmi-svd default 2)")->capture_default_str();
  cmd->add_option("--negative", f->w2v.negative, "negative samples")->capture_default_str();
  cmd->add_option("--sample", f->w2v.sample, "subsampling threshold (0: off)")->capture_default_str();
  cmd->add_option("--epochs", f->w2v.epochs, "passes over the corpus")->capture_default_str();
  add_option_with_alias(cmd, "--lr", "--alpha", f->w2v.alpha,
                        "start learning rate (default 0.025 skip-gram, 0.05 CBOW)");
  cmd->add_option("--min-count", f->corpus_opts.min_count, "ignore rarer words")->capture_default_str();
  cmd->add_option("--max-vocab", f->corpus_opts.max_vocab, "keep only the most frequent words (0: all)");
  cmd->add_option("--eig-power", f->count.eig_power, "ppmi-svd: vectors = U S^p")->capture_default_str();
  cmd->add_option("--threads", f->w2v.threads, "threads (0: all cores)");
  cmd->add_option("--seed", f->w2v.seed, "random seed")->capture_default_str();
  cmd->add_option("--analogy", f->analogy, "evaluate on an analogy file (questions-words.txt) afterwards");
  cmd->add_option("--similarity", f->similarity,
                  "evaluate on similarity files afterwards (several: separated by commas)")
      ->delimiter(',');
  cmd->add_option("--restrict", f->restrict_vocab, "analogy: answer from the N most frequent words")->capture_default_str();
  cmd->add_flag("--json", f->json, "print results.json's figures as one JSON line last");
  cmd->add_flag("--print-config", f->print_config, "print the configuration, and exit");
  cmd->callback([f, cmd]() {
    RNNKIT_CHECK(!f->corpus.empty(), "--train is required (the corpus)");
    auto t0 = std::chrono::steady_clock::now();
    auto& o = f->w2v;
    if (f->preset == "book-cbow-ptb") {
      auto given = [&](const char* n) { return cmd->count(n) > 0; };
      if (!given("--arch")) o.arch = "cbow";
      if (!given("--window")) o.window = 5;
      if (!given("--negative")) o.negative = 5;
      if (!given("--sample")) o.sample = 0;
      if (!given("--epochs")) o.epochs = 10;
      if (!given("--min-count")) f->corpus_opts.min_count = 1;
    } else if (!f->preset.empty()) {
      throw InvalidArgument(fmt::format("unknown preset '{}' (expected book-cbow-ptb)", f->preset));
    }
    RNNKIT_CHECK(f->method == "word2vec" || f->method == "ppmi-svd",
                 "unknown method '{}' (expected word2vec or ppmi-svd)", f->method);
    if (f->method == "word2vec") o.validate();
    apply_threads(o.threads);
    const io::VectorFormat format = io::parse_vector_format(f->format);
    const std::string ext = format == io::VectorFormat::kText     ? "txt"
                            : format == io::VectorFormat::kBinary ? "bin"
                                                                  : "safetensors";
    for (const char* suffix : {".txt", ".bin", ".safetensors"})
      RNNKIT_CHECK(!f->out.ends_with(suffix),
                   "--out {} names a file: --out is the run directory (the vectors are written to "
                   "DIR/vectors.{}; --format chooses txt, bin or safetensors)",
                   f->out, ext);
    nlohmann::ordered_json config = {
        {"family", "embed"},
        {"train", data_path(f->corpus)},
        {"out", f->out},
        {"format", f->format},
        {"method", f->method},
        {"preset", f->preset},
        {"arch", o.arch},
        {"loss", o.loss},
        {"dim", o.dim},
        {"window", f->method == "ppmi-svd" && !cmd->count("--window") ? 2 : o.window},
        {"negative", o.negative},
        {"sample", shortest_decimal(o.sample)},
        {"epochs", o.epochs},
        {"lr", shortest_decimal(o.start_alpha())},
        {"min_count", f->corpus_opts.min_count},
        {"max_vocab", f->corpus_opts.max_vocab},
        {"seed", o.seed},
        {"unit", f->units.unit},
        {"subword_vocab", f->units.subword_vocab},
        {"subword_model", f->units.subword_model.empty() ? "" : data_path(f->units.subword_model)},
        {"mecab_dictionary", f->units.mecab_dictionary}};
    if (f->print_config) {
      std::cout << json_dump(config, 2) << std::endl;
      return;
    }
    train::RunDirectory run(f->out, false, f->overwrite, /*resumable=*/false);
    const std::string vectors_path = run.path("vectors." + ext).string();
    run_header(
        "embed train",
        fmt::format("{} {}, dim {}, window {}, seed {}", f->method,
                    f->method == "word2vec" ? o.arch + "/" + o.loss : "", o.dim,
                    f->method == "ppmi-svd" && !cmd->count("--window") ? 2 : o.window, o.seed));
    const text::Segmenter units = embed_segmenter(f->units, f->corpus);
    if (units.unit() != text::Unit::kWord)
      f->corpus_opts.split = [&units](const std::string& line) { return units.split(line); };
    text::IdCorpus corpus = text::read_id_corpus(f->corpus, f->corpus_opts);
    info(fmt::format("corpus: {} tokens, {} kept in a vocabulary of {} (min count {})",
                     corpus.raw_tokens, corpus.ids.size(), corpus.words.size(),
                     f->corpus_opts.min_count));
    RNNKIT_CHECK(static_cast<std::int64_t>(corpus.words.size()) > o.window || f->method != "word2vec",
                 "{}: the vocabulary ({} words) is smaller than the window ({})", f->corpus,
                 corpus.words.size(), o.window);
    models::WordVectors vectors;
    double words_per_s = 0, train_s = 0;
    if (f->method == "word2vec") {
      const double interval = ::isatty(STDERR_FILENO) ? 1.0 : f->log_interval;
      double last = -1e30;
      auto r = models::train_word2vec(corpus, o, [&](const models::Word2VecProgress& p) {
        if (p.elapsed_s - last < interval) return;
        last = p.elapsed_s;
        print_progress({p.epoch, p.epochs, p.fraction * p.epochs - (p.epoch - 1),
                        p.words_per_s_per_thread, "words/thread", p.alpha,
                        fmt::format("loss {:.4f}", p.loss), p.loss, p.elapsed_s, p.eta_s});
      });
      end_progress();
      words_per_s = r.words_per_s;
      train_s = r.seconds;
      info(fmt::format("trained on {} words in {} ({:.0f} words/s)", r.trained_words,
                       format_duration(r.seconds), r.words_per_s));
      vectors = std::move(r.vectors);
    } else {
      f->count.dim = o.dim;
      f->count.window = cmd->count("--window") ? o.window : 2;
      f->count.seed = o.seed;
      vectors = models::count_vectors(corpus, f->count, [](const std::string& m) { info(m); });
    }
    run.begin();
    config["environment"] = train::run_environment("cpu");
    run.write_config(config);
    io::save_vectors(vectors_path, vectors, format);
    info(fmt::format("wrote {} vectors of {} to {}", vectors.words.size(), vectors.dim(),
                     vectors_path));
    if (f->preset == "book-cbow-ptb") book_queries(vectors);
    nlohmann::ordered_json j = {{"words_per_s", words_per_s},
                                {"train_s", train_s},
                                {"corpus_tokens", corpus.raw_tokens},
                                {"vocab", corpus.words.size()},
                                {"analogy_acc", nullptr},
                                {"analogy_coverage", nullptr},
                                {"similarity_spearman", nullptr}};
    if (!f->analogy.empty()) {
      eval::VectorIndex index(vectors, f->restrict_vocab);
      auto a = eval::evaluate_analogy(index, f->analogy, eval::AnalogyMethod::kAdd);
      info(fmt::format("analogy (3CosAdd, top {}): {:.2f}% of {} covered questions ({:.1f}% coverage)",
                       f->restrict_vocab, 100 * a.accuracy(), a.total.covered, 100 * a.coverage()));
      j["analogy_acc"] = a.accuracy();
      j["analogy_coverage"] = a.coverage();
    }
    if (!f->similarity.empty()) {
      eval::VectorIndex index(vectors);
      nlohmann::ordered_json sims;
      for (const auto& path : f->similarity) {
        auto s = eval::evaluate_similarity(index, path);
        info(fmt::format("similarity {}: Spearman {:.3f} over {} of {} pairs", s.name, s.spearman,
                         s.covered, s.pairs));
        sims[s.name] = s.spearman;
        if (j["similarity_spearman"].is_null()) j["similarity_spearman"] = s.spearman;
      }
      j["similarity"] = sims;
    }
    j["wall_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    j["peak_rss_mb"] = peak_rss_mb();
    j["vectors"] = vectors_path;
    run.write_results(j);
    run.mark_saved();
    print_results(j, f->json);
  });
}

}  // namespace rnnkit::cli

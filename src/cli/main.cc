// rnnkit: one subcommand per file in this folder; this file wires them up and
// turns every error into one "error: ..." line and a non-zero exit.
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "cli/common.h"
#include "rnnkit/core/error.h"
#include "rnnkit/core/logging.h"

namespace {

// OpenMP reads its wait policy when the program loads, before main. Threads
// that spin between parallel regions steal a core from the other process on a
// small machine, so unless the user chose a policy, re-run with PASSIVE.
void ensure_passive_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return;
  self[n] = '\0';
  ::execv(self, argv);  // only returns on failure: carry on as we are
}

}  // namespace

int main(int argc, char** argv) {
  ensure_passive_wait(argv);
  rnnkit::set_log_sink([](rnnkit::LogLevel level, const std::string& m) {
    rnnkit::cli::info(level == rnnkit::LogLevel::kWarn ? "warning: " + m : m);
  });
  CLI::App app{"rnnkit: recurrent networks for language, on the CPU and GPU"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "rnnkit 0.1.0");
  CLI::App* lm = app.add_subcommand("lm", "language models: train, eval, generate");
  lm->require_subcommand(1);
  rnnkit::cli::add_lm_train(*lm);
  rnnkit::cli::add_lm_eval(*lm);
  rnnkit::cli::add_lm_generate(*lm);
  CLI::App* embed = app.add_subcommand("embed", "word vectors: train, similar, analogy, eval, export");
  embed->require_subcommand(1);
  rnnkit::cli::add_embed_train(*embed);
  rnnkit::cli::add_embed_similar(*embed);
  rnnkit::cli::add_embed_analogy(*embed);
  rnnkit::cli::add_embed_eval(*embed);
  rnnkit::cli::add_embed_export(*embed);
  CLI::App* seq2seq = app.add_subcommand("seq2seq", "encoder-decoder models: train, eval, translate");
  seq2seq->require_subcommand(1);
  rnnkit::cli::add_seq2seq_train(*seq2seq);
  rnnkit::cli::add_seq2seq_eval(*seq2seq);
  rnnkit::cli::add_seq2seq_translate(*seq2seq);
  CLI::App* ngram = app.add_subcommand("ngram", "Kneser-Ney n-gram models: train, eval");
  ngram->require_subcommand(1);
  rnnkit::cli::add_ngram_train(*ngram);
  rnnkit::cli::add_ngram_eval(*ngram);
  rnnkit::cli::add_data(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const rnnkit::Error& e) {
    rnnkit::cli::end_progress();
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    rnnkit::cli::end_progress();
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}

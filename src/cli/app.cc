// The command tree, and a command line run in this process.
#include "cli/app.h"

#include <mutex>

#include "cli/common.h"
#include "cli/train_command.h"
#include "cli/usage.h"
#include "rnnkit/core/build_info.h"

namespace rnnkit::cli {

void add_commands(CLI::App& app) {
  app.require_subcommand(1);
  app.set_version_flag("--version", "rnnkit " + build_info().version);
  CLI::App* lm = app.add_subcommand("lm", "language models: train, eval, generate, inspect");
  lm->require_subcommand(1);
  add_lm_train(*lm);
  add_lm_eval(*lm);
  add_lm_generate(*lm);
  add_lm_inspect(*lm);
  CLI::App* embed =
      app.add_subcommand("embed", "word vectors: train, similar, analogy, eval, export");
  embed->require_subcommand(1);
  add_embed_train(*embed);
  add_embed_similar(*embed);
  add_embed_analogy(*embed);
  add_embed_eval(*embed);
  add_embed_export(*embed);
  CLI::App* seq2seq =
      app.add_subcommand("seq2seq", "encoder-decoder models: train, eval, translate");
  seq2seq->require_subcommand(1);
  add_seq2seq_train(*seq2seq);
  add_seq2seq_eval(*seq2seq);
  add_seq2seq_translate(*seq2seq);
  CLI::App* autoencode =
      app.add_subcommand("autoencode", "sequence autoencoders: train, eval, encode");
  autoencode->require_subcommand(1);
  add_autoencode_train(*autoencode);
  add_autoencode_eval(*autoencode);
  add_autoencode_encode(*autoencode);
  CLI::App* classify = app.add_subcommand("classify", "sentence classifiers: train, eval, predict");
  classify->require_subcommand(1);
  add_classify_train(*classify);
  add_classify_eval(*classify);
  add_classify_predict(*classify);
  CLI::App* forecast =
      app.add_subcommand("forecast", "forecasters of numeric time series: train, eval, predict");
  forecast->require_subcommand(1);
  add_forecast_train(*forecast);
  add_forecast_eval(*forecast);
  add_forecast_predict(*forecast);
  CLI::App* ngram = app.add_subcommand("ngram", "Kneser-Ney n-gram models: train, eval");
  ngram->require_subcommand(1);
  add_ngram_train(*ngram);
  add_ngram_eval(*ngram);
  add_data(app);
  add_info(app);
}

void run_command_line(const std::vector<std::string>& args, RunOptions options) {
  // The run's options live in globals the training commands read.
  static std::mutex running;
  std::unique_lock<std::mutex> lock(running, std::try_to_lock);
  if (!lock.owns_lock()) throw Error("another rnnkit command is running in this process");
  set_run_options(std::move(options));
  struct Reset {
    ~Reset() { set_run_options({}); }
  } reset;
  CLI::App app{kDescription};
  add_commands(app);
  std::vector<std::string> words = {"rnnkit"};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  const int argc = static_cast<int>(argv.size());
  check_usage(app, argc, argv.data());
  app.parse(argc, argv.data());
}

}  // namespace rnnkit::cli

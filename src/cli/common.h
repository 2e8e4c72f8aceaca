// Shared pieces of the command-line tool: subcommand registration, progress
// lines, the --json headline, resource figures.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <initializer_list>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "rnnkit/io/model_file.h"
#include "rnnkit/nn/module.h"

namespace rnnkit::cli {

// Each subcommand file defines one of these and registers it in main.cc.
void add_lm_train(CLI::App& lm);
void add_lm_eval(CLI::App& lm);
void add_lm_generate(CLI::App& lm);
void add_lm_inspect(CLI::App& lm);
void add_embed_train(CLI::App& embed);
void add_embed_similar(CLI::App& embed);
void add_embed_analogy(CLI::App& embed);
void add_embed_eval(CLI::App& embed);
void add_embed_export(CLI::App& embed);
void add_data(CLI::App& app);
void add_info(CLI::App& app);
void add_seq2seq_train(CLI::App& seq2seq);
void add_seq2seq_eval(CLI::App& seq2seq);
void add_seq2seq_translate(CLI::App& seq2seq);
void add_autoencode_train(CLI::App& autoencode);
void add_autoencode_eval(CLI::App& autoencode);
void add_autoencode_encode(CLI::App& autoencode);
void add_ngram_train(CLI::App& ngram);
void add_ngram_eval(CLI::App& ngram);
void add_classify_train(CLI::App& classify);
void add_classify_eval(CLI::App& classify);
void add_classify_predict(CLI::App& classify);
void add_forecast_train(CLI::App& forecast);
void add_forecast_eval(CLI::App& forecast);
void add_forecast_predict(CLI::App& forecast);

// Thrown to end the program with this exit status after what it printed
// (an interrupted training run: 128 + the signal).
struct ExitCode {
  int code = 0;
};

// Prints a progress line: rewritten in place with \r on a terminal, one line
// per update otherwise.
void progress_line(const std::string& line);
void end_progress();
void info(const std::string& line);  // to stderr, after any progress line
// One JSON object on one line.
std::string json_line(const nlohmann::ordered_json& j);
// An eval command's result: `line` on stdout; with --json, `j` on stdout and
// the line on stderr.
void print_result(const std::string& line, const nlohmann::ordered_json& j, bool json);
// The first line of a command that trains: what runs, then what it runs on
// (the real thread count, the BLAS and its kernels).
void run_header(const std::string& command, const std::string& settings);

std::string format_duration(double seconds);
double peak_rss_mb();
// A saved language model placed on a device, in evaluation mode.
struct InferenceModel {
  io::LoadedLanguageModel loaded;
  std::unique_ptr<nn::ParameterSet> params;
  Device device;
};
InferenceModel load_for_inference(const std::string& path, const std::string& device);

// One name for one thing in every command; an old name stays for a release
// as an alias that warns, listed apart in --help. Adds `new_name` and `old_name` for `value`.
template <typename T>
void add_option_with_alias(CLI::App* cmd, const std::string& new_name, const std::string& old_name,
                           T& value, const std::string& help) {
  auto* current = cmd->add_option(new_name, value, help);
  cmd->add_option(old_name, value, "old name of " + new_name)
      ->group("Old names (removed in a later release)")
      ->excludes(current)  // both given: which one wins would be a guess
      ->each([new_name, old_name](const std::string&) {
        info("warning: " + old_name + " is now " + new_name +
             " (the old name will be removed in a later release)");
      });
}

// A run directory given where a model or vectors file is expected: the first
// of `names` in it (said in the log); any other path as it is.
std::string file_in_run(const std::string& path, std::initializer_list<const char*> names);
inline const std::initializer_list<const char*> kVectorFiles = {"vectors.bin", "vectors.txt",
                                                                "vectors.safetensors"};

// A saved model of another family (`load`: io::load_seq2seq, io::load_classifier)
// placed on a device, in evaluation mode; a run directory means its model file.
template <typename Loaded>
struct ModelForUse {
  Loaded m;
  std::unique_ptr<nn::ParameterSet> params;
  Device device;
};
template <typename Loaded>
ModelForUse<Loaded> load_for_use(Loaded (*load)(const std::string&), const std::string& path,
                                 const std::string& device) {
  ModelForUse<Loaded> l{load(file_in_run(path, {"model.safetensors"})), nullptr,
                        available_device(device)};
  l.params = std::make_unique<nn::ParameterSet>(*l.m.model, l.device);
  l.m.model->train(false);
  return l;
}

// An encoder-decoder trained by `autoencode train` (its train_options say so).
bool is_autoencoder(const io::LoadedSeq2Seq& m);

// A forecaster's data read as training read it (the model's series, by name
// when the file has a header) and checked against the model: its series, its
// lookback, values its log transform can take.
series::Table read_forecast_data(const io::LoadedForecaster& m, const std::string& data,
                                 const std::string& fill);

// Queries from standard input, one per line (words split at spaces): each
// answered after a "query: ..." line; a query that fails says why on stderr
// and the next one is read. Throws at the end if any failed.
void for_each_query(const std::function<void(const std::vector<std::string>&)>& answer,
                    bool json = false);

// An output file that cannot be written is found before any work: its
// folder must exist and be writable, and the path must not be a folder.
void check_writable(const std::string& path);

// Out-of-vocabulary units make any score look better than it is: every
// evaluation reports them and warns above --max-oov-rate.
void add_oov_flag(CLI::App* cmd, double& max_rate);
void warn_oov(const std::string& data, double rate, double max_rate);

// --mecab-dict, beside --unit mecab in every family that reads text.
void add_mecab_dict_flag(CLI::App* cmd, std::string& dictionary);

// Sets the thread count (0: all cores) and says so.
void apply_threads(int threads);
// --threads and --device, as every command that runs a model takes them.
void add_device_flags(CLI::App* cmd, int& threads, std::string& device);

}  // namespace rnnkit::cli

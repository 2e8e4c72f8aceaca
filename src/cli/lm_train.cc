// rnnkit lm train: flags map onto LmTrainOptions; a preset fills the defaults
// and any flag given overrides its field.
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "cli/train_flags.h"
#include "rnnkit/train/lm_trainer.h"

namespace rnnkit::cli {

void add_lm_train(CLI::App& lm) {
  auto* cmd = lm.add_subcommand("train", "train a language model with truncated BPTT");
  struct Flags : TrainFlags {
    std::string train, valid, test, out = "runs/lm", preset = "small", cell, unit, output;
    std::int64_t context = 0, samples = 0, classes = 0;
    float noise_alpha = 0;
    std::int64_t batch = 0, steps = 0, hidden = 0, emb = 0, layers = 0, max_vocab = 0,
                 min_count = 1, eval_batch = 1, eval_steps = 35;
    double time_budget = 0;
    float dropout = -1, embedding_dropout = 0, init = 0, momentum = 0, weight_decay = 0;
    bool tie = false, forget_bias = false, variational = false;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--train", f->train, "training text (one sentence per line)")->required();
  cmd->add_option("--valid", f->valid, "validation text");
  cmd->add_option("--test", f->test, "test text, evaluated after training as one stream");
  cmd->add_option("--out", f->out, "run directory")->capture_default_str();
  cmd->add_option("--preset", f->preset,
                  "small | medium | large (Zaremba et al. 2014) | book-rnnlm | book-better-rnnlm "
                  "(the book's ch. 6)")
      ->capture_default_str();
  cmd->add_option("--cell", f->cell, "rnn | lstm | gru");
  cmd->add_option("--unit", f->unit, "word | char (UTF-8 characters, spaces included; reports bits per character)");
  cmd->add_option("--layers", f->layers, "recurrent layers");
  cmd->add_option("--context", f->context,
                  "feed-forward LM over this many previous words (Bengio et al. 2003) instead of a recurrent one");
  cmd->add_option("--hidden", f->hidden, "hidden units per layer");
  cmd->add_option("--emb", f->emb, "embedding size");
  cmd->add_option("--batch", f->batch, "parallel streams");
  cmd->add_option("--steps", f->steps, "BPTT steps per batch");
  cmd->add_option("--momentum", f->momentum, "SGD momentum");
  cmd->add_option("--weight-decay", f->weight_decay, "L2 penalty (decoupled for adamw)");
  cmd->add_option("--output", f->output,
                  "output layer and its training: softmax | importance (sampled softmax) | nce | negative | blackout | "
                  "hierarchical (Huffman-tree softmax) | class (two-level, frequency classes)");
  cmd->add_option("--classes", f->classes, "class output: number of classes (default: sqrt of the vocabulary)");
  cmd->add_option("--samples", f->samples, "sampled objectives: noise words per batch (default 256)");
  cmd->add_option("--noise-alpha", f->noise_alpha, "sampled objectives: noise = unigram^alpha (default 0.75)");
  cmd->add_option("--dropout", f->dropout, "dropout on embeddings, between layers and on outputs");
  cmd->add_flag("--variational-dropout", f->variational, "one dropout mask per sequence");
  cmd->add_option("--embedding-dropout", f->embedding_dropout,
                  "drop whole words from the input with this probability (the same words across the batch)");
  cmd->add_option("--init", f->init, "uniform initialisation range");
  cmd->add_flag("--tie", f->tie, "tie the embedding and output matrices");
  cmd->add_flag("--forget-bias", f->forget_bias, "initialise the LSTM forget-gate bias to 1");
  cmd->add_option("--max-vocab", f->max_vocab, "vocabulary size limit (0: none)");
  cmd->add_option("--min-count", f->min_count, "drop rarer words to <unk>");
  cmd->add_option("--eval-batch", f->eval_batch, "streams for evaluation")->capture_default_str();
  cmd->add_option("--eval-steps", f->eval_steps, "window for evaluation")->capture_default_str();
  cmd->add_option(
      "--time-budget", f->time_budget,
      "stop training after this many seconds of it (evaluation not counted); the epoch under way "
      "is evaluated and saved");

  add_train_flags(cmd, *f, "validation perplexity");
  cmd->callback([f, cmd]() {
    train::LmTrainOptions o = train::lm_preset(f->preset);
    apply_train_flags(*cmd, *f, o);
    o.train_path = f->train;
    o.valid_path = f->valid;
    o.test_path = f->test;
    o.out_dir = f->out;
    auto given = [&](const char* name) { return cmd->count(name) > 0; };
    if (given("--cell")) o.model.cell = f->cell;
    if (given("--unit")) o.model.unit = f->unit;
    if (given("--layers")) o.model.num_layers = f->layers;
    if (given("--context")) o.model.context = f->context;
    if (given("--hidden")) o.model.hidden_size = f->hidden;
    if (given("--emb")) o.model.emb_size = f->emb;
    if (given("--batch")) o.batch = f->batch;
    if (given("--steps")) o.steps = f->steps;
    if (given("--momentum")) o.optimizer.momentum = f->momentum;
    if (given("--weight-decay")) o.optimizer.weight_decay = f->weight_decay;
    if (given("--output")) {
      if (f->output == "hierarchical" || f->output == "class")
        o.model.output = f->output;  // layers, not objectives
      else
        o.output = f->output;
    }
    if (given("--samples")) o.samples = f->samples;
    if (given("--classes")) o.model.classes = f->classes;
    if (given("--noise-alpha")) o.noise_alpha = f->noise_alpha;
    if (given("--dropout")) o.model.dropout = f->dropout;
    if (given("--variational-dropout")) o.model.variational_dropout = true;
    if (given("--embedding-dropout")) o.model.embedding_dropout = f->embedding_dropout;
    if (given("--init")) o.model.init_range = f->init;
    if (given("--tie")) o.model.tie_weights = true;
    if (given("--forget-bias")) o.model.forget_bias_one = true;
    o.max_vocab = f->max_vocab;
    o.min_count = f->min_count;
    o.eval_batch = f->eval_batch;
    o.eval_steps = f->eval_steps;
    o.time_budget_s = f->time_budget;

    run_header("lm train",
               fmt::format("preset {}, seed {}, output {}", o.preset, o.seed, o.out_dir));
    train::LmTrainCallbacks cb;
    cb.on_message = [](const std::string& m) { info(m); };
    // A sampled objective is no perplexity: show it as a loss per token.
    const bool sampled = o.output != "softmax";
    cb.on_progress = [sampled](const train::LmProgress& p) {
      progress_line(fmt::format("Ep. {}/{} : {:5.1f}% : {:7.0f} tok/s : lr {:.3g} : {} : ETA {}", p.epoch,
                                p.epochs, 100.0 * p.fraction, p.tokens_per_s, p.lr,
                                sampled ? fmt::format("objective {:.3f}", std::log(p.ppl))
                                        : fmt::format("ppl {:8.2f}", p.ppl),
                                format_duration(p.eta_s)));
    };
    // Perplexities of sets not given read "-", not 0.
    auto ppl = [](double v) { return v > 0 ? fmt::format("{:.2f}", v) : std::string("-"); };
    cb.on_epoch = [ppl, sampled](const train::LmEpochReport& r) {
      info(fmt::format("epoch {} done in {}: lr {:.3g}, {}, valid ppl {}, {:.0f} tok/s", r.epoch,
                       format_duration(r.seconds), r.lr,
                       sampled ? fmt::format("train objective {:.3f}", std::log(r.train_ppl))
                               : fmt::format("train ppl {:.2f}", r.train_ppl),
                       ppl(r.valid_ppl), r.tokens_per_s));
    };
    train::LmTrainResult r = train::train_language_model(o, cb);
    const bool chars = o.model.unit == "char";
    auto bpc = [](double p) { return p > 0 ? std::log2(p) : 0.0; };
    info(fmt::format("done in {}: {}, valid ppl {}, test ppl {}{}; model {}", format_duration(r.wall_s),
                     sampled ? fmt::format("train objective {:.3f}", std::log(r.train_ppl))
                             : fmt::format("train ppl {:.2f}", r.train_ppl),
                     ppl(r.valid_ppl), ppl(r.test_ppl),
                     chars && r.test_ppl > 0 ? fmt::format(" ({:.3f} bits per character)", bpc(r.test_ppl)) : "",
                     r.model_path));
    if (f->json) {
      nlohmann::ordered_json j = {{"train_ppl", r.train_ppl},
                                  {"valid_ppl", r.valid_ppl},
                                  {"test_ppl", r.test_ppl},
                                  {"train_tokens_per_s", r.train_tokens_per_s},
                                  {"train_tokens", r.train_tokens},
                                  {"eval_tokens_per_s", r.eval_tokens_per_s},
                                  {"peak_rss_mb", peak_rss_mb()},
                                  {"wall_s", r.wall_s},
                                  {"epochs", r.epochs},
                                  {"model", r.model_path}};
      if (chars) j["test_bpc"] = bpc(r.test_ppl);
      std::cout << j.dump() << std::endl;
    }
  });
}

}  // namespace rnnkit::cli

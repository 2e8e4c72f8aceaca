// rnnkit lm train: flags map onto LmTrainOptions; a preset (or, on --resume,
// the run's config.json) fills the defaults and any flag given overrides its field.
#include <fmt/format.h>

#include "cli/common.h"
#include "cli/train_command.h"
#include "rnnkit/train/lm_trainer.h"

namespace rnnkit::cli {

void add_lm_train(CLI::App& lm) {
  auto* cmd = lm.add_subcommand("train", "train a language model with truncated BPTT");
  struct Flags : TrainFlags {
    std::string train, valid, test, preset = "small", cell, unit, output, subword_model, mecab_dict;
    int subword_vocab = 8000;
    std::int64_t context = 0, samples = 0, classes = 0;
    float noise_alpha = 0;
    std::int64_t batch = 0, steps = 0, hidden = 0, emb = 0, layers = 0, max_vocab = 0,
                 min_count = 1, eval_batch = 1, eval_steps = 35;
    float dropout = -1, embedding_dropout = 0, init = 0;
    bool tie = false, forget_bias = false, variational = false;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--train", f->train, "training text (one sentence per line)");
  cmd->add_option("--valid", f->valid, "validation text (the best epoch on it is the model kept)");
  cmd->add_option("--test", f->test, "test text, evaluated after training as one stream");
  cmd->add_option("--preset", f->preset,
                  "small | medium | large (Zaremba et al. 2014) | book-rnnlm | book-better-rnnlm "
                  "(the book's ch. 6)")
      ->capture_default_str();
  cmd->add_option("--cell", f->cell, "rnn | lstm | gru");
  cmd->add_option("--unit", f->unit,
                  "word | char (UTF-8 characters, spaces included; reports bits per character) | "
                  "subword (SentencePiece) | mecab (Japanese words, MeCab)");
  cmd->add_option("--subword-vocab", f->subword_vocab,
                  "subword: pieces of the SentencePiece model trained on --train")
      ->capture_default_str();
  cmd->add_option("--subword-model", f->subword_model,
                  "subword: a SentencePiece .model file to use instead of training one");
  add_mecab_dict_flag(cmd, f->mecab_dict);
  cmd->add_option("--layers", f->layers, "recurrent layers");
  cmd->add_option("--context", f->context,
                  "feed-forward LM over this many previous words (Bengio et al. 2003) instead of a "
                  "recurrent one");
  cmd->add_option("--hidden", f->hidden, "hidden units per layer");
  cmd->add_option("--emb", f->emb, "embedding size");
  cmd->add_option("--batch", f->batch, "parallel streams");
  cmd->add_option("--steps", f->steps, "BPTT steps per batch");
  cmd->add_option("--output", f->output,
                  "output layer and its training: softmax | importance (sampled softmax) | nce | "
                  "negative | blackout | hierarchical (Huffman-tree softmax; half the preset's "
                  "learning rate unless --lr) | class (two-level, frequency classes)");
  cmd->add_option("--classes", f->classes,
                  "class output: number of classes (default: sqrt of the vocabulary)");
  cmd->add_option("--samples", f->samples, "sampled objectives: noise words per batch (default 256)");
  cmd->add_option("--noise-alpha", f->noise_alpha,
                  "sampled objectives: noise = unigram^alpha (default 0.75)");
  cmd->add_option("--dropout", f->dropout, "dropout on embeddings, between layers and on outputs");
  cmd->add_flag("--variational-dropout", f->variational, "one dropout mask per sequence");
  cmd->add_option("--embedding-dropout", f->embedding_dropout,
                  "drop whole words from the input with this probability (the same words across "
                  "the batch)");
  cmd->add_option("--init", f->init, "uniform initialisation range");
  cmd->add_flag("--tie", f->tie, "tie the embedding and output matrices");
  cmd->add_flag("--forget-bias", f->forget_bias, "initialise the LSTM forget-gate bias to 1");
  cmd->add_option("--max-vocab", f->max_vocab, "vocabulary size limit (0: none)");
  cmd->add_option("--min-count", f->min_count, "drop rarer words to <unk>");
  cmd->add_option("--eval-batch", f->eval_batch, "streams for evaluation")->capture_default_str();
  cmd->add_option("--eval-steps", f->eval_steps, "window for evaluation")->capture_default_str();
  add_train_flags(cmd, *f, "runs/lm", "validation perplexity");
  cmd->callback([f, cmd]() {
    train::LmTrainOptions o = train::lm_preset(f->preset);
    const nlohmann::json saved = resume_config(*cmd, *f, "lm");
    apply_saved(o, saved, *f);
    apply_train_flags(*cmd, *f, saved, o);
    auto given = [&](const char* name) { return cmd->count(name) > 0; };
    if (given("--train")) o.train_path = data_path(f->train);
    if (given("--valid")) o.valid_path = data_path(f->valid);
    if (given("--test")) o.test_path = data_path(f->test);
    if (given("--cell")) o.model.cell = f->cell;
    if (given("--unit")) o.model.unit = f->unit;
    if (given("--subword-vocab")) o.subword_vocab = f->subword_vocab;
    if (given("--subword-model")) o.subword_model = data_path(f->subword_model);
    if (given("--mecab-dict")) o.mecab_dictionary = f->mecab_dict;
    if (given("--layers")) o.model.num_layers = f->layers;
    if (given("--context")) o.model.context = f->context;
    if (given("--hidden")) o.model.hidden_size = f->hidden;
    if (given("--emb")) o.model.emb_size = f->emb;
    if (given("--batch")) o.batch = f->batch;
    if (given("--steps")) o.steps = f->steps;
    if (given("--output")) {
      if (f->output == "hierarchical" || f->output == "class")
        o.model.output = f->output;  // layers, not objectives
      else
        o.output = f->output;
      // The tree's loss sums ~log2 V logistic terms per word: at the presets' rate
      // its steps are several times the softmax's (PTB: valid ppl 335 after one
      // epoch at lr 1, 253 at 0.5; bench/RESULTS.md).
      if (f->output == "hierarchical" && !given("--lr") && saved.is_null()) {
        o.optimizer.lr *= 0.5f;
        info(
            fmt::format("hierarchical output: learning rate {:g} (half the preset's; --lr sets it)",
                        o.optimizer.lr));
      }
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
    if (given("--max-vocab")) o.max_vocab = f->max_vocab;
    if (given("--min-count")) o.min_count = f->min_count;
    if (given("--eval-batch")) o.eval_batch = f->eval_batch;
    if (given("--eval-steps")) o.eval_steps = f->eval_steps;
    auto task = train::make_lm_task(o);
    run_training("lm train", *task, o, *f);
  });
}

}  // namespace rnnkit::cli

// rnnkit seq2seq train | eval | translate.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "cli/train_command.h"
#include "rnnkit/decode/translate.h"
#include "rnnkit/eval/plot.h"
#include "rnnkit/eval/sequence_scores.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/io/safetensors.h"
#include "rnnkit/text/corpus.h"
#include "rnnkit/train/seq2seq_trainer.h"

namespace rnnkit::cli {

namespace {
ModelForUse<io::LoadedSeq2Seq> load_seq2seq_for_use(const std::string& path,
                                                    const std::string& device) {
  return load_for_use(&io::load_seq2seq, path, device);
}

std::string fmt_pct(double x) { return fmt::format("{:.2f}%", 100.0 * x); }

using decode::kMaxSourceLength;

void add_source_length_flag(CLI::App* cmd, std::int64_t& max) {
  cmd->add_option("--max-source-length", max, "cut longer inputs to this many units (0: no limit)")
      ->capture_default_str();
}

void report_cropped(const std::vector<std::vector<decode::Translation>>& outs, std::int64_t max) {
  std::int64_t n = 0;
  for (const auto& o : outs) n += !o.empty() && o[0].cropped;
  if (n > 0)
    info(fmt::format("warning: {} input{} longer than {} units cut to that length", n,
                     n == 1 ? "" : "s", max));
}
}  // namespace

namespace {
// seq2seq train, or (autoencode) the same trainer on sentences that are their own targets.
void add_encoder_decoder_train(CLI::App& parent, bool autoencode) {
  auto* cmd = parent.add_subcommand(
      "train", autoencode ? "train a sequence autoencoder (each sentence its own target)"
                          : "train an encoder-decoder (teacher forcing)");
  struct Flags : TrainFlags {
    std::string data, train, valid, test, format = "tsv", preset, cell, unit, attention,
                                          subword_models, mecab_dict;
    bool book_split = false, bucket = false;
    int subword_vocab = 8000;
    std::int64_t emb = 0, hidden = 0, layers = 0, batch = 0, beam = 0, max_length = 0,
                 eval_limit = -1, max_vocab = 0, max_target_vocab = 0, min_count = 1;
    float dropout = -1, length_penalty = -1, test_fraction = 0.1f, init = -1;
    bool bidirectional = false, input_feed = false, residual = false, peeky = false,
         no_peeky = false, reverse = false, no_reverse = false, reverse_output = false;
  };
  auto f = std::make_shared<Flags>();
  f->preset = autoencode ? "autoencoder" : "addition-peeky";
  const char* what = autoencode ? "sentences, one per line" : "pairs";
  cmd->add_option("--data", f->data,
                  fmt::format("one file of {}, split into train and test", what));
  cmd->add_option("--train", f->train,
                  autoencode ? "training sentences, one per line (a file, .gz or -)"
                             : "training pairs: a TSV file, or SRC,TGT aligned files");
  cmd->add_option("--valid", f->valid,
                  fmt::format("validation {}: evaluated after every epoch instead of the test set; "
                              "the epoch of the best validation BLEU is the model saved",
                              what));
  cmd->add_option(
      "--test", f->test,
      fmt::format("test {}: evaluated at the end (and after every epoch without --valid)", what));
  if (!autoencode) {
    cmd->add_option("--format", f->format, "tsv (source<TAB>target) | book (the book's q_a lines)")
        ->capture_default_str();
    cmd->add_flag("--book-split", f->book_split,
                  "with --data: the book's split (numpy seed 1984, last 10% test)");
  }
  cmd->add_option("--test-fraction", f->test_fraction, "with --data: share held out for test")
      ->capture_default_str();
  cmd->add_option("--preset", f->preset,
                  autoencode ? "autoencoder (LSTM 256, embedding 128, words, no attention)"
                             : "addition-baseline | addition-reverse | addition-peeky | "
                               "date-attention | enja")
      ->capture_default_str();
  cmd->add_option("--cell", f->cell, "lstm | gru | rnn");
  cmd->add_option("--unit", f->unit,
                  "char | word | subword (SentencePiece) | mecab (Japanese words, MeCab)");
  cmd->add_option("--subword-vocab", f->subword_vocab,
                  "subword: pieces per side when training the SentencePiece models")
      ->capture_default_str();
  if (autoencode)
    cmd->add_option("--subword-model", f->subword_models,
                    "subword: a SentencePiece .model file to use instead of training one");
  else
    cmd->add_option("--subword-models", f->subword_models,
                    "subword: SRC.model,TGT.model to use instead of training");
  add_mecab_dict_flag(cmd, f->mecab_dict);
  cmd->add_option("--emb", f->emb, "embedding size");
  cmd->add_option("--hidden", f->hidden, "hidden units");
  cmd->add_option("--layers", f->layers, "recurrent layers (encoder and decoder)");
  cmd->add_flag("--peeky", f->peeky, "feed the encoder summary to every decoder step");
  cmd->add_flag("--no-peeky", f->no_peeky, "do not (overrides the preset)");
  cmd->add_flag("--reverse", f->reverse, "reverse the source sequences");
  cmd->add_flag("--residual", f->residual, "residual connections between stacked layers");
  cmd->add_flag("--bidirectional", f->bidirectional,
                "bidirectional encoder (hidden/2 units each way)");
  cmd->add_flag("--no-reverse", f->no_reverse, "do not (overrides the preset)");
  if (autoencode)
    cmd->add_flag("--reverse-output", f->reverse_output,
                  "the decoder emits each sentence backwards (outputs are turned back)");
  cmd->add_option("--attention", f->attention, "none | dot | general | additive");
  cmd->add_flag("--input-feed", f->input_feed,
                "feed each step's attention context to the next decoder input");
  cmd->add_option("--dropout", f->dropout,
                  "dropout on embeddings, between layers and before the output");
  cmd->add_option("--init", f->init, "uniform initialisation range (0: +-1/sqrt(fan-in))");
  cmd->add_option("--batch", f->batch, "sentences per batch");
  cmd->add_flag("--bucket", f->bucket, "batch sentences of similar source length (less padding)");
  cmd->add_option("--beam", f->beam, "beam width of the final evaluation (1: greedy)");
  cmd->add_option("--length-penalty", f->length_penalty, "beam: score = log p / length^alpha");
  cmd->add_option("--max-length", f->max_length, "longest output (0: from the training data)");
  cmd->add_option("--eval-limit", f->eval_limit, "pairs evaluated after each epoch (0: all)");
  cmd->add_option("--max-vocab", f->max_vocab, "vocabulary size limit per side (0: none)");
  cmd->add_option("--max-target-vocab", f->max_target_vocab,
                  "the target side's limit (default: --max-vocab's)");
  cmd->add_option("--min-count", f->min_count, "rarer units become <unk>");
  add_train_flags(cmd, *f, autoencode ? "runs/autoencode" : "runs/seq2seq", "validation BLEU");
  cmd->callback([f, cmd, autoencode]() {
    train::Seq2SeqTrainOptions o = train::seq2seq_preset(f->preset);
    RNNKIT_CHECK(o.autoencode == autoencode, "preset '{}' is for {}", f->preset,
                 o.autoencode ? "autoencode train" : "seq2seq train");
    const nlohmann::json saved = resume_config(*cmd, *f, autoencode ? "autoencode" : "seq2seq");
    apply_saved(o, saved, *f);
    apply_train_flags(*cmd, *f, saved, o);
    auto given = [&](const char* name) {  // an option the other mode lacks is not given
      return cmd->get_option_no_throw(name) != nullptr && cmd->count(name) > 0;
    };
    if (given("--data")) o.data = data_path(f->data, !autoencode);
    if (given("--train")) o.train = data_path(f->train, !autoencode);
    if (given("--test")) o.test = data_path(f->test, !autoencode);
    if (given("--valid")) o.valid = data_path(f->valid, !autoencode);
    if (given("--format")) o.format = f->format;
    if (given("--book-split")) o.book_split = true;
    if (given("--test-fraction")) o.test_fraction = f->test_fraction;
    if (given("--cell")) o.model.cell = f->cell;
    if (given("--unit")) o.model.unit = f->unit;
    if (given("--emb")) o.model.emb_size = f->emb;
    if (given("--hidden")) o.model.hidden_size = f->hidden;
    if (given("--layers")) o.model.num_layers = f->layers;
    if (f->peeky || f->no_peeky) o.model.peeky = f->peeky;
    if (f->reverse || f->no_reverse) o.model.reverse_source = f->reverse;
    if (f->residual) o.model.residual = true;
    if (f->bidirectional) o.model.bidirectional = true;
    if (given("--attention")) o.model.attention = f->attention;
    if (f->input_feed) o.model.input_feed = true;
    if (given("--dropout")) o.model.dropout = f->dropout;
    if (given("--init")) o.model.init_range = f->init;
    if (given("--batch")) o.batch = f->batch;
    if (f->bucket) o.bucket = true;
    if (given("--beam")) o.beam = f->beam;
    if (given("--length-penalty")) o.length_penalty = f->length_penalty;
    if (given("--max-length")) o.max_length = f->max_length;
    if (given("--eval-limit")) o.eval_limit = f->eval_limit;
    if (given("--max-vocab")) o.max_vocab = f->max_vocab;
    if (given("--max-target-vocab")) o.max_target_vocab = f->max_target_vocab;
    if (given("--min-count")) o.min_count = f->min_count;
    if (given("--subword-vocab")) o.subword_vocab = f->subword_vocab;
    if (given("--subword-models")) o.subword_models = data_path(f->subword_models, true);
    if (given("--subword-model"))
      o.subword_models = data_path(f->subword_models) + "," + data_path(f->subword_models);
    if (f->reverse_output) o.model.reverse_target = true;
    if (given("--mecab-dict")) o.mecab_dictionary = f->mecab_dict;
    auto task = train::make_seq2seq_task(o);
    run_training(autoencode ? "autoencode train" : "seq2seq train", *task, o, *f);
  });
}
}  // namespace

void add_seq2seq_train(CLI::App& seq2seq) {
  add_encoder_decoder_train(seq2seq, false);
}
void add_autoencode_train(CLI::App& autoencode) {
  add_encoder_decoder_train(autoencode, true);
}

void add_seq2seq_eval(CLI::App& seq2seq) {
  auto* cmd = seq2seq.add_subcommand("eval", "exact match, token accuracy and BLEU on test pairs");
  struct Flags {
    std::string model, data, format = "tsv", device = "cpu";
    std::int64_t beam = 1, limit = 0, max_length = 0, max_source_length = kMaxSourceLength;
    float length_penalty = 1.0f;
    double max_oov_rate = 0.05;
    int threads = 0;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--model", f->model, "model.safetensors from seq2seq train")->required();
  cmd->add_option("--data", f->data, "test pairs: a TSV file, or SRC,TGT aligned files")->required();
  cmd->add_option("--format", f->format, "tsv | book")->capture_default_str();
  cmd->add_option("--beam", f->beam, "beam width (1: greedy)")->capture_default_str();
  cmd->add_option("--length-penalty", f->length_penalty, "beam: score = log p / length^alpha")->capture_default_str();
  cmd->add_option("--max-length", f->max_length, "longest output (0: 2 x the longest reference + 10)");
  cmd->add_option("--limit", f->limit, "evaluate the first N pairs only (0: all)");
  add_source_length_flag(cmd, f->max_source_length);
  add_oov_flag(cmd, f->max_oov_rate);
  add_device_flags(cmd, f->threads, f->device);
  cmd->add_flag("--json", f->json, "print a JSON object last");
  cmd->callback([f]() {
    apply_threads(f->threads);
    auto l = load_seq2seq_for_use(f->model, f->device);
    auto comma = f->data.find(',');
    text::ParallelText t = comma != std::string::npos
                               ? text::read_parallel_files(f->data.substr(0, comma), f->data.substr(comma + 1))
                               : text::read_parallel(f->data, f->format);
    if (f->limit > 0 && static_cast<std::size_t>(f->limit) < t.size()) {
      t.source.resize(static_cast<std::size_t>(f->limit));
      t.target.resize(static_cast<std::size_t>(f->limit));
    }
    std::vector<std::vector<std::string>> refs;
    std::size_t longest = 0;
    for (const auto& s : t.target) {
      refs.push_back(l.m.target_units.scoring_units(s));
      longest = std::max(longest, l.m.target_units.split(s).size());
    }
    std::vector<std::string> source_units;
    for (const auto& s : t.source)
      for (auto& u : l.m.source_units.split(s)) source_units.push_back(std::move(u));
    const double unknown = l.m.source_vocab.unknown_rate(source_units);
    warn_oov(f->data, unknown, f->max_oov_rate);
    decode::TranslateOptions o;
    o.beam = f->beam;
    o.length_penalty = f->length_penalty;
    o.max_length = f->max_length > 0 ? f->max_length : static_cast<std::int64_t>(2 * longest + 10);
    o.max_source_length = f->max_source_length;
    auto start = std::chrono::steady_clock::now();
    auto outs = decode::translate(*l.m.model, l.m.source_units, l.m.source_vocab, l.m.target_vocab,
                                  t.source, o, l.device);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    report_cropped(outs, f->max_source_length);
    std::vector<std::vector<std::string>> hyps;
    for (auto& x : outs) hyps.push_back(l.m.target_units.scoring_units(l.m.target_units.join(x[0].units)));
    auto s = eval::score_outputs(hyps, refs);
    const double per_s = static_cast<double>(t.size()) / secs;
    print_result(
        fmt::format("{} pairs, {}: exact match {}, token accuracy {}, BLEU {:.2f} (n-gram "
                    "precisions {:.1f}/{:.1f}/{:.1f}/{:.1f}, brevity penalty {:.3f}); {:.0f} "
                    "sentences/s; {:.2f}% of the source units out of the vocabulary",
                    t.size(), f->beam > 1 ? fmt::format("beam {}", f->beam) : std::string("greedy"),
                    fmt_pct(s.accuracy), fmt_pct(s.token_accuracy), s.bleu.bleu,
                    s.bleu.precisions[0], s.bleu.precisions[1], s.bleu.precisions[2],
                    s.bleu.precisions[3], s.bleu.brevity_penalty, per_s, 100 * unknown),
        {{"pairs", t.size()},
         {"beam", f->beam},
         {"test_accuracy", s.accuracy},
         {"token_accuracy", s.token_accuracy},
         {"bleu", s.bleu.bleu},
         {"oov_rate", unknown},
         {"sentences_per_s", per_s}},
        f->json);
  });
}

void add_seq2seq_translate(CLI::App& seq2seq) {
  auto* cmd = seq2seq.add_subcommand("translate", "translate lines from a file or standard input");
  struct Flags {
    std::string model, input, output, device = "cpu", attention_html;
    std::int64_t beam = 1, nbest = 1, max_length = 100, max_source_length = kMaxSourceLength;
    float length_penalty = 1.0f;
    int threads = 0;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--model", f->model, "model.safetensors from seq2seq train")->required();
  cmd->add_option("--input", f->input, "one sentence per line (default: standard input)");
  cmd->add_flag("--json", f->json,
                "one JSON object per input line: {\"id\", \"source\", \"outputs\": [{\"text\", "
                "\"score\"}]}");
  cmd->add_option("--beam", f->beam, "beam width (1: greedy)")->capture_default_str();
  cmd->add_option("--nbest", f->nbest,
                  "outputs per sentence; above 1 as 'id ||| output ||| score' lines (Moses' n-best "
                  "format, id counting lines from 0)")
      ->capture_default_str();
  cmd->add_option("--output", f->output,
                  "write the outputs to this file (default: standard output)");
  cmd->add_option("--length-penalty", f->length_penalty, "beam: score = log p / length^alpha")->capture_default_str();
  cmd->add_option("--max-length", f->max_length, "longest output")->capture_default_str();
  cmd->add_option("--attention-html", f->attention_html, "write the attention heat maps to this HTML file");
  add_source_length_flag(cmd, f->max_source_length);
  add_device_flags(cmd, f->threads, f->device);
  cmd->callback([f]() {
    apply_threads(f->threads);
    RNNKIT_CHECK(f->nbest >= 1 && f->nbest <= f->beam, "--nbest must be between 1 and --beam ({}), got {}",
                 f->beam, f->nbest);
    RNNKIT_CHECK(f->max_length > 0, "--max-length must be positive, got {}", f->max_length);
    // Output files are checked before any work, not after the translations.
    for (const std::string& out : {f->output, f->attention_html})
      if (!out.empty()) check_writable(out);
    auto l = load_seq2seq_for_use(f->model, f->device);
    std::string text;
    if (f->input.empty()) {
      text.assign(std::istreambuf_iterator<char>(std::cin), {});
      RNNKIT_CHECK(text::find_invalid_utf8(text) < 0, "standard input is not valid UTF-8");
    } else {
      text = text::read_text_file(f->input);
    }
    std::vector<std::string> lines = text::split_lines(text);
    decode::TranslateOptions o;
    o.beam = f->beam;
    o.nbest = f->nbest;
    o.length_penalty = f->length_penalty;
    o.max_length = f->max_length;
    o.attention = !f->attention_html.empty();
    o.max_source_length = f->max_source_length;
    auto outs = decode::translate(*l.m.model, l.m.source_units, l.m.source_vocab, l.m.target_vocab,
                                  lines, o, l.device);
    report_cropped(outs, f->max_source_length);
    std::vector<eval::AttentionExample> ex;
    std::string result;
    for (std::size_t i = 0; i < outs.size(); ++i) {
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      for (const auto& t : outs[i]) {
        std::string s = l.m.target_units.join(t.units);
        if (f->json)
          list.push_back({{"text", s}, {"score", t.score}});
        else if (f->nbest > 1)
          result += fmt::format("{} ||| {} ||| {:.6f}\n", i, s, t.score);
        else
          result += s + "\n";
      }
      if (f->json) result += json_line({{"id", i}, {"source", lines[i]}, {"outputs", list}}) + "\n";
      if (o.attention && !outs[i].empty() && !outs[i][0].attention.empty()) {
        auto target = outs[i][0].units;
        target.push_back(text::kEos);
        ex.push_back({fmt::format("{} -> {}", lines[i], l.m.target_units.join(outs[i][0].units)),
                      l.m.source_units.split(lines[i]), target, outs[i][0].attention, ""});
      }
    }
    if (f->output.empty())
      std::cout << result << std::flush;
    else
      io::write_file_atomic(f->output, result);
    if (o.attention) {
      RNNKIT_CHECK(!ex.empty(), "--attention-html: this model has no attention");
      io::write_file_atomic(f->attention_html, eval::attention_html(ex, "Attention"));
    }
  });
}

}  // namespace rnnkit::cli

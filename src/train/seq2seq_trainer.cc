#include "rnnkit/train/seq2seq_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>

#include "rnnkit/autograd/functions.h"
#include "rnnkit/eval/plot.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/ops/ops.h"
#include "train/checkpoint.h"
#include "train/run_environment.h"

namespace rnnkit::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

Seq2SeqTrainOptions seq2seq_preset(const std::string& name) {
  Seq2SeqTrainOptions o;
  o.preset = name;
  o.optimizer.name = "adam";
  o.optimizer.lr = 1e-3f;
  o.clip = 5.0f;
  o.batch = 128;
  o.model.cell = "lstm";
  o.model.unit = "char";
  o.model.emb_size = 16;
  if (name == "addition-baseline" || name == "addition-reverse" || name == "addition-peeky") {
    o.model.hidden_size = 128;
    o.epochs = 25;
    o.model.reverse_source = name != "addition-baseline";
    o.model.peeky = name == "addition-peeky";
    // Past epoch 16 the rate decays (x0.7 per epoch): at a constant 1e-3 Adam
    // keeps jumping between ~99% and ~90% on this task (the book's own run too).
    o.lr_decay = 0.7f;
    o.decay_after = 16;
  } else if (name == "date-attention") {
    o.model.hidden_size = 256;
    o.epochs = 10;
    o.model.reverse_source = true;
    o.model.attention = "dot";
  } else if (name == "enja") {
    o.model.unit = "word";
    o.model.emb_size = 256;
    o.model.hidden_size = 256;
    o.model.num_layers = 2;
    o.model.attention = "general";
    o.model.bidirectional = true;
    o.model.dropout = 0.3f;
    o.batch = 64;
    // Test BLEU 33.4 (beam 5) on the CPU in 73 minutes (bench/RESULTS.md).
    o.epochs = 26;
    o.lr_decay = 0.8f;
    o.decay_after = 13;
    o.beam = 5;
    o.eval_limit = 200;
    o.bucket = true;
  } else {
    throw InvalidArgument(fmt::format(
        "unknown preset '{}' (expected addition-baseline, addition-reverse, addition-peeky, "
        "date-attention or enja)", name));
  }
  return o;
}

std::string Seq2SeqTrainOptions::to_json() const {
  nlohmann::ordered_json j = {{"preset", preset},
                              {"data", data},
                              {"train", train},
                              {"valid", valid},
                              {"test", test},
                              {"format", format},
                              {"book_split", book_split},
                              {"test_fraction", test_fraction},
                              {"max_vocab", max_vocab},
                              {"min_count", min_count},
                              {"subword_vocab", subword_vocab},
                              {"subword_models", subword_models},
                              {"out", out_dir},
                              {"model", nlohmann::json::parse(model.to_json())},
                              {"batch", batch},
                              {"bucket", bucket},
                              {"epochs", epochs},
                              {"optimizer", optimizer.name},
                              {"lr", optimizer.lr},
                              {"clip", clip},
                              {"schedule", schedule},
                              {"lr_decay", lr_decay},
                              {"decay_after", decay_after},
                              {"patience", patience},
                              {"seed", seed},
                              {"device", device},
                              {"beam", beam},
                              {"length_penalty", length_penalty},
                              {"max_length", max_length},
                              {"eval_limit", eval_limit},
                              {"max_batches", max_batches}};
  return j.dump(2);
}

Seq2SeqScores score_outputs(const std::vector<std::vector<std::string>>& outputs,
                            const std::vector<std::vector<std::string>>& references) {
  RNNKIT_CHECK(outputs.size() == references.size() && !outputs.empty(),
               "scoring: {} outputs for {} references", outputs.size(), references.size());
  Seq2SeqScores s;
  std::int64_t exact = 0, hits = 0, units = 0;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    exact += outputs[i] == references[i];
    for (std::size_t k = 0; k < references[i].size(); ++k)
      hits += k < outputs[i].size() && outputs[i][k] == references[i][k];
    units += static_cast<std::int64_t>(references[i].size());
  }
  s.accuracy = static_cast<double>(exact) / static_cast<double>(outputs.size());
  s.token_accuracy = units ? static_cast<double>(hits) / static_cast<double>(units) : 0.0;
  s.bleu = eval::corpus_bleu(outputs, references);
  return s;
}

namespace {

text::ParallelText load(const std::string& spec, const std::string& format) {
  auto comma = spec.find(',');
  if (comma != std::string::npos) return text::read_parallel_files(spec.substr(0, comma), spec.substr(comma + 1));
  return text::read_parallel(spec, format);
}

std::vector<std::vector<std::string>> units_of(const std::vector<std::string>& sentences, const text::Segmenter& u) {
  std::vector<std::vector<std::string>> out;
  out.reserve(sentences.size());
  for (const auto& s : sentences) out.push_back(u.split(s));
  return out;
}

std::vector<std::vector<std::string>> scoring_units_of(const std::vector<std::string>& sentences,
                                                       const text::Segmenter& u) {
  std::vector<std::vector<std::string>> out;
  out.reserve(sentences.size());
  for (const auto& s : sentences) out.push_back(u.scoring_units(s));
  return out;
}

// Each side's segmentation; subword models are loaded or trained here.
std::pair<text::Segmenter, text::Segmenter> segmenters(const Seq2SeqTrainOptions& o, const text::ParallelText& train) {
  text::Unit unit = text::parse_unit(o.model.unit);
  if (unit != text::Unit::kSubword) return {text::Segmenter(unit), text::Segmenter(unit)};
  if (!o.subword_models.empty()) {
    auto comma = o.subword_models.find(',');
    RNNKIT_CHECK(comma != std::string::npos, "--subword-models wants SRC.model,TGT.model, got '{}'", o.subword_models);
    return {text::Segmenter(text::SubwordModel::load(o.subword_models.substr(0, comma))),
            text::Segmenter(text::SubwordModel::load(o.subword_models.substr(comma + 1)))};
  }
  text::SubwordModel::TrainOptions t;
  t.vocab_size = o.subword_vocab;
  return {text::Segmenter(text::SubwordModel::train(train.source, t)),
          text::Segmenter(text::SubwordModel::train(train.target, t))};
}

text::Vocabulary build_vocab(const std::vector<std::vector<std::string>>& sentences,
                             const Seq2SeqTrainOptions& o) {
  std::vector<std::string> all;
  for (const auto& s : sentences) all.insert(all.end(), s.begin(), s.end());
  return text::Vocabulary::build(all, {o.max_vocab, o.min_count});
}

std::vector<std::vector<std::int32_t>> encode_all(const std::vector<std::vector<std::string>>& s,
                                                  const text::Vocabulary& v) {
  std::vector<std::vector<std::int32_t>> out;
  out.reserve(s.size());
  for (const auto& x : s) out.push_back(v.encode(x));
  return out;
}

// An epoch's figures as the metrics line and the checkpoint's history hold them.
nlohmann::ordered_json report_json(const Seq2SeqEpochReport& r) {
  return {{"epoch", r.epoch},
          {"train_loss", r.train_loss},
          {"eval_set", r.eval_set},
          {r.eval_set + "_accuracy", r.accuracy},
          {"token_accuracy", r.token_accuracy},
          {"bleu", r.bleu},
          {"lr", r.lr},
          {"seconds", r.seconds},
          {"sentences_per_s", r.sentences_per_s}};
}

Seq2SeqEpochReport report_from_json(const nlohmann::json& j) {
  Seq2SeqEpochReport r;
  r.epoch = j.at("epoch").get<int>();
  r.train_loss = j.at("train_loss").get<double>();
  r.eval_set = j.at("eval_set").get<std::string>();
  r.accuracy = j.at(r.eval_set + "_accuracy").get<double>();
  r.token_accuracy = j.at("token_accuracy").get<double>();
  r.bleu = j.at("bleu").get<double>();
  r.lr = j.at("lr").get<double>();
  r.seconds = j.at("seconds").get<double>();
  r.sentences_per_s = j.at("sentences_per_s").get<double>();
  return r;
}

// Encoder outputs with every sequence repeated `times` (rows b*times + k).
models::Seq2Seq::Encoded repeat_rows(const models::Seq2Seq::Encoded& e, std::int64_t times) {
  if (times == 1) return e;
  std::int64_t B = e.length.numel();
  std::vector<std::int64_t> rows;
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t k = 0; k < times; ++k) rows.push_back(b);
  models::Seq2Seq::Encoded r;
  r.states = Var(ops::index_select(e.states.value(), 1, rows));
  r.length = ops::index_select(e.length, 0, rows);
  r.summary = Var(ops::index_select(e.summary.value(), 0, rows));
  r.final = e.final.select(rows);
  return r;
}

}  // namespace

std::vector<std::vector<Translation>> translate(const models::Seq2Seq& model,
                                                const text::Segmenter& source_units,
                                                const text::Vocabulary& source_vocab,
                                                const text::Vocabulary& target_vocab,
                                                const std::vector<std::string>& sentences,
                                                const TranslateOptions& opts, Device device) {
  NoGradGuard no_grad;
  const auto& cfg = model.config();
  const std::int32_t eos = target_vocab.eos_id();
  const std::int64_t V = cfg.target_vocab, K = opts.beam;
  std::vector<std::vector<Translation>> out(sentences.size());
  Generator unused(0, 0);
  for (std::size_t start = 0; start < sentences.size(); start += static_cast<std::size_t>(opts.batch)) {
    std::size_t end = std::min(sentences.size(), start + static_cast<std::size_t>(opts.batch));
    const std::int64_t B = static_cast<std::int64_t>(end - start);
    std::vector<std::vector<std::int32_t>> src;
    std::int64_t Ts = 1;
    for (std::size_t i = start; i < end; ++i) {
      src.push_back(source_vocab.encode(source_units.split(sentences[i])));
      if (cfg.reverse_source) std::reverse(src.back().begin(), src.back().end());
      Ts = std::max<std::int64_t>(Ts, static_cast<std::int64_t>(src.back().size()));
    }
    std::vector<std::int32_t> ids(static_cast<std::size_t>(Ts * B), source_vocab.eos_id()), len(src.size());
    for (std::int64_t b = 0; b < B; ++b) {
      const auto& s = src[static_cast<std::size_t>(b)];
      for (std::size_t k = 0; k < s.size(); ++k) ids[k * static_cast<std::size_t>(B) + static_cast<std::size_t>(b)] = s[k];
      len[static_cast<std::size_t>(b)] = static_cast<std::int32_t>(s.size());
    }
    auto enc = model.encode(Tensor::from_ids(ids, {Ts, B}, device), Tensor::from_ids(len, {B}, device), unused);
    auto rows = repeat_rows(enc, K);
    auto state = model.start(rows);
    decode::StepFn step = [&](const std::vector<std::int32_t>& tokens, const std::vector<std::int64_t>& parents) {
      state = state.select(parents);
      auto d = model.decode(rows, Tensor::from_ids(tokens, {1, static_cast<std::int64_t>(tokens.size())}, device),
                            state, unused);
      state = d.state;
      return ops::log_softmax(d.logits.value()).to_vector();
    };
    decode::SearchOptions so;
    so.start = so.eos = eos;
    so.max_length = opts.max_length;
    so.width = K;
    so.length_penalty = opts.length_penalty;
    so.nbest = opts.nbest;
    std::vector<std::vector<decode::Hypothesis>> hyps;
    if (K == 1) {
      for (auto& h : decode::greedy_search(B, V, step, so)) hyps.push_back({h});
    } else {
      hyps = decode::beam_search(B, V, step, so);
    }
    for (std::int64_t b = 0; b < B; ++b)
      for (const auto& h : hyps[static_cast<std::size_t>(b)]) {
        Translation t;
        for (auto id : h.tokens) t.units.push_back(target_vocab.word(id));
        t.score = h.score;
        out[start + static_cast<std::size_t>(b)].push_back(std::move(t));
      }
    if (opts.attention && cfg.attention != "none") {
      // The best outputs decoded once more, teacher-forced, to read their attention.
      std::int64_t Tt = 1;
      for (std::int64_t b = 0; b < B; ++b)
        Tt = std::max<std::int64_t>(Tt, static_cast<std::int64_t>(hyps[static_cast<std::size_t>(b)][0].tokens.size()) + 1);
      std::vector<std::int32_t> tin(static_cast<std::size_t>(Tt * B), eos);
      for (std::int64_t b = 0; b < B; ++b) {
        const auto& tk = hyps[static_cast<std::size_t>(b)][0].tokens;
        for (std::size_t k = 0; k < tk.size(); ++k) tin[(k + 1) * static_cast<std::size_t>(B) + static_cast<std::size_t>(b)] = tk[k];
      }
      auto d = model.decode(enc, Tensor::from_ids(tin, {Tt, B}, device), model.start(enc), unused);
      std::vector<float> w = d.attention.to_vector();  // [B, Tt, Ts]
      for (std::int64_t b = 0; b < B; ++b) {
        auto& t = out[start + static_cast<std::size_t>(b)][0];
        std::int64_t n = len[static_cast<std::size_t>(b)], rows_b = static_cast<std::int64_t>(t.units.size()) + 1;
        for (std::int64_t i = 0; i < rows_b; ++i)
          for (std::int64_t j = 0; j < n; ++j) {  // back to the source's own order
            std::int64_t col = cfg.reverse_source ? n - 1 - j : j;
            t.attention.push_back(w[static_cast<std::size_t>((b * Tt + i) * Ts + col)]);
          }
      }
    }
  }
  return out;
}

Seq2SeqTrainResult train_seq2seq(const Seq2SeqTrainOptions& opts, const Seq2SeqCallbacks& cb) {
  auto wall_start = Clock::now();
  auto say = [&](const std::string& m) {
    if (cb.on_message) cb.on_message(m);
  };
  Seq2SeqTrainOptions o = opts;
  RNNKIT_CHECK(!o.data.empty() || !o.train.empty(), "no data given (--data, or --train and --test)");
  RNNKIT_CHECK(o.data.empty() || o.train.empty(), "give either --data or --train, not both");
  RNNKIT_CHECK(o.epochs > 0 && o.batch > 0, "epochs and batch must be positive (got {} and {})", o.epochs, o.batch);
  RNNKIT_CHECK(o.beam >= 1, "beam width must be at least 1, got {}", o.beam);
  RNNKIT_CHECK(o.schedule == "step" || o.schedule == "plateau" || o.schedule == "none",
               "unknown schedule '{}' (expected step, plateau or none)", o.schedule);
  RNNKIT_CHECK(o.schedule != "plateau" || !o.valid.empty(), "the plateau schedule needs --valid");
  Device device = available_device(o.device);

  // On resume the checkpoint's model, segmentation and vocabularies, whatever
  // the flags say; the data is read again.
  const fs::path out(o.out_dir), checkpoint_path = out / "checkpoint.safetensors";
  std::optional<io::LoadedSeq2Seq> resumed;
  Checkpoint checkpoint;
  if (o.resume) {
    checkpoint = read_checkpoint(checkpoint_path);
    resumed = io::load_seq2seq(checkpoint.path);
    o.model = resumed->model->config();
  }

  text::ParallelText train_text, test_text;
  if (!o.data.empty()) {
    text::ParallelText all = load(o.data, o.format);
    std::vector<std::size_t> perm;
    std::size_t n_test;
    if (o.book_split) {
      perm = text::numpy_permutation(all.size(), 1984);
      n_test = all.size() / 10;
    } else {
      perm.resize(all.size());
      std::iota(perm.begin(), perm.end(), 0);
      PhiloxStream g(o.seed, 4242);
      for (std::size_t i = perm.size(); i > 1; --i) std::swap(perm[i - 1], perm[g.below(static_cast<std::uint32_t>(i))]);
      n_test = static_cast<std::size_t>(std::llround(o.test_fraction * static_cast<double>(all.size())));
    }
    RNNKIT_CHECK(n_test > 0 && n_test < all.size(), "{}: {} pairs cannot be split into train and test", o.data,
                 all.size());
    std::size_t split = all.size() - n_test;
    train_text = text::select(all, {perm.begin(), perm.begin() + static_cast<std::ptrdiff_t>(split)});
    test_text = text::select(all, {perm.begin() + static_cast<std::ptrdiff_t>(split), perm.end()});
  } else {
    RNNKIT_CHECK(!o.test.empty(), "--train needs --test (the set evaluated after each epoch)");
    train_text = load(o.train, o.format);
    test_text = load(o.test, o.format);
  }
  const bool on_valid = !o.valid.empty();
  text::ParallelText eval_text = on_valid ? load(o.valid, o.format) : test_text;
  if (o.model.unit == "subword" && !resumed)
    say(o.subword_models.empty() ? fmt::format("training SentencePiece models of {} pieces per side", o.subword_vocab)
                                 : fmt::format("SentencePiece models: {}", o.subword_models));
  auto [src_units, tgt_units] =
      resumed ? std::pair(resumed->source_units, resumed->target_units) : segmenters(o, train_text);
  auto train_src = units_of(train_text.source, src_units), train_tgt = units_of(train_text.target, tgt_units);
  auto test_src = units_of(test_text.source, src_units), test_tgt = scoring_units_of(test_text.target, tgt_units);
  text::Vocabulary src_vocab = resumed ? resumed->source_vocab : build_vocab(train_src, o);
  text::Vocabulary tgt_vocab = resumed ? resumed->target_vocab : build_vocab(train_tgt, o);
  o.model.source_vocab = src_vocab.size();
  o.model.target_vocab = tgt_vocab.size();
  std::size_t longest = 0;
  for (const auto& t : train_tgt) longest = std::max(longest, t.size());
  if (o.max_length <= 0) o.max_length = static_cast<std::int64_t>(2 * longest + 10);
  say(fmt::format(
      "data: {} training pairs, {}{} test; vocabularies {} (source) and {} (target) {}s",
      train_text.size(), on_valid ? fmt::format("{} validation, ", eval_text.size()) : "",
      test_text.size(), src_vocab.size(), tgt_vocab.size(), o.model.unit));

  fs::create_directories(out);
  io::write_file_atomic((out / "config.json").string(),
                        config_with_environment(o.to_json(), device.str()));

  models::Seq2Seq model(o.model);
  model.init_parameters(o.seed);
  if (resumed) io::load_parameters(model, checkpoint.file, checkpoint.path);
  nn::ParameterSet params(model, device);
  optim::Optimizer optimizer(params, o.optimizer);
  Generator dropout_gen(o.seed, 2);
  text::Seq2SeqBatcher batches(encode_all(train_src, src_vocab), encode_all(train_tgt, tgt_vocab), o.batch,
                               o.model.reverse_source, tgt_vocab.eos_id(), o.bucket);
  std::int64_t per_epoch = o.max_batches > 0 ? std::min(o.max_batches, batches.num_batches()) : batches.num_batches();
  say(fmt::format("model: {} {}{}{}, emb {} hidden {} x{} ({} parameters), device {}", o.model.cell,
                  o.model.reverse_source ? "reversed input, " : "", o.model.peeky ? "peeky, " : "",
                  o.model.attention != "none" ? o.model.attention + " attention" : "no attention",
                  o.model.emb_size, o.model.hidden_size, o.model.num_layers, params.numel(), device.str()));

  std::size_t n_eval =
      o.eval_limit > 0
          ? std::min<std::size_t>(eval_text.size(), static_cast<std::size_t>(o.eval_limit))
          : eval_text.size();
  std::vector<std::string> eval_sources(
      eval_text.source.begin(), eval_text.source.begin() + static_cast<std::ptrdiff_t>(n_eval));
  std::vector<std::vector<std::string>> eval_refs = scoring_units_of(
      {eval_text.target.begin(), eval_text.target.begin() + static_cast<std::ptrdiff_t>(n_eval)},
      tgt_units);
  auto evaluate = [&](std::int64_t beam, const std::vector<std::string>& sources,
                      const std::vector<std::vector<std::string>>& refs) {
    model.train(false);
    TranslateOptions t;
    t.beam = beam;
    t.max_length = o.max_length;
    t.length_penalty = o.length_penalty;
    auto outs = translate(model, src_units, src_vocab, tgt_vocab, sources, t, device);
    std::vector<std::vector<std::string>> hyp;
    for (auto& x : outs) hyp.push_back(tgt_units.scoring_units(tgt_units.join(x[0].units)));
    return score_outputs(hyp, refs);
  };

  Seq2SeqTrainResult result;
  auto save_model = [&](const fs::path& path, io::Metadata meta, const io::NamedTensors& extra) {
    NoGradGuard ng;
    models::Seq2Seq cpu_model(o.model);
    nn::ParameterSet cpu_params(cpu_model, kCPU);
    ops::copy_(cpu_params.values(), params.values());
    io::save_seq2seq(path.string(), cpu_model, src_units, tgt_units, src_vocab, tgt_vocab,
                     std::move(meta), extra);
  };
  std::ofstream metrics(out / "metrics.jsonl", o.resume ? std::ios::app : std::ios::trunc);
  double train_seconds = 0;
  std::int64_t train_sentences = 0;
  float lr = o.optimizer.lr;
  optim::PlateauDecay plateau(o.lr_decay, o.patience);
  Tensor kept;  // with a validation set: the parameters of its best epoch
  double best_bleu = -1;
  int first_epoch = 1;
  if (resumed) {
    first_epoch = restore_progress(checkpoint, lr, optimizer, dropout_gen, plateau,
                                   [&](const nlohmann::json& s) {
                                     best_bleu = s.at("best_bleu").get<double>();
                                     result.kept_epoch = s.at("kept_epoch").get<int>();
                                     train_seconds = s.at("train_seconds").get<double>();
                                     train_sentences = s.at("train_sentences").get<std::int64_t>();
                                     for (const auto& h : s.at("history"))
                                       result.history.push_back(report_from_json(h));
                                   });
    for (const auto& [name, t] : checkpoint.file.tensors)
      if (name == "kept") kept = t.to(device);
    RNNKIT_CHECK(on_valid == kept.defined(),
                 "{}: the run was trained {} a validation set; resume it {} --valid",
                 checkpoint.path, on_valid ? "without" : "with", on_valid ? "without" : "with");
    say(fmt::format("resuming after epoch {} from {}", first_epoch - 1, checkpoint.path));
  }
  for (int epoch = first_epoch; epoch <= o.epochs; ++epoch) {
    if (o.schedule == "step")
      lr = optim::StepDecay{o.optimizer.lr, o.lr_decay, o.decay_after}.lr_for_epoch(epoch);
    optimizer.set_lr(lr);
    model.train(true);
    batches.shuffle(o.seed, static_cast<std::uint64_t>(epoch));
    double loss_sum = 0;
    std::int64_t tokens = 0, sentences = 0;
    auto start = Clock::now(), last_report = start;
    for (std::int64_t i = 0; i < per_epoch; ++i) {
      text::Seq2SeqBatch b = batches.get(i);
      params.zero_grad();
      auto enc = model.encode(b.source.to(device), b.source_length.to(device), dropout_gen);
      auto dec = model.decode(enc, b.target_in.to(device), model.start(enc), dropout_gen);
      Var loss = fn::cross_entropy(dec.logits, b.target_out.to(device),
                                   {.ignore_index = text::kIgnoreIndex, .reduction = fn::Reduction::kMean});
      float l = loss.value().item();
      if (!std::isfinite(l)) {
        Tape::current().clear();
        throw NumericalError(fmt::format("loss became {} at batch {} of epoch {}; try a lower --lr", l, i + 1, epoch));
      }
      Tape::current().backward(loss);
      nn::clip_grad_norm(params, o.clip);
      optimizer.step();
      loss_sum += static_cast<double>(l) * static_cast<double>(b.target_tokens);
      tokens += b.target_tokens;
      sentences += static_cast<std::int64_t>(b.rows.size());
      auto now = Clock::now();
      if (cb.on_progress && (std::chrono::duration<double>(now - last_report).count() >= 1.0 || i + 1 == per_epoch)) {
        last_report = now;
        double secs = std::chrono::duration<double>(now - start).count();
        Seq2SeqProgress p;
        p.epoch = epoch;
        p.epochs = static_cast<int>(o.epochs);
        p.fraction = static_cast<double>(i + 1) / static_cast<double>(per_epoch);
        p.loss = loss_sum / static_cast<double>(tokens);
        p.sentences_per_s = static_cast<double>(sentences) / std::max(secs, 1e-9);
        p.eta_s = secs / p.fraction * (o.epochs - epoch + 1) - secs;
        cb.on_progress(p);
      }
    }
    double secs = std::chrono::duration<double>(Clock::now() - start).count();
    train_seconds += secs;
    train_sentences += sentences;
    Seq2SeqEpochReport r;
    r.epoch = epoch;
    r.train_loss = loss_sum / static_cast<double>(tokens);
    r.seconds = secs;
    r.sentences_per_s = static_cast<double>(sentences) / secs;
    r.lr = lr;
    auto s = evaluate(1, eval_sources, eval_refs);
    r.eval_set = on_valid ? "valid" : "test";
    r.accuracy = s.accuracy;
    r.token_accuracy = s.token_accuracy;
    r.bleu = s.bleu.bleu;
    result.history.push_back(r);
    metrics << report_json(r).dump() << std::endl;
    if (cb.on_epoch) cb.on_epoch(r);
    if (on_valid && r.bleu > best_bleu) {
      best_bleu = r.bleu;
      kept = params.values().clone();
      result.kept_epoch = epoch;
    }
    if (o.schedule == "plateau") lr = plateau.update(static_cast<float>(-r.bleu), lr);

    // Checkpoint: weights, optimizer state and everything needed to resume.
    nlohmann::ordered_json history = nlohmann::ordered_json::array();
    for (const auto& h : result.history) history.push_back(report_json(h));
    nlohmann::ordered_json st = progress_state(epoch, lr, optimizer, dropout_gen, plateau);
    st["best_bleu"] = best_bleu;
    st["kept_epoch"] = result.kept_epoch;
    st["train_seconds"] = train_seconds;
    st["train_sentences"] = train_sentences;
    st["history"] = history;
    io::NamedTensors extra = optimizer.state();
    if (kept.defined()) extra.emplace_back("kept", kept);
    save_model(checkpoint_path, {{"training_state", st.dump()}}, extra);
  }
  if (on_valid) {
    ops::copy_(params.values(), kept);
    say(fmt::format("kept epoch {} (validation BLEU {:.2f})", result.kept_epoch, best_bleu));
  } else {
    result.kept_epoch = static_cast<int>(o.epochs);
  }
  result.sentences_per_s =
      train_seconds > 0 ? static_cast<double>(train_sentences) / train_seconds : 0.0;

  // Final evaluation on the whole test set, with the requested beam.
  auto final_scores = evaluate(o.beam, test_text.source, test_tgt);
  result.test_accuracy = final_scores.accuracy;
  result.token_accuracy = final_scores.token_accuracy;
  result.bleu = final_scores.bleu.bleu;

  eval::Series acc{(on_valid ? "validation" : "test") + std::string(" accuracy (greedy)"), {}, {}};
  for (const auto& h : result.history) {
    acc.x.push_back(h.epoch);
    acc.y.push_back(100.0 * h.accuracy);
  }
  io::write_file_atomic(
      (out / "learning_curve.svg").string(),
      eval::line_chart_svg(on_valid ? "Validation accuracy by epoch" : "Test accuracy by epoch",
                           "epoch", "accuracy (%)", {acc}));
  if (o.model.attention != "none") {
    TranslateOptions t;
    t.max_length = o.max_length;
    t.attention = true;
    std::size_t n = std::min<std::size_t>(8, test_text.size());
    std::vector<std::string> srcs(test_text.source.begin(), test_text.source.begin() + static_cast<std::ptrdiff_t>(n));
    auto outs = translate(model, src_units, src_vocab, tgt_vocab, srcs, t, device);
    std::vector<eval::AttentionExample> ex;
    for (std::size_t i = 0; i < n; ++i) {
      auto target = outs[i][0].units;
      target.push_back(text::kEos);
      ex.push_back({fmt::format("{} -> {}", srcs[i], tgt_units.join(outs[i][0].units)), test_src[i],
                    target, outs[i][0].attention});
    }
    io::write_file_atomic((out / "attention.html").string(), eval::attention_html(ex, "Attention, test examples"));
    io::write_file_atomic((out / "attention.svg").string(),
                          eval::attention_svg(ex[0].weights, ex[0].source, ex[0].target, ex[0].title));
  }
  result.model_path = (out / "model.safetensors").string();
  save_model(result.model_path, {}, {});
  result.wall_s = std::chrono::duration<double>(Clock::now() - wall_start).count();
  return result;
}

}  // namespace rnnkit::train

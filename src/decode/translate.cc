#include "rnnkit/decode/translate.h"

#include <algorithm>

#include "rnnkit/autograd/functions.h"
#include "rnnkit/decode/search.h"
#include "rnnkit/ops/ops.h"
#include "rnnkit/text/parallel.h"

namespace rnnkit::decode {

namespace {

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
  RNNKIT_CHECK(opts.max_source_length >= 0 && opts.beam >= 1 && opts.max_length > 0,
               "translate: --max-source-length {}, --beam {} and --max-length {} out of range",
               opts.max_source_length, opts.beam, opts.max_length);
  NoGradGuard no_grad;
  const auto& cfg = model.config();
  const std::int32_t eos = target_vocab.eos_id();
  const std::int64_t V = cfg.target_vocab, K = opts.beam;
  std::vector<std::vector<Translation>> out(sentences.size());
  Generator unused(0, 0);
  for (std::size_t start = 0; start < sentences.size();
       start += static_cast<std::size_t>(opts.batch)) {
    std::size_t end = std::min(sentences.size(), start + static_cast<std::size_t>(opts.batch));
    const std::int64_t B = static_cast<std::int64_t>(end - start);
    std::vector<std::vector<std::int32_t>> src;
    std::vector<bool> cropped;
    std::int64_t Ts = 1;
    for (std::size_t i = start; i < end; ++i) {
      src.push_back(source_vocab.encode(source_units.split(sentences[i])));
      cropped.push_back(opts.max_source_length > 0 &&
                        static_cast<std::int64_t>(src.back().size()) > opts.max_source_length);
      if (cropped.back()) src.back().resize(static_cast<std::size_t>(opts.max_source_length));
      if (cfg.reverse_source) std::reverse(src.back().begin(), src.back().end());
      Ts = std::max<std::int64_t>(Ts, static_cast<std::int64_t>(src.back().size()));
    }
    std::vector<std::int32_t> ids(static_cast<std::size_t>(Ts * B), source_vocab.eos_id()),
        len(src.size());
    for (std::int64_t b = 0; b < B; ++b) {
      const auto& s = src[static_cast<std::size_t>(b)];
      for (std::size_t k = 0; k < s.size(); ++k)
        ids[k * static_cast<std::size_t>(B) + static_cast<std::size_t>(b)] = s[k];
      len[static_cast<std::size_t>(b)] = static_cast<std::int32_t>(s.size());
    }
    auto enc = model.encode(Tensor::from_ids(ids, {Ts, B}, device),
                            Tensor::from_ids(len, {B}, device), unused);
    auto rows = repeat_rows(enc, K);
    auto state = model.start(rows);
    StepFn step = [&](const std::vector<std::int32_t>& tokens,
                      const std::vector<std::int64_t>& parents) {
      state = state.select(parents);
      auto d = model.decode(
          rows, Tensor::from_ids(tokens, {1, static_cast<std::int64_t>(tokens.size())}, device),
          state, unused);
      state = d.state;
      return ops::log_softmax(d.logits.value()).to_vector();
    };
    SearchOptions so;
    so.start = so.eos = eos;
    so.max_length = opts.max_length;
    so.width = K;
    so.length_penalty = opts.length_penalty;
    so.nbest = opts.nbest;
    std::vector<std::vector<Hypothesis>> hyps;
    if (K == 1) {
      for (auto& h : greedy_search(B, V, step, so)) hyps.push_back({h});
    } else {
      hyps = beam_search(B, V, step, so);
    }
    for (std::int64_t b = 0; b < B; ++b)
      for (const auto& h : hyps[static_cast<std::size_t>(b)]) {
        Translation t;
        for (auto id : h.tokens) t.units.push_back(target_vocab.word(id));
        t.score = h.score;
        t.cropped = cropped[static_cast<std::size_t>(b)];
        out[start + static_cast<std::size_t>(b)].push_back(std::move(t));
      }
    if (opts.attention && cfg.attention != "none") {
      // The best outputs decoded once more, teacher-forced, to read their attention.
      std::int64_t Tt = 1;
      for (std::int64_t b = 0; b < B; ++b)
        Tt = std::max<std::int64_t>(
            Tt, static_cast<std::int64_t>(hyps[static_cast<std::size_t>(b)][0].tokens.size()) + 1);
      std::vector<std::int32_t> tin(static_cast<std::size_t>(Tt * B), eos);
      for (std::int64_t b = 0; b < B; ++b) {
        const auto& tk = hyps[static_cast<std::size_t>(b)][0].tokens;
        for (std::size_t k = 0; k < tk.size(); ++k)
          tin[(k + 1) * static_cast<std::size_t>(B) + static_cast<std::size_t>(b)] = tk[k];
      }
      auto d = model.decode(enc, Tensor::from_ids(tin, {Tt, B}, device), model.start(enc), unused);
      std::vector<float> w = d.attention.to_vector();  // [B, Tt, Ts]
      for (std::int64_t b = 0; b < B; ++b) {
        auto& t = out[start + static_cast<std::size_t>(b)][0];
        std::int64_t n = len[static_cast<std::size_t>(b)],
                     rows_b = static_cast<std::int64_t>(t.units.size()) + 1;
        for (std::int64_t i = 0; i < rows_b; ++i)
          for (std::int64_t j = 0; j < n; ++j) {  // back to the source's own order
            std::int64_t col = cfg.reverse_source ? n - 1 - j : j;
            t.attention.push_back(w[static_cast<std::size_t>((b * Tt + i) * Ts + col)]);
          }
      }
    }
  }
  if (cfg.reverse_target)  // back to reading order (attention rows too, <eos>'s last)
    for (auto& sentence : out)
      for (auto& t : sentence) {
        std::reverse(t.units.begin(), t.units.end());
        const std::size_t rows = t.units.size(), cols = rows > 0 && !t.attention.empty()
                                                            ? t.attention.size() / (rows + 1)
                                                            : 0;
        for (std::size_t i = 0; cols > 0 && i < rows / 2; ++i)
          std::swap_ranges(
              t.attention.begin() + static_cast<std::ptrdiff_t>(i * cols),
              t.attention.begin() + static_cast<std::ptrdiff_t>((i + 1) * cols),
              t.attention.begin() + static_cast<std::ptrdiff_t>((rows - 1 - i) * cols));
      }
  return out;
}

std::vector<ForcedScore> teacher_forced_scores(
    const models::Seq2Seq& model, const std::vector<std::vector<std::int32_t>>& sources,
    const std::vector<std::vector<std::int32_t>>& targets, std::int32_t eos, Device device) {
  NoGradGuard no_grad;
  const auto& cfg = model.config();
  std::vector<std::vector<std::int32_t>> emitted = targets;
  if (cfg.reverse_target)
    for (auto& t : emitted) std::reverse(t.begin(), t.end());
  text::Seq2SeqBatcher batches(sources, emitted, 64, cfg.reverse_source, eos, false);
  std::vector<ForcedScore> out(sources.size());
  Generator unused(0, 0);
  for (std::int64_t i = 0; i < batches.num_batches(); ++i) {
    text::Seq2SeqBatch b = batches.get(i);
    auto enc = model.encode(b.source.to(device), b.source_length.to(device), unused);
    auto d = model.decode(enc, b.target_in.to(device), model.start(enc), unused);
    const std::vector<float> logits = d.logits.value().to(kCPU).to_vector();
    const std::vector<std::int32_t> want = b.target_out.to_ids();
    const std::size_t B = b.rows.size(), V = static_cast<std::size_t>(cfg.target_vocab);
    for (std::size_t k = 0; k < want.size(); ++k) {
      if (want[k] == text::kIgnoreIndex) continue;
      const float* row = logits.data() + k * V;
      const auto best = static_cast<std::int32_t>(std::max_element(row, row + V) - row);
      ForcedScore& s = out[b.rows[k % B]];
      s.correct += best == want[k];
      ++s.total;
    }
  }
  return out;
}

std::vector<std::vector<float>> sentence_codes(const models::Seq2Seq& model,
                                               const text::Segmenter& source_units,
                                               const text::Vocabulary& source_vocab,
                                               const std::vector<std::string>& sentences,
                                               Device device, std::int64_t max_length) {
  NoGradGuard no_grad;
  const auto& cfg = model.config();
  std::vector<std::vector<std::int32_t>> ids;
  for (const auto& s : sentences) {
    ids.push_back(source_vocab.encode(source_units.split(s)));
    if (ids.back().empty()) ids.back().push_back(source_vocab.unk_id());
    if (max_length > 0 && static_cast<std::int64_t>(ids.back().size()) > max_length)
      ids.back().resize(static_cast<std::size_t>(max_length));
  }
  std::vector<std::vector<float>> out(sentences.size());
  const std::int64_t H = cfg.hidden_size;
  Generator unused(0, 0);
  text::BatchPlan plan(
      [&] {
        std::vector<std::size_t> n;
        for (const auto& x : ids) n.push_back(x.size());
        return n;
      }(),
      64, true);
  for (std::int64_t i = 0; i < plan.num_batches(); ++i) {
    const std::vector<std::size_t> rows = plan.rows(i);
    text::PaddedBatch b = text::pad_batch(ids, rows, source_vocab.eos_id(), cfg.reverse_source);
    auto enc = model.encode(b.ids.to(device), b.lengths.to(device), unused);
    const std::vector<float> h = enc.summary.value().to(kCPU).to_vector();
    for (std::size_t r = 0; r < rows.size(); ++r)
      out[rows[r]].assign(h.begin() + static_cast<std::ptrdiff_t>(r) * H,
                          h.begin() + static_cast<std::ptrdiff_t>(r + 1) * H);
  }
  return out;
}

}  // namespace rnnkit::decode

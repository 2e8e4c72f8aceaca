#include "rnnkit/decode/translate.h"

#include <algorithm>

#include "rnnkit/autograd/functions.h"
#include "rnnkit/decode/search.h"
#include "rnnkit/ops/ops.h"

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
  return out;
}

}  // namespace rnnkit::decode

#include "rnnkit/decode/sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "rnnkit/autograd/functions.h"
#include "rnnkit/core/rng_streams.h"
#include "rnnkit/decode/search.h"
#include "rnnkit/ops/ops.h"

namespace rnnkit::decode {

void SamplingOptions::validate() const {
  RNNKIT_CHECK(temperature >= 0.0f && std::isfinite(temperature),
               "temperature {} must be finite and not negative", temperature);
  RNNKIT_CHECK(top_k >= 0, "top-k {} must not be negative", top_k);
  RNNKIT_CHECK(top_p > 0.0f && top_p <= 1.0f, "top-p {} outside (0, 1]", top_p);
}

std::int32_t sample(const std::vector<float>& logits, const SamplingOptions& opts, Generator& gen) {
  RNNKIT_CHECK(!logits.empty(), "sample: no logits");
  if (opts.temperature == 0.0f)
    return static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
  std::vector<std::int32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) {
    return logits[static_cast<std::size_t>(a)] > logits[static_cast<std::size_t>(b)];
  });
  std::size_t keep = order.size();
  if (opts.top_k > 0) keep = std::min(keep, static_cast<std::size_t>(opts.top_k));
  // Softmax of the kept candidates at the temperature, in descending order.
  float mx = logits[static_cast<std::size_t>(order[0])];
  std::vector<double> p(keep);
  double total = 0.0;
  for (std::size_t i = 0; i < keep; ++i) {
    p[i] = std::exp((logits[static_cast<std::size_t>(order[i])] - mx) / opts.temperature);
    total += p[i];
  }
  if (opts.top_p < 1.0f) {  // smallest prefix whose mass reaches top_p
    double mass = 0.0;
    std::size_t n = 0;
    while (n < keep && mass < opts.top_p * total) mass += p[n++];
    keep = std::max<std::size_t>(n, 1);
    total = mass;
  }
  double u = gen.uniform() * total, acc = 0.0;
  for (std::size_t i = 0; i < keep; ++i) {
    acc += p[i];
    if (u < acc) return order[i];
  }
  return order[keep - 1];
}

namespace {

// A prompt's ids; an empty prompt starts after an end of sentence, as at the
// start of a line.
std::vector<std::int32_t> prompt_ids(const text::Vocabulary& vocab,
                                     const std::vector<std::string>& prompt) {
  return prompt.empty() ? std::vector<std::int32_t>{vocab.eos_id()} : vocab.encode(prompt);
}

}  // namespace

std::vector<std::string> generate(const models::LanguageModel& model, const text::Vocabulary& vocab,
                                  const std::vector<std::string>& prompt,
                                  const GenerateOptions& opts, Device device) {
  opts.sampling.validate();
  NoGradGuard no_grad;
  Generator gen(opts.seed, stream_id(RngStream::kSampling)), unused;
  nn::RecurrentState state = model.zero_state(1, device);
  std::vector<std::int32_t> ids = prompt_ids(vocab, prompt);
  std::vector<std::string> out;
  Tensor x = Tensor::from_ids(ids, {static_cast<std::int64_t>(ids.size()), 1}, device);
  for (std::int64_t i = 0; i < opts.length; ++i) {
    auto [logits, next] = model.forward(x, state, unused);
    state = next;
    Tensor last = logits.value().narrow0(logits.value().size(0) - 1, 1);
    std::vector<float> row = last.to_vector();
    if (opts.ban_unk) row[static_cast<std::size_t>(vocab.unk_id())] = -INFINITY;
    std::int32_t id = sample(row, opts.sampling, gen);
    if (opts.stop_at_eos && id == vocab.eos_id()) break;
    out.push_back(vocab.word(id));
    x = Tensor::from_ids({id}, {1, 1}, device);
  }
  return out;
}

std::vector<std::string> generate_beam(const models::LanguageModel& model, const text::Vocabulary& vocab,
                                       const std::vector<std::string>& prompt, const GenerateOptions& opts,
                                       std::int64_t width, float length_penalty, Device device) {
  RNNKIT_CHECK(width >= 1, "beam width must be at least 1, got {}", width);
  NoGradGuard no_grad;
  Generator unused;
  std::vector<std::int32_t> ids = prompt_ids(vocab, prompt);
  // The prompt but its last token sets the state; the last starts the search.
  nn::RecurrentState state = model.zero_state(1, device);
  if (ids.size() > 1) {
    std::vector<std::int32_t> head(ids.begin(), ids.end() - 1);
    state = model.forward(Tensor::from_ids(head, {static_cast<std::int64_t>(head.size()), 1}, device), state, unused)
                .second;
  }
  state = state.select(std::vector<std::int64_t>(static_cast<std::size_t>(width), 0));
  const std::int64_t V = vocab.size();
  StepFn step = [&](const std::vector<std::int32_t>& tokens, const std::vector<std::int64_t>& parents) {
    state = state.select(parents);
    auto [logits, next] =
        model.forward(Tensor::from_ids(tokens, {1, static_cast<std::int64_t>(tokens.size())}, device), state, unused);
    state = next;
    std::vector<float> lp = ops::log_softmax(logits.value()).to_vector();
    if (opts.ban_unk)
      for (std::size_t r = 0; r < tokens.size(); ++r) lp[r * static_cast<std::size_t>(V) + vocab.unk_id()] = -INFINITY;
    return lp;
  };
  SearchOptions so;
  so.start = ids.back();
  so.eos = vocab.eos_id();
  so.max_length = opts.length;
  so.width = width;
  so.length_penalty = length_penalty;
  auto best = beam_search(1, V, step, so);
  std::vector<std::string> out;
  for (auto id : best[0][0].tokens) out.push_back(vocab.word(id));
  return out;
}

std::vector<std::string> continue_prompt(const models::LanguageModel& model,
                                         const text::Vocabulary& vocab,
                                         const std::vector<std::string>& prompt,
                                         const GenerateOptions& opts, std::int64_t beam,
                                         float length_penalty, Device device) {
  RNNKIT_CHECK(opts.length > 0, "length must be positive, got {}", opts.length);
  RNNKIT_CHECK(beam >= 1, "beam width must be at least 1, got {}", beam);
  RNNKIT_CHECK(std::isfinite(length_penalty), "length penalty {} is not a number", length_penalty);
  if (beam > 1) return generate_beam(model, vocab, prompt, opts, beam, length_penalty, device);
  return generate(model, vocab, prompt, opts, device);
}

std::vector<float> next_token_log_probs(const models::LanguageModel& model,
                                        const text::Vocabulary& vocab,
                                        const std::vector<std::string>& prefix, Device device) {
  NoGradGuard no_grad;
  Generator unused;
  std::vector<std::int32_t> ids = prompt_ids(vocab, prefix);
  Tensor x = Tensor::from_ids(ids, {static_cast<std::int64_t>(ids.size()), 1}, device);
  auto logits = model.forward(x, model.zero_state(1, device), unused).first.value();
  return ops::log_softmax(logits.narrow0(logits.size(0) - 1, 1)).to_vector();
}

StateTrace state_trace(const models::LanguageModel& model, const std::vector<std::int32_t>& ids,
                       Device device) {
  const auto& c = model.config();
  RNNKIT_CHECK(c.context == 0, "a feed-forward language model (context {}) has no recurrent state",
               c.context);
  NoGradGuard no_grad;
  Generator unused;
  StateTrace t{static_cast<std::int64_t>(ids.size()), c.num_layers, c.hidden_size, {}, {}};
  const bool lstm = c.cell == "lstm";
  nn::RecurrentState state = model.zero_state(1, device);
  for (std::int32_t id : ids) {
    state = model.forward(Tensor::from_ids({id}, {1, 1}, device), state, unused).second;
    for (std::int64_t l = 0; l < c.num_layers; ++l) {
      auto h = state.h[static_cast<std::size_t>(l)].value().to_vector();
      t.h.insert(t.h.end(), h.begin(), h.end());
      if (!lstm) continue;
      auto cell = state.c[static_cast<std::size_t>(l)].value().to_vector();
      t.c.insert(t.c.end(), cell.begin(), cell.end());
    }
  }
  return t;
}

std::string continuation_text(const text::Segmenter& units,
                              const std::vector<std::string>& tokens) {
  std::string out;
  std::vector<std::string> line;
  auto flush = [&] {
    if (line.empty()) return;
    const bool spaced =
        units.unit() == text::Unit::kWord ||
        (units.unit() == text::Unit::kSubword && line[0].rfind("\xE2\x96\x81", 0) == 0);
    out += (spaced ? " " : "") + units.join(line);
    line.clear();
  };
  for (const auto& w : tokens) {
    if (w != text::kEos) {
      line.push_back(w);
      continue;
    }
    flush();
    out += "\n";
  }
  flush();
  return out;
}

}  // namespace rnnkit::decode

#include "rnnkit/eval/perplexity.h"

#include <chrono>
#include <cmath>

#include "rnnkit/autograd/functions.h"
#include "rnnkit/text/corpus.h"

namespace rnnkit::eval {

double PerplexityResult::perplexity() const {
  return tokens > 0 ? std::exp(nll_sum / static_cast<double>(tokens)) : 0.0;
}

PerplexityResult evaluate_perplexity(const models::LanguageModel& model,
                                     const std::vector<std::int32_t>& ids, std::int64_t batch,
                                     std::int64_t steps, Device device) {
  auto start = std::chrono::steady_clock::now();
  NoGradGuard no_grad;
  text::BpttBatcher batches(ids, batch, steps);
  nn::RecurrentState state = model.zero_state(batch, device);
  Generator unused;  // no dropout in evaluation
  PerplexityResult r;
  for (std::int64_t i = 0; i < batches.num_batches(); ++i) {
    auto [x, y] = batches.get(i);
    auto [features, next] = model.features(x.to(device), state, unused);
    Var loss = model.nll(features, y.to(device));
    r.nll_sum += loss.value().item();
    r.tokens += y.numel();
    state = next;
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

std::vector<LineScore> score_lines(const models::LanguageModel& model,
                                   const std::vector<std::vector<std::int32_t>>& lines,
                                   std::int32_t eos, Device device) {
  NoGradGuard no_grad;
  Generator unused;
  std::vector<LineScore> out;
  out.reserve(lines.size());
  for (const auto& line : lines) {
    if (line.empty()) {
      out.push_back({});
      continue;
    }
    // Inputs <eos> w1 .. wn, targets w1 .. wn <eos>: the line as the stream would start it.
    std::vector<std::int32_t> in(line.size());
    in[0] = eos;
    std::copy(line.begin(), line.end() - 1, in.begin() + 1);
    const auto T = static_cast<std::int64_t>(line.size());
    auto [features, next] =
        model.features(Tensor::from_ids(in, {T, 1}, device), model.zero_state(1, device), unused);
    Var nll = model.nll(features, Tensor::from_ids(line, {T}, device));
    out.push_back({nll.value().item(), T});
  }
  return out;
}

}  // namespace rnnkit::eval

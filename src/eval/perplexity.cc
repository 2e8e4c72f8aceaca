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

}  // namespace rnnkit::eval

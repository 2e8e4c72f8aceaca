#include "rnnkit/nn/output.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "rnnkit/ops/ops.h"

namespace rnnkit::nn {

SampledObjective parse_sampled_objective(const std::string& name) {
  if (name == "importance") return SampledObjective::kImportance;
  if (name == "nce") return SampledObjective::kNce;
  if (name == "negative") return SampledObjective::kNegative;
  if (name == "blackout") return SampledObjective::kBlackOut;
  throw InvalidArgument(
      fmt::format("unknown sampled objective '{}' (expected importance, nce, negative or blackout)", name));
}

NoiseSampler::NoiseSampler(const std::vector<std::int64_t>& counts, double alpha)
    : table_(AliasTable::from_counts(counts, alpha)) {}

std::vector<std::int32_t> NoiseSampler::draw(std::int64_t k, Generator& gen) const {
  std::vector<std::int32_t> out(static_cast<std::size_t>(k));
  for (auto& w : out) w = table_.sample(gen);
  return out;
}

Var sampled_loss(SampledObjective objective, const Var& h, const Linear& output, const Tensor& targets,
                 const std::vector<std::int32_t>& noise, const NoiseSampler& q) {
  const Device dev = h.value().device();
  const std::int64_t N = h.value().size(0), H = h.value().size(1), K = static_cast<std::int64_t>(noise.size());
  const std::int64_t V = output.weight.value().size(0);
  RNNKIT_CHECK(K > 0 && q.size() == V, "sampled loss: {} noise words from a distribution over {} words for {}", K,
               q.size(), V);
  RNNKIT_CHECK(targets.numel() == N, "sampled loss: {} targets for {} rows", targets.numel(), N);
  const std::vector<std::int32_t> y = targets.to_ids();

  // Scores of the noise words [N, K] and of each row's target [N, 1].
  Tensor noise_ids = Tensor::from_ids(noise, {K}, dev), target_ids = Tensor::from_ids(y, {N}, dev);
  Var bias = fn::reshape(output.bias, {V, 1});
  Var s_noise = fn::linear(h, fn::embedding(output.weight, noise_ids),
                           fn::reshape(fn::embedding(bias, noise_ids), {K}));
  Var ones(Tensor::full({H, 1}, 1.0f, dev));
  Var s_target = fn::add(fn::matmul(fn::mul(h, fn::embedding(output.weight, target_ids)), ones),
                         fn::embedding(bias, target_ids));

  // log(K Q(w)): the expected count of w among the noise draws.
  auto log_kq = [&](std::int32_t w) { return static_cast<float>(std::log(static_cast<double>(K) * q.probability(w))); };
  const bool corrected = objective != SampledObjective::kNegative;
  if (corrected) {
    std::vector<float> ct(static_cast<std::size_t>(N)), cn(static_cast<std::size_t>(K));
    for (std::int64_t r = 0; r < N; ++r) ct[static_cast<std::size_t>(r)] = log_kq(y[static_cast<std::size_t>(r)]);
    for (std::int64_t k = 0; k < K; ++k) cn[static_cast<std::size_t>(k)] = log_kq(noise[static_cast<std::size_t>(k)]);
    s_target = fn::sub(s_target, Var(Tensor::from_vector(ct, {N, 1}, dev)));
    s_noise = fn::sub(s_noise, Var(Tensor::from_vector(cn, {K}, dev)));
  }
  if (objective == SampledObjective::kNce || objective == SampledObjective::kNegative) {
    // Logistic: -log sigma(s) = softplus(-s) for the target, -log(1 - sigma(s))
    // = softplus(s) for each noise word; a draw of the row's own target is
    // not a negative example (its term gets weight 0).
    Var loss = fn::sum(fn::softplus(fn::scale(s_target, -1.0f)));
    Var noise_terms = fn::softplus(s_noise);  // [N, K]
    std::vector<float> weight;
    for (std::int64_t r = 0; r < N; ++r)
      for (std::int64_t k = 0; k < K; ++k)
        if (noise[static_cast<std::size_t>(k)] == y[static_cast<std::size_t>(r)]) {
          if (weight.empty()) weight.assign(static_cast<std::size_t>(N * K), 1.0f);
          weight[static_cast<std::size_t>(r * K + k)] = 0.0f;
        }
    if (!weight.empty()) noise_terms = fn::mul(noise_terms, Var(Tensor::from_vector(weight, {N, K}, dev)));
    return fn::add(loss, fn::sum(noise_terms));
  }
  Var scores = fn::concat({s_target, s_noise}, 1);  // [N, 1 + K], the target first

  if (objective == SampledObjective::kImportance) {
    // Softmax over the target and every draw, noise hits of the target
    // included, so that as K grows the normaliser tends to Z. Taking off
    // sum log(K Q(y)), a constant, makes the value itself estimate the full
    // cross-entropy (from below, by Jensen; the gap shrinks with K).
    Var ce = fn::cross_entropy(scores, Tensor::zeros({N}, dev, DType::kInt32), {.reduction = fn::Reduction::kSum});
    double shift = 0;
    for (auto w : y) shift += log_kq(w);
    return fn::sub(ce, Var(Tensor::full(ce.value().shape(), static_cast<float>(shift), dev)));
  }
  // BlackOut: hits of the target leave the softmax (-1e30) and the sum (weight 0).
  std::vector<float> mask(static_cast<std::size_t>(N * (1 + K)), 0.0f), weight(mask.size(), 0.0f);
  for (std::int64_t r = 0; r < N; ++r)
    for (std::int64_t k = 0; k < K; ++k) {
      bool hit = noise[static_cast<std::size_t>(k)] == y[static_cast<std::size_t>(r)];
      mask[static_cast<std::size_t>(r * (1 + K) + 1 + k)] = hit ? -1e30f : 0.0f;
      weight[static_cast<std::size_t>(r * (1 + K) + 1 + k)] = hit ? 0.0f : 1.0f;
    }
  Var z = fn::add(scores, Var(Tensor::from_vector(mask, {N, 1 + K}, dev)));
  Var target_term = fn::cross_entropy(z, Tensor::zeros({N}, dev, DType::kInt32), {.reduction = fn::Reduction::kSum});
  // log(1 - p~), kept finite where p~ reaches 1 in float.
  Var one_minus = fn::sub(Var(Tensor::full({N, 1 + K}, 1.0f + 1e-6f, dev)), fn::softmax(z));
  Var noise_term = fn::sum(fn::mul(fn::log(one_minus), Var(Tensor::from_vector(weight, {N, 1 + K}, dev))));
  return fn::sub(target_term, fn::reshape(noise_term, target_term.value().shape()));
}

Var hierarchical_nll(const Var& h, const Linear& nodes, const Tensor& targets, const std::vector<TreePath>& paths) {
  const Device dev = h.value().device();
  const std::int64_t N = h.value().size(0), H = h.value().size(1), inner = nodes.weight.value().size(0);
  RNNKIT_CHECK(targets.numel() == N, "hierarchical softmax: {} targets for {} rows", targets.numel(), N);
  // One row per (position, node on its target's path).
  const std::vector<std::int32_t> y = targets.to_ids();
  std::vector<std::int32_t> rows, node, bit;
  for (std::int64_t r = 0; r < N; ++r) {
    const std::int32_t w = y[static_cast<std::size_t>(r)];
    RNNKIT_CHECK(w >= 0 && static_cast<std::size_t>(w) < paths.size(), "hierarchical softmax: target {} outside [0, {})",
                 w, paths.size());
    const TreePath& p = paths[static_cast<std::size_t>(w)];
    for (std::size_t j = 0; j < p.nodes.size(); ++j) {
      rows.push_back(static_cast<std::int32_t>(r));
      node.push_back(p.nodes[j]);
      bit.push_back(p.bits[j]);
    }
  }
  const auto P = static_cast<std::int64_t>(rows.size());
  Tensor row_ids = Tensor::from_ids(rows, {P}, dev), node_ids = Tensor::from_ids(node, {P}, dev);
  Var ones(Tensor::full({H, 1}, 1.0f, dev));
  Var x = fn::add(fn::matmul(fn::mul(fn::embedding(h, row_ids), fn::embedding(nodes.weight, node_ids)), ones),
                  fn::embedding(fn::reshape(nodes.bias, {inner, 1}), node_ids));  // [P, 1]
  // log sigma(x) is log_softmax([x, 0])[0], log sigma(-x) its [1]: the bit is the class.
  Var pairs = fn::concat({x, Var(Tensor::zeros({P, 1}, dev))}, 1);
  return fn::cross_entropy(pairs, Tensor::from_ids(bit, {P}, dev), {.reduction = fn::Reduction::kSum});
}

Tensor hierarchical_log_probs(const Tensor& h, const Linear& nodes, const std::vector<TreePath>& paths) {
  NoGradGuard no_grad;
  std::vector<float> x = fn::linear(Var(h), nodes.weight, nodes.bias).value().to_vector();  // [N, V-1]
  const std::int64_t N = h.size(0), V = static_cast<std::int64_t>(paths.size()), inner = V - 1;
  std::vector<float> out(static_cast<std::size_t>(N * V));
  auto log_sigmoid = [](double v) { return v >= 0 ? -std::log1p(std::exp(-v)) : v - std::log1p(std::exp(v)); };
  for (std::int64_t r = 0; r < N; ++r)
    for (std::int64_t w = 0; w < V; ++w) {
      const TreePath& p = paths[static_cast<std::size_t>(w)];
      double lp = 0;
      for (std::size_t j = 0; j < p.nodes.size(); ++j) {
        double v = x[static_cast<std::size_t>(r * inner + p.nodes[j])];
        lp += log_sigmoid(p.bits[j] ? -v : v);
      }
      out[static_cast<std::size_t>(r * V + w)] = static_cast<float>(lp);
    }
  return Tensor::from_vector(out, {N, V}, h.device());
}

WordClasses frequency_classes(const std::vector<std::int64_t>& counts, std::int64_t classes) {
  const auto V = static_cast<std::int64_t>(counts.size());
  RNNKIT_CHECK(classes >= 1 && classes <= V, "class-based softmax: {} classes for {} words", classes, V);
  std::vector<std::int32_t> order(static_cast<std::size_t>(V));
  for (std::int32_t w = 0; w < V; ++w) order[static_cast<std::size_t>(w)] = w;
  std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
    return counts[static_cast<std::size_t>(a)] > counts[static_cast<std::size_t>(b)];
  });
  double total = 0;
  for (auto c : counts) total += static_cast<double>(std::max<std::int64_t>(c, 1));
  WordClasses wc;
  wc.class_of.resize(static_cast<std::size_t>(V));
  wc.index_in_class.resize(static_cast<std::size_t>(V));
  wc.members.resize(static_cast<std::size_t>(classes));
  // A class closes once the mass so far reaches its share (a heavy word fills
  // one alone), or when the words left are just enough for the classes left:
  // exactly `classes` non-empty classes.
  double mass = 0;
  std::int64_t c = 0;
  for (std::int64_t i = 0; i < V; ++i) {
    const std::int32_t w = order[static_cast<std::size_t>(i)];
    wc.members[static_cast<std::size_t>(c)].push_back(w);
    mass += static_cast<double>(std::max<std::int64_t>(counts[static_cast<std::size_t>(w)], 1));
    const bool full = mass >= static_cast<double>(c + 1) / static_cast<double>(classes) * total;
    if (c < classes - 1 && (full || V - i - 1 == classes - 1 - c)) ++c;
  }
  for (std::size_t c = 0; c < wc.members.size(); ++c)
    for (std::size_t i = 0; i < wc.members[c].size(); ++i) {
      wc.class_of[static_cast<std::size_t>(wc.members[c][i])] = static_cast<std::int32_t>(c);
      wc.index_in_class[static_cast<std::size_t>(wc.members[c][i])] = static_cast<std::int32_t>(i);
    }
  return wc;
}

Var class_nll(const Var& h, const Linear& classes, const Linear& words, const Tensor& targets,
              const WordClasses& wc) {
  const Device dev = h.value().device();
  const std::int64_t N = h.value().size(0), V = words.weight.value().size(0);
  RNNKIT_CHECK(targets.numel() == N, "class-based softmax: {} targets for {} rows", targets.numel(), N);
  const auto C = static_cast<std::int64_t>(wc.members.size());
  RNNKIT_CHECK(classes.weight.value().size(0) == C, "class-based softmax: {} class rows for {} classes",
               classes.weight.value().size(0), C);
  const std::vector<std::int32_t> y = targets.to_ids();
  std::vector<std::int32_t> cls(y.size());
  std::vector<std::vector<std::int32_t>> rows(static_cast<std::size_t>(C)), inner(static_cast<std::size_t>(C));
  for (std::size_t r = 0; r < y.size(); ++r) {
    RNNKIT_CHECK(y[r] >= 0 && y[r] < V, "class-based softmax: target {} outside [0, {})", y[r], V);
    cls[r] = wc.class_of[static_cast<std::size_t>(y[r])];
    rows[static_cast<std::size_t>(cls[r])].push_back(static_cast<std::int32_t>(r));
    inner[static_cast<std::size_t>(cls[r])].push_back(wc.index_in_class[static_cast<std::size_t>(y[r])]);
  }
  Var loss = fn::cross_entropy(classes.forward(h), Tensor::from_ids(cls, {N}, dev), {.reduction = fn::Reduction::kSum});
  Var bias = fn::reshape(words.bias, {V, 1});
  for (std::int64_t c = 0; c < C; ++c) {  // the rows whose target is in class c, over its words
    const auto& rc = rows[static_cast<std::size_t>(c)];
    if (rc.empty()) continue;
    const auto& m = wc.members[static_cast<std::size_t>(c)];
    const auto n = static_cast<std::int64_t>(rc.size()), k = static_cast<std::int64_t>(m.size());
    Tensor member_ids = Tensor::from_ids(m, {k}, dev);
    Var logits = fn::linear(fn::embedding(h, Tensor::from_ids(rc, {n}, dev)), fn::embedding(words.weight, member_ids),
                            fn::reshape(fn::embedding(bias, member_ids), {k}));
    loss = fn::add(loss, fn::cross_entropy(logits, Tensor::from_ids(inner[static_cast<std::size_t>(c)], {n}, dev),
                                           {.reduction = fn::Reduction::kSum}));
  }
  return loss;
}

Tensor class_log_probs(const Tensor& h, const Linear& classes, const Linear& words, const WordClasses& wc) {
  NoGradGuard no_grad;
  Var hv(h);
  std::vector<float> lc = ops::log_softmax(classes.forward(hv).value()).to_vector();  // [N, C]
  std::vector<float> lw = words.forward(hv).value().to_vector();                      // [N, V]
  const std::int64_t N = h.size(0), V = words.weight.value().size(0), C = static_cast<std::int64_t>(wc.members.size());
  std::vector<float> out(static_cast<std::size_t>(N * V));
  for (std::int64_t r = 0; r < N; ++r)
    for (std::int64_t c = 0; c < C; ++c) {  // log-softmax over the class's words, plus the class's
      const auto& m = wc.members[static_cast<std::size_t>(c)];
      double mx = -INFINITY, sum = 0;
      for (auto w : m) mx = std::max<double>(mx, lw[static_cast<std::size_t>(r * V + w)]);
      for (auto w : m) sum += std::exp(lw[static_cast<std::size_t>(r * V + w)] - mx);
      const double lse = mx + std::log(sum);
      for (auto w : m)
        out[static_cast<std::size_t>(r * V + w)] =
            static_cast<float>(lc[static_cast<std::size_t>(r * C + c)] + lw[static_cast<std::size_t>(r * V + w)] - lse);
    }
  return Tensor::from_vector(out, {N, V}, h.device());
}

}  // namespace rnnkit::nn

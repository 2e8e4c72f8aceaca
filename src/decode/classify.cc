#include "rnnkit/decode/classify.h"

#include <algorithm>
#include <numeric>

#include "rnnkit/text/labeled.h"

namespace rnnkit::decode {

std::string_view without_labels(std::string_view line, const std::string& prefix) {
  while (!prefix.empty() && line.substr(0, prefix.size()) == prefix) {
    const auto space = line.find(' ');
    line.remove_prefix(space == std::string_view::npos ? line.size() : space + 1);
  }
  return line;
}

std::vector<std::int32_t> classifier_ids(const models::ClassifierConfig& config,
                                         const text::Segmenter& units,
                                         const text::Vocabulary& vocab,
                                         const std::string& sentence) {
  std::vector<std::int32_t> ids =
      vocab.encode(units.split(config.lowercase ? text::ascii_lower(sentence) : sentence));
  if (ids.empty()) ids.push_back(vocab.unk_id());
  return ids;
}

std::vector<std::vector<float>> classify(const models::Classifier& model,
                                         const std::vector<std::vector<std::int32_t>>& ids,
                                         const ClassifyOptions& opts, Device device) {
  RNNKIT_CHECK(opts.batch > 0 && opts.max_length >= 0, "classify: batch {} and max length {}",
               opts.batch, opts.max_length);
  NoGradGuard no_grad;
  const std::int64_t L = model.config().labels;
  const bool sigmoid = model.config().loss == "one-vs-all";
  std::vector<std::vector<std::int32_t>> cut;
  const std::vector<std::vector<std::int32_t>>* seqs = &ids;
  if (opts.max_length > 0) {
    cut = ids;
    for (auto& s : cut)
      if (static_cast<std::int64_t>(s.size()) > opts.max_length)
        s.resize(static_cast<std::size_t>(opts.max_length));
    seqs = &cut;
  }
  // Longest first, so each batch pads little and the recurrent op skips finished rows.
  std::vector<std::size_t> order(ids.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return (*seqs)[a].size() > (*seqs)[b].size();
  });
  std::vector<std::vector<float>> out(ids.size());
  Generator unused(0, 0);
  for (std::size_t start = 0; start < order.size(); start += static_cast<std::size_t>(opts.batch)) {
    const std::vector<std::size_t> rows(
        order.begin() + static_cast<std::ptrdiff_t>(start),
        order.begin() + static_cast<std::ptrdiff_t>(
                            std::min(order.size(), start + static_cast<std::size_t>(opts.batch))));
    for (std::size_t r : rows)
      RNNKIT_CHECK(!(*seqs)[r].empty(), "classify: sentence {} has no units", r);
    text::PaddedBatch b = text::pad_batch(*seqs, rows, 0);
    Tensor logits = model.forward(b.ids.to(device), b.lengths.to(device), unused).logits.value();
    Tensor p = (sigmoid ? ops::activation(ops::Activation::kSigmoid, logits) : ops::softmax(logits))
                   .to(kCPU);
    const std::vector<float> v = p.to_vector();
    for (std::size_t i = 0; i < rows.size(); ++i)
      out[rows[i]].assign(v.begin() + static_cast<std::ptrdiff_t>(i * L),
                          v.begin() + static_cast<std::ptrdiff_t>((i + 1) * L));
  }
  return out;
}

std::vector<int> predicted_labels(const std::vector<float>& p, bool one_vs_all, float threshold) {
  std::vector<int> out;
  if (one_vs_all) {
    for (std::size_t l = 0; l < p.size(); ++l)
      if (p[l] > threshold) out.push_back(static_cast<int>(l));
    return out;
  }
  if (!p.empty()) out.push_back(static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin()));
  return out;
}

std::vector<int> top_labels(const std::vector<float>& p, std::size_t k) {
  std::vector<int> idx(p.size());
  std::iota(idx.begin(), idx.end(), 0);
  k = std::min(k, idx.size());
  std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(),
                    [&](int a, int b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
  idx.resize(k);
  return idx;
}

}  // namespace rnnkit::decode

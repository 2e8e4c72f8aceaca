#include "rnnkit/text/huffman.h"

#include <algorithm>
#include <queue>

#include "rnnkit/core/error.h"

namespace rnnkit::text {

std::vector<HuffmanCode> build_huffman(const std::vector<std::int64_t>& counts) {
  const std::int64_t v = static_cast<std::int64_t>(counts.size());
  RNNKIT_CHECK(v >= 2, "Huffman tree: needs at least 2 words, got {}", v);
  // Nodes 0..v-1 are leaves, v..2v-2 inner nodes.
  std::vector<std::int64_t> parent(static_cast<std::size_t>(2 * v - 1), -1);
  std::vector<std::uint8_t> bit(static_cast<std::size_t>(2 * v - 1), 0);
  using Item = std::pair<std::int64_t, std::int64_t>;  // (count, node)
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
  for (std::int64_t i = 0; i < v; ++i) heap.emplace(counts[static_cast<std::size_t>(i)], i);
  for (std::int64_t next = v; next < 2 * v - 1; ++next) {
    auto [c1, a] = heap.top();
    heap.pop();
    auto [c2, b] = heap.top();
    heap.pop();
    parent[static_cast<std::size_t>(a)] = parent[static_cast<std::size_t>(b)] = next;
    bit[static_cast<std::size_t>(b)] = 1;
    heap.emplace(c1 + c2, next);
  }
  std::vector<HuffmanCode> out(static_cast<std::size_t>(v));
  for (std::int64_t w = 0; w < v; ++w) {
    HuffmanCode& hc = out[static_cast<std::size_t>(w)];
    for (std::int64_t n = w; parent[static_cast<std::size_t>(n)] >= 0; n = parent[static_cast<std::size_t>(n)]) {
      hc.code.push_back(bit[static_cast<std::size_t>(n)]);
      hc.point.push_back(static_cast<std::int32_t>(parent[static_cast<std::size_t>(n)] - v));
    }
    std::reverse(hc.code.begin(), hc.code.end());
    std::reverse(hc.point.begin(), hc.point.end());
  }
  return out;
}

}  // namespace rnnkit::text

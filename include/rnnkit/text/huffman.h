// Binary Huffman tree over word counts for hierarchical softmax (Morin &
// Bengio 2005; Mikolov et al. 2013): frequent words get short codes.
#pragma once

#include <cstdint>
#include <vector>

namespace rnnkit::text {

struct HuffmanCode {
  std::vector<std::uint8_t> code;   // bits from the root: 1 = right branch
  std::vector<std::int32_t> point;  // inner nodes on the path, 0 .. V-2, root first
};

// One code per word; V-1 inner nodes. Ties are broken by index, so the tree is
// the same on every machine.
std::vector<HuffmanCode> build_huffman(const std::vector<std::int64_t>& counts);

}  // namespace rnnkit::text

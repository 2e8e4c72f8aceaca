// Every random stream of rnnkit by name. A stream's numbers depend only on
// (seed, stream id, position) (core/rng.h); its id is derived from its name,
// the process's rank and an index (a thread, an epoch), so that streams never
// collide and a checkpoint can record each one's position by name.
#pragma once

#include <cstdint>
#include <string>

namespace rnnkit {

// The ids are fixed forever: changing one changes every run's numbers.
enum class RngStream : std::uint64_t {
  kInit = 1,              // parameter initialisation
  kDropout = 2,           // dropout masks while training
  kSampling = 3,          // generation: sampled next words
  kNoise = 5,             // sampled output layers: the noise words
  kWordVectors = 11,      // word2vec: the initial vectors
  kSvd = 21,              // PPMI + SVD: the random test matrix
  kWord2vecThread = 100,  // word2vec: one per thread (index: thread, below 900)
  kEpochOrder = 1000,     // the order of an epoch's batches (index: epoch, below 3242)
  kDataSplit = 4242,      // a data set split into train and test
  kAdditionTask = 7001,   // the book's toy data: additions
  kDateTask = 7002,       // and dates
};

// "init", "dropout", ...: the name a checkpoint records a stream's position under.
const char* stream_name(RngStream stream);
// The stream of a name; false for a name rnnkit does not know.
bool stream_from_name(const std::string& name, RngStream& stream);

// The id of `stream` for `index` (a thread, an epoch) on process `rank`.
// Rank 0 gives the ids rnnkit has always used.
constexpr std::uint64_t stream_id(RngStream stream, std::uint64_t index = 0,
                                  std::uint32_t rank = 0) {
  return static_cast<std::uint64_t>(stream) + index + (static_cast<std::uint64_t>(rank) << 40);
}

}  // namespace rnnkit

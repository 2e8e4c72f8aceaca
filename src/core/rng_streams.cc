#include "rnnkit/core/rng_streams.h"

namespace rnnkit {

const char* stream_name(RngStream stream) {
  switch (stream) {
    case RngStream::kInit:
      return "init";
    case RngStream::kDropout:
      return "dropout";
    case RngStream::kSampling:
      return "sampling";
    case RngStream::kNoise:
      return "noise";
    case RngStream::kWordVectors:
      return "word_vectors";
    case RngStream::kSvd:
      return "svd";
    case RngStream::kWord2vecThread:
      return "word2vec_thread";
    case RngStream::kEpochOrder:
      return "epoch_order";
    case RngStream::kDataSplit:
      return "data_split";
    case RngStream::kAdditionTask:
      return "addition_task";
    case RngStream::kDateTask:
      return "date_task";
  }
  return "?";
}

bool stream_from_name(const std::string& name, RngStream& stream) {
  for (RngStream s : {RngStream::kInit, RngStream::kDropout, RngStream::kSampling,
                      RngStream::kNoise, RngStream::kWordVectors, RngStream::kSvd,
                      RngStream::kWord2vecThread, RngStream::kEpochOrder, RngStream::kDataSplit,
                      RngStream::kAdditionTask, RngStream::kDateTask})
    if (name == stream_name(s)) {
      stream = s;
      return true;
    }
  return false;
}

}  // namespace rnnkit

#include <fmt/format.h>

#include <filesystem>

#include "rnnkit/core/error.h"
#include "rnnkit/train/task.h"

namespace rnnkit::train {

Generator& RngStreams::operator[](RngStream stream) {
  auto it = streams_.find(stream);
  if (it == streams_.end())
    it = streams_.emplace(stream, Generator(seed_, stream_id(stream, 0, rank_))).first;
  return it->second;
}

std::map<std::string, std::uint64_t> RngStreams::positions() const {
  std::map<std::string, std::uint64_t> out;
  for (const auto& [stream, gen] : streams_) out[stream_name(stream)] = gen.offset();
  return out;
}

void RngStreams::restore(const std::map<std::string, std::uint64_t>& positions,
                         const std::string& path) {
  for (const auto& [name, offset] : positions) {
    RngStream s;
    if (!stream_from_name(name, s))
      throw FormatError(
          fmt::format("{}: the training state names an unknown random stream '{}'", path, name));
    (*this)[s].set_offset(offset);
  }
}

Checkpoint read_checkpoint(const std::string& path) {
  Checkpoint c;
  c.path = path;
  if (!std::filesystem::exists(path))
    throw FormatError(fmt::format("{}: no checkpoint to resume from", path));
  c.file = io::load_safetensors(path);
  auto it = c.file.metadata.find("training_state");
  if (it == c.file.metadata.end())
    throw FormatError(fmt::format("{}: holds no training state: not a checkpoint", path));
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(it->second);
  } catch (const nlohmann::json::exception&) {
    throw FormatError(fmt::format("{}: the training state is not valid JSON", path));
  }
  c.state = TrainingState::from_json(j, path);
  if (!j.contains("validation"))  // older checkpoints: a kept epoch means a validation set
    for (const auto& t : c.file.tensors) c.state.validation |= t.first == "kept";
  return c;
}

}  // namespace rnnkit::train

#include "train/checkpoint.h"

#include <fmt/format.h>

#include "rnnkit/core/error.h"

namespace rnnkit::train {

Checkpoint read_checkpoint(const std::filesystem::path& path) {
  Checkpoint c;
  c.path = path.string();
  if (!std::filesystem::exists(path))
    throw FormatError(fmt::format("{}: no checkpoint to resume from", c.path));
  c.file = io::load_safetensors(c.path);
  try {
    c.state = nlohmann::json::parse(c.file.metadata.at("training_state"));
  } catch (const std::exception&) {
    throw FormatError(fmt::format("{}: training state is missing or malformed", c.path));
  }
  return c;
}

nlohmann::ordered_json progress_state(int epoch, float lr, const optim::Optimizer& optimizer,
                                      const Generator& dropout,
                                      const optim::PlateauDecay& plateau) {
  return {{"epoch", epoch},
          {"lr", lr},
          {"optimizer_steps", optimizer.steps()},
          {"dropout_offset", dropout.offset()},
          {"plateau_best", plateau.best()},
          {"plateau_bad", plateau.bad_epochs()}};
}

int restore_progress(const Checkpoint& c, float& lr, optim::Optimizer& optimizer,
                     Generator& dropout, optim::PlateauDecay& plateau,
                     const std::function<void(const nlohmann::json&)>& more) {
  io::NamedTensors optim_state;
  for (const auto& [name, t] : c.file.tensors)
    if (name.rfind("optim.", 0) == 0) optim_state.emplace_back(name, t);
  optimizer.load_state(optim_state);
  const nlohmann::json& s = c.state;
  try {
    lr = s.at("lr").get<float>();
    optimizer.set_steps(s.at("optimizer_steps").get<std::int64_t>());
    dropout.set_offset(s.at("dropout_offset").get<std::uint64_t>());
    plateau.restore(s.at("plateau_best").get<float>(), s.at("plateau_bad").get<int>());
    if (more) more(s);
    return s.at("epoch").get<int>() + 1;
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("{}: training state is malformed ({})", c.path, e.what()));
  }
}

}  // namespace rnnkit::train

#include "rnnkit/train/run_directory.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/json_util.h"
#include "rnnkit/core/error.h"
#include "rnnkit/io/safetensors.h"

namespace rnnkit::train {

namespace fs = std::filesystem;

namespace {

constexpr const char* kIncomplete = "INCOMPLETE";
// Work worth keeping: a directory with one of these holds a run.
constexpr const char* kWorkFiles[] = {
    "checkpoint.safetensors", "model.safetensors", "model.arpa", "vectors.txt", "vectors.bin",
    "vectors.safetensors",    "results.json"};
// The rest of what a run writes. An overwrite removes both lists and nothing else.
constexpr const char* kOtherFiles[] = {"metrics.jsonl", "config.json",    "learning_curve.svg",
                                       "attention.svg", "attention.html", "confusion.svg",
                                       "forecast.svg",  kIncomplete};

bool holds_run(const fs::path& dir) {
  for (const char* f : kWorkFiles)
    if (fs::exists(dir / f)) return true;
  return false;
}

// Temporary files of writes that a kill interrupted.
void remove_stale_temporaries(const fs::path& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && io::is_dead_temporary(e.path().string())) fs::remove(e.path(), ec);
}

}  // namespace

RunDirectory::RunDirectory(const std::string& dir, bool resume, bool overwrite, bool resumable)
    : dir_(dir), resume_(resume) {
  RNNKIT_CHECK(!dir.empty(), "no run directory given (--out)");
  std::error_code ec;
  if (fs::exists(dir_, ec) && !fs::is_directory(dir_, ec))
    throw InvalidArgument(fmt::format("{}: exists and is not a directory (--out)", dir));
  if (resume) {
    RNNKIT_CHECK(!overwrite, "--resume and --overwrite exclude each other");
    if (!fs::exists(checkpoint_path()))
      throw FormatError(fmt::format(
          "{}: no checkpoint to resume from{}", checkpoint_path().string(),
          fs::exists(dir_ / kIncomplete)
              ? " (the run stopped before its first checkpoint: start it again, without --resume)"
              : ""));
    return;
  }
  if (holds_run(dir_) && !overwrite)
    throw InvalidArgument(
        fmt::format("{} holds a run already: {}replace it with --overwrite, or "
                    "choose another --out",
                    dir, resumable ? "continue it with --resume, " : ""));
  // Found now, not after the data is read and the model trained; nothing is
  // created until begin().
  fs::path existing = fs::absolute(dir_, ec);
  while (!existing.empty() && !fs::exists(existing, ec) && existing.has_parent_path() &&
         existing.parent_path() != existing)
    existing = existing.parent_path();
  if (!fs::is_directory(existing, ec))
    throw InvalidArgument(fmt::format("{}: cannot create the run directory: {} is not a directory",
                                      dir, existing.string()));
  if (::access(existing.c_str(), W_OK) != 0)
    throw InvalidArgument(fmt::format("{}: cannot write the run directory: {}: {}", dir,
                                      existing.string(), std::strerror(errno)));
  // Permissions do not tell everything (/proc, read-only mounts): the missing
  // folders are created and removed again.
  if (!fs::exists(dir_, ec)) {
    fs::create_directories(dir_, ec);
    if (ec)
      throw InvalidArgument(
          fmt::format("{}: cannot create the run directory: {}", dir, ec.message()));
    const fs::path stop = existing;
    for (fs::path p = fs::absolute(dir_, ec); !p.empty() && p != stop && p.has_parent_path();
         p = p.parent_path())
      if (!fs::remove(p, ec)) break;
  }
}

void RunDirectory::begin() const {
  std::error_code ec;
  if (!resume_) {
    // The checkpoint goes first: an overwrite cut short must never resume the old run.
    for (const char* f : kWorkFiles) fs::remove(dir_ / f, ec);
    for (const char* f : kOtherFiles) fs::remove(dir_ / f, ec);
    fs::create_directories(dir_, ec);
    if (ec)
      throw InvalidArgument(
          fmt::format("{}: cannot create the run directory: {}", dir_.string(), ec.message()));
  }
  remove_stale_temporaries(dir_);
  if (resume_) return;
  write(
      kIncomplete,
      "This run has no checkpoint yet: it cannot be resumed. Start it again, without --resume.\n");
}

std::optional<nlohmann::json> RunDirectory::read_config() const {
  std::ifstream in(path("config.json"));
  if (!in) return std::nullopt;
  std::stringstream s;
  s << in.rdbuf();
  try {
    return nlohmann::json::parse(s.str());
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(
        fmt::format("{}: not valid JSON: {}", path("config.json").string(), e.what()));
  }
}

void RunDirectory::write(const std::string& name, const std::string& text) const {
  io::write_file_atomic(path(name).string(), text);
}

void RunDirectory::write_config(const nlohmann::ordered_json& config) const {
  write("config.json", json_dump(config, 2) + "\n");
}

void RunDirectory::write_metrics(const std::vector<EpochRecord>& history) const {
  std::string lines;
  for (const EpochRecord& r : history) lines += json_dump(r.to_json()) + "\n";
  write("metrics.jsonl", lines);
}

void RunDirectory::write_results(const nlohmann::ordered_json& results) const {
  write("results.json", json_dump(results) + "\n");  // one line: the --json line
}

void RunDirectory::mark_saved() const {
  std::error_code ec;
  fs::remove(path(kIncomplete), ec);
}

}  // namespace rnnkit::train

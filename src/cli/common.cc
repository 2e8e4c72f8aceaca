#include "cli/common.h"

#include <fmt/format.h>
#include <omp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <sstream>

#include "core/json_util.h"
#include "rnnkit/core/parallel.h"
#include "rnnkit/ops/blas_info.h"

namespace rnnkit::cli {
namespace {
bool g_open_line = false;
bool stderr_is_tty() { return ::isatty(STDERR_FILENO) == 1; }
}  // namespace

void progress_line(const std::string& line) {
  if (stderr_is_tty()) {
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
    g_open_line = true;
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

void end_progress() {
  if (g_open_line) std::fprintf(stderr, "\n");
  g_open_line = false;
}

void info(const std::string& line) {
  end_progress();
  std::fprintf(stderr, "%s\n", line.c_str());
}

void run_header(const std::string& command, const std::string& settings) {
  info(fmt::format("rnnkit {}: {}; {} threads, {}", command, settings, num_threads(),
                   ops::blas_info().describe()));
}

std::string json_line(const nlohmann::ordered_json& j) {
  return json_dump(j);
}

void print_result(const std::string& line, const nlohmann::ordered_json& j, bool json) {
  end_progress();
  if (json) {
    info(line);
    std::cout << json_line(j) << std::endl;
  } else {
    std::cout << line << std::endl;
  }
}

std::string format_duration(double s) {
  if (s < 0) s = 0;
  long t = static_cast<long>(s + 0.5);
  if (t >= 3600) return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
  if (t >= 60) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}s", t);
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

void apply_threads(int threads) {
  set_num_threads(threads);
  const int cores = omp_get_num_procs();
  if (threads > cores)
    info(fmt::format("warning: --threads {} is more than the {} cores here: expect it to be slower",
                     threads, cores));
}

void add_device_flags(CLI::App* cmd, int& threads, std::string& device) {
  cmd->add_option("--threads", threads, "threads (0: all cores)")->capture_default_str();
  cmd->add_option("--device", device, "cpu | cuda[:N]")->capture_default_str();
}

void for_each_query(const std::function<void(const std::vector<std::string>&)>& answer, bool json) {
  std::int64_t failed = 0, line_no = 0;
  for (std::string line; std::getline(std::cin, line);) {
    ++line_no;
    std::istringstream words(line);
    std::vector<std::string> w{std::istream_iterator<std::string>(words), {}};
    if (w.empty()) continue;
    if (!json) std::cout << "query: " << line << "\n";  // JSON answers name their query
    try {
      answer(w);
    } catch (const Error& e) {
      ++failed;
      std::fprintf(stderr, "error: line %lld: %s\n", static_cast<long long>(line_no), e.what());
    }
    std::cout << std::flush;
  }
  if (failed > 0) throw Error(fmt::format("{} of the queries failed", failed));
}

void check_writable(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw InvalidArgument(fmt::format("{}: is a directory", path));
  fs::path folder = fs::absolute(path, ec).parent_path();
  if (!fs::is_directory(folder, ec))
    throw InvalidArgument(fmt::format("{}: the folder {} does not exist", path, folder.string()));
  if (::access(folder.c_str(), W_OK) != 0)
    throw InvalidArgument(
        fmt::format("{}: cannot write in {}: {}", path, folder.string(), std::strerror(errno)));
}

void add_oov_flag(CLI::App* cmd, double& max_rate) {
  cmd->add_option("--max-oov-rate", max_rate,
                  "warn when more of the data than this is out of the vocabulary")
      ->capture_default_str();
}

void add_mecab_dict_flag(CLI::App* cmd, std::string& dictionary) {
  cmd->add_option("--mecab-dict", dictionary,
                  "mecab: dictionary directory (default: MeCab's, Debian's mecab-ipadic-utf8); "
                  "the model file keeps it");
}

void warn_oov(const std::string& data, double rate, double max_rate) {
  if (rate > max_rate)
    info(
        fmt::format("warning: {:.1f}% of {} is out of the model's vocabulary (above {:.1f}%): its "
                    "score is not comparable with in-vocabulary text",
                    100 * rate, data, 100 * max_rate));
}

std::string file_in_run(const std::string& path, std::initializer_list<const char*> names) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) return path;
  for (const char* n : names) {
    const std::filesystem::path p = std::filesystem::path(path) / n;
    if (std::filesystem::exists(p, ec)) {
      info(fmt::format("using {}", p.string()));
      return p.string();
    }
  }
  throw FormatError(fmt::format("{}: is a directory, and holds no {}", path, *names.begin()));
}

InferenceModel load_for_inference(const std::string& path, const std::string& device) {
  InferenceModel m{io::load_language_model(file_in_run(path, {"model.safetensors"})), nullptr,
                   available_device(device)};
  m.params = std::make_unique<nn::ParameterSet>(*m.loaded.model, m.device);
  m.loaded.model->train(false);
  return m;
}

}  // namespace rnnkit::cli

#include "rnnkit/core/logging.h"

#include <cstdio>
#include <mutex>

namespace rnnkit {
namespace {
std::mutex& sink_mutex() {
  static std::mutex mu;
  return mu;
}
LogSink& sink() {
  static LogSink s = [](LogLevel level, const std::string& m) {
    std::fprintf(stderr, "%s%s\n", level == LogLevel::kWarn ? "warning: " : "", m.c_str());
  };
  return s;
}
}  // namespace

void set_log_sink(LogSink s) {
  std::lock_guard lock(sink_mutex());
  sink() = std::move(s);
}

void log(LogLevel level, const std::string& message) {
  std::lock_guard lock(sink_mutex());
  sink()(level, message);
}

}  // namespace rnnkit

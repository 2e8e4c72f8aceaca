// The library's only output channel. The CLI installs a sink; the default
// writes to stderr. Messages never end with a newline.
#pragma once

#include <functional>
#include <string>

namespace rnnkit {

enum class LogLevel { kDebug, kInfo, kWarn };

using LogSink = std::function<void(LogLevel, const std::string&)>;
void set_log_sink(LogSink sink);
void log(LogLevel level, const std::string& message);
inline void log_info(const std::string& m) { log(LogLevel::kInfo, m); }
inline void log_warn(const std::string& m) { log(LogLevel::kWarn, m); }

}  // namespace rnnkit

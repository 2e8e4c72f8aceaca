// What a run ran on, saved beside its configuration (config.json's
// "environment"): rnnkit's version, threads, device and the BLAS kernels.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace rnnkit::train {

nlohmann::ordered_json run_environment(const std::string& device);

// `options_json` (an options struct's to_json()) with "environment" added.
std::string config_with_environment(const std::string& options_json, const std::string& device);

}  // namespace rnnkit::train

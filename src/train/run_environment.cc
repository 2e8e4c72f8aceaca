#include "train/run_environment.h"

#include "core/json_util.h"
#include "rnnkit/core/build_info.h"
#include "rnnkit/core/cpu_info.h"
#include "rnnkit/core/parallel.h"
#include "rnnkit/ops/blas_info.h"

namespace rnnkit::train {

nlohmann::ordered_json run_environment(const std::string& device) {
  const ops::BlasInfo& blas = ops::blas_info();
  return {{"rnnkit", build_info().version},
          {"device", device},
          {"threads", num_threads()},
          {"cpu", cpu_features().model_name},
          {"blas", blas.library + " " + blas.version},
          {"blas_core", blas.core},
          {"blas_core_chosen_by", ops::to_string(blas.origin)}};
}

std::string config_with_environment(const std::string& options_json, const std::string& device) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(options_json);
  j["environment"] = run_environment(device);
  return json_dump(j, 2) + "\n";
}

}  // namespace rnnkit::train

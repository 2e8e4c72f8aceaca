// rnnkit info: the environment a bug report needs (as PyTorch's collect_env):
// the build, the CPU, the BLAS and its kernels, OpenMP, the GPUs.
#include <fmt/format.h>
#include <omp.h>
#include <sys/utsname.h>

#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "rnnkit/core/build_info.h"
#include "rnnkit/core/cpu_info.h"
#include "rnnkit/core/device.h"
#include "rnnkit/ops/blas_info.h"

namespace rnnkit::cli {
namespace {

// A variable's value, or null when unset.
nlohmann::ordered_json env_value(const char* name) {
  const char* v = std::getenv(name);
  return v ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

// CUDA's integer versions: 12040 is 12.4.
std::string cuda_version(int v) {
  return v > 0 ? fmt::format("{}.{}", v / 1000, (v % 1000) / 10) : "none";
}

nlohmann::ordered_json collect() {
  const BuildInfo& b = build_info();
  const CpuFeatures& cpu = cpu_features();
  const ops::BlasInfo& blas = ops::blas_info();
  const CudaInfo cuda = cuda_info();
  utsname u{};
  ::uname(&u);
  nlohmann::ordered_json devices = nlohmann::ordered_json::array();
  for (const auto& d : cuda.devices)
    devices.push_back(
        {{"index", d.index},
         {"name", d.name},
         {"memory_gib", d.memory_gib},
         {"compute_capability", fmt::format("{}.{}", d.compute_major, d.compute_minor)}});
  return {
      {"rnnkit",
       {{"version", b.version},
        {"build_type", b.build_type},
        {"compiler", b.compiler},
        {"cuda_backend", b.cuda},
        {"cuda_architectures", b.cuda_architectures},
        {"native", b.native},
        {"sanitizers", b.sanitize}}},
      {"os", fmt::format("{} {} {}", u.sysname, u.release, u.machine)},
      {"cpu",
       {{"model", cpu.model_name},
        {"vendor", cpu.vendor},
        {"family", cpu.family},
        {"model_number", cpu.model},
        {"logical_cores", omp_get_num_procs()},
        {"features", cpu.list()}}},
      {"blas",
       {{"library", blas.library},
        {"version", blas.version},
        {"core", blas.core},
        {"chosen_by", ops::to_string(blas.origin)},
        {"library_core", blas.library_core.empty() ? nlohmann::ordered_json(nullptr)
                                                   : nlohmann::ordered_json(blas.library_core)},
        {"rejected_core", blas.rejected_core.empty() ? nlohmann::ordered_json(nullptr)
                                                     : nlohmann::ordered_json(blas.rejected_core)},
        {"suggested_core", blas.suggested.empty() ? nlohmann::ordered_json(nullptr)
                                                  : nlohmann::ordered_json(blas.suggested)},
        {"self_test", blas.self_test_passed ? "passed" : "FAILED: " + blas.self_test_detail},
        {"config", blas.config},
        {"OPENBLAS_CORETYPE", env_value("OPENBLAS_CORETYPE")}}},
      {"openmp",
       {{"threads", omp_get_max_threads()},
        {"OMP_NUM_THREADS", env_value("OMP_NUM_THREADS")},
        {"OMP_WAIT_POLICY", env_value("OMP_WAIT_POLICY")}}},
      {"cuda",
       {{"driver", cuda_version(cuda.driver_version)},
        {"runtime", cuda_version(cuda.runtime_version)},
        {"devices", devices},
        {"error", cuda.error.empty() ? nlohmann::ordered_json(nullptr)
                                     : nlohmann::ordered_json(cuda.error)}}}};
}

void print_text(const nlohmann::ordered_json& j) {
  const auto& r = j["rnnkit"];
  auto yes = [](const nlohmann::ordered_json& v) { return v.get<bool>() ? "yes" : "no"; };
  std::cout << fmt::format(
      "rnnkit {}, {} build, {}; CUDA backend: {}{}; -march=native: {}; "
      "sanitizers: {}\n",
      r["version"].get<std::string>(), r["build_type"].get<std::string>(),
      r["compiler"].get<std::string>(), yes(r["cuda_backend"]),
      r["cuda_backend"].get<bool>() ? " (sm " + r["cuda_architectures"].get<std::string>() + ")"
                                    : "",
      yes(r["native"]), yes(r["sanitizers"]));
  std::cout << fmt::format("OS: {}\n", j["os"].get<std::string>());
  const auto& c = j["cpu"];
  std::cout << fmt::format("CPU: {} ({}, family {} model {}), {} logical cores\n",
                           c["model"].get<std::string>(), c["vendor"].get<std::string>(),
                           c["family"].get<int>(), c["model_number"].get<int>(),
                           c["logical_cores"].get<int>());
  std::cout << fmt::format("  usable features: {}\n", c["features"].get<std::string>());
  std::cout << fmt::format("BLAS: {}; self-test {}\n", ops::blas_info().describe(),
                           j["blas"]["self_test"].get<std::string>());
  if (!j["blas"]["suggested_core"].is_null())
    std::cout << fmt::format("  faster: OPENBLAS_CORETYPE={}\n",
                             j["blas"]["suggested_core"].get<std::string>());
  std::cout << fmt::format("  build: {}\n", j["blas"]["config"].get<std::string>());
  auto shown = [](const nlohmann::ordered_json& v) {
    return v.is_null() ? std::string("unset") : v.get<std::string>();
  };
  std::cout << fmt::format("  OPENBLAS_CORETYPE: {}\n", shown(j["blas"]["OPENBLAS_CORETYPE"]));
  const auto& o = j["openmp"];
  std::cout << fmt::format("OpenMP: {} threads; OMP_NUM_THREADS {}; OMP_WAIT_POLICY {}\n",
                           o["threads"].get<int>(), shown(o["OMP_NUM_THREADS"]),
                           shown(o["OMP_WAIT_POLICY"]));
  const auto& g = j["cuda"];
  if (!r["cuda_backend"].get<bool>()) {
    std::cout << "CUDA: not built\n";
    return;
  }
  std::cout << fmt::format("CUDA: driver {}, runtime {}", g["driver"].get<std::string>(),
                           g["runtime"].get<std::string>());
  if (g["devices"].empty())
    std::cout << fmt::format(
        "; no device{}\n", g["error"].is_null() ? "" : " (" + g["error"].get<std::string>() + ")");
  else
    std::cout << "\n";
  for (const auto& d : g["devices"])
    std::cout << fmt::format("  cuda:{}: {}, {:.1f} GiB, compute capability {}\n",
                             d["index"].get<int>(), d["name"].get<std::string>(),
                             d["memory_gib"].get<double>(),
                             d["compute_capability"].get<std::string>());
}

}  // namespace

void add_info(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "info", "print the environment a bug report needs: build, CPU, BLAS core, OpenMP, GPUs");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "as one JSON object");
  cmd->callback([json]() {
    auto j = collect();
    if (*json)
      std::cout << json_line(j) << std::endl;
    else
      print_text(j);
  });
}

}  // namespace rnnkit::cli

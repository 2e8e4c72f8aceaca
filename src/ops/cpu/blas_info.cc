#include "rnnkit/ops/blas_info.h"

#include <cblas.h>
#include <fmt/format.h>
#include <strings.h>

#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "rnnkit/core/logging.h"

namespace rnnkit::ops {
namespace {

// rnnkit's mark beside an OPENBLAS_CORETYPE it set itself: "rnnkit:<the
// library's core>" or "reverted:<rejected core>:<self-test detail>".
constexpr const char* kChoiceVariable = "RNNKIT_OPENBLAS_CHOICE";
constexpr const char* kCoreVariable = "OPENBLAS_CORETYPE";

// OpenBLAS's x86 cores without AVX2: what it falls back to on a CPU it does not know.
constexpr const char* kPreAvx2Cores[] = {
    "Unknown", "Katmai",       "Coppermine", "Northwood",  "Prescott", "Banias",
    "Atom",    "Core2",        "Penryn",     "Dunnington", "Nehalem",  "Athlon",
    "Opteron", "Opteron_SSE3", "Barcelona",  "Nano",       "Bobcat",   "Sandybridge"};

bool is_pre_avx2(std::string_view core) {
  for (const char* c : kPreAvx2Cores)
    if (core.size() == std::strlen(c) && ::strncasecmp(core.data(), c, core.size()) == 0)
      return true;
  return false;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

BlasInfo read_blas() {
  BlasInfo info;
  info.config = openblas_get_config();
  std::istringstream words(info.config);
  words >> info.library >> info.version;
  info.core = openblas_get_corename();
  const std::string user = env(kCoreVariable), mark = env(kChoiceVariable);
  if (user.empty()) {
    info.origin = BlasCoreOrigin::kLibrary;
    info.suggested = choose_blas_core(info.core, cpu_features(), nullptr);
  } else if (mark.rfind("rnnkit:", 0) == 0) {
    info.origin = BlasCoreOrigin::kRnnkit;
    info.library_core = mark.substr(7);
  } else if (mark.rfind("reverted:", 0) == 0) {
    info.origin = BlasCoreOrigin::kReverted;
    std::string rest = mark.substr(9);
    auto colon = rest.find(':');
    info.rejected_core = rest.substr(0, colon);
    if (colon != std::string::npos) info.rejected_detail = rest.substr(colon + 1);
  } else {
    info.origin = BlasCoreOrigin::kUser;
    if (::strcasecmp(user.c_str(), info.core.c_str()) != 0) info.ignored_coretype = user;
  }
  // Tests of the fallback path ask for a wrong product here.
  GemmFn gemm;
  if (!env("RNNKIT_TEST_WRONG_BLAS").empty())
    gemm = [](bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
              const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta,
              float* c, std::int64_t ldc) {
      blas_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
      c[(m - 1) * ldc + n - 1] += 0.5f;
    };
  BlasSelfTest t = blas_self_test(gemm);
  info.self_test_passed = t.passed;
  info.self_test_detail = t.detail;
  return info;
}

}  // namespace

void blas_sgemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta,
                float* c, std::int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), alpha, a,
              static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
              static_cast<blasint>(ldc));
}

const char* to_string(BlasCoreOrigin origin) {
  switch (origin) {
    case BlasCoreOrigin::kLibrary:
      return "library";
    case BlasCoreOrigin::kRnnkit:
      return "rnnkit";
    case BlasCoreOrigin::kUser:
      return "user";
    case BlasCoreOrigin::kReverted:
      return "reverted";
  }
  return "?";
}

std::string BlasInfo::describe() const {
  std::string who;
  switch (origin) {
    case BlasCoreOrigin::kLibrary:
      who = "the library's choice";
      break;
    case BlasCoreOrigin::kRnnkit:
      who = fmt::format("chosen by rnnkit; the library picked {}", library_core);
      break;
    case BlasCoreOrigin::kUser:
      who = ignored_coretype.empty()
                ? "set by OPENBLAS_CORETYPE"
                : fmt::format("the library's choice: OPENBLAS_CORETYPE={} is not a core it knows",
                              ignored_coretype);
      break;
    case BlasCoreOrigin::kReverted:
      who = fmt::format("the library's choice; rnnkit's {} failed the self-test", rejected_core);
      break;
  }
  return fmt::format("{} {}, core {} ({}){}", library, version, core, who,
                     self_test_passed ? "" : ", SELF-TEST FAILED");
}

std::string choose_blas_core(std::string_view library_core, const CpuFeatures& cpu,
                             const char* user_coretype) {
  if (user_coretype != nullptr && *user_coretype != '\0') return "";
  if (!is_pre_avx2(library_core)) return "";
  if (cpu.has_avx512_skylakex()) return "SkylakeX";
  if (cpu.avx2 && cpu.fma) return "Haswell";
  return "";
}

BlasSelfTest blas_self_test(const GemmFn& gemm_fn) {
  const GemmFn gemm = gemm_fn ? gemm_fn : GemmFn(blas_sgemm);
  struct Shape {
    std::int64_t m, n, k;
  };
  // Odd sizes straddle every kernel's tiles (4..32 wide); 1 exercises the edges.
  constexpr Shape kShapes[] = {{1, 1, 1},    {1, 37, 19},   {23, 1, 41},
                               {37, 29, 53}, {65, 17, 130}, {3, 250, 7}};
  const float alpha = 0.75f, beta = 0.5f;
  std::uint32_t state = 12345;
  auto next = [&] {  // uniform in [-1, 1)
    state = state * 1664525u + 1013904223u;
    return static_cast<float>(state >> 8) / static_cast<float>(1u << 23) - 1.0f;
  };
  BlasSelfTest result{true, ""};
  double worst = 0;
  for (const Shape& s : kShapes)
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      // Stored shapes of A and B, each row padded by 3 floats.
      const std::int64_t a_rows = ta ? s.k : s.m, a_cols = ta ? s.m : s.k;
      const std::int64_t b_rows = tb ? s.n : s.k, b_cols = tb ? s.k : s.n;
      const std::int64_t lda = a_cols + 3, ldb = b_cols + 3, ldc = s.n + 3;
      std::vector<float> a(static_cast<std::size_t>(a_rows * lda)),
          b(static_cast<std::size_t>(b_rows * ldb)), c(static_cast<std::size_t>(s.m * ldc));
      for (auto& x : a) x = next();
      for (auto& x : b) x = next();
      for (auto& x : c) x = next();
      const std::vector<float> c0 = c;
      gemm(ta, tb, s.m, s.n, s.k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
      for (std::int64_t i = 0; i < s.m; ++i)
        for (std::int64_t j = 0; j < s.n; ++j) {
          double sum = 0, magnitude = 0;
          for (std::int64_t p = 0; p < s.k; ++p) {
            double x = a[static_cast<std::size_t>(ta ? p * lda + i : i * lda + p)];
            double y = b[static_cast<std::size_t>(tb ? j * ldb + p : p * ldb + j)];
            sum += x * y;
            magnitude += std::abs(x * y);
          }
          const double c_in = c0[static_cast<std::size_t>(i * ldc + j)];
          const double want = alpha * sum + beta * c_in;
          const double got = c[static_cast<std::size_t>(i * ldc + j)];
          // Float rounding of a k-term sum, with room to spare.
          const double tol = (2.0 * static_cast<double>(s.k) + 4.0) * FLT_EPSILON *
                             (alpha * magnitude + beta * std::abs(c_in));
          const double err = std::abs(got - want);
          if (!(err <= tol) && (err / tol > worst || std::isnan(err))) {
            worst = std::isnan(err) ? INFINITY : err / tol;
            result.passed = false;
            result.detail =
                fmt::format("{} {}x{}x{} product: element [{},{}] is {:.7g}, expected {:.7g}",
                            ta ? (tb ? "A^T B^T" : "A^T B") : (tb ? "A B^T" : "A B"), s.m, s.n, s.k,
                            i, j, got, want);
          }
        }
      // Padding must be left alone.
      for (std::int64_t i = 0; i < s.m; ++i)
        for (std::int64_t j = s.n; j < ldc; ++j)
          if (c[static_cast<std::size_t>(i * ldc + j)] !=
                  c0[static_cast<std::size_t>(i * ldc + j)] &&
              result.passed) {
            result.passed = false;
            result.detail = fmt::format("{}x{}x{} product wrote past column {} of row {}", s.m, s.n,
                                        s.k, s.n, i);
          }
    }
  return result;
}

const BlasInfo& blas_info() {
  static const BlasInfo info = [] {
    BlasInfo i = read_blas();
    if (!i.suggested.empty())
      log_warn(fmt::format(
          "{} {} does not know this CPU ({}) and runs its generic {} kernels; set {}={} in the "
          "environment before the program starts for products several times faster",
          i.library, i.version, cpu_features().model_name, i.core, kCoreVariable, i.suggested));
    if (i.origin == BlasCoreOrigin::kReverted)
      log_warn(fmt::format("the BLAS self-test failed on core {} ({}); using {}'s own choice, {}",
                           i.rejected_core, i.rejected_detail, i.library, i.core));
    if (!i.self_test_passed && i.origin != BlasCoreOrigin::kRnnkit)
      log_warn(fmt::format("the BLAS self-test failed on {}'s core {}: {}; products may be wrong",
                           i.library, i.core, i.self_test_detail));
    return i;
  }();
  return info;
}

std::vector<std::pair<std::string, std::string>> blas_restart_environment() {
  const std::string user = env(kCoreVariable);
  if (!user.empty()) return {};  // the user's, or already ours
  const std::string library_core = openblas_get_corename();
  std::string core = choose_blas_core(library_core, cpu_features(), nullptr);
  if (core.empty()) return {};
  return {{kCoreVariable, core}, {kChoiceVariable, "rnnkit:" + library_core}};
}

std::vector<std::pair<std::string, std::string>> blas_revert_environment(const BlasInfo& failed) {
  if (failed.origin != BlasCoreOrigin::kRnnkit || failed.self_test_passed) return {};
  return {{kCoreVariable, failed.library_core},
          {kChoiceVariable, fmt::format("reverted:{}:{}", failed.core, failed.self_test_detail)}};
}

}  // namespace rnnkit::ops

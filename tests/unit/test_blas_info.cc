// The BLAS kernel choice (a pure function of the library's core, the CPU and
// the user's variable), the self-test, and the fallback from a wrong core.
#include "rnnkit/ops/blas_info.h"
#include "test_util.h"

namespace rnnkit::ops {
namespace {

CpuFeatures cpu(bool avx2_fma, bool avx512) {
  CpuFeatures f;
  f.sse3 = true;
  f.avx = avx2_fma || avx512;
  f.avx2 = f.fma = avx2_fma || avx512;
  f.avx512f = f.avx512bw = f.avx512dq = f.avx512vl = avx512;
  return f;
}

TEST(BlasChoice, FollowsTheTableOfCases) {
  const CpuFeatures sse_only = cpu(false, false), avx2 = cpu(true, false), avx512 = cpu(true, true);
  CpuFeatures avx512f_only = avx2;
  avx512f_only.avx512f = true;  // Knights Landing style: no BW/DQ/VL
  struct Case {
    const char* library_core;
    const CpuFeatures* cpu;
    const char* user;
    const char* want;
  } cases[] = {
      // Generic fallbacks on newer CPUs: the best core the CPU can run.
      {"Prescott", &avx512, nullptr, "SkylakeX"},
      {"Prescott", &avx2, nullptr, "Haswell"},
      {"prescott", &avx512, nullptr, "SkylakeX"},  // OpenBLAS matches names in any case
      {"Core2", &avx2, nullptr, "Haswell"},
      {"Nehalem", &avx512, nullptr, "SkylakeX"},
      {"Atom", &avx2, nullptr, "Haswell"},
      {"Sandybridge", &avx2, nullptr, "Haswell"},
      {"Barcelona", &avx2, nullptr, "Haswell"},
      {"Prescott", &avx512f_only, nullptr, "Haswell"},
      // A CPU without AVX2 + FMA keeps the generic core.
      {"Prescott", &sse_only, nullptr, ""},
      // OpenBLAS knows the CPU: nothing changes.
      {"Haswell", &avx512, nullptr, ""},
      {"SkylakeX", &avx512, nullptr, ""},
      {"Cooperlake", &avx512, nullptr, ""},
      {"Zen", &avx2, nullptr, ""},
      // The user's variable always wins, whatever it says.
      {"Prescott", &avx512, "Prescott", ""},
      {"Prescott", &avx512, "Haswell", ""},
      {"Prescott", &avx512, "", "SkylakeX"},  // set but empty counts as unset
  };
  for (const Case& c : cases)
    EXPECT_EQ(choose_blas_core(c.library_core, *c.cpu, c.user), c.want)
        << c.library_core << " user=" << (c.user ? c.user : "(unset)");
}

TEST(BlasSelfTest, PassesOnThisMachinesBlas) {
  BlasSelfTest t = blas_self_test();
  EXPECT_TRUE(t.passed) << t.detail;
  EXPECT_TRUE(blas_info().self_test_passed) << blas_info().describe();
  EXPECT_FALSE(blas_info().core.empty());
  EXPECT_EQ(blas_info().library, "OpenBLAS");
}

TEST(BlasSelfTest, CatchesWrongProducts) {
  // A kernel that is wrong only in a tile's last element of one transpose case.
  BlasSelfTest t =
      blas_self_test([](bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k,
                        float alpha, const float* a, std::int64_t lda, const float* b,
                        std::int64_t ldb, float beta, float* c, std::int64_t ldc) {
        blas_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        if (ta && !tb && m == 37) c[(m - 1) * ldc + n - 1] *= 1.001f;
      });
  EXPECT_FALSE(t.passed);
  EXPECT_NE(t.detail.find("A^T B 37x29x53"), std::string::npos) << t.detail;
  // One that ignores beta.
  t = blas_self_test(
      [](bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
         const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float, float* c,
         std::int64_t ldc) { blas_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, 0.0f, c, ldc); });
  EXPECT_FALSE(t.passed);
  // One that writes into the padding past the last column.
  t = blas_self_test([](bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k,
                        float alpha, const float* a, std::int64_t lda, const float* b,
                        std::int64_t ldb, float beta, float* c, std::int64_t ldc) {
    blas_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    c[n] = 0.0f;
  });
  EXPECT_FALSE(t.passed);
  EXPECT_NE(t.detail.find("wrote past column"), std::string::npos) << t.detail;
}

TEST(BlasFallback, RevertsOnlyRnnkitsOwnFailedChoice) {
  BlasInfo failed;
  failed.origin = BlasCoreOrigin::kRnnkit;
  failed.core = "SkylakeX";
  failed.library_core = "Prescott";
  failed.self_test_passed = false;
  failed.self_test_detail = "A B 37x29x53 product: element [0,0] is 1, expected 2";
  auto env = blas_revert_environment(failed);
  ASSERT_EQ(env.size(), 2u);
  EXPECT_EQ(env[0], (std::pair<std::string, std::string>{"OPENBLAS_CORETYPE", "Prescott"}));
  EXPECT_EQ(env[1].second, "reverted:SkylakeX:" + failed.self_test_detail);
  // A passing choice, the library's and the user's own are never touched.
  BlasInfo other = failed;
  other.self_test_passed = true;
  EXPECT_TRUE(blas_revert_environment(other).empty());
  other = failed;
  other.origin = BlasCoreOrigin::kUser;
  EXPECT_TRUE(blas_revert_environment(other).empty());
  other.origin = BlasCoreOrigin::kLibrary;
  EXPECT_TRUE(blas_revert_environment(other).empty());
}

}  // namespace
}  // namespace rnnkit::ops

// core: Philox, tensors, the caching allocator, safetensors I/O.
#include <filesystem>
#include <fstream>

#include "ops/cpu/packed_gemm.h"
#include "rnnkit/core/allocator.h"
#include "rnnkit/core/parallel.h"
#include "rnnkit/io/safetensors.h"
#include "test_util.h"

namespace rnnkit {
namespace {

TEST(Philox, KnownAnswers) {
  // Random123's published test vectors for philox4x32-10.
  auto r = philox4x32({0, 0, 0, 0}, {0, 0});
  EXPECT_EQ(r, (std::array<std::uint32_t, 4>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  r = philox4x32({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff});
  EXPECT_EQ(r, (std::array<std::uint32_t, 4>{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
}

TEST(Philox, UniformMomentsAndThreadIndependence) {
  Tensor a = Tensor::empty({1 << 16});
  Generator g(42, 0);
  int saved = num_threads();
  set_num_threads(1);
  ops::uniform_(a, g, 0, 0.0f, 1.0f);
  set_num_threads(2);
  Tensor b = Tensor::empty({1 << 16});
  ops::uniform_(b, g, 0, 0.0f, 1.0f);
  set_num_threads(saved);
  EXPECT_EQ(a.to_vector(), b.to_vector());
  double mean = ops::sum(a).item() / a.numel();
  EXPECT_NEAR(mean, 0.5, 0.01);
}

TEST(Tensor, ViewsShareStorageAndCheckShapes) {
  Tensor t = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor v = t.view({2, 3});
  EXPECT_TRUE(v.same_storage(t));
  EXPECT_EQ(t.narrow0(1, 2).to_vector(), (std::vector<float>{3, 4, 5, 6}));
  EXPECT_EQ(t.view({-1}).shape(), Shape{6});
  EXPECT_THROW(t.view({4, 2}), InvalidArgument);
  EXPECT_THROW(t.narrow0(2, 2), InvalidArgument);
  EXPECT_THROW(t.data<std::int32_t>(), InvalidArgument);
}

TEST(Ops, ShapeErrorsCarryTheShapes) {
  Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4, 5});
  try {
    ops::matmul(a, b);
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 3]"), std::string::npos) << e.what();
  }
  Tensor w = Tensor::zeros({10, 4});
  try {
    ops::embedding(w, Tensor::from_ids({3, 10}, {2}));
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("id 10 at position 1"), std::string::npos) << e.what();
  }
}

TEST(Allocator, ReusesFreedBlocks) {
  Allocator& a = Allocator::of(kCPU);
  { Tensor t = Tensor::empty({1000, 37}); }
  auto before = a.stats().system_allocs;
  for (int i = 0; i < 10; ++i) Tensor t = Tensor::empty({1000, 37});
  EXPECT_EQ(a.stats().system_allocs, before);
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("rnnkit_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
  static inline int counter_ = 0;
};

TEST(Safetensors, RoundTripKeepsValuesAndMetadata) {
  TempDir dir;
  Tensor a = testing::random_tensor({3, 4}, 1);
  Tensor b = Tensor::from_ids({1, 2, 3}, {3});
  io::save_safetensors(dir.file("x.safetensors"), {{"a", a}, {"b", b}}, {{"k", "v"}});
  auto c = io::load_safetensors(dir.file("x.safetensors"));
  EXPECT_EQ(c.at("a", "").to_vector(), a.to_vector());
  EXPECT_EQ(c.at("b", "").to_ids(), b.to_ids());
  EXPECT_EQ(c.metadata.at("k"), "v");
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.safetensors.tmp." + std::to_string(::getpid()))));
}

void expect_format_error(const std::string& path, const std::string& bytes, const std::string& what) {
  { std::ofstream(path, std::ios::binary) << bytes; }
  try {
    io::load_safetensors(path);
    FAIL() << "accepted a bad file: " << what;
  } catch (const FormatError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  }
}

TEST(Safetensors, RejectsCorruptFiles) {
  TempDir dir;
  std::string p = dir.file("bad.safetensors");
  io::save_safetensors(p, {{"a", testing::random_tensor({8, 8}, 2)}}, {});
  std::string good;
  {
    std::ifstream in(p, std::ios::binary);
    good.assign(std::istreambuf_iterator<char>(in), {});
  }
  expect_format_error(p, good.substr(0, 5), "truncated");
  expect_format_error(p, good.substr(0, good.size() - 10), "truncated");
  std::string huge = good;
  huge[6] = 0x7f;
  expect_format_error(p, huge, "header length");
  std::string garbage = good;
  garbage[9] = '#';
  expect_format_error(p, garbage, "not valid JSON");
  std::string f16 = good;
  auto at = f16.find("F32");
  f16.replace(at, 3, "F16");
  expect_format_error(p, f16, "dtype F16");
  expect_format_error(dir.file("missing.safetensors"), "", "truncated");
  // The format's rules, exactly: no bytes after the tensors, no key twice, no shape whose size
  // overflows (each of these was read shifted, or silently, before).
  expect_format_error(p, good + "xx", "2 bytes after the last tensor");
  auto file = [](const std::string& header, std::size_t data_bytes) {
    std::string out(8, '\0');
    for (std::size_t i = 0; i < 8; ++i)
      out[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
    return out + header + std::string(data_bytes, '\0');
  };
  const std::string a = R"("a":{"dtype":"F32","shape":[8,8],"data_offsets":[0,256]})";
  { std::ofstream(p, std::ios::binary) << file("{" + a + "}", 256); }
  EXPECT_NO_THROW(io::load_safetensors(p));
  expect_format_error(p, file("{" + a + "," + a + "}", 256), "names 'a' twice");
  expect_format_error(
      p,
      file(R"({"a":{"dtype":"F32","shape":[4611686018427387904,9],"data_offsets":[0,256]}})", 256),
      "larger than the file's data");
  expect_format_error(p, file(R"({"a":{"dtype":"F32","shape":[8,8],"data_offsets":[4,260]}})", 260),
                      "a gap");
}

}  // namespace
}  // namespace rnnkit

namespace rnnkit {
namespace {

// Every transpose combination, including the single-row and single-column
// shapes that take the matrix-vector path, against a naive product.
TEST(Ops, GemmAllShapesAgainstNaive) {
  for (auto [m, n, k] : {std::tuple{1, 37, 19}, std::tuple{23, 1, 19}, std::tuple{1, 1, 7},
                         std::tuple{13, 29, 11}, std::tuple{1, 600, 900}, std::tuple{700, 1, 900}})
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        Tensor a = testing::random_tensor(ta ? Shape{k, m} : Shape{m, k}, 1);
        Tensor b = testing::random_tensor(tb ? Shape{n, k} : Shape{k, n}, 2);
        Tensor c = testing::random_tensor({m, n}, 3);
        Tensor ref = c.clone();
        for (int i = 0; i < m; ++i)
          for (int j = 0; j < n; ++j) {
            double s = 0;
            for (int p = 0; p < k; ++p)
              s += double(ta ? a.data()[p * m + i] : a.data()[i * k + p]) *
                   (tb ? b.data()[j * k + p] : b.data()[p * n + j]);
            ref.data()[i * n + j] = static_cast<float>(0.5 * s + 2.0 * ref.data()[i * n + j]);
          }
        ops::gemm(a, ta, b, tb, 0.5f, 2.0f, c);
        EXPECT_TRUE(testing::all_close(c, ref, 1e-4f, 1e-4f)) << m << "x" << n << "x" << k << " " << ta << tb;
      }
}

// The recurrent layers' product with packed weights: rows and columns that
// are not whole tiles (8 x 32) or row blocks (64), depths past one pass (256)
// or none, strided A and C, both layouts of B, accumulating or not, with a
// bias or not, threaded or inside a team.
TEST(Ops, PackedGemmAgainstNaive) {
  set_num_threads(2);
  for (auto [m, n, k] : {std::tuple{1, 1, 1}, std::tuple{8, 32, 256}, std::tuple{13, 45, 7},
                         std::tuple{20, 800, 200}, std::tuple{67, 100, 600}, std::tuple{3, 70, 1},
                         std::tuple{130, 16, 40}, std::tuple{5, 9, 0}})
    for (int tb = 0; tb < 2; ++tb)
      for (int acc = 0; acc < 2; ++acc)
        for (int nested = 0; nested < 2; ++nested) {
          const std::int64_t lda = k + 3, ldc = n + 5;
          Tensor a = testing::random_tensor({m, lda}, 1);
          Tensor b = testing::random_tensor(tb ? Shape{n, k} : Shape{k, n}, 2);
          Tensor c = testing::random_tensor({m, ldc}, 3);
          Tensor bias = testing::random_tensor({n}, 4);
          const float* bp = nested ? bias.data() : nullptr;  // half the cases with a bias
          Tensor ref = c.clone();
          for (int i = 0; i < m; ++i)
            for (int j = 0; j < n; ++j) {
              double s = (acc ? ref.data()[i * ldc + j] : 0.0) + (bp ? bp[j] : 0.0);
              for (int p = 0; p < k; ++p)
                s += double(a.data()[i * lda + p]) * (tb ? b.data()[j * k + p] : b.data()[p * n + j]);
              ref.data()[i * ldc + j] = static_cast<float>(s);
            }
          ops::cpu::PackedMatrix packed(b.data(), tb ? k : n, tb, k, n);
          if (nested) {
#pragma omp parallel num_threads(2)
#pragma omp single
            ops::cpu::gemm_packed(m, a.data(), lda, packed, acc, c.data(), ldc, bp);
          } else {
            ops::cpu::gemm_packed(m, a.data(), lda, packed, acc, c.data(), ldc, bp);
          }
          EXPECT_TRUE(testing::all_close(c, ref, 1e-4f, 1e-4f))
              << m << "x" << n << "x" << k << " trans " << tb << " accumulate " << acc;
        }
  set_num_threads(0);
}


}  // namespace
}  // namespace rnnkit

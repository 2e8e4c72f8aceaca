// text: tokenizer, vocabulary, UTF-8 checks, the BPTT batcher.
#include <filesystem>
#include <fstream>

#include "rnnkit/text/corpus.h"
#include "test_util.h"

namespace rnnkit {
namespace {

TEST(Tokenizer, EosPerLineAndWhitespace) {
  auto t = text::tokenize_lines(" a  b\tc \n\nd\n");
  EXPECT_EQ(t, (std::vector<std::string>{"a", "b", "c", "<eos>", "<eos>", "d", "<eos>"}));
  EXPECT_EQ(text::tokenize_lines("x y"), (std::vector<std::string>{"x", "y", "<eos>"}));
}

TEST(Vocabulary, OrderLimitsAndUnknowns) {
  std::vector<std::string> toks = {"b", "a", "a", "c", "b", "a", "<unk>", "d"};
  auto v = text::Vocabulary::build(toks);
  EXPECT_EQ(v.words(), (std::vector<std::string>{"<eos>", "<unk>", "a", "b", "c", "d"}));
  EXPECT_EQ(v.id("zzz"), v.unk_id());
  auto limited = text::Vocabulary::build(toks, {.max_size = 4, .min_count = 1});
  EXPECT_EQ(limited.size(), 4);
  EXPECT_EQ(limited.id("c"), limited.unk_id());
  auto frequent = text::Vocabulary::build(toks, {.max_size = 0, .min_count = 2});
  EXPECT_EQ(frequent.size(), 4);
  EXPECT_THROW(text::Vocabulary::from_words({"a", "a"}), FormatError);
}

TEST(Utf8, FindsTheFirstBadByte) {
  EXPECT_EQ(text::find_invalid_utf8("plain ascii"), -1);
  EXPECT_EQ(text::find_invalid_utf8("日本語のテキスト"), -1);
  EXPECT_EQ(text::find_invalid_utf8("ab\xff"), 2);
  EXPECT_EQ(text::find_invalid_utf8("ab\xe3\x81"), 2);          // truncated sequence
  EXPECT_EQ(text::find_invalid_utf8("\xc0\xaf"), 0);            // overlong
  EXPECT_EQ(text::find_invalid_utf8("x\xed\xa0\x80"), 1);       // surrogate
}

TEST(ReadTextFile, ClearErrors) {
  auto dir = std::filesystem::temp_directory_path() / ("rnnkit_text_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& s) {
    std::ofstream((dir / name).string(), std::ios::binary) << s;
    return (dir / name).string();
  };
  auto expect = [](const std::string& path, const std::string& what) {
    try {
      text::read_text_file(path);
      FAIL() << path;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  };
  expect((dir / "missing.txt").string(), "cannot open");
  expect(write("empty.txt", ""), "empty");
  expect(write("blank.txt", " \n\n "), "empty");
  expect(write("latin1.txt", "ok\ncaf\xe9\n"), "invalid UTF-8 at byte offset 6 (line 2)");
  EXPECT_EQ(text::read_text_file(write("good.txt", "a b\n")), "a b\n");
  std::filesystem::remove_all(dir);
}

TEST(BpttBatcher, ParallelStreamsShiftedTargets) {
  std::vector<std::int32_t> ids(23);
  for (int i = 0; i < 23; ++i) ids[static_cast<std::size_t>(i)] = i;
  text::BpttBatcher b(ids, 2, 4);  // rows [0..10], [11..21]; 10 predictions each
  EXPECT_EQ(b.num_batches(), 3);
  auto [x, y] = b.get(0);
  EXPECT_EQ(x.shape(), (Shape{4, 2}));
  EXPECT_EQ(x.to_ids(), (std::vector<std::int32_t>{0, 11, 1, 12, 2, 13, 3, 14}));
  EXPECT_EQ(y.to_ids(), (std::vector<std::int32_t>{1, 12, 2, 13, 3, 14, 4, 15}));
  auto [x2, y2] = b.get(2);  // the short last window
  EXPECT_EQ(x2.shape(), (Shape{2, 2}));
  EXPECT_EQ(y2.to_ids(), (std::vector<std::int32_t>{9, 20, 10, 21}));
  EXPECT_THROW(text::BpttBatcher(ids, 20, 4), InvalidArgument);
}

}  // namespace
}  // namespace rnnkit

namespace rnnkit {
namespace {

// Penn Treebank as the literature counts it (PROVENANCE.md of the data set).
TEST(PennTreebank, TokenCountsAndVocabulary) {
  std::string dir = std::string(RNNKIT_SHARED_DATA) + "/ptb";
  if (!std::filesystem::exists(dir + "/ptb.train.txt"))
    GTEST_SKIP() << "../shared/data/ptb is absent: Penn Treebank checks skipped";
  auto train = text::tokenize_lines(text::read_text_file(dir + "/ptb.train.txt"));
  auto valid = text::tokenize_lines(text::read_text_file(dir + "/ptb.valid.txt"));
  auto test = text::tokenize_lines(text::read_text_file(dir + "/ptb.test.txt"));
  EXPECT_EQ(train.size(), 929589u);
  EXPECT_EQ(valid.size(), 73760u);
  EXPECT_EQ(test.size(), 82430u);
  auto vocab = text::Vocabulary::build(train);
  EXPECT_EQ(vocab.size(), 10000);
  for (const auto& w : test) ASSERT_TRUE(vocab.contains(w)) << w;
}

}  // namespace
}  // namespace rnnkit

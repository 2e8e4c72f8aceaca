// text: tokenizer, vocabulary, UTF-8 checks, the BPTT batcher.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "rnnkit/text/corpus.h"
#include "rnnkit/text/segmenter.h"
#include "rnnkit/text/stream.h"
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

TEST(ReadLines, StreamsLinesWithClearErrors) {
  auto dir =
      std::filesystem::temp_directory_path() / ("rnnkit_lines_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& s) {
    std::ofstream((dir / name).string(), std::ios::binary) << s;
    return (dir / name).string();
  };
  auto lines = [](const std::string& path, text::StreamOptions o = {}) {
    std::vector<std::string> out;
    text::read_lines(
        path, [&](const std::string& l) { out.push_back(l); }, o);
    return out;
  };
  text::StreamOptions tiny;
  tiny.block_bytes = 3;  // lines cut across blocks
  EXPECT_EQ(lines(write("a.txt", "ab cd\r\n\nefg"), tiny),
            (std::vector<std::string>{"ab cd", "", "efg"}));
  tiny.max_lines = 2;
  EXPECT_EQ(lines(write("b.txt", "1\n2\n3\n"), tiny), (std::vector<std::string>{"1", "2"}));
  auto expect = [&](const std::string& path, const std::string& what) {
    try {
      lines(path);
      FAIL() << path;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  };
  expect(write("blank.txt", " \n\n"), "empty");
  expect(write("latin1.txt", "ok\ncaf\xe9\n"), "invalid UTF-8 at byte offset 6 (line 2)");
  expect((dir / "missing.txt").string(), "cannot open");
  std::filesystem::remove_all(dir);
}

// What `mecab -Owakati` prints for `text`, one vector per line ("" when the
// mecab command is missing).
std::vector<std::vector<std::string>> mecab_wakati(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  auto dir =
      std::filesystem::temp_directory_path() / ("rnnkit_mecab_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream((dir / "in.txt").string(), std::ios::binary) << text;
  const std::string cmd = "mecab -Owakati < " + (dir / "in.txt").string() + " 2>/dev/null";
  if (std::FILE* p = ::popen(cmd.c_str(), "r")) {
    std::string all;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) all.append(buf, n);
    if (::pclose(p) == 0)
      for (const auto& line : text::split_lines(all))
        out.push_back(text::split_units(line, text::Unit::kWord));
  }
  std::filesystem::remove_all(dir);
  return out;
}

TEST(Segmenter, MecabWordsAreMecabsWakati) {
  const std::vector<std::string> lines = {
      "吾輩は猫である。名前はまだ無い。", "どこで生れたかとんと見当がつかぬ。",
      "\u3000何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。",
      "The cat sat on the mat."};
  text::Segmenter mecab{text::MecabWords()};
  EXPECT_EQ(mecab.split(lines[0]), (std::vector<std::string>{"吾輩", "は", "猫", "で", "ある", "。",
                                                             "名前", "は", "まだ", "無い", "。"}));
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  auto want = mecab_wakati(all);
  if (want.empty()) GTEST_SKIP() << "the mecab command is missing (Debian: mecab)";
  ASSERT_EQ(want.size(), lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    // IPAdic's ideographic space (U+3000) is a word to MeCab, not to rnnkit.
    std::erase(want[i], "\u3000");
    EXPECT_EQ(mecab.split(lines[i]), want[i]) << lines[i];
  }
  EXPECT_EQ(mecab.join(mecab.split(lines[0])), lines[0]);
  EXPECT_EQ(mecab.tokenize_lines("猫\n\n犬だ\n"),
            (std::vector<std::string>{"猫", "<eos>", "<eos>", "犬", "だ", "<eos>"}));
}

TEST(Segmenter, EveryUnitFromOptions) {
  const std::vector<std::string> lines = {"low lower lowest", "new newer newest",
                                          "wide wider widest"};
  EXPECT_EQ(text::make_segmenter({.unit = "word"}, lines).split("a  b"),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(text::make_segmenter({.unit = "char"}, lines).split("日本 x"),
            (std::vector<std::string>{"日", "本", " ", "x"}));
  auto sub = text::make_segmenter({.unit = "subword", .subword_vocab = 30}, lines);
  ASSERT_NE(sub.subwords(), nullptr);
  EXPECT_EQ(sub.join(sub.split("lower newest")), "lower newest");
  EXPECT_EQ(text::make_segmenter({.unit = "mecab"}, {}).unit(), text::Unit::kMecab);
  auto error = [&](const text::UnitOptions& o, const std::string& what) {
    try {
      text::make_segmenter(o, lines);
      ADD_FAILURE() << what;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  error({.unit = "mecab", .mecab_dictionary = "/nonexistent/dic"},
        "cannot load MeCab dictionary '/nonexistent/dic'");
  error({.unit = "word", .mecab_dictionary = "/x"}, "--mecab-dict is for --unit mecab");
  error({.unit = "char", .subword_model = "x.model"}, "--subword-model is for --unit subword");
  error({.unit = "bytes"}, "unknown unit 'bytes'");
}

TEST(Corpus, SplitsLinesWithASegmenter) {
  auto dir = std::filesystem::temp_directory_path() / ("rnnkit_idc_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "c.txt").string();
  std::ofstream(path, std::ios::binary) << "吾輩は猫である。\n猫である。\n";
  text::Segmenter mecab{text::MecabWords()};
  text::IdCorpusOptions o;
  o.min_count = 1;
  o.split = [&](const std::string& line) { return mecab.split(line); };
  auto c = text::read_id_corpus(path, o);
  EXPECT_EQ(c.raw_tokens, 10);
  EXPECT_EQ(c.line_ends, (std::vector<std::int64_t>{6, 10}));
  EXPECT_EQ(c.words[0], "猫");  // 2 each for 猫 で ある 。, first appearance breaks the tie
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rnnkit

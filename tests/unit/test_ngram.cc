// Kneser-Ney n-grams: counts, discounts and probabilities against a
// hand-worked example; normalisation; ARPA round trip and errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "rnnkit/core/error.h"
#include "rnnkit/io/arpa.h"
#include "rnnkit/models/ngram.h"
#include "rnnkit/text/parallel.h"

namespace rnnkit {
namespace {

namespace fs = std::filesystem;
using models::NgramModel;

std::vector<std::vector<std::string>> sentences(const std::vector<std::string>& lines) {
  std::vector<std::vector<std::string>> out;
  for (const auto& l : lines) out.push_back(text::split_units(l, text::Unit::kWord));
  return out;
}

// Seven sentences, worked by hand:
//   bigram counts: <s> a 3, a </s> 4, <s> c 2, <s> b 2, b </s> 2, and once
//   each c </s>, a b, c a, b a, a a  ->  n1..n4 = 5, 3, 1, 1, Y = 5/11,
//   D = 1 - 2Y*3/5 = 5/11, 2 - 3Y/3 = 17/11, 3 - 4Y = 13/11.
//   unigram continuation counts (distinct predecessors): c 1, b 2, </s> 3,
//   a 4  ->  n1..n4 = 1, 1, 1, 1, Y = 1/3, D = 1/3, 1, 5/3; total 10,
//   gamma = (1/3 + 1 + 5/3 + 5/3) / 10 = 7/15 spread over 5 words.
const std::vector<std::string> kCorpus = {"c", "a", "a", "a b", "c a", "b", "b a a"};

double prob(const NgramModel& m, const std::vector<std::string>& context, const std::string& w) {
  std::vector<std::int32_t> ids;
  for (const auto& c : context) ids.push_back(m.id(c));
  return std::pow(10.0, m.log10_prob(ids, m.id(w)));
}

TEST(KneserNey, HandWorkedExample) {
  auto m = NgramModel::train_kneser_ney(sentences(kCorpus), 2);
  EXPECT_NEAR(m.discounts(2)[0], 5.0 / 11, 1e-12);
  EXPECT_NEAR(m.discounts(2)[1], 17.0 / 11, 1e-12);
  EXPECT_NEAR(m.discounts(2)[2], 13.0 / 11, 1e-12);
  EXPECT_NEAR(m.discounts(1)[0], 1.0 / 3, 1e-12);
  EXPECT_NEAR(m.discounts(1)[1], 1.0, 1e-12);
  EXPECT_NEAR(m.discounts(1)[2], 5.0 / 3, 1e-12);
  EXPECT_EQ(m.num_ngrams(2), 10);
  // Unigrams: (c' - D) / 10 + 7/75.
  EXPECT_NEAR(prob(m, {}, "a"), 49.0 / 150, 1e-6);  // (4 - 5/3) / 10 + 7/75
  EXPECT_NEAR(prob(m, {}, "c"), 12.0 / 75, 1e-6);
  EXPECT_NEAR(prob(m, {}, "</s>"), 17.0 / 75, 1e-6);
  EXPECT_NEAR(prob(m, {}, "<unk>"), 7.0 / 75, 1e-6);  // never seen: the uniform share only
  // After <s> (total 7, gamma = (17 + 13 + 17) / 11 / 7 = 47/77).
  EXPECT_NEAR(prob(m, {"<s>"}, "a"), 20.0 / 77 + 47.0 / 77 * 49 / 150, 1e-6);
  EXPECT_NEAR(prob(m, {"<s>"}, "</s>"), 47.0 / 77 * 17 / 75, 1e-6);  // unseen: backs off
  // After a (total 6, gamma = (13 + 5 + 5) / 11 / 6 = 23/66).
  EXPECT_NEAR(prob(m, {"a"}, "b"), 1.0 / 11 + 23.0 / 66 * 29 / 150, 1e-6);
  EXPECT_NEAR(prob(m, {"a"}, "c"), 23.0 / 66 * 12 / 75, 1e-6);
}

TEST(KneserNey, ProbabilitiesSumToOneForEveryContext) {
  auto m = NgramModel::train_kneser_ney(sentences({"a b c a b", "b c a", "c c b a", "a b b c", "b a c"}), 3);
  const std::vector<std::string> words = {"</s>", "<unk>", "a", "b", "c"};
  for (const auto& ctx :
       std::vector<std::vector<std::string>>{{}, {"<s>"}, {"a"}, {"<s>", "a"}, {"a", "b"}, {"c", "c"}, {"b", "b"}}) {
    double sum = 0;
    for (const auto& w : words) sum += prob(m, ctx, w);
    EXPECT_NEAR(sum, 1.0, 1e-5) << "context of " << ctx.size() << " words";
  }
}

TEST(KneserNey, ArpaRoundTripAndErrors) {
  fs::path dir = fs::temp_directory_path() / ("rnnkit_arpa_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto m = NgramModel::train_kneser_ney(sentences(kCorpus), 3);
  io::save_arpa((dir / "m.arpa").string(), m);
  auto back = io::load_arpa((dir / "m.arpa").string());
  EXPECT_EQ(back.order(), 3);
  EXPECT_EQ(back.num_ngrams(3), m.num_ngrams(3));
  auto test = sentences({"a b a", "c c", "b"});
  EXPECT_NEAR(back.score(test).perplexity(), m.score(test).perplexity(), 1e-4);
  auto oov = m.score(sentences({"a zebra b"}));
  EXPECT_EQ(oov.oovs, 0);  // <unk> is in the vocabulary, so unknown words map to it
  EXPECT_EQ(oov.words, 3);

  std::string text;
  {
    std::ifstream in(dir / "m.arpa");
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto expect_error = [&](const std::string& content, const std::string& what) {
    std::ofstream(dir / "bad.arpa") << content;
    try {
      io::load_arpa((dir / "bad.arpa").string());
      ADD_FAILURE() << "no error for " << what;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("bad.arpa"), std::string::npos) << e.what();
    }
  };
  expect_error(text.substr(0, text.size() / 2), "");           // truncated
  expect_error("just some text\n", "not an ARPA");
  std::string wrong_count = text;
  wrong_count.replace(wrong_count.find("ngram 1="), 9, "ngram 1=9");
  expect_error(wrong_count, "the header says");
  std::string bad_number = text;
  bad_number.replace(bad_number.find("\\2-grams:\n") + 10, 1, "x");
  expect_error(bad_number, "not a number");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rnnkit

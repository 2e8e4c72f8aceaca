// Model files written by older versions of rnnkit keep loading and give the
// same outputs (tests/golden/models/, written by rnnkit 0.1.0 in format
// version 1: the LM's `encoder.weight`/`rnn.*` and seq2seq's
// `source_embedding.*`/`encoder.*` names before the shared sequence encoder).
#include <filesystem>
#include <nlohmann/json.hpp>

#include "rnnkit/decode/translate.h"
#include "rnnkit/eval/perplexity.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/models/language_model.h"
#include "rnnkit/models/seq2seq.h"
#include "rnnkit/text/corpus.h"
#include "rnnkit/text/parallel.h"
#include "test_util.h"

namespace rnnkit {
namespace {

std::string golden(const std::string& name) {
  return std::string(RNNKIT_GOLDEN_DIR) + "/models/" + name;
}

TEST(ModelFiles, LanguageModelVersion1LoadsAndScoresAsItDid) {
  auto m = io::load_language_model(golden("lm_v1.safetensors"));
  nn::ParameterSet params(*m.model, kCPU);
  m.model->train(false);
  auto ids = m.vocab.encode(text::tokenize_lines(text::read_text_file(golden("lm_v1.txt"))));
  auto r = eval::evaluate_perplexity(*m.model, ids, 1, 35, kCPU);
  // Recorded with rnnkit 0.1.0 (format version 1) on this model and text.
  EXPECT_NEAR(r.perplexity(), 11.944529302207929, 1e-6 * r.perplexity());
}

TEST(ModelFiles, Seq2SeqVersion1LoadsAndTranslatesAsItDid) {
  auto m = io::load_seq2seq(golden("seq2seq_v1.safetensors"));
  nn::ParameterSet params(*m.model, kCPU);
  m.model->train(false);
  decode::TranslateOptions o;
  o.beam = 3;
  o.nbest = 2;
  o.max_length = 6;
  auto out = decode::translate(*m.model, m.source_units, m.source_vocab, m.target_vocab,
                               {"12+34", "5+6", "999+1"}, o, kCPU);
  // Recorded with rnnkit 0.1.0: a barely trained model, two best of beam 3 each.
  const std::vector<std::vector<std::pair<std::string, float>>> want = {
      {{"022", -2.18510818f}, {"0022", -2.18790483f}},
      {{"22", -2.19140244f}, {"2", -2.19729304f}},
      {{"02", -2.20412183f}, {"22", -2.21375918f}}};
  ASSERT_EQ(out.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(out[i].size(), want[i].size());
    for (std::size_t k = 0; k < want[i].size(); ++k) {
      EXPECT_EQ(text::join_units(out[i][k].units, text::Unit::kChar), want[i][k].first);
      EXPECT_NEAR(out[i][k].score, want[i][k].second, 1e-5f);
    }
  }
}

// A model with a NaN weight is an error naming the tensor, not NaN scores (or a
// crash in beam search) later.
TEST(ModelFiles, NonFiniteWeightsAreNamed) {
  auto file = io::load_safetensors(golden("lm_v1.safetensors"));
  for (auto& [name, t] : file.tensors)
    if (name == "rnn.weight_hh_l1") t.data<float>()[3] = std::nanf("");
  const std::string path = ::testing::TempDir() + "nan_lm.safetensors";
  io::save_safetensors(path, file.tensors, file.metadata);
  try {
    io::load_language_model(path);
    FAIL() << "loaded a model with a NaN weight";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("'rnn.weight_hh_l1' holds a non-finite value"),
              std::string::npos)
        << e.what();
  }
  std::remove(path.c_str());
}

// A configuration claiming sizes its tensors cannot fill is refused before the
// model is built (hidden 8000 would allocate a gigabyte first).
TEST(ModelFiles, ConfigurationLargerThanTheTensorsIsRefusedFirst) {
  for (const char* name : {"lm_v1.safetensors", "seq2seq_v1.safetensors"}) {
    auto file = io::load_safetensors(golden(name));
    auto config = nlohmann::json::parse(file.metadata.at("config"));
    config["hidden_size"] = 8000;
    file.metadata["config"] = config.dump();
    const std::string path = ::testing::TempDir() + "big_" + name;
    io::save_safetensors(path, file.tensors, file.metadata);
    try {
      if (std::string(name).rfind("lm", 0) == 0)
        io::load_language_model(path);
      else
        io::load_seq2seq(path);
      FAIL() << name << ": loaded a configuration of 8000 hidden units";
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find("needs at least"), std::string::npos) << e.what();
    }
    std::remove(path.c_str());
  }
}

// A configuration's numbers are checked before they are converted: sizes
// past int64 or fractional, a dropout past float, a string for a number.
TEST(ModelFiles, ConfigurationNumbersOutOfRangeAreFormatErrors) {
  const std::string base =
      R"({"cell":"lstm","vocab_size":30,"emb_size":6,"hidden_size":10,"num_layers":1)";
  EXPECT_EQ(models::LanguageModelConfig::from_json(base + "}").hidden_size, 10);
  for (const std::string tail :
       {R"(,"emb_size":1e300})", R"(,"emb_size":2.5})", R"(,"emb_size":18446744073709551615})",
        R"(,"dropout":1e300})", R"(,"classes":"many"})"}) {
    std::string text = base + tail;
    EXPECT_THROW(models::LanguageModelConfig::from_json(text), FormatError) << text;
  }
  EXPECT_THROW(models::LanguageModelConfig::from_json(R"({"cell":"lstm"})"), FormatError);
  EXPECT_THROW(models::Seq2SeqConfig::from_json(R"({"cell":"lstm","source_vocab":-1e40})"),
               FormatError);
}

// The shared sequence encoder has the same parameter names and shapes in
// every family: an LM's encoder can initialise a seq2seq model's.
TEST(ModelFiles, EncodersAreNamedAlikeInEveryFamily) {
  models::LanguageModelConfig lm;
  lm.vocab_size = 30;
  lm.emb_size = 6;
  lm.hidden_size = 10;
  lm.num_layers = 2;
  models::Seq2SeqConfig s2s;
  s2s.source_vocab = 30;
  s2s.target_vocab = 12;
  s2s.emb_size = 6;
  s2s.hidden_size = 10;
  s2s.num_layers = 2;
  models::LanguageModel a(lm);
  models::Seq2Seq b(s2s);
  auto encoder_of = [](const nn::Module& m) {
    std::vector<std::pair<std::string, Shape>> out;
    for (const auto& [name, v] : m.named_parameters())
      if (name.rfind("encoder.", 0) == 0) out.emplace_back(name, v.shape());
    return out;
  };
  const auto names = encoder_of(a);
  ASSERT_EQ(names.size(), 9u);  // the embedding and 2 x 4 recurrent tensors
  EXPECT_EQ(names.front().first, "encoder.embedding.weight");
  EXPECT_EQ(names[1].first, "encoder.rnn.weight_ih_l0");
  EXPECT_EQ(names, encoder_of(b));
}

// The metadata alone comes from the header: it reads the same as a whole load,
// and a file whose data were cut off still gives it.
TEST(ModelFiles, MetadataFromTheHeaderAlone) {
  const auto dir = std::filesystem::temp_directory_path() / "rnnkit_metadata_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "m.safetensors").string();
  io::save_safetensors(path, {{"w", Tensor::full({64, 64}, 0.5f)}},
                       {{"format", "rnnkit.lm"}, {"note", "x"}});
  EXPECT_EQ(io::read_safetensors_metadata(path), io::load_safetensors(path).metadata);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 100);
  EXPECT_THROW(io::load_safetensors(path), FormatError);
  EXPECT_EQ(io::read_safetensors_metadata(path).at("note"), "x");
  EXPECT_THROW(io::read_safetensors_metadata((dir / "missing.safetensors").string()), FormatError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rnnkit

#include "rnnkit/text/subword.h"

#include <fmt/format.h>
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <array>

#include "rnnkit/core/error.h"
#include "rnnkit/text/corpus.h"

namespace rnnkit::text {

namespace {

class SentenceList : public sentencepiece::SentenceIterator {
 public:
  explicit SentenceList(const std::vector<std::string>& s) : s_(s) {}
  bool done() const override { return i_ >= s_.size(); }
  void Next() override { ++i_; }
  const std::string& value() const override { return s_[i_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  const std::vector<std::string>& s_;
  std::size_t i_ = 0;
};

}  // namespace

SubwordModel::SubwordModel(std::string serialized, const std::string& what)
    : sp_(std::make_shared<sentencepiece::SentencePieceProcessor>()), bytes_(std::move(serialized)) {
  auto st = sp_->LoadFromSerializedProto(bytes_);
  if (!st.ok()) throw FormatError(fmt::format("{}: not a SentencePiece model ({})", what, st.ToString()));
}

SubwordModel SubwordModel::train(const std::vector<std::string>& sentences, const TrainOptions& o) {
  RNNKIT_CHECK(!sentences.empty(), "subword model: no training sentences");
  RNNKIT_CHECK(o.vocab_size >= 8, "subword model: vocabulary size {} is too small", o.vocab_size);
  RNNKIT_CHECK(o.type == "unigram" || o.type == "bpe", "subword model: unknown type '{}' (unigram or bpe)", o.type);
  SentenceList list(sentences);
  std::string model;
  auto st = sentencepiece::SentencePieceTrainer::Train(
      {{"vocab_size", std::to_string(o.vocab_size)},
       {"model_type", o.type},
       {"hard_vocab_limit", "false"},  // a small text gets fewer pieces, not an error
       {"num_threads", std::to_string(std::max(1, o.threads))},
       {"minloglevel", "2"}},
      &list, &model);
  if (!st.ok()) throw InvalidArgument(fmt::format("subword model: training failed: {}", st.ToString()));
  return SubwordModel(std::move(model), "trained subword model");
}

SubwordModel SubwordModel::load(const std::string& path) {
  std::string bytes = read_binary_file(path);
  return SubwordModel(std::move(bytes), path);
}

SubwordModel SubwordModel::from_bytes(const std::string& serialized) {
  return SubwordModel(serialized, "stored subword model");
}

std::vector<std::string> SubwordModel::encode(const std::string& sentence) const {
  std::vector<std::string> pieces;
  auto st = sp_->Encode(sentence, &pieces);
  RNNKIT_CHECK(st.ok(), "subword model: cannot segment '{}': {}", sentence, st.ToString());
  return pieces;
}

std::string SubwordModel::decode(const std::vector<std::string>& pieces) const {
  std::string out;
  auto st = sp_->Decode(pieces, &out);
  RNNKIT_CHECK(st.ok(), "subword model: cannot join pieces: {}", st.ToString());
  return out;
}

int SubwordModel::size() const { return sp_->GetPieceSize(); }

namespace {
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string base64_encode(const std::string& bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t n = static_cast<std::uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<std::uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<std::uint8_t>(bytes[i + 2]);
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kBase64[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kBase64[n & 63] : '=';
  }
  return out;
}

std::string base64_decode(const std::string& text) {
  std::array<int, 256> value;
  value.fill(-1);
  for (int i = 0; i < 64; ++i) value[static_cast<unsigned char>(kBase64[i])] = i;
  if (text.size() % 4 != 0) throw FormatError("base64: length is not a multiple of 4");
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::uint32_t n = 0;
    int pad = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      char c = text[i + k];
      bool last_group = i + 4 == text.size();
      if (c == '=' && last_group && k >= 2) {
        ++pad;
        n <<= 6;
        continue;
      }
      int v = value[static_cast<unsigned char>(c)];
      if (v < 0 || pad) throw FormatError(fmt::format("base64: bad character at offset {}", i + k));
      n = (n << 6) | static_cast<std::uint32_t>(v);
    }
    out += static_cast<char>((n >> 16) & 255);
    if (pad < 2) out += static_cast<char>((n >> 8) & 255);
    if (pad < 1) out += static_cast<char>(n & 255);
  }
  return out;
}

}  // namespace rnnkit::text

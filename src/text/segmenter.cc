#include "rnnkit/text/segmenter.h"

#include <fmt/format.h>
#include <mecab.h>

#include <algorithm>

#include "rnnkit/core/error.h"
#include "rnnkit/text/corpus.h"

namespace rnnkit::text {

struct MecabWords::Impl {
  std::unique_ptr<MeCab::Model> model;
  std::unique_ptr<MeCab::Tagger> tagger;
};

MecabWords::MecabWords(std::string dictionary) : dictionary_(std::move(dictionary)) {
  const std::string what = dictionary_.empty() ? std::string("MeCab's default dictionary (mecabrc)")
                                               : fmt::format("MeCab dictionary '{}'", dictionary_);
  std::vector<std::string> args = {"mecab"};
  if (!dictionary_.empty()) args.insert(args.end(), {"-d", dictionary_});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  auto impl = std::make_shared<Impl>();
  impl->model.reset(MeCab::createModel(static_cast<int>(argv.size()), argv.data()));
  if (!impl->model)
    throw InvalidArgument(
        fmt::format("cannot load {}: {} (Debian: mecab-ipadic-utf8)", what, MeCab::getLastError()));
  // A dictionary compiled for EUC-JP or Shift-JIS would cut UTF-8 text at random.
  for (const MeCab::DictionaryInfo* d = impl->model->dictionary_info(); d; d = d->next) {
    std::string charset = d->charset ? d->charset : "";
    std::transform(charset.begin(), charset.end(), charset.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (charset != "utf-8" && charset != "utf8")
      throw InvalidArgument(
          fmt::format("{} is encoded in {}, not UTF-8 (Debian: mecab-ipadic-utf8)", what, charset));
  }
  impl->tagger.reset(impl->model->createTagger());
  if (!impl->tagger)
    throw InvalidArgument(
        fmt::format("cannot start MeCab with {}: {}", what, MeCab::getLastError()));
  impl_ = std::move(impl);
}

std::vector<std::string> MecabWords::split(const std::string& sentence) const {
  // A lattice per call: the model and tagger are shared, so threads may split at once.
  std::unique_ptr<MeCab::Lattice> lattice(impl_->model->createLattice());
  lattice->set_sentence(sentence.data(), sentence.size());
  if (!impl_->tagger->parse(lattice.get()))
    throw InvalidArgument(fmt::format("MeCab cannot segment '{}': {}", sentence, lattice->what()));
  std::vector<std::string> words;
  for (const MeCab::Node* n = lattice->bos_node(); n; n = n->next) {
    if (n->stat != MECAB_NOR_NODE && n->stat != MECAB_UNK_NODE) continue;
    std::string_view w(n->surface, n->length);
    bool blank = true;  // only ideographic spaces (U+3000, E3 80 80)
    for (std::size_t i = 0; i < w.size() && blank; i += 3) blank = w.substr(i, 3) == "\xE3\x80\x80";
    if (!w.empty() && !blank) words.emplace_back(w);
  }
  return words;
}

Segmenter::Segmenter(Unit unit) : unit_(unit) {
  RNNKIT_CHECK(unit != Unit::kSubword && unit != Unit::kMecab, "{} units need their model",
               unit == Unit::kSubword ? "subword" : "mecab");
}

Segmenter::Segmenter(SubwordModel model)
    : unit_(Unit::kSubword), subwords_(std::make_shared<const SubwordModel>(std::move(model))) {}

Segmenter::Segmenter(MecabWords words)
    : unit_(Unit::kMecab), mecab_(std::make_shared<const MecabWords>(std::move(words))) {}

std::vector<std::string> Segmenter::split(const std::string& sentence) const {
  if (subwords_) return subwords_->encode(sentence);
  if (mecab_) return mecab_->split(sentence);
  return split_units(sentence, unit_);
}

std::string Segmenter::join(const std::vector<std::string>& units) const {
  if (subwords_) return subwords_->decode(units);
  // MeCab words are concatenated, as Japanese is written (and re-split to score).
  return join_units(units, unit_ == Unit::kWord ? Unit::kWord : Unit::kChar);
}

std::vector<std::string> Segmenter::tokenize_lines(const std::string& text) const {
  if (unit_ == Unit::kWord || unit_ == Unit::kChar) return text::tokenize_lines(text, unit_);
  std::vector<std::string> out;
  for (const std::string& line : split_lines(text)) {
    for (auto& u : split(line)) out.push_back(std::move(u));
    out.emplace_back(kEos);
  }
  return out;
}

std::vector<std::string> Segmenter::scoring_units(const std::string& sentence) const {
  if (mecab_) return mecab_->split(sentence);
  return split_units(sentence, unit_ == Unit::kChar ? Unit::kChar : Unit::kWord);
}

Segmenter make_segmenter(const UnitOptions& o, const std::vector<std::string>& training_lines) {
  const Unit unit = parse_unit(o.unit);
  RNNKIT_CHECK(unit == Unit::kSubword || o.subword_model.empty(),
               "--subword-model is for --unit subword, not {}", o.unit);
  RNNKIT_CHECK(unit == Unit::kMecab || o.mecab_dictionary.empty(),
               "--mecab-dict is for --unit mecab, not {}", o.unit);
  if (unit == Unit::kMecab) return Segmenter(MecabWords(o.mecab_dictionary));
  if (unit != Unit::kSubword) return Segmenter(unit);
  if (!o.subword_model.empty()) return Segmenter(SubwordModel::load(o.subword_model));
  SubwordModel::TrainOptions t;
  t.vocab_size = o.subword_vocab;
  return Segmenter(SubwordModel::train(training_lines, t));
}

}  // namespace rnnkit::text

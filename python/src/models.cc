// The model classes and rnnkit.load: each holds a loaded model on its device
// and calls the same library functions as the command line's commands, so
// that both give the same numbers. Compute runs with the GIL released.
#include <cmath>
#include <filesystem>
#include <fstream>

#include "bindings.h"
#include "cli/common.h"
#include "rnnkit/decode/classify.h"
#include "rnnkit/decode/forecast.h"
#include "rnnkit/decode/sampling.h"
#include "rnnkit/decode/translate.h"
#include "rnnkit/eval/perplexity.h"
#include "rnnkit/io/arpa.h"
#include "rnnkit/io/model_file.h"
#include "rnnkit/models/ngram.h"
#include "rnnkit/text/parallel.h"

namespace rnnkit::python {

namespace {

using release_gil = py::call_guard<py::gil_scoped_release>;

// A text argument as a string: a file's contents (read as the CLI reads it) or the text itself.
std::string text_of(const py::object& text_or_path) {
  if (is_path(text_or_path)) return text::read_text_file(path_arg(text_or_path));
  auto text = text_or_path.cast<std::string>();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw py::value_error("the text is empty (no words to score)");
  return text;
}

py::object one_or_list(py::list results, bool single) {
  return single ? results[0] : py::object(results);
}

nlohmann::json config_json(const io::Metadata& metadata) {
  auto it = metadata.find("config");
  return it == metadata.end() ? nlohmann::json::object() : nlohmann::json::parse(it->second);
}

py::object to_python(const nlohmann::json& j) {
  return py::module_::import("json").attr("loads")(j.dump());
}

struct LanguageModel {
  cli::InferenceModel m;
  std::string path;

  std::vector<std::string> prefix_tokens(const std::string& prefix) const {
    std::vector<std::string> t = m.loaded.units.tokenize_lines(prefix);
    if (!t.empty()) t.pop_back();  // the <eos> ending the prefix line
    return t;
  }

  double perplexity(const std::string& text, std::int64_t batch, std::int64_t steps) const {
    auto ids = m.loaded.vocab.encode(m.loaded.units.tokenize_lines(text));
    RNNKIT_CHECK(!ids.empty(), "no tokens to score (empty text)");
    auto r = eval::evaluate_perplexity(*m.loaded.model, ids, batch, steps, m.device);
    return r.perplexity();
  }

  std::vector<double> score(const std::vector<std::string>& sentences) const {
    std::vector<std::vector<std::int32_t>> lines;
    for (const auto& s : sentences)
      lines.push_back(m.loaded.vocab.encode(m.loaded.units.tokenize_lines(s + "\n")));
    std::vector<double> out;
    for (const auto& s :
         eval::score_lines(*m.loaded.model, lines, m.loaded.vocab.eos_id(), m.device))
      out.push_back(-s.nll / std::log(10.0));
    return out;
  }
};

struct Seq2Seq {
  cli::ModelForUse<io::LoadedSeq2Seq> l;
  std::string path;
};

struct Autoencoder : Seq2Seq {};

struct Classifier {
  cli::ModelForUse<io::LoadedClassifier> l;
  std::string path;

  std::vector<std::vector<float>> probabilities(const std::vector<std::string>& sentences,
                                                std::int64_t max_length) const {
    RNNKIT_CHECK(max_length >= 0, "max_length must not be negative (0: no limit), got {}",
                 max_length);
    std::vector<std::vector<std::int32_t>> ids;
    const auto& config = l.m.model->config();
    for (const auto& s :
         sentences)  // fastText's labelled lines too, as classify predict reads them
      ids.push_back(
          decode::classifier_ids(config, l.m.units, l.m.vocab,
                                 std::string(decode::without_labels(s, config.label_prefix))));
    return decode::classify(*l.m.model, ids, {64, max_length}, l.device);
  }
};

struct Forecaster {
  cli::ModelForUse<io::LoadedForecaster> l;
  std::string path;
};

struct NgramModel {
  models::NgramModel m;
  std::string path;
};

bool ends_with(const std::string& s, const std::string& end) {
  return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
}

enum class FileKind { kSafetensors, kArpa, kVectorsText, kVectorsBinary };
// What a file holds, from its first bytes rather than its name: a safetensors
// header (a JSON object after 8 bytes of length), an ARPA "\\data\\" line, or
// word2vec vectors (binary when the floats put a NUL among the first bytes).
FileKind sniff(const std::string& path) {
  if (ends_with(path, ".arpa.gz")) return FileKind::kArpa;
  std::ifstream in(path, std::ios::binary);
  if (!in) return FileKind::kSafetensors;
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  if (head.size() >= 9 && head[8] == '{') return FileKind::kSafetensors;
  const auto start = head.find_first_not_of(" \t\r\n");
  if (start != std::string::npos && head.compare(start, 6, "\\data\\") == 0) return FileKind::kArpa;
  if (ends_with(path, ".safetensors")) return FileKind::kSafetensors;
  if (ends_with(path, ".bin") || head.find('\0') != std::string::npos)
    return FileKind::kVectorsBinary;
  return FileKind::kVectorsText;
}

}  // namespace

void bind_models(py::module_& m) {
  py::class_<LanguageModel>(m, "LanguageModel",
                            "A recurrent or feed-forward language model (`rnnkit lm train`).")
      .def_readonly("path", &LanguageModel::path, "The model file.")
      .def_property_readonly(
          "config",
          [](const LanguageModel& s) { return to_python(config_json(s.m.loaded.metadata)); },
          "The model's configuration (cell, sizes, unit, ...).")
      .def_property_readonly(
          "vocab", [](const LanguageModel& s) { return s.m.loaded.vocab.words(); },
          "The vocabulary, by id.")
      .def(
          "perplexity",
          [](const LanguageModel& s, const py::object& text_or_path, std::int64_t batch,
             std::int64_t steps) {
            const std::string text = text_of(text_or_path);
            py::gil_scoped_release nogil;
            return s.perplexity(text, batch, steps);
          },
          py::arg("text_or_path"), py::arg("batch") = 1, py::arg("steps") = 35,
          R"(Perplexity on a text, read as one stream as `rnnkit lm eval` reads it.

text_or_path: a path (os.PathLike, a str naming an existing file, or one word with a
'/' or an extension, which must exist) or the text itself.
batch, steps: parallel streams and window length, as lm eval's --batch and --steps.)")
      .def(
          "score",
          [](const LanguageModel& s, const py::object& sentences) {
            bool single = false;
            auto list = sentences_arg(sentences, single);
            std::vector<double> scores;
            {
              py::gil_scoped_release nogil;
              scores = s.score(list);
            }
            return one_or_list(py::cast(scores), single);
          },
          py::arg("sentences"),
          R"(log10 probability of each sentence (its words and the end of the sentence,
from a fresh state), as KenLM's score and `rnnkit lm eval --per-line`.
A str gives a float, a list of str a list.)")
      .def(
          "generate",
          [](const LanguageModel& s, const std::string& prompt, std::int64_t length,
             float temperature, std::int64_t top_k, float top_p, std::uint64_t seed,
             std::int64_t beam, float length_penalty, bool stop_at_eos, bool no_unk) {
            decode::GenerateOptions o;
            o.length = length;
            o.sampling = {temperature, top_k, top_p};
            o.seed = seed;
            o.stop_at_eos = stop_at_eos;
            o.ban_unk = no_unk;
            py::gil_scoped_release nogil;
            const auto& lm = s.m.loaded;
            auto p = s.prefix_tokens(prompt);
            auto tokens = decode::continue_prompt(*lm.model, lm.vocab, p, o, beam, length_penalty,
                                                  s.m.device);
            return decode::continuation_text(lm.units, tokens);
          },
          py::arg("prompt") = "", py::arg("length") = 50, py::arg("temperature") = 1.0f,
          py::arg("top_k") = 0, py::arg("top_p") = 1.0f, py::arg("seed") = 1, py::arg("beam") = 1,
          py::arg("length_penalty") = 1.0f, py::arg("stop_at_eos") = false,
          py::arg("no_unk") = false,
          R"(A continuation of the prompt (the text after it), as `rnnkit lm generate`.

temperature 0 is greedy; top_k and top_p limit the sampling; beam > 1 searches
for the likeliest continuation instead of sampling.)")
      .def(
          "next_token_probs",
          [](const LanguageModel& s, const std::string& prefix) {
            std::vector<float> lp;
            {
              py::gil_scoped_release nogil;
              lp = decode::next_token_log_probs(*s.m.loaded.model, s.m.loaded.vocab,
                                                s.prefix_tokens(prefix), s.m.device);
            }
            for (float& v : lp) v = std::exp(v);
            return float_array(lp, {static_cast<py::ssize_t>(lp.size())});
          },
          py::arg("prefix") = "",
          "Probabilities (NumPy, by vocabulary id) of the token after `prefix` ('' : at the start "
          "of a line).")
      .def(
          "states",
          [](const LanguageModel& s, const std::string& text) {
            const auto& lm = s.m.loaded;
            std::vector<std::string> tokens = lm.units.tokenize_lines(text);
            decode::StateTrace t;
            {
              py::gil_scoped_release nogil;
              t = decode::state_trace(*lm.model, lm.vocab.encode(tokens), s.m.device);
            }
            std::vector<py::ssize_t> shape = {t.steps, t.layers, t.hidden};
            py::dict d;
            d["tokens"] = tokens;
            d["h"] = float_array(t.h, shape);
            const bool lstm = lm.model->config().cell == "lstm";
            d["c"] = lstm ? py::object(float_array(t.c, shape)) : py::object(py::none());
            return d;
          },
          py::arg("text"),
          R"(The recurrent state after each token of `text` (from a zero state):
{'tokens': [...], 'h': array[tokens, layers, hidden], 'c': the same for an LSTM's
cells, else None}. Lines end in '<eos>' tokens.)")
      .def("__repr__", [](const LanguageModel& s) {
        const auto& c = s.m.loaded.model->config();
        return "<rnnkit.LanguageModel " + s.path + ": " + c.cell + ", " +
               std::to_string(c.num_layers) + " x " + std::to_string(c.hidden_size) + ", " +
               std::to_string(c.vocab_size) + " " + c.unit + "s>";
      });

  py::class_<Seq2Seq>(m, "Seq2Seq", "An encoder-decoder (`rnnkit seq2seq train`).")
      .def_readonly("path", &Seq2Seq::path, "The model file.")
      .def_property_readonly(
          "config", [](const Seq2Seq& s) { return to_python(config_json(s.l.m.metadata)); },
          "The model's configuration.")
      .def(
          "translate",
          [](const Seq2Seq& s, const py::object& sentences, std::int64_t beam, std::int64_t nbest,
             bool return_attention, std::int64_t max_length, float length_penalty,
             std::int64_t max_source_length) {
            bool single = false;
            auto list = sentences_arg(sentences, single);
            RNNKIT_CHECK(beam >= 1, "beam must be at least 1, got {}", beam);
            RNNKIT_CHECK(nbest >= 1 && nbest <= beam,
                         "nbest must be between 1 and beam ({}), got {}", beam, nbest);
            RNNKIT_CHECK(max_length > 0, "max_length must be positive, got {}", max_length);
            RNNKIT_CHECK(!return_attention || nbest == 1,
                         "return_attention gives the best output's weights only: nbest must be 1");
            decode::TranslateOptions o;
            o.beam = beam;
            o.nbest = nbest;
            o.max_length = max_length;
            o.length_penalty = length_penalty;
            o.attention = return_attention;
            RNNKIT_CHECK(max_source_length >= 0,
                         "max_source_length must not be negative (0: no limit), got {}",
                         max_source_length);
            o.max_source_length = max_source_length;
            std::vector<std::vector<decode::Translation>> outs;
            {
              py::gil_scoped_release nogil;
              outs = decode::translate(*s.l.m.model, s.l.m.source_units, s.l.m.source_vocab,
                                       s.l.m.target_vocab, list, o, s.l.device);
            }
            py::list results;
            for (std::size_t i = 0; i < outs.size(); ++i) {
              const auto& best = outs[i].front();
              const std::string text = s.l.m.target_units.join(best.units);
              if (return_attention) {
                auto source = s.l.m.source_units.split(list[i]);
                if (best.cropped) source.resize(static_cast<std::size_t>(max_source_length));
                std::vector<std::string> output = best.units;
                output.push_back("<eos>");
                py::dict d;
                d["text"] = text;
                d["source"] = source;
                d["output"] = output;
                const auto rows = static_cast<py::ssize_t>(output.size());
                d["attention"] =
                    best.attention.empty()
                        ? py::object(py::none())
                        : py::object(float_array(
                              best.attention,
                              {rows, static_cast<py::ssize_t>(best.attention.size()) / rows}));
                results.append(d);
              } else if (nbest > 1) {
                py::list n;
                for (const auto& t : outs[i])
                  n.append(py::make_tuple(s.l.m.target_units.join(t.units), t.score));
                results.append(n);
              } else {
                results.append(text);
              }
            }
            return one_or_list(results, single);
          },
          py::arg("sentences"), py::arg("beam") = 1, py::arg("nbest") = 1,
          py::arg("return_attention") = false, py::arg("max_length") = 100,
          py::arg("length_penalty") = 1.0f, py::arg("max_source_length") = decode::kMaxSourceLength,
          R"(Translations, as `rnnkit seq2seq translate` (beam 1: greedy).

A str gives one result, a list of str a list. Sources longer than
max_source_length units are cut, as the command cuts them (0: no limit). Each result is the best output's
text; with nbest > 1 a list of (text, score) best first; with return_attention
a dict {'text', 'source', 'output' (units, '<eos>' last), 'attention'
(array[output, source], None for a model without attention)}.)")
      .def("__repr__", [](const py::object& self) {
        const auto& s = self.cast<const Seq2Seq&>();
        return "<rnnkit." + py::str(py::type::of(self).attr("__name__")).cast<std::string>() + " " +
               s.path + ": hidden " + std::to_string(s.l.m.model->config().hidden_size) + ">";
      });

  py::class_<Autoencoder, Seq2Seq>(m, "Autoencoder",
                                   "A sequence autoencoder (`rnnkit autoencode train`).")
      .def(
          "encode",
          [](const Autoencoder& s, const py::object& sentences, std::int64_t max_length) {
            bool single = false;
            auto list = sentences_arg(sentences, single);
            RNNKIT_CHECK(max_length >= 0, "max_length must not be negative (0: no limit), got {}",
                         max_length);
            std::vector<std::vector<float>> codes;
            if (!list.empty()) {
              py::gil_scoped_release nogil;
              codes = decode::sentence_codes(*s.l.m.model, s.l.m.source_units, s.l.m.source_vocab,
                                             list, s.l.device, max_length);
            }
            const auto h = static_cast<py::ssize_t>(s.l.m.model->config().hidden_size);
            std::vector<float> flat;
            for (const auto& c : codes) flat.insert(flat.end(), c.begin(), c.end());
            auto a = float_array(flat, {static_cast<py::ssize_t>(codes.size()), h});
            return single ? py::object(a[py::int_(0)]) : py::object(a);
          },
          py::arg("sentences"), py::arg("max_length") = 1000,
          "The code of each sentence (the encoder's final state), as `rnnkit autoencode encode`: "
          "array[sentences, hidden] (one row for a str).");

  py::class_<Classifier>(m, "Classifier", "A sentence classifier (`rnnkit classify train`).")
      .def_readonly("path", &Classifier::path, "The model file.")
      .def_property_readonly(
          "labels", [](const Classifier& s) { return s.l.m.labels; }, "The label names, by index.")
      .def_property_readonly(
          "config", [](const Classifier& s) { return to_python(config_json(s.l.m.metadata)); },
          "The model's configuration.")
      .def(
          "predict_proba",
          [](const Classifier& s, const py::object& sentences, std::int64_t max_length) {
            bool single = false;
            auto list = sentences_arg(sentences, single);
            std::vector<std::vector<float>> p;
            {
              py::gil_scoped_release nogil;
              p = s.probabilities(list, max_length);
            }
            std::vector<float> flat;
            for (const auto& row : p) flat.insert(flat.end(), row.begin(), row.end());
            auto a = float_array(flat, {static_cast<py::ssize_t>(p.size()),
                                        static_cast<py::ssize_t>(s.l.m.labels.size())});
            return single ? py::object(a[py::int_(0)]) : py::object(a);
          },
          py::arg("sentences"), py::arg("max_length") = 1000,
          "Label probabilities: array[sentences, labels] (columns in the order of `labels`).")
      .def(
          "predict",
          [](const Classifier& s, const py::object& sentences, std::int64_t k,
             std::int64_t max_length) {
            RNNKIT_CHECK(k >= 1, "k must be at least 1, got {}", k);
            bool single = false;
            auto list = sentences_arg(sentences, single);
            std::vector<std::vector<float>> p;
            {
              py::gil_scoped_release nogil;
              p = s.probabilities(list, max_length);
            }
            py::list out;
            for (const auto& row : p) {
              auto top = decode::top_labels(row, static_cast<std::size_t>(k));
              if (k == 1) {
                out.append(s.l.m.labels[static_cast<std::size_t>(top[0])]);
                continue;
              }
              py::list labels;
              for (int i : top) labels.append(s.l.m.labels[static_cast<std::size_t>(i)]);
              out.append(labels);
            }
            return one_or_list(out, single);
          },
          py::arg("sentences"), py::arg("k") = 1, py::arg("max_length") = 1000,
          "The most probable label of each sentence (k > 1: the k most probable, best first), as "
          "`rnnkit classify predict`.")
      .def("__repr__", [](const Classifier& s) {
        return "<rnnkit.Classifier " + s.path + ": " + std::to_string(s.l.m.labels.size()) +
               " labels>";
      });

  py::class_<Forecaster>(m, "Forecaster",
                         "A forecaster of numeric series (`rnnkit forecast train`).")
      .def_readonly("path", &Forecaster::path, "The model file.")
      .def_property_readonly(
          "series", [](const Forecaster& s) { return s.l.m.names; }, "The series' names.")
      .def_property_readonly(
          "config", [](const Forecaster& s) { return to_python(config_json(s.l.m.metadata)); },
          "The model's configuration.")
      .def(
          "forecast",
          [](const Forecaster& s, const py::object& data, std::int64_t steps,
             const std::string& fill) {
            const auto& c = s.l.m.model->config();
            RNNKIT_CHECK(steps >= 0, "steps must not be negative (0: the model's), got {}", steps);
            const std::string path = path_arg(data);
            decode::Forecasts f;
            {
              py::gil_scoped_release nogil;
              const series::Table table = cli::read_forecast_data(s.l.m, path, fill);
              f = decode::forecast_after(*s.l.m.model, s.l.m.preparation, table,
                                         steps > 0 ? steps : c.steps, s.l.device);
            }
            const auto rows = static_cast<py::ssize_t>(f.rows.size());
            auto as_array = [&](const std::vector<double>& v) {
              py::array_t<double> a({rows, static_cast<py::ssize_t>(f.series)});
              std::copy(v.begin(), v.end(), a.mutable_data());
              return a;
            };
            py::dict d;
            d["series"] = s.l.m.names;
            d["point"] = as_array(f.point);
            d["lower"] = f.lower.empty() ? py::object(py::none()) : py::object(as_array(f.lower));
            d["upper"] = f.upper.empty() ? py::object(py::none()) : py::object(as_array(f.upper));
            return d;
          },
          py::arg("data"), py::arg("steps") = 0, py::arg("fill") = "",
          R"(Forecasts of the rows after the data's last one, as `rnnkit forecast predict`:
{'series': names, 'point': array[steps, series], 'lower', 'upper' (the
interval of a model with quantiles, else None)}, in the data's units.
data: a CSV/TSV file read as training read it; steps 0: the model's --steps.)")
      .def("__repr__", [](const Forecaster& s) {
        return "<rnnkit.Forecaster " + s.path + ": " + std::to_string(s.l.m.names.size()) +
               " series>";
      });

  py::class_<NgramModel>(m, "NgramModel", "A Kneser-Ney n-gram model in ARPA format.")
      .def_readonly("path", &NgramModel::path, "The model file.")
      .def_property_readonly(
          "order", [](const NgramModel& s) { return s.m.order(); }, "The n of the n-grams.")
      .def(
          "perplexity",
          [](const NgramModel& s, const py::object& text_or_path) {
            const auto sentences = models::ngram_sentences(text_of(text_or_path));
            if (sentences.empty()) throw py::value_error("no sentences to score");
            py::gil_scoped_release nogil;
            return s.m.score(sentences).perplexity();
          },
          py::arg("text_or_path"), "Perplexity as `rnnkit ngram eval` (SRILM's ngram -ppl).")
      .def(
          "score",
          [](const NgramModel& s, const py::object& sentences) {
            bool single = false;
            auto list = sentences_arg(sentences, single);
            py::list out;
            for (const auto& sentence : list)
              out.append(s.m.score({text::split_units(sentence, text::Unit::kWord)}).log10_sum);
            return one_or_list(out, single);
          },
          py::arg("sentences"),
          "log10 probability of each sentence with its end, as KenLM's score.")
      .def("__repr__", [](const NgramModel& s) {
        return "<rnnkit.NgramModel " + s.path + ": order " + std::to_string(s.m.order()) + ">";
      });

  m.def(
      "load",
      [](const py::object& file, const std::string& device) -> py::object {
        std::string path = path_arg(file);
        path = cli::file_in_run(path, {"model.safetensors", "model.arpa", "vectors.bin",
                                       "vectors.txt", "vectors.safetensors"});
        switch (sniff(path)) {
          case FileKind::kArpa: {
            py::gil_scoped_release nogil;
            NgramModel n{io::load_arpa(path), path};
            py::gil_scoped_acquire gil;
            return py::cast(std::move(n));
          }
          case FileKind::kVectorsText:
            return load_vectors_object(path, io::VectorFormat::kText);
          case FileKind::kVectorsBinary:
            return load_vectors_object(path, io::VectorFormat::kBinary);
          case FileKind::kSafetensors:
            break;  // the reader names what is wrong with a missing or damaged file
        }
        const auto metadata = io::read_safetensors_metadata(path);  // the header alone
        auto it = metadata.find("format");
        const std::string format = it == metadata.end() ? "" : it->second;
        if (format == io::kLmFormat)
          return py::cast(LanguageModel{cli::load_for_inference(path, device), path});
        if (format == io::kSeq2SeqFormat) {
          auto l = cli::load_for_use(&io::load_seq2seq, path, device);
          if (cli::is_autoencoder(l.m)) return py::cast(Autoencoder{{std::move(l), path}});
          return py::cast(Seq2Seq{std::move(l), path});
        }
        if (format == io::kClassifierFormat)
          return py::cast(Classifier{cli::load_for_use(&io::load_classifier, path, device), path});
        if (format == io::kForecasterFormat)
          return py::cast(Forecaster{cli::load_for_use(&io::load_forecaster, path, device), path});
        if (format == "rnnkit.vectors")
          return load_vectors_object(path, io::VectorFormat::kSafetensors);
        throw FormatError(
            path + ": not an rnnkit model (its format is '" + format +
            "'; rnnkit.load reads rnnkit.lm, rnnkit.seq2seq, rnnkit.classifier, "
            "rnnkit.forecaster, rnnkit.vectors files, word2vec files and ARPA files)");
      },
      py::arg("path"), py::arg("device") = "cpu",
      R"(The model in a file, as the object of its kind: LanguageModel, Seq2Seq,
Autoencoder, Classifier, Forecaster (rnnkit .safetensors files, the kind read
from their metadata), NgramModel (.arpa) or Vectors (word2vec text or binary
files, rnnkit.vectors files). A run directory means the model file in it.
device: 'cpu', 'cuda' or 'cuda:N' (a build with CUDA).)");
}

}  // namespace rnnkit::python

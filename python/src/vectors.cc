// rnnkit.Vectors: word vectors in the vocabulary of gensim's KeyedVectors.
#include <cmath>
#include <memory>
#include <optional>

#include "bindings.h"
#include "rnnkit/eval/word_vectors.h"
#include "rnnkit/io/vectors_file.h"
#include "rnnkit/models/word2vec.h"

namespace rnnkit::python {

namespace {

struct Vectors {
  models::WordVectors wv;
  std::string path;
  eval::VectorIndex index;                // unit vectors, for the cosines
  py::object index_to_key, key_to_index;  // made on first use

  Vectors(models::WordVectors v, std::string p) : wv(std::move(v)), path(std::move(p)), index(wv) {}

  std::int32_t id(const std::string& word) const {
    const std::int32_t i = index.id(word);
    if (i < 0) throw py::key_error("Key '" + word + "' not present");
    return i;
  }
  py::array_t<float> row(std::int32_t i, const py::object& self) const {
    auto a = float_view(wv.vectors.data<float>() + static_cast<std::int64_t>(i) * wv.dim(),
                        {static_cast<py::ssize_t>(wv.dim())}, self);
    a.attr("setflags")(py::arg("write") = false);
    return a;
  }
};

std::vector<std::string> words_arg(const py::object& arg) {
  if (arg.is_none()) return {};
  bool single = false;
  return sentences_arg(arg, single);
}

}  // namespace

py::object load_vectors_object(const std::string& path, io::VectorFormat format) {
  models::WordVectors v;
  {
    py::gil_scoped_release nogil;
    v = io::load_vectors(path, format);
  }
  return py::cast(std::make_unique<Vectors>(std::move(v), path));
}

void bind_vectors(py::module_& m) {
  py::class_<Vectors>(m, "Vectors", R"(Word vectors (`rnnkit embed train`, or any word2vec file),
with the methods of gensim's KeyedVectors.)")
      .def_readonly("path", &Vectors::path, "The file they were read from.")
      .def_property_readonly(
          "vectors",
          [](py::object self) {
            const auto& s = self.cast<const Vectors&>();
            auto a = float_view(
                s.wv.vectors.data<float>(),
                {static_cast<py::ssize_t>(s.wv.words.size()), static_cast<py::ssize_t>(s.wv.dim())},
                self);
            a.attr("setflags")(py::arg("write") = false);
            return a;
          },
          "The matrix [words, dim] as a read-only NumPy view (no copy), rows in index_to_key's "
          "order.")
      .def_property_readonly(
          "vector_size", [](const Vectors& s) { return s.wv.dim(); }, "The dimension.")
      .def_property_readonly(
          "index_to_key",
          [](Vectors& s) {
            if (!s.index_to_key) s.index_to_key = py::cast(s.wv.words);
            return s.index_to_key;
          },
          "The words, most frequent first (a list, made once).")
      .def_property_readonly(
          "key_to_index",
          [](Vectors& s) {
            if (!s.key_to_index) {
              py::dict d;
              for (std::size_t i = 0; i < s.wv.words.size(); ++i) d[py::str(s.wv.words[i])] = i;
              s.key_to_index = d;
            }
            return s.key_to_index;
          },
          "word -> row index (a dict, made once).")
      .def("__len__", [](const Vectors& s) { return s.wv.words.size(); })
      .def("__contains__",
           [](const Vectors& s, const std::string& w) { return s.index.id(w) >= 0; })
      .def(
          "__getitem__",
          [](py::object self, const py::object& key) -> py::object {
            const auto& s = self.cast<const Vectors&>();
            if (py::isinstance<py::str>(key)) return s.row(s.id(key.cast<std::string>()), self);
            if (key.is_none()) throw py::type_error("expected a word or a list of words, got None");
            py::list rows;
            for (const auto& w : words_arg(key)) rows.append(s.row(s.id(w), self));
            auto np = py::module_::import("numpy");
            if (rows.empty())
              return np.attr("zeros")(py::make_tuple(0, s.wv.dim()), np.attr("float32"));
            return np.attr("stack")(rows);
          },
          "The vector of a word (a read-only view), or of a list of words (a new array [n, dim]).")
      .def(
          "get_index", [](const Vectors& s, const std::string& w) { return s.id(w); },
          py::arg("key"), "The row of a word (KeyError when absent).")
      .def(
          "most_similar",
          [](const Vectors& s, const py::object& positive, const py::object& negative,
             std::int64_t topn) {
            auto pos = words_arg(positive), neg = words_arg(negative);
            if (pos.empty() && neg.empty()) throw py::value_error("most_similar: no query words");
            RNNKIT_CHECK(topn >= 1, "topn must be at least 1, got {}", topn);
            for (const auto& w : pos) s.id(w);
            for (const auto& w : neg) s.id(w);
            py::gil_scoped_release nogil;
            return s.index.most_similar(pos, neg, topn);
          },
          py::arg("positive") = py::none(), py::arg("negative") = py::none(), py::arg("topn") = 10,
          R"(The topn words nearest by cosine to the mean of the positive words' unit
vectors minus the negative ones' (3CosAdd), the query words left out:
[(word, cosine), ...], as `rnnkit embed similar` and gensim.)")
      .def(
          "similarity",
          [](const Vectors& s, const std::string& a, const std::string& b) {
            return s.index.similarity(s.id(a), s.id(b));
          },
          py::arg("w1"), py::arg("w2"), "The cosine of two words' vectors.")
      .def(
          "doesnt_match",
          [](const Vectors& s, const std::vector<std::string>& words) {
            for (const auto& w : words) s.id(w);  // KeyError, as gensim
            return s.index.doesnt_match(words);
          },
          py::arg("words"),
          "The word farthest (by cosine) from the mean of the words' unit vectors, as gensim.")
      .def(
          "evaluate_word_analogies",
          [](const Vectors& s, const py::object& analogies, std::int64_t restrict_vocab,
             const std::string& method) {
            const std::string path = path_arg(analogies);
            RNNKIT_CHECK(method == "add" || method == "mul", "method is 'add' or 'mul', got '{}'",
                         method);
            eval::AnalogyResult r;
            {
              py::gil_scoped_release nogil;
              eval::VectorIndex index(s.wv, restrict_vocab);
              r = eval::evaluate_analogy(
                  index, path,
                  method == "add" ? eval::AnalogyMethod::kAdd : eval::AnalogyMethod::kMul);
            }
            py::list sections;
            auto add = [&](const eval::AnalogySection& sec) {
              py::dict d;
              d["section"] = sec.name;
              d["correct"] = sec.correct;
              d["incorrect"] = sec.covered - sec.correct;
              d["questions"] = sec.questions;
              sections.append(d);
            };
            for (const auto& sec : r.sections) add(sec);
            add(r.semantic);
            add(r.syntactic);
            add(r.total);
            return py::make_tuple(r.accuracy(), sections);
          },
          py::arg("analogies"), py::arg("restrict_vocab") = 30000, py::arg("method") = "add",
          R"(Accuracy on an analogy file (Mikolov's questions-words.txt format) among
the restrict_vocab most frequent words, as `rnnkit embed eval --analogy`
(whose --restrict default, 30000, is the default here): (accuracy over the
covered questions, [{'section', 'correct', 'incorrect', 'questions'}, ...]) with
counts where gensim lists the questions; 'total' last.)")
      .def(
          "save_word2vec_format",
          [](const Vectors& s, const py::object& path, bool binary) {
            const std::string p = path_arg(path);
            py::gil_scoped_release nogil;
            io::save_vectors(p, s.wv, binary ? io::VectorFormat::kBinary : io::VectorFormat::kText);
          },
          py::arg("fname"), py::arg("binary") = false,
          "Writes word2vec's text format (binary=True: its binary format), written atomically.")
      .def_static(
          "load_word2vec_format",
          [](const py::object& path, std::optional<bool> binary) {
            const std::string p = path_arg(path);
            return load_vectors_object(
                p, !binary ? io::vector_format_for(p)
                           : (*binary ? io::VectorFormat::kBinary : io::VectorFormat::kText));
          },
          py::arg("fname"), py::arg("binary") = py::none(),
          "Reads word2vec's text or binary format (binary=None: from the file's extension, .bin "
          "binary).")
      .def("__repr__", [](const Vectors& s) {
        return "<rnnkit.Vectors " + s.path + ": " + std::to_string(s.wv.words.size()) +
               " words, dim " + std::to_string(s.wv.dim()) + ">";
      });
}

}  // namespace rnnkit::python

// The Python module `rnnkit._rnnkit`: one bind_* per file, called by module.cc.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "rnnkit/io/vectors_file.h"

namespace rnnkit::python {

namespace py = pybind11;

void bind_tensor(py::module_& m);
void bind_models(py::module_& m);
void bind_vectors(py::module_& m);
void bind_training(py::module_& m);

// Word vectors from a file in `format`, as an rnnkit.Vectors.
py::object load_vectors_object(const std::string& path, io::VectorFormat format);

// "a sentence" or ["a", "list"] as a list (`single` says which it was).
std::vector<std::string> sentences_arg(const py::object& arg, bool& single);
// A str or an os.PathLike as a path.
std::string path_arg(const py::object& path);
// An os.PathLike, a str naming an existing file or folder, or one word with a
// '/' or an extension (a mistyped path is an error, not text): a path; any
// other str: text. Another type: TypeError.
bool is_path(const py::object& arg);
// A NumPy array over `data` (held by `owner`) without a copy.
py::array_t<float> float_view(const float* data, std::vector<py::ssize_t> shape,
                              const py::object& owner);
// A copy of `values` as an array of `shape`.
py::array_t<float> float_array(const std::vector<float>& values, std::vector<py::ssize_t> shape);

}  // namespace rnnkit::python

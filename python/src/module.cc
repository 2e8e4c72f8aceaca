// rnnkit._rnnkit: exceptions, threads, tensors and the model classes. The
// package's __init__.py re-exports it with rnnkit.load.
#include <omp.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <csignal>
#include <cstring>

#include "bindings.h"
#include "cli/common.h"
#include "cli/usage.h"
#include "rnnkit/core/build_info.h"
#include "rnnkit/core/error.h"
#include "rnnkit/core/parallel.h"
#include "rnnkit/ops/blas_info.h"

namespace rnnkit::python {

std::vector<std::string> sentences_arg(const py::object& arg, bool& single) {
  single = py::isinstance<py::str>(arg);
  if (single) return {arg.cast<std::string>()};
  if (py::isinstance<py::bytes>(arg))
    throw py::type_error("expected a str or a list of str, got bytes (decode it first)");
  try {
    return arg.cast<std::vector<std::string>>();
  } catch (const py::cast_error&) {
    throw py::type_error("expected a str or a list of str, got " +
                         py::str(py::type::of(arg).attr("__name__")).cast<std::string>());
  }
}

std::string path_arg(const py::object& path) {
  // As the OS spells it (os.fsencode): a name need not be UTF-8.
  auto os = py::module_::import("os");
  const std::string p = os.attr("fsencode")(os.attr("fspath")(path)).cast<std::string>();
  if (p.find('\0') != std::string::npos) throw py::value_error("embedded null character in path");
  return p;
}

bool is_path(const py::object& arg) {
  if (!py::isinstance<py::str>(arg)) {
    if (py::hasattr(arg, "__fspath__")) return true;
    throw py::type_error("expected a str (text or a path) or an os.PathLike, got " +
                         py::str(py::type::of(arg).attr("__name__")).cast<std::string>());
  }
  if (py::module_::import("os").attr("path").attr("exists")(arg).cast<bool>()) return true;
  // One word with a folder or an extension names a file, present or not: a
  // mistyped path gets an error, not the score of its name.
  const std::string s = arg.cast<std::string>();
  if (s.empty() || s.find_first_of(" \t\n") != std::string::npos) return false;
  const auto dot = s.rfind('.');
  return s.find('/') != std::string::npos ||
         (dot != std::string::npos && dot > 0 && dot + 1 < s.size() &&
          std::isalpha(static_cast<unsigned char>(s[dot + 1])));
}

py::array_t<float> float_view(const float* data, std::vector<py::ssize_t> shape,
                              const py::object& owner) {
  return py::array_t<float>(shape, data, owner);  // a base object: no copy
}

py::array_t<float> float_array(const std::vector<float>& values, std::vector<py::ssize_t> shape) {
  py::array_t<float> a(shape);
  std::copy(values.begin(), values.end(), a.mutable_data());
  return a;
}

}  // namespace rnnkit::python

namespace py = pybind11;
using namespace rnnkit;

namespace {

// Messages quote file contents, which need not be UTF-8: undecodable bytes
// are kept as \xNN escapes instead of losing the whole message.
void set_error(PyObject* type, const char* what) {
  PyObject* message =
      PyUnicode_DecodeUTF8(what, static_cast<Py_ssize_t>(std::strlen(what)), "backslashreplace");
  PyErr_SetObject(type, message);
  Py_XDECREF(message);
}

}  // namespace

PYBIND11_MODULE(_rnnkit, m) {
  m.doc() = "rnnkit's compiled core: use it through the rnnkit package";
  // Bad files are OSErrors (as open() raises), bad arguments ValueErrors,
  // with the command line's messages.
  // Never freed: static objects would be destroyed after the interpreter.
  static auto* format_error = new py::exception<FormatError>(m, "FormatError", PyExc_OSError);
  static auto* error = new py::exception<Error>(m, "Error", PyExc_RuntimeError);
  static auto* numerical_error =
      new py::exception<NumericalError>(m, "NumericalError", PyExc_ArithmeticError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const FormatError& e) {
      set_error(format_error->ptr(), e.what());
    } catch (const InvalidArgument& e) {
      set_error(PyExc_ValueError, e.what());
    } catch (const NumericalError& e) {
      set_error(numerical_error->ptr(), e.what());
    } catch (const Error& e) {
      set_error(error->ptr(), e.what());
    } catch (const cli::UsageError& e) {
      set_error(PyExc_ValueError, e.what());
    } catch (const CLI::ParseError& e) {
      set_error(PyExc_ValueError, e.what());
    } catch (const py::cast_error& e) {  // an argument of the wrong type
      set_error(PyExc_TypeError, e.what());
    } catch (const cli::ExitCode& e) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.code == 128 + SIGTERM
                                                   ? "training stopped by SIGTERM"
                                                   : "training stopped; its checkpoint is kept");
    }
  });

  m.attr("__version__") = build_info().version;
  m.def(
      "set_threads", [](int n) { set_num_threads(n); }, py::arg("n"),
      "Threads for rnnkit's kernels and BLAS (0: all cores), as --threads.");
  m.def("threads", &num_threads, "Threads rnnkit's kernels and BLAS use.");
  m.def(
      "blas", [] { return ops::blas_info().describe(); },
      "The BLAS in use and its kernels, as `rnnkit info` says.");
  m.def(
      "_blas_environment",
      [] {
        py::dict d;
        for (const auto& [k, v] : ops::blas_restart_environment()) d[py::str(k)] = v;
        return d;
      },
      "Variables that would give OpenBLAS faster kernels in a new process (the package sets them "
      "before loading this module).");
  m.def(
      "_blas_self_test", [] { return ops::blas_info().self_test_passed; },
      "Whether this process's BLAS computes right (the library's self-test).");

  rnnkit::python::bind_tensor(m);
  rnnkit::python::bind_models(m);
  rnnkit::python::bind_vectors(m);
  rnnkit::python::bind_training(m);
}

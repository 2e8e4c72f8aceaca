// rnnkit.Tensor <-> NumPy through the buffer protocol, without copying (CPU,
// float32 and int32, C-contiguous).
#include "rnnkit/core/tensor.h"

#include <memory>

#include "bindings.h"

namespace rnnkit::python {

namespace {

std::vector<py::ssize_t> strides_of(const Shape& shape, py::ssize_t item) {
  std::vector<py::ssize_t> s(shape.size());
  py::ssize_t stride = item;
  for (std::size_t i = shape.size(); i-- > 0;) {
    s[i] = stride;
    stride *= static_cast<py::ssize_t>(shape[i]);
  }
  return s;
}

Tensor from_buffer(const py::buffer& b) {
  // Writable: the library writes through tensors. Held until the tensor goes,
  // so that the exporter cannot resize or free the memory under it.
  std::unique_ptr<py::buffer_info> info;
  try {
    info = std::make_unique<py::buffer_info>(b.request(/*writable=*/true));
  } catch (const py::error_already_set& e) {
    if (!e.matches(PyExc_BufferError) && !e.matches(PyExc_ValueError)) throw;
    throw py::value_error(
        "rnnkit.Tensor needs a writable buffer (this one is read-only: pass a copy)");
  }
  DType dtype;
  if (info->format == py::format_descriptor<float>::format())
    dtype = DType::kFloat32;
  else if (info->itemsize == 4 && (info->format == "i" || info->format == "l"))
    dtype = DType::kInt32;
  else
    throw py::type_error("rnnkit.Tensor holds float32 or int32, got buffer format '" +
                         info->format + "' (convert with .astype(numpy.float32))");
  Shape shape(info->shape.begin(), info->shape.end());
  if (info->strides != strides_of(shape, info->itemsize))
    throw py::value_error("rnnkit.Tensor needs a C-contiguous array (use numpy.ascontiguousarray)");
  void* data = info->ptr;
  // Releasing the buffer needs the GIL.
  return Tensor::from_external(data, shape, dtype, [held = info.release()] {
    py::gil_scoped_acquire gil;
    delete held;
  });
}

}  // namespace

void bind_tensor(py::module_& m) {
  py::class_<Tensor>(m, "Tensor", py::buffer_protocol(), R"(A dense row-major CPU tensor.

Tensor(array) wraps a C-contiguous float32 or int32 NumPy array (or any
buffer) without copying; numpy.asarray(tensor) views a tensor without copying.)")
      .def(py::init(&from_buffer), py::arg("array"))
      .def_buffer([](const Tensor& t) -> py::buffer_info {
        if (!t.defined()) throw py::value_error("an undefined tensor has no data");
        if (t.device() != kCPU)
          throw py::value_error("a tensor on " + t.device().str() +
                                " has no CPU buffer: copy it to the CPU first");
        const bool f32 = t.dtype() == DType::kFloat32;
        if (!f32 && t.dtype() != DType::kInt32)
          throw py::type_error("only float32 and int32 tensors convert to NumPy");
        const py::ssize_t item = 4;
        std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end());
        return py::buffer_info(t.raw(), item,
                               f32 ? py::format_descriptor<float>::format()
                                   : py::format_descriptor<std::int32_t>::format(),
                               t.dim(), shape, strides_of(t.shape(), item));
      })
      .def_property_readonly(
          "shape", [](const Tensor& t) { return py::tuple(py::cast(t.shape())); },
          "The sizes of the dimensions.")
      .def_property_readonly(
          "dtype",
          [](const Tensor& t) { return t.dtype() == DType::kFloat32 ? "float32" : "int32"; },
          "'float32' or 'int32'.")
      .def(
          "numpy",
          [](py::object self) { return py::module_::import("numpy").attr("asarray")(self); },
          "A NumPy view of the tensor (no copy).")
      .def("__repr__", [](const Tensor& t) {
        return "rnnkit.Tensor(shape=" + shape_str(t.shape()) +
               ", dtype=" + (t.dtype() == DType::kFloat32 ? "float32" : "int32") + ")";
      });
}

}  // namespace rnnkit::python

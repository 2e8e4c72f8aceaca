// Typed exceptions: messages carry the numbers (shapes, indices, file, offset).
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace rnnkit {

// Base of every error the library throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A caller passed something inconsistent: shapes, ranges, options.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// A file is missing, unreadable, malformed, truncated or of the wrong version.
class FormatError : public Error {
 public:
  using Error::Error;
};

// Numerical failure during training (non-finite loss).
class NumericalError : public Error {
 public:
  using Error::Error;
};

}  // namespace rnnkit

#define RNNKIT_CHECK(cond, ...)                                          \
  do {                                                                   \
    if (!(cond)) throw ::rnnkit::InvalidArgument(fmt::format(__VA_ARGS__)); \
  } while (0)

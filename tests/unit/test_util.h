// Helpers for the unit tests: tensor comparison and finite-difference checks.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "rnnkit/autograd/functions.h"

namespace rnnkit::testing {

inline Tensor random_tensor(const Shape& shape, std::uint64_t seed, float lo = -1.0f,
                            float hi = 1.0f) {
  Tensor t = Tensor::empty(shape);
  Generator g(seed, 77);
  ops::uniform_(t, g, 0, lo, hi);
  return t;
}

// |a - b| <= atol + rtol |b| everywhere; reports the worst element.
inline ::testing::AssertionResult all_close(const Tensor& a, const Tensor& b, float atol,
                                            float rtol) {
  if (a.numel() != b.numel())
    return ::testing::AssertionFailure()
           << "sizes differ: " << shape_str(a.shape()) << " vs " << shape_str(b.shape());
  auto x = a.to_vector(), y = b.to_vector();
  double worst = 0;
  std::size_t at = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    double excess = std::abs(x[i] - y[i]) - (atol + rtol * std::abs(y[i]));
    if (!(excess <= worst)) {
      worst = std::isnan(excess) ? INFINITY : excess;
      at = i;
    }
  }
  if (worst > 0)
    return ::testing::AssertionFailure() << "element " << at << ": " << x[at] << " vs " << y[at]
                                         << " (atol " << atol << ", rtol " << rtol << ")";
  return ::testing::AssertionSuccess();
}

// Checks the gradients of `loss(inputs)` (a one-element Var) with respect to
// every input that requires grad, by central differences on up to `probes`
// elements per input.
inline void gradcheck(std::vector<Var> inputs, const std::function<Var(std::vector<Var>&)>& loss,
                      float eps = 1e-2f, float atol = 2e-3f, float rtol = 2e-2f, int probes = 24) {
  Tape::current().clear();
  Var l = loss(inputs);
  Tape::current().backward(l);
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    Var& in = inputs[k];
    if (!in.requires_grad()) continue;
    ASSERT_TRUE(in.has_grad()) << "input " << k << " received no gradient";
    std::vector<float> analytic = in.grad().to_vector();
    std::int64_t n = in.value().numel();
    std::int64_t stride = std::max<std::int64_t>(1, n / probes);
    for (std::int64_t i = 0; i < n; i += stride) {
      float* p = in.value().data() + i;
      float orig = *p;
      float plus, minus;
      {
        NoGradGuard ng;
        *p = orig + eps;
        plus = loss(inputs).value().item();
        *p = orig - eps;
        minus = loss(inputs).value().item();
        *p = orig;
      }
      float numeric = (plus - minus) / (2 * eps);
      EXPECT_NEAR(analytic[static_cast<std::size_t>(i)], numeric, atol + rtol * std::abs(numeric))
          << "input " << k << " element " << i;
    }
  }
}

// A fixed random projection to a scalar, so every output element matters.
inline Var project(const Var& y, std::uint64_t seed) {
  Var w(random_tensor(y.shape(), seed));
  return fn::sum(fn::mul(y, w));
}

// Pairs of strings of 3-7 letters and their reversals.
inline void write_reverse_pairs(const std::string& path, int n, std::uint64_t seed) {
  PhiloxStream g(seed, 0);
  std::ofstream f(path);
  for (int i = 0; i < n; ++i) {
    std::string s;
    std::uint32_t len = 3 + g.below(5);
    for (std::uint32_t k = 0; k < len; ++k) s += static_cast<char>('a' + g.below(8));
    f << s << '\t' << std::string(s.rbegin(), s.rend()) << '\n';
  }
}

// fastText-format sentences of 3-10 words w0..w9. Single-label: "yes" when
// w3 occurs, else "no". Several labels: "three" for w3, "five" for w5,
// "neither" when both are missing.
inline void write_labeled(const std::string& path, int n, std::uint64_t seed, bool several) {
  PhiloxStream g(seed, 0);
  std::ofstream f(path);
  for (int i = 0; i < n; ++i) {
    std::uint32_t len = 3 + g.below(8);
    std::string text;
    bool three = false, five = false;
    for (std::uint32_t k = 0; k < len; ++k) {
      const std::uint32_t w = g.below(10);
      three = three || w == 3;
      five = five || w == 5;
      text += (k ? " w" : "w") + std::to_string(w);
    }
    if (several) {
      if (three) f << "__label__three ";
      if (five) f << "__label__five ";
      if (!three && !five) f << "__label__neither ";
    } else {
      f << (three ? "__label__yes " : "__label__no ");
    }
    f << text << '\n';
  }
}

// A CSV of two series over n rows: a noisy sine of period 25 on a rising
// trend, and a noisy cosine of period 40.
inline void write_noisy_series(const std::string& path, int n, std::uint64_t seed) {
  Generator g(seed, 3);
  Tensor noise = Tensor::empty({2 * n});
  ops::uniform_(noise, g, 0, -0.2f, 0.2f);
  const auto e = noise.to_vector();
  std::ofstream f(path);
  f << "time,wave,slow\n";
  for (int i = 0; i < n; ++i)
    f << i << "," << 10 + 0.01 * i + std::sin(2 * M_PI * i / 25.0) + e[2 * i] << ","
      << std::cos(2 * M_PI * i / 40.0) + e[2 * i + 1] << "\n";
}

}  // namespace rnnkit::testing

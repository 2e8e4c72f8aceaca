#include "rnnkit/text/toy_tasks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "rnnkit/core/error.h"
#include "rnnkit/core/rng.h"
#include "rnnkit/core/rng_streams.h"

namespace rnnkit::text {

ParallelText generate_addition(std::int64_t n, std::uint64_t seed) {
  RNNKIT_CHECK(n > 0, "--n must be positive, got {}", n);
  PhiloxStream g(seed, stream_id(RngStream::kAdditionTask));
  ParallelText t;
  for (std::int64_t i = 0; i < n; ++i) {
    // As the book: each operand has 1 to 3 digits, lengths uniform.
    auto operand = [&] {
      std::uint32_t digits = 1 + g.below(3);
      std::uint32_t hi = digits == 1 ? 10 : digits == 2 ? 90 : 900, lo = digits == 1 ? 0 : digits == 2 ? 10 : 100;
      return lo + g.below(hi);
    };
    std::uint32_t a = operand(), b = operand();
    t.source.push_back(fmt::format("{}+{}", a, b));
    t.target.push_back(std::to_string(a + b));
  }
  return t;
}

namespace {
const char* kMonths[] = {"january", "february", "march",     "april",   "may",      "june",
                         "july",    "august",   "september", "october", "november", "december"};
const char* kDays[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in(int y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : d[m - 1];
}
// 0 = Monday (Zeller's congruence, shifted).
int weekday(int y, int m, int d) {
  if (m < 3) m += 12, y -= 1;
  int k = y % 100, j = y / 100;
  int h = (d + 13 * (m + 1) / 5 + k + k / 4 + j / 4 + 5 * j) % 7;  // 0 = Saturday
  return (h + 5) % 7;
}
std::string cased(std::string s, std::uint32_t style) {  // lower, Title or UPPER
  if (style == 1 && !s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  if (style == 2) std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}
}  // namespace

ParallelText generate_dates(std::int64_t n, std::uint64_t seed) {
  RNNKIT_CHECK(n > 0, "--n must be positive, got {}", n);
  PhiloxStream g(seed, stream_id(RngStream::kDateTask));
  ParallelText t;
  for (std::int64_t i = 0; i < n; ++i) {
    int y = 1970 + static_cast<int>(g.below(60)), m = 1 + static_cast<int>(g.below(12));
    int d = 1 + static_cast<int>(g.below(static_cast<std::uint32_t>(days_in(y, m))));
    std::uint32_t style = g.below(3);
    std::string month = cased(kMonths[m - 1], style), mon = month.substr(0, 3);
    std::string day = cased(kDays[weekday(y, m, d)], style);
    std::string s;
    switch (g.below(10)) {
      case 0: s = fmt::format("{} {}, {}", month, d, y); break;
      case 1: s = fmt::format("{} {}, {}", mon, d, y); break;
      case 2: s = fmt::format("{}/{}/{:02}", m, d, y % 100); break;
      case 3: s = fmt::format("{}, {} {}, {}", day, month, d, y); break;
      case 4: s = fmt::format("{} {} {}", d, month, y); break;
      case 5: s = fmt::format("{} {} {}", d, mon, y); break;
      case 6: s = fmt::format("{:02}/{:02}/{}", m, d, y); break;
      case 7: s = fmt::format("{}, {} {} {}", day, d, month, y); break;
      case 8: s = fmt::format("{}.{}.{}", d, m, y); break;
      default: s = fmt::format("{} {}", month, d) + fmt::format(" {}", y); break;
    }
    t.source.push_back(s);
    t.target.push_back(fmt::format("{:04}-{:02}-{:02}", y, m, d));
  }
  return t;
}

}  // namespace rnnkit::text

#include "rnnkit/core/cpu_info.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <fstream>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define RNNKIT_X86 1
#endif

namespace rnnkit {
namespace {

std::string trim(std::string s) {
  auto keep = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), keep));
  s.erase(std::find_if(s.rbegin(), s.rend(), keep).base(), s.end());
  return s;
}

// The kernel's "model name" line, for CPUs whose CPUID has no brand string.
std::string proc_model_name() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0 || line.rfind("Model", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return trim(line.substr(colon + 1));
    }
  return "";
}

#ifdef RNNKIT_X86
// XCR0: which register states the OS saves on a context switch. An instruction
// set whose registers it does not save is unusable even when CPUID lists it.
std::uint64_t xcr0() {
  std::uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<std::uint64_t>(hi) << 32) | lo;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return f;
  const unsigned max_leaf = a;
  char vendor[13] = {};
  std::memcpy(vendor, &b, 4);
  std::memcpy(vendor + 4, &d, 4);
  std::memcpy(vendor + 8, &c, 4);
  f.vendor = vendor;

  __get_cpuid(1, &a, &b, &c, &d);
  const int base_family = static_cast<int>((a >> 8) & 0xf);
  const int base_model = static_cast<int>((a >> 4) & 0xf);
  f.family = base_family == 0xf ? base_family + static_cast<int>((a >> 20) & 0xff) : base_family;
  f.model = base_family == 0x6 || base_family == 0xf
                ? base_model + (static_cast<int>((a >> 16) & 0xf) << 4)
                : base_model;
  f.sse3 = (c & (1u << 0)) != 0;
  const bool osxsave = (c & (1u << 27)) != 0;
  const std::uint64_t xcr = osxsave ? xcr0() : 0;
  const bool ymm = (xcr & 0x6) == 0x6;    // SSE and AVX state
  const bool zmm = (xcr & 0xe6) == 0xe6;  // + opmask and the upper ZMM registers
  f.avx = ymm && (c & (1u << 28)) != 0;
  f.fma = ymm && (c & (1u << 12)) != 0;
  if (max_leaf >= 7) {
    __get_cpuid_count(7, 0, &a, &b, &c, &d);
    f.avx2 = ymm && (b & (1u << 5)) != 0;
    f.avx512f = zmm && (b & (1u << 16)) != 0;
    f.avx512dq = zmm && (b & (1u << 17)) != 0;
    f.avx512bw = zmm && (b & (1u << 30)) != 0;
    f.avx512vl = zmm && (b & (1u << 31)) != 0;
  }

  __get_cpuid(0x80000000, &a, &b, &c, &d);
  if (a >= 0x80000004) {
    char brand[49] = {};
    for (unsigned leaf = 0; leaf < 3; ++leaf) {
      unsigned r[4];
      __get_cpuid(0x80000002 + leaf, &r[0], &r[1], &r[2], &r[3]);
      std::memcpy(brand + 16 * leaf, r, 16);
    }
    f.model_name = trim(brand);
  }
  if (f.model_name.empty()) f.model_name = proc_model_name();
  return f;
}
#else
CpuFeatures detect() {
  CpuFeatures f;
  f.model_name = proc_model_name();
  return f;
}
#endif

}  // namespace

std::string CpuFeatures::list() const {
  std::string out;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!out.empty()) out += ' ';
    out += name;
  };
  add(sse3, "sse3");
  add(avx, "avx");
  add(avx2, "avx2");
  add(fma, "fma");
  add(avx512f, "avx512f");
  add(avx512bw, "avx512bw");
  add(avx512dq, "avx512dq");
  add(avx512vl, "avx512vl");
  return out;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

}  // namespace rnnkit

#include "rnnkit/io/vectors_file.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "rnnkit/text/corpus.h"

namespace rnnkit::io {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw FormatError(fmt::format("{}: {}", path, what));
}

// "V dim" on the first line.
std::pair<std::int64_t, std::int64_t> parse_header(const std::string& path, const std::string& data,
                                                   std::size_t& pos) {
  std::size_t nl = data.find('\n');
  if (nl == std::string::npos) fail(path, "no header line 'count dimension'");
  std::istringstream ss(data.substr(0, nl));
  std::int64_t v = -1, d = -1;
  std::string extra;
  if (!(ss >> v >> d) || (ss >> extra) || v <= 0 || d <= 0 || d > (1 << 20) || v > (std::int64_t{1} << 31))
    fail(path, fmt::format("line 1: expected 'count dimension' (two positive integers), got '{}'",
                           data.substr(0, std::min<std::size_t>(nl, 80))));
  pos = nl + 1;
  return {v, d};
}

// A NaN or infinite vector would rank first in every query.
void check_finite(const std::string& path, const models::WordVectors& v) {
  const float* p = v.vectors.data();
  const std::int64_t d = v.dim();
  for (std::int64_t i = 0; i < v.vectors.numel(); ++i)
    if (!std::isfinite(p[i]))
      fail(path, fmt::format("the vector of '{}' has a non-finite value ({})",
                             v.words[static_cast<std::size_t>(i / d)], p[i]));
}

void check_word(const std::string& path, const std::string& w, const std::string& where) {
  if (w.empty()) fail(path, fmt::format("{}: empty word", where));
  if (text::find_invalid_utf8(w) >= 0) fail(path, fmt::format("{}: word is not valid UTF-8", where));
}

}  // namespace

VectorFormat vector_format_for(const std::string& path) {
  if (ends_with(path, ".bin")) return VectorFormat::kBinary;
  if (ends_with(path, ".safetensors")) return VectorFormat::kSafetensors;
  return VectorFormat::kText;
}

VectorFormat parse_vector_format(const std::string& name) {
  if (name == "text" || name == "txt") return VectorFormat::kText;
  if (name == "bin" || name == "binary") return VectorFormat::kBinary;
  if (name == "safetensors") return VectorFormat::kSafetensors;
  throw InvalidArgument(
      fmt::format("unknown vector format '{}' (expected txt, bin or safetensors)", name));
}

void save_vectors(const std::string& path, const models::WordVectors& v, VectorFormat format,
                  const Metadata& extra) {
  const std::int64_t n = static_cast<std::int64_t>(v.words.size()), d = v.dim();
  RNNKIT_CHECK(v.vectors.size(0) == n, "vectors: {} words for {} rows", n, v.vectors.size(0));
  Tensor host = v.vectors.device() == kCPU ? v.vectors : v.vectors.to(kCPU);
  const float* p = host.data();
  if (format == VectorFormat::kSafetensors) {
    Metadata meta = {{"format", "rnnkit.vectors"},
                     {"format_version", "1"},
                     {"words", nlohmann::json(v.words).dump()}};
    if (!v.counts.empty()) meta["counts"] = nlohmann::json(v.counts).dump();
    meta.merge(Metadata(extra));
    save_safetensors(path, {{"vectors", host}}, meta);
    return;
  }
  std::string out = fmt::format("{} {}\n", n, d);
  out.reserve(static_cast<std::size_t>(n * d) * (format == VectorFormat::kBinary ? 4 : 12));
  for (std::int64_t w = 0; w < n; ++w) {
    const std::string& word = v.words[static_cast<std::size_t>(w)];
    RNNKIT_CHECK(word.find_first_of(" \t\n") == std::string::npos && !word.empty(),
                 "vectors: word '{}' cannot be written (empty or contains whitespace)", word);
    out += word;
    if (format == VectorFormat::kBinary) {
      out += ' ';
      out.append(reinterpret_cast<const char*>(p + w * d), static_cast<std::size_t>(d) * 4);
    } else {
      for (std::int64_t k = 0; k < d; ++k) {
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof(buf), p[w * d + k]);  // shortest round-trip form
        out += ' ';
        out.append(buf, r.ptr);
      }
    }
    out += '\n';
  }
  write_file_atomic(path, out);
}

models::WordVectors load_vectors(const std::string& path, VectorFormat format) {
  models::WordVectors v;
  if (format == VectorFormat::kSafetensors) {
    SafetensorsContents c = load_safetensors(path);
    auto it = c.metadata.find("format");
    if (it == c.metadata.end() || it->second != "rnnkit.vectors") fail(path, "not an rnnkit vectors file");
    const Tensor& t = c.at("vectors", path);
    if (t.dim() != 2 || t.dtype() != DType::kFloat32) fail(path, "'vectors' must be a 2-D F32 tensor");
    try {
      v.words = nlohmann::json::parse(c.metadata.at("words")).get<std::vector<std::string>>();
      if (c.metadata.count("counts"))
        v.counts = nlohmann::json::parse(c.metadata.at("counts")).get<std::vector<std::int64_t>>();
    } catch (const std::exception& e) {
      fail(path, fmt::format("words or counts metadata is malformed: {}", e.what()));
    }
    if (static_cast<std::int64_t>(v.words.size()) != t.size(0))
      fail(path, fmt::format("{} words for {} vectors", v.words.size(), t.size(0)));
    v.vectors = t;
    check_finite(path, v);
    return v;
  }
  std::string data = text::read_binary_file(path);
  std::size_t pos = 0;
  auto [n, d] = parse_header(path, data, pos);
  // The header is not trusted with memory: each vector takes at least 2 bytes per number in
  // text (a digit and a space) and 4 in binary, and each word 2 more.
  const std::uint64_t per_number = format == VectorFormat::kBinary ? 4 : 2;
  if (n > 0 && d > 0 &&
      static_cast<std::uint64_t>(n) >
          data.size() / (static_cast<std::uint64_t>(d) * per_number + 2))
    fail(path, fmt::format("truncated, or a wrong header: {} vectors of {} cannot fit in {} bytes",
                           n, d, data.size()));
  v.vectors = Tensor::empty({n, d});
  float* p = v.vectors.data();
  v.words.reserve(static_cast<std::size_t>(n));
  for (std::int64_t w = 0; w < n; ++w) {
    while (pos < data.size() && (data[pos] == '\n' || data[pos] == '\r')) ++pos;
    std::size_t sp = data.find(' ', pos);
    if (sp == std::string::npos || pos >= data.size())
      fail(path, fmt::format("truncated: header says {} words, found {}", n, w));
    std::string word = data.substr(pos, sp - pos);
    std::string where = format == VectorFormat::kBinary ? fmt::format("byte offset {}", pos)
                                                        : fmt::format("line {}", w + 2);
    if (word.find('\n') != std::string::npos)
      fail(path, fmt::format("{}: expected a word and {} numbers", where, d));
    check_word(path, word, where);
    pos = sp + 1;
    if (format == VectorFormat::kBinary) {
      std::size_t bytes = static_cast<std::size_t>(d) * 4;
      if (pos + bytes > data.size())
        fail(path, fmt::format("truncated at {}: word '{}' needs {} bytes of vector", where, word, bytes));
      std::memcpy(p + w * d, data.data() + pos, bytes);
      pos += bytes;
    } else {
      std::size_t eol = data.find('\n', pos);
      if (eol == std::string::npos) eol = data.size();
      const char* s = data.data() + pos;
      const char* e = data.data() + eol;
      for (std::int64_t k = 0; k < d; ++k) {
        while (s < e && (*s == ' ' || *s == '\t')) ++s;
        auto r = std::from_chars(s, e, p[w * d + k]);
        if (r.ec != std::errc())
          fail(path, fmt::format("{}: expected {} numbers after '{}', number {} is missing or "
                                 "malformed", where, d, word, k + 1));
        s = r.ptr;
      }
      while (s < e && (*s == ' ' || *s == '\t' || *s == '\r')) ++s;
      if (s != e) fail(path, fmt::format("{}: more than {} numbers", where, d));
      pos = eol;
    }
    v.words.push_back(std::move(word));
  }
  while (pos < data.size() && (data[pos] == '\n' || data[pos] == '\r' || data[pos] == ' ')) ++pos;
  if (pos != data.size()) fail(path, fmt::format("data after the {} words the header announced", n));
  check_finite(path, v);
  return v;
}

}  // namespace rnnkit::io

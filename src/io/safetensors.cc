#include "rnnkit/io/safetensors.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace rnnkit::io {
namespace {

// Larger headers are not written by any known writer and would be an attack.
constexpr std::uint64_t kMaxHeader = 100u << 20;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw FormatError(fmt::format("{}: {}", path, what));
}

// What a text file given where a safetensors file is expected seems to be.
std::string looks_like(const std::string& start) {
  if (start.rfind("\\data\\", 0) == 0 || start.find("\n\\data\\") != std::string::npos)
    return ": it looks like an ARPA n-gram model (use rnnkit ngram eval)";
  std::size_t a = 0;
  while (a < start.size() && std::isdigit(static_cast<unsigned char>(start[a]))) ++a;
  if (a > 0 && a < start.size() && start[a] == ' ') {
    std::size_t b = a + 1;
    while (b < start.size() && std::isdigit(static_cast<unsigned char>(start[b]))) ++b;
    if (b > a + 1 && b < start.size() && (start[b] == '\n' || start[b] == '\r'))
      return ": it looks like word2vec vectors (use rnnkit embed ... --model)";
  }
  const bool text = std::all_of(start.begin(), start.end(), [](char c) {
    return c == '\n' || c == '\r' || c == '\t' || static_cast<unsigned char>(c) >= 0x20;
  });
  return text ? ": it is a text file, not a model" : "";
}

}  // namespace

const Tensor* SafetensorsContents::find(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return &t;
  return nullptr;
}

const Tensor& SafetensorsContents::at(const std::string& name, const std::string& path) const {
  const Tensor* t = find(name);
  if (!t) fail(path, fmt::format("tensor '{}' is missing", name));
  return *t;
}

bool is_dead_temporary(const std::string& path) {
  const auto at = path.rfind(".tmp.");
  if (at == std::string::npos) return false;
  const std::string digits = path.substr(at + 5);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return false;
  const long pid = std::strtol(digits.c_str(), nullptr, 10);
  return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
  // Earlier writers of this path killed mid-write left their temporaries: remove them.
  {
    std::error_code ec;
    const std::filesystem::path target(path);
    const std::filesystem::path folder =
        target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    const std::string prefix = target.filename().string() + ".tmp.";
    for (const auto& e : std::filesystem::directory_iterator(folder, ec))
      if (e.path().filename().string().rfind(prefix, 0) == 0 &&
          is_dead_temporary(e.path().string()))
        std::filesystem::remove(e.path(), ec);
  }
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw Error(fmt::format("{}: cannot create: {}", path, std::strerror(errno)));
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw Error(fmt::format("{}: write failed: {}", path, std::strerror(e)));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw Error(fmt::format("{}: fsync failed: {}", path, std::strerror(e)));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw Error(fmt::format("{}: rename failed: {}", path, std::strerror(e)));
  }
}

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const Metadata& metadata) {
  nlohmann::ordered_json header;
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    RNNKIT_CHECK(name != "__metadata__" && !header.contains(name), "safetensors: duplicate name '{}'",
                 name);
    header[name] = {{"dtype", dtype_name(t.dtype())},
                    {"shape", t.shape()},
                    {"data_offsets", {offset, offset + t.bytes()}}};
    offset += t.bytes();
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');  // data starts 8-byte aligned
  std::string bytes(8, '\0');
  std::uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<char>(n >> (8 * i));
  bytes += json;
  bytes.reserve(bytes.size() + offset);
  for (const auto& [name, t] : tensors) {
    Tensor host = t.device() == kCPU ? t : t.to(kCPU);
    bytes.append(static_cast<const char*>(host.raw()), host.bytes());
  }
  write_file_atomic(path, bytes);
}

namespace {

// The JSON header of an open safetensors file, checked, and where its data lie.
struct Header {
  nlohmann::json json;
  std::uint64_t data_start = 0, data_size = 0;
};
Header read_header(std::ifstream& in, const std::string& path) {
  in.seekg(0, std::ios::end);
  std::uint64_t size = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0);
  if (size < 8) fail(path, fmt::format("truncated: {} bytes, a safetensors file has at least 8", size));
  unsigned char len_bytes[8];
  in.read(reinterpret_cast<char*>(len_bytes), 8);
  std::uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = header_len << 8 | len_bytes[i];
  if (header_len > kMaxHeader || header_len > size - 8) {
    std::string start(static_cast<std::size_t>(std::min<std::uint64_t>(size, 256)), '\0');
    in.seekg(0);
    in.read(start.data(), static_cast<std::streamsize>(start.size()));
    const std::string hint = looks_like(start);
    if (!hint.empty()) fail(path, "not a safetensors file" + hint);
    fail(path, fmt::format("header length {} at byte 0 exceeds the file ({} bytes): not a "
                           "safetensors file, or truncated",
                           header_len, size));
  }
  std::string json(header_len, '\0');
  in.read(json.data(), static_cast<std::streamsize>(header_len));
  nlohmann::json header;
  std::string duplicate;  // JSON parsers keep the last of two equal keys: the format forbids them
  std::vector<std::string> keys;
  try {
    header = nlohmann::json::parse(
        json, [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
          if (event == nlohmann::json::parse_event_t::key && depth == 1 && parsed.is_string()) {
            const std::string& k = parsed.get_ref<const std::string&>();
            if (std::find(keys.begin(), keys.end(), k) != keys.end()) duplicate = k;
            keys.push_back(k);
          }
          return true;
        });
  } catch (const nlohmann::json::parse_error& e) {
    // The parser's message quotes the bytes, which may be binary: the position says enough.
    fail(path, fmt::format("the header is not valid JSON at byte {} of {} (a wrong header length, "
                           "or not a safetensors file)",
                           e.byte, json.size()));
  } catch (const nlohmann::json::exception& e) {
    fail(path, fmt::format("header is not valid JSON: {}", e.what()));
  }
  if (!duplicate.empty()) fail(path, fmt::format("the header names '{}' twice", duplicate));
  if (!header.is_object()) fail(path, "header is not a JSON object");
  return {std::move(header), 8 + header_len, size - 8 - header_len};
}

std::ifstream open_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(path, "is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, fmt::format("cannot open: {}", std::strerror(errno)));
  return in;
}

Metadata metadata_of(const nlohmann::json& header, const std::string& path) {
  Metadata out;
  auto it = header.find("__metadata__");
  if (it == header.end()) return out;
  if (!it->is_object()) fail(path, "__metadata__ is not an object");
  for (auto m = it->begin(); m != it->end(); ++m) {
    if (!m.value().is_string()) fail(path, fmt::format("metadata '{}' is not a string", m.key()));
    out[m.key()] = m.value().get<std::string>();
  }
  return out;
}

}  // namespace

Metadata read_safetensors_metadata(const std::string& path) {
  std::ifstream in = open_file(path);
  return metadata_of(read_header(in, path).json, path);
}

SafetensorsContents load_safetensors(const std::string& path) {
  std::ifstream in = open_file(path);
  const Header h = read_header(in, path);
  const nlohmann::json& header = h.json;
  const std::uint64_t data_start = h.data_start, data_size = h.data_size;

  SafetensorsContents out;
  out.metadata = metadata_of(header, path);
  struct Item {
    std::string name;
    DType dtype;
    Shape shape;
    std::uint64_t begin, end;
  };
  std::vector<Item> items;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const auto& v = it.value();
    if (name == "__metadata__") continue;
    try {
      Item item{name, DType::kFloat32, {}, 0, 0};
      std::string dt = v.at("dtype").get<std::string>();
      if (dt == "I32") item.dtype = DType::kInt32;
      else if (dt != "F32")
        fail(path, fmt::format("tensor '{}' has dtype {}; rnnkit reads F32 and I32", name, dt));
      item.shape = v.at("shape").get<Shape>();
      auto offs = v.at("data_offsets").get<std::vector<std::uint64_t>>();
      if (offs.size() != 2) fail(path, fmt::format("tensor '{}': data_offsets needs 2 values", name));
      item.begin = offs[0];
      item.end = offs[1];
      if (item.shape.size() > 8)
        fail(path, fmt::format("tensor '{}' has {} dimensions", name, item.shape.size()));
      // Overflow-safe: no element count beyond what the data could hold.
      std::uint64_t elements = 1;
      for (auto d : item.shape) {
        if (d < 0) fail(path, fmt::format("tensor '{}': negative dimension {}", name, d));
        if (d != 0 && elements > data_size / 4 / static_cast<std::uint64_t>(d))
          fail(path, fmt::format("truncated, or not a safetensors file: tensor '{}' of shape {} is "
                                 "larger than the file's data ({} bytes)",
                                 name, shape_str(item.shape), data_size));
        elements *= static_cast<std::uint64_t>(d);
      }
      std::uint64_t want = elements * 4;
      if (item.end < item.begin || item.end - item.begin != want)
        fail(path, fmt::format("tensor '{}' of shape {} needs {} bytes, offsets give [{}, {})", name,
                               shape_str(item.shape), want, item.begin, item.end));
      if (item.end > data_size)
        fail(path, fmt::format("truncated: tensor '{}' ends at data byte {}, the data has {} bytes",
                               name, item.end, data_size));
      items.push_back(std::move(item));
    } catch (const nlohmann::json::exception& e) {
      fail(path, fmt::format("tensor '{}': malformed entry: {}", name, e.what()));
    }
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.begin < b.begin; });
  // The tensors tile the data exactly: no gap, no overlap, nothing after them.
  std::uint64_t at = 0;
  for (const Item& item : items) {
    if (item.begin != at)
      fail(path, fmt::format("tensor '{}' starts at data byte {}, {} expected: {}", item.name,
                             item.begin, at, item.begin < at ? "tensors overlap" : "a gap"));
    at = item.end;
  }
  if (at != data_size)
    fail(path, fmt::format("{} bytes after the last tensor: a wrong header length, or not a "
                           "safetensors file",
                           data_size - at));
  for (const auto& item : items) {
    Tensor t = Tensor::empty(item.shape, kCPU, item.dtype);
    in.seekg(static_cast<std::streamoff>(data_start + item.begin));
    in.read(static_cast<char*>(t.raw()), static_cast<std::streamsize>(item.end - item.begin));
    if (!in) fail(path, fmt::format("read error in tensor '{}'", item.name));
    out.tensors.emplace_back(item.name, std::move(t));
  }
  return out;
}

}  // namespace rnnkit::io

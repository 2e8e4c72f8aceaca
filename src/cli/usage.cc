#include "cli/usage.h"

#include <fmt/format.h>

#include <algorithm>

namespace rnnkit::cli {
namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::vector<CLI::App*> subcommands(CLI::App* app) {
  return app->get_subcommands([](CLI::App*) { return true; });
}

const CLI::Option* find_option(CLI::App* app, const std::string& long_name) {
  for (const CLI::Option* o : app->get_options())
    for (const auto& n : o->get_lnames())
      if (n == long_name) return o;
  return nullptr;
}

std::string names_of(const std::vector<CLI::App*>& apps) {
  std::string out;
  for (const CLI::App* a : apps) out += (out.empty() ? "" : ", ") + a->get_name();
  return out;
}

}  // namespace

std::string closest(const std::string& word, const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& k : known) {
    const std::size_t d = edit_distance(word, k);
    if (d < best_d) best_d = d, best = k;
  }
  return best;
}

void check_usage(CLI::App& app, int argc, char** argv) {
  CLI::App* cur = &app;
  std::string path = "rnnkit";
  std::vector<std::string> seen;  // the options of `cur` given so far
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--") return;
    if (word.rfind("--", 0) == 0) {
      const std::string name = word.substr(2, word.find('=') - 2);
      const CLI::Option* opt = find_option(cur, name);
      if (opt == nullptr) {
        std::vector<std::string> known;  // the options --help shows, not the old aliases
        for (const CLI::Option* o : cur->get_options())
          if (!o->get_group().empty())
            for (const auto& n : o->get_lnames()) known.push_back(n);
        const std::string near = closest(name, known);
        throw UsageError(fmt::format("unknown option --{} for '{}'{}", name, path,
                                     near.empty() ? "" : fmt::format("; did you mean --{}?", near)),
                         path);
      }
      if (name == "help" || name == "version") return;
      if (opt->get_items_expected_max() <= 1 &&
          std::find(seen.begin(), seen.end(), name) != seen.end())
        throw UsageError(fmt::format("--{} is given twice", name), path);
      seen.push_back(name);
      if (word.find('=') != std::string::npos) continue;
      // Skip the option's values: one, or every word up to the next option.
      const int values = opt->get_items_expected_max();
      if (values == 1)
        ++i;
      else if (values > 1)
        while (i + 1 < argc && argv[i + 1][0] != '-') ++i;
      continue;
    }
    if (word.size() > 1 && word[0] == '-') continue;  // short options, negative numbers
    auto subs = subcommands(cur);
    auto it =
        std::find_if(subs.begin(), subs.end(), [&](CLI::App* s) { return s->get_name() == word; });
    if (it != subs.end()) {
      cur = *it;
      seen.clear();
      path += " " + word;
      continue;
    }
    if (!subs.empty() && cur->get_require_subcommand_min() > 0) {
      std::vector<std::string> known;
      for (const CLI::App* s : subs) known.push_back(s->get_name());
      const std::string near = closest(word, known);
      throw UsageError(fmt::format("unknown command '{}' for '{}'{} (commands: {})", word, path,
                                   near.empty() ? "" : fmt::format("; did you mean '{}'?", near),
                                   names_of(subs)),
                       path);
    }
  }
  if (cur->get_require_subcommand_min() > 0)
    throw UsageError(fmt::format("'{}' needs a command: {}", path, names_of(subcommands(cur))),
                     path);
}

}  // namespace rnnkit::cli

// rnnkit data addition|dates: the book's toy seq2seq tasks as tab-separated pairs.
#include <fmt/format.h>

#include <iostream>

#include "cli/common.h"
#include "rnnkit/io/safetensors.h"
#include "rnnkit/text/toy_tasks.h"

namespace rnnkit::cli {

void add_data(CLI::App& app) {
  auto* data = app.add_subcommand("data", "generate the book's toy seq2seq data sets");
  data->require_subcommand(1);
  for (const char* task : {"addition", "dates"}) {
    auto* cmd = data->add_subcommand(task, std::string(task) == "addition"
                                               ? "a+b -> sum, operands 0..999 (\"16+75\\t91\")"
                                               : "dates in human formats -> YYYY-MM-DD");
    struct Flags {
      std::int64_t n = 50000;
      std::uint64_t seed = 1;
      std::string out;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_option("--n", f->n, "number of pairs")->capture_default_str();
    cmd->add_option("--seed", f->seed, "random seed")->capture_default_str();
    cmd->add_option("--out", f->out, "output file (default: standard output)");
    std::string name = task;
    cmd->callback([f, name]() {
      auto t = name == "addition" ? text::generate_addition(f->n, f->seed) : text::generate_dates(f->n, f->seed);
      std::string text;
      for (std::size_t i = 0; i < t.size(); ++i) text += t.source[i] + "\t" + t.target[i] + "\n";
      if (f->out.empty()) std::cout << text;
      else io::write_file_atomic(f->out, text);
    });
  }
}

}  // namespace rnnkit::cli

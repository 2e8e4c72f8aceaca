// rnnkit embed export: convert between word2vec text, binary and safetensors.
#include <fmt/format.h>

#include "cli/common.h"
#include "rnnkit/io/vectors_file.h"

namespace rnnkit::cli {

void add_embed_export(CLI::App& embed) {
  auto* cmd = embed.add_subcommand("export", "convert a vectors file to another format");
  struct Flags {
    std::string in, out, in_format, out_format;
  };
  auto f = std::make_shared<Flags>();
  add_option_with_alias(cmd, "--model", "--vectors", f->in,
                        "the vectors to convert: a run directory of embed train, or a .txt, .bin "
                        "or .safetensors file");
  cmd->add_option("--out", f->out, "output file")->required();
  cmd->add_option("--from", f->in_format, "text | bin | safetensors (default: by extension)");
  cmd->add_option("--to", f->out_format, "text | bin | safetensors (default: by extension)");
  cmd->callback([f]() {
    RNNKIT_CHECK(!f->in.empty(), "--model is required (the vectors file to convert)");
    f->in = file_in_run(f->in, kVectorFiles);
    check_writable(f->out);
    auto from = f->in_format.empty() ? io::vector_format_for(f->in) : io::parse_vector_format(f->in_format);
    // Without --to the extension decides; one it does not know is a mistake, not text.
    const bool known = f->out.ends_with(".txt") || f->out.ends_with(".vec") ||
                       f->out.ends_with(".bin") || f->out.ends_with(".safetensors");
    RNNKIT_CHECK(
        known || !f->out_format.empty(),
        "--out {}: the extension names no format (.txt, .vec, .bin, .safetensors): give --to",
        f->out);
    auto to = f->out_format.empty() ? io::vector_format_for(f->out) : io::parse_vector_format(f->out_format);
    models::WordVectors v = io::load_vectors(f->in, from);
    io::save_vectors(f->out, v, to);
    info(fmt::format("wrote {} vectors of {} to {}", v.words.size(), v.dim(), f->out));
  });
}

}  // namespace rnnkit::cli

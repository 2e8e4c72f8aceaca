#include "rnnkit/models/word2vec.h"

#include <omp.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>

#include "ops/cpu/vmath.h"
#include "rnnkit/core/alias.h"
#include "rnnkit/core/error.h"
#include "rnnkit/core/parallel.h"
#include "rnnkit/core/rng_streams.h"
#include "rnnkit/text/huffman.h"

namespace rnnkit::models {

void Word2VecOptions::validate() const {
  RNNKIT_CHECK(arch == "skipgram" || arch == "cbow", "word2vec: unknown architecture '{}' "
               "(expected skipgram or cbow)", arch);
  RNNKIT_CHECK(loss == "ns" || loss == "hs", "word2vec: unknown loss '{}' (expected ns or hs)", loss);
  RNNKIT_CHECK(dim > 0 && window > 0 && epochs > 0, "word2vec: dim {}, window {} and epochs {} must "
               "be positive", dim, window, epochs);
  RNNKIT_CHECK(loss == "hs" || negative > 0, "word2vec: negative sampling needs --negative > 0");
  RNNKIT_CHECK(sample >= 0 && alpha >= 0, "word2vec: sample {} and alpha {} must not be negative",
               sample, alpha);
  RNNKIT_CHECK(threads >= 0 && threads <= kMaxThreads,
               "--threads {} outside [0, {}] (0: all cores)", threads, kMaxThreads);
}

namespace {

constexpr std::int64_t kMaxWindowInputs = 1 << 12;

// -log sigmoid(x) = log(1 + exp(-x)), stable for large |x|.
float neg_log_sigmoid(float x) { return x > 0 ? std::log1p(std::exp(-x)) : -x + std::log1p(std::exp(x)); }

// Four dot products a[q].b[q] at once: four independent FMA chains, and a
// shared operand is loaded once. Results go to out[q * out_stride].
inline void dot4(const float* const* a, const float* const* b, std::int64_t n, float* out,
                 std::int64_t out_stride) {
  const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3];
  const float *b0 = b[0], *b1 = b[1], *b2 = b[2], *b3 = b[3];
  float d0 = 0, d1 = 0, d2 = 0, d3 = 0;
#pragma omp simd reduction(+ : d0, d1, d2, d3)
  for (std::int64_t k = 0; k < n; ++k) {
    d0 += a0[k] * b0[k];
    d1 += a1[k] * b1[k];
    d2 += a2[k] * b2[k];
    d3 += a3[k] * b3[k];
  }
  out[0] = d0;
  out[out_stride] = d1;
  out[2 * out_stride] = d2;
  out[3 * out_stride] = d3;
}

// Scratch buffers of one thread, sized once.
struct Scratch {
  std::vector<float> scores, grads, d_in, mean, nodes, nodes_before;
  std::vector<float*> node_rows;
  std::vector<const float*> rows;
  void reserve(std::int64_t n_in, std::int64_t n_out, std::int64_t stride) {
    scores.resize(static_cast<std::size_t>(n_in * n_out));
    grads.resize(scores.size());
    d_in.resize(static_cast<std::size_t>(n_in * stride));
    mean.resize(static_cast<std::size_t>(stride));
    rows.resize(static_cast<std::size_t>(n_in));
  }
};

// The shared kernel: inputs (n_in rows, or their mean for CBOW) against
// outputs with 0/1 labels. All gradients come from the old values, then both
// sides are updated: exactly one SGD step on the summed logistic loss.
float window_update(bool cbow, const std::int32_t* inputs, std::int64_t n_in,
                    const std::int32_t* outputs, const float* labels, std::int64_t n_out, float* in,
                    float* out, std::int64_t stride, std::int64_t dim, float alpha, bool want_loss,
                    Scratch& s) {
  const std::int64_t rows_n = cbow ? 1 : n_in;
  // Rows are zero-padded to `stride` (a multiple of 16) and padding stays
  // zero, so loops run over whole vectors with no remainder.
  dim = stride;
  if (cbow) {
    float* m = s.mean.data();
    std::memset(m, 0, sizeof(float) * static_cast<std::size_t>(dim));
    for (std::int64_t i = 0; i < n_in; ++i) {
      const float* r = in + inputs[i] * stride;
#pragma omp simd
      for (std::int64_t k = 0; k < dim; ++k) m[k] += r[k];
    }
    float inv = 1.0f / static_cast<float>(n_in);
#pragma omp simd
    for (std::int64_t k = 0; k < dim; ++k) m[k] *= inv;
    s.rows[0] = m;
  } else {
    for (std::int64_t i = 0; i < n_in; ++i) s.rows[static_cast<std::size_t>(i)] = in + inputs[i] * stride;
  }
  // Scores, blocked four at a time (dot4).
  float* g = s.grads.data();
  std::int64_t o_start = 0;
  if (rows_n == 1) {  // CBOW: four outputs per load of the mean row
    const float* r = s.rows[0];
    for (; o_start + 4 <= n_out; o_start += 4) {
      const float* as[4] = {r, r, r, r};
      const float* bs[4];
      for (int q = 0; q < 4; ++q) bs[q] = out + outputs[o_start + q] * stride;
      dot4(as, bs, dim, g + o_start, 1);
    }
  }
  for (std::int64_t o = o_start; o < n_out; ++o) {
    const float* w = out + outputs[o] * stride;
    std::int64_t i = 0;
    for (; i + 4 <= rows_n; i += 4) {  // skip-gram: four context rows per load of w
      const float* bs[4] = {w, w, w, w};
      dot4(&s.rows[static_cast<std::size_t>(i)], bs, dim, g + i * n_out + o, n_out);
    }
    for (; i < rows_n; ++i) {
      const float* r = s.rows[static_cast<std::size_t>(i)];
      float d = 0;
#pragma omp simd reduction(+ : d)
      for (std::int64_t k = 0; k < dim; ++k) d += r[k] * w[k];
      g[i * n_out + o] = d;
    }
  }
  float loss = 0.0f;
  const std::int64_t n_scores = rows_n * n_out;
  if (want_loss)
    for (std::int64_t p = 0; p < n_scores; ++p)
      loss += neg_log_sigmoid(labels[p % n_out] > 0.5f ? g[p] : -g[p]);
  // Gradients of the logistic loss, vectorised over all scores.
  float* lab = s.scores.data();
  for (std::int64_t p = 0; p < n_scores; ++p) lab[p] = labels[p % n_out];
#pragma omp simd
  for (std::int64_t p = 0; p < n_scores; ++p) g[p] = (lab[p] - ops::cpu::fast_sigmoid(g[p])) * alpha;
  // d_in = g * Out (old outputs).
  float* d_in = s.d_in.data();
  for (std::int64_t i = 0; i < rows_n; ++i) {
    float* d = d_in + i * stride;
    std::memset(d, 0, sizeof(float) * static_cast<std::size_t>(dim));
    for (std::int64_t o = 0; o < n_out; ++o) {
      const float* w = out + outputs[o] * stride;
      float gi = g[i * n_out + o];
#pragma omp simd
      for (std::int64_t k = 0; k < dim; ++k) d[k] += gi * w[k];
    }
  }
  // Out += g^T * In (old inputs).
  for (std::int64_t o = 0; o < n_out; ++o) {
    float* w = out + outputs[o] * stride;
    for (std::int64_t i = 0; i < rows_n; ++i) {
      const float* r = s.rows[static_cast<std::size_t>(i)];
      float gi = g[i * n_out + o];
#pragma omp simd
      for (std::int64_t k = 0; k < dim; ++k) w[k] += gi * r[k];
    }
  }
  // In += d_in; CBOW gives every context word the whole update, as
  // word2vec.c and gensim do.
  for (std::int64_t i = 0; i < n_in; ++i) {
    float* r = in + inputs[i] * stride;
    const float* d = d_in + (cbow ? 0 : i * stride);
#pragma omp simd
    for (std::int64_t k = 0; k < dim; ++k) r[k] += d[k];
  }
  return loss;
}

constexpr std::int64_t kBlock = 16;  // floats per block; strides are multiples of it

// One pair's update on columns [0, B * kBlock) of `row` and of every node:
// each node steps by g[p] * row, and the row by sum_p g[p] * node (old values).
template <int B>
inline void path_block(float* row, float* const* nodes, const float* g, std::int64_t n,
                       std::int64_t k0) {
  float r[B * kBlock], d[B * kBlock] = {};
  std::memcpy(r, row + k0, sizeof(r));
  for (std::int64_t p = 0; p < n; ++p) {
    float* w = nodes[p] + k0;
    const float gp = g[p];
#pragma omp simd
    for (std::int64_t k = 0; k < B * kBlock; ++k) {
      const float wk = w[k];
      d[k] += gp * wk;
      w[k] = wk + gp * r[k];
    }
  }
#pragma omp simd
  for (std::int64_t k = 0; k < B * kBlock; ++k) row[k0 + k] = r[k] + d[k];
}

// word2vec.c's update of one (input row, Huffman path) pair: every score from
// the old values, then each node and the row take their step. Nodes of a path
// are distinct, so a node's step and its share of the row's gradient can be
// taken in one pass over it.
float pair_update(float* row, float* const* nodes, const float* labels, std::int64_t n,
                  std::int64_t stride, float alpha, bool want_loss, Scratch& s) {
  float* g = s.grads.data();
  std::int64_t o = 0;
  for (; o + 4 <= n; o += 4) {
    const float* as[4] = {row, row, row, row};
    const float* bs[4] = {nodes[o], nodes[o + 1], nodes[o + 2], nodes[o + 3]};
    dot4(as, bs, stride, g + o, 1);
  }
  for (; o < n; ++o) {
    const float* w = nodes[o];
    float d = 0;
#pragma omp simd reduction(+ : d)
    for (std::int64_t k = 0; k < stride; ++k) d += row[k] * w[k];
    g[o] = d;
  }
  float loss = 0.0f;
  if (want_loss)
    for (std::int64_t p = 0; p < n; ++p) loss += neg_log_sigmoid(labels[p] > 0.5f ? g[p] : -g[p]);
#pragma omp simd
  for (std::int64_t p = 0; p < n; ++p) g[p] = (labels[p] - ops::cpu::fast_sigmoid(g[p])) * alpha;
  // Column blocks outermost: a block of the row and of its gradient stay in
  // registers while every node passes by, so each node costs one load and one
  // store per block (row order kept the gradient in memory: three loads, two stores).
  std::int64_t k0 = 0;
  for (; k0 + 4 * kBlock <= stride; k0 += 4 * kBlock) path_block<4>(row, nodes, g, n, k0);
  for (; k0 < stride; k0 += kBlock) path_block<1>(row, nodes, g, n, k0);
  return loss;
}

std::int64_t padded(std::int64_t dim) { return (dim + 15) / 16 * 16; }

}  // namespace

float word2vec_window_update(bool cbow, const WindowBatch& b, float* in, float* out,
                             std::int64_t stride, std::int64_t dim, float alpha) {
  RNNKIT_CHECK(b.outputs.size() == b.labels.size() && !b.inputs.empty(),
               "word2vec window: {} outputs with {} labels and {} inputs", b.outputs.size(),
               b.labels.size(), b.inputs.size());
  Scratch s;
  s.reserve(static_cast<std::int64_t>(b.inputs.size()), static_cast<std::int64_t>(b.outputs.size()), stride);
  return window_update(cbow, b.inputs.data(), static_cast<std::int64_t>(b.inputs.size()),
                       b.outputs.data(), b.labels.data(), static_cast<std::int64_t>(b.outputs.size()),
                       in, out, stride, dim, alpha, true, s);
}

Word2VecResult train_word2vec(const text::IdCorpus& corpus, const Word2VecOptions& opts,
                              const std::function<void(const Word2VecProgress&)>& progress) {
  opts.validate();
  const std::int64_t V = static_cast<std::int64_t>(corpus.words.size());
  const std::int64_t dim = opts.dim, stride = padded(dim), window = opts.window;
  RNNKIT_CHECK(2 * window < kMaxWindowInputs, "word2vec: window {} is too large (at most {})", window,
               kMaxWindowInputs / 2 - 1);
  const bool cbow = opts.arch == "cbow", hs = opts.loss == "hs";
  const int threads = opts.threads > 0 ? opts.threads : omp_get_num_procs();
  const std::int64_t total_words = static_cast<std::int64_t>(corpus.ids.size());
  RNNKIT_CHECK(total_words > 0, "word2vec: the corpus has no words left after min-count");

  // Input vectors: uniform in [-1/dim, 1/dim) as gensim 4 and fastText (word2vec.c
  // draws from half that range, and its CBOW NS then learned 0.7 analogy points
  // less in 3 epochs on 5M tokens); outputs zero.
  std::vector<float> in(static_cast<std::size_t>(V * stride), 0.0f);
  std::vector<float> out(static_cast<std::size_t>((hs ? V - 1 : V) * stride), 0.0f);
  {
    Generator init(opts.seed, stream_id(RngStream::kWordVectors));
    for (std::int64_t w = 0; w < V; ++w)
      for (std::int64_t k = 0; k < dim; ++k)
        in[static_cast<std::size_t>(w * stride + k)] =
            (2.0f * init.uniform_at(static_cast<std::uint64_t>(w * dim + k)) - 1.0f) /
            static_cast<float>(dim);
  }
  // Keep probability under subsampling (word2vec.c's formula).
  std::vector<float> keep(static_cast<std::size_t>(V), 1.0f);
  if (opts.sample > 0) {
    double t = opts.sample * static_cast<double>(corpus.total_count());
    for (std::int64_t w = 0; w < V; ++w) {
      double c = static_cast<double>(corpus.counts[static_cast<std::size_t>(w)]);
      keep[static_cast<std::size_t>(w)] = static_cast<float>(std::min(1.0, (std::sqrt(c / t) + 1) * t / c));
    }
  }
  AliasTable noise;
  std::vector<text::HuffmanCode> codes;
  if (hs) codes = text::build_huffman(corpus.counts);
  else noise = AliasTable::from_counts(corpus.counts, opts.ns_power);

  // Work comes in jobs of whole lines, about 10,000 words each, handed out in
  // order from a shared counter (epoch-major), so a thread slowed by the
  // machine does not hold the others up. One thread: a fixed order.
  const auto& ends = corpus.line_ends;
  std::vector<std::size_t> job_start = {0};
  for (std::size_t line = 0, words = 0; line < ends.size(); ++line) {
    words += static_cast<std::size_t>(ends[line] - (line == 0 ? 0 : ends[line - 1]));
    if (words >= 10000 && line + 1 < ends.size()) {
      job_start.push_back(line + 1);
      words = 0;
    }
  }
  job_start.push_back(ends.size());
  const std::int64_t jobs_per_epoch = static_cast<std::int64_t>(job_start.size()) - 1;
  std::atomic<std::int64_t> next_job{0};

  const float alpha0 = opts.start_alpha();
  const double planned = static_cast<double>(opts.epochs) * static_cast<double>(total_words);
  std::atomic<std::int64_t> done{0};
  auto start = std::chrono::steady_clock::now();
  auto last_report = start;

#pragma omp parallel num_threads(threads)
  {
    const int tid = omp_get_thread_num();
    PhiloxStream rng(opts.seed,
                     stream_id(RngStream::kWord2vecThread, static_cast<std::uint64_t>(tid)));
    Scratch s;
    s.reserve(2 * window + 1, std::max<std::int64_t>(opts.negative + 1, 64), stride);
    std::vector<std::int32_t> sentence, ctx(static_cast<std::size_t>(2 * window)), outs;
    std::vector<float> labels;
    std::int64_t local = 0;  // words not yet added to `done`
    float alpha = alpha0;
    double my_loss = 0, my_n = 0;
    std::int64_t center_count = 0;
    for (std::int64_t job; (job = next_job.fetch_add(1)) < opts.epochs * jobs_per_epoch;) {
      const std::size_t j = static_cast<std::size_t>(job % jobs_per_epoch);
      for (std::size_t line = job_start[j]; line < job_start[j + 1]; ++line) {
        std::int64_t b = line == 0 ? 0 : ends[line - 1], e = ends[line];
        sentence.clear();
        for (std::int64_t i = b; i < e; ++i) {
          std::int32_t w = corpus.ids[static_cast<std::size_t>(i)];
          if (keep[static_cast<std::size_t>(w)] >= 1.0f || rng.uniform() < keep[static_cast<std::size_t>(w)])
            sentence.push_back(w);
        }
        local += e - b;
        if (local >= 10000) {
          std::int64_t d = done.fetch_add(local) + local;
          local = 0;
          alpha = alpha0 * std::max(opts.min_alpha_ratio, static_cast<float>(1.0 - d / (planned + 1)));
          if (tid == 0 && progress) {
            auto now = std::chrono::steady_clock::now();
            double since = std::chrono::duration<double>(now - last_report).count();
            if (since >= 1.0) {
              last_report = now;
              double secs = std::chrono::duration<double>(now - start).count();
              Word2VecProgress p;
              p.fraction = d / planned;
              p.epochs = static_cast<int>(opts.epochs);
              p.epoch = std::min(p.epochs, 1 + static_cast<int>(p.fraction * p.epochs));
              p.elapsed_s = secs;
              p.words_per_s_per_thread = d / secs / threads;
              p.alpha = alpha;
              p.loss = my_n > 0 ? my_loss / my_n : 0;  // thread 0's sample since the last report
              my_loss = my_n = 0;
              p.eta_s = secs / std::max(p.fraction, 1e-9) - secs;
              progress(p);
            }
          }
        }
        const std::int64_t n = static_cast<std::int64_t>(sentence.size());
        for (std::int64_t i = 0; i < n; ++i) {
          const std::int32_t word = sentence[static_cast<std::size_t>(i)];
          const std::int64_t reduced = static_cast<std::int64_t>(rng.below(static_cast<std::uint32_t>(window)));
          const std::int64_t half = window - reduced;
          std::int64_t nc = 0;
          for (std::int64_t j = std::max<std::int64_t>(0, i - half); j <= std::min(n - 1, i + half); ++j)
            if (j != i) ctx[static_cast<std::size_t>(nc++)] = sentence[static_cast<std::size_t>(j)];
          if (nc == 0) continue;
          outs.clear();
          labels.clear();
          if (hs) {
            const auto& hc = codes[static_cast<std::size_t>(word)];
            for (std::size_t k = 0; k < hc.point.size(); ++k) {
              outs.push_back(hc.point[k]);
              labels.push_back(1.0f - static_cast<float>(hc.code[k]));
            }
          } else {
            outs.push_back(word);
            labels.push_back(1.0f);
            for (std::int64_t k = 0; k < opts.negative; ++k) {
              float u1 = rng.uniform();
              std::int32_t neg = noise.sample(u1, rng.uniform());
              if (neg == word) continue;
              outs.push_back(neg);
              labels.push_back(0.0f);
            }
          }
          if (static_cast<std::int64_t>(outs.size()) * (cbow ? 1 : nc) > static_cast<std::int64_t>(s.grads.size()))
            s.reserve(2 * window + 1, static_cast<std::int64_t>(outs.size()), stride);
          // Thread 0 samples the loss at 1 window in 64 for the progress line.
          bool want_loss = tid == 0 && (++center_count & 63) == 0;
          float l = 0.0f;
          if (hs && !cbow) {
            // One context word at a time, as word2vec.c: the inner nodes near
            // the root lie on every path, and a window's summed steps from
            // their old values overshoot where sequential ones saturate.
            // The pairs run on a copy of the path's nodes, written back
            // once: the root is on every path, and two threads writing it at
            // every pair spent more time trading its cache lines than computing.
            const std::int64_t n_nodes = static_cast<std::int64_t>(outs.size());
            const std::size_t path_floats = static_cast<std::size_t>(n_nodes * stride);
            s.nodes.resize(path_floats);
            s.nodes_before.resize(path_floats);
            s.node_rows.resize(static_cast<std::size_t>(n_nodes));
            for (std::int64_t p = 0; p < n_nodes; ++p) {
              s.node_rows[static_cast<std::size_t>(p)] = s.nodes.data() + p * stride;
              std::memcpy(s.nodes.data() + p * stride,
                          out.data() + outs[static_cast<std::size_t>(p)] * stride,
                          sizeof(float) * static_cast<std::size_t>(stride));
            }
            std::memcpy(s.nodes_before.data(), s.nodes.data(), sizeof(float) * path_floats);
            for (std::int64_t c = 0; c < nc; ++c)
              l += pair_update(in.data() + ctx[static_cast<std::size_t>(c)] * stride,
                               s.node_rows.data(), labels.data(), n_nodes, stride, alpha, want_loss,
                               s);
            for (std::int64_t p = 0; p < n_nodes;
                 ++p) {  // the window's change, onto any other thread's
              float* w = out.data() + outs[static_cast<std::size_t>(p)] * stride;
              const float* now = s.nodes.data() + p * stride;
              const float* before = s.nodes_before.data() + p * stride;
#pragma omp simd
              for (std::int64_t k = 0; k < stride; ++k) w[k] += now[k] - before[k];
            }
          } else {
            l = window_update(cbow, ctx.data(), nc, outs.data(), labels.data(),
                              static_cast<std::int64_t>(outs.size()), in.data(), out.data(), stride,
                              dim, alpha, want_loss, s);
          }
          if (want_loss) {
            my_loss += l;
            my_n += static_cast<double>((cbow ? 1 : nc) * static_cast<std::int64_t>(outs.size()));
          }
        }
      }
    }
    done.fetch_add(local);
  }

  Word2VecResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.trained_words = done.load();
  r.words_per_s = r.trained_words / std::max(r.seconds, 1e-9);
  r.vectors.words = corpus.words;
  r.vectors.counts = corpus.counts;
  r.vectors.vectors = Tensor::empty({V, dim});
  float* dst = r.vectors.vectors.data();
  for (std::int64_t w = 0; w < V; ++w)
    std::memcpy(dst + w * dim, in.data() + w * stride, sizeof(float) * static_cast<std::size_t>(dim));
  for (std::int64_t i = 0; i < V * dim; ++i)
    if (!std::isfinite(dst[i]))
      throw NumericalError(fmt::format(
          "word2vec diverged: the vector of '{}' is not finite; try a lower --lr (it was {})",
          corpus.words[static_cast<std::size_t>(i / dim)], alpha0));
  return r;
}

}  // namespace rnnkit::models

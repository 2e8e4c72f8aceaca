// Micro-benchmarks of the hot ops (Google Benchmark): the fused LSTM layer
// forward+backward and the fused softmax cross-entropy, at the PTB and date-task sizes.
//   ./build/release/bench/bench_ops --benchmark_repetitions=5 --benchmark_report_aggregates_only
#include <benchmark/benchmark.h>

#include "rnnkit/autograd/functions.h"
#include "rnnkit/core/parallel.h"

namespace rnnkit {
namespace {

Tensor uniform(const Shape& s, std::uint64_t seed) {
  Tensor t = Tensor::empty(s);
  ops::uniform_(t, Generator(seed, 0), 0, -0.1f, 0.1f);
  return t;
}

// args: T, B, I, H, threads
void BM_LstmLayer(benchmark::State& state) {
  std::int64_t T = state.range(0), B = state.range(1), I = state.range(2), H = state.range(3);
  set_num_threads(static_cast<int>(state.range(4)));
  Var x(uniform({T, B, I}, 1), true), h0(Tensor::zeros({B, H})), c0(Tensor::zeros({B, H}));
  Var wih(uniform({4 * H, I}, 2), true), whh(uniform({4 * H, H}, 3), true);
  Var bih(uniform({4 * H}, 4), true), bhh(uniform({4 * H}, 5), true);
  Tensor dy = uniform({T, B, H}, 6);
  for (auto _ : state) {
    auto r = fn::recurrent(ops::CellType::kLSTM, x, h0, c0, wih, whh, bih, bhh);
    Var l = fn::sum(fn::mul(r.y, Var(dy)));
    Tape::current().backward(l);
    for (Var* v : {&x, &wih, &whh, &bih, &bhh}) v->clear_grad();
  }
  state.SetItemsProcessed(state.iterations() * T * B);
}
// PTB small and medium; the date task's encoder (book sizes).
BENCHMARK(BM_LstmLayer)
    ->Args({20, 20, 200, 200, 1})
    ->Args({20, 20, 200, 200, 2})
    ->Args({35, 20, 650, 650, 1})
    ->Args({35, 20, 650, 650, 2})
    ->Args({29, 128, 16, 256, 1})
    ->Args({29, 128, 16, 256, 2})
    ->Unit(benchmark::kMillisecond);

// args: rows, vocab, threads
void BM_SoftmaxCrossEntropy(benchmark::State& state) {
  std::int64_t n = state.range(0), v = state.range(1);
  set_num_threads(static_cast<int>(state.range(2)));
  Var logits(uniform({n, v}, 7), true);
  std::vector<std::int32_t> t(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) t[static_cast<std::size_t>(i)] = static_cast<std::int32_t>((i * 7919) % v);
  Tensor targets = Tensor::from_ids(t, {n});
  for (auto _ : state) {
    Var l = fn::cross_entropy(logits, targets, {.reduction = fn::Reduction::kSum});
    Tape::current().backward(l);
    logits.clear_grad();
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_SoftmaxCrossEntropy)->Args({400, 10000, 1})->Args({400, 10000, 2})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace rnnkit

BENCHMARK_MAIN();

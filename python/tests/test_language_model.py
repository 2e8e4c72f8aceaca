"""rnnkit.LanguageModel agrees with `rnnkit lm eval` and `lm generate`."""
import threading
import time

import numpy as np
import pytest

import rnnkit
from conftest import SENTENCES, cli, cli_json


def test_load_gives_a_language_model(lm_path):
    lm = rnnkit.load(lm_path)
    assert isinstance(lm, rnnkit.LanguageModel)
    assert lm.config["hidden_size"] == 16
    assert "cat" in lm.vocab and "<eos>" in lm.vocab
    assert "LanguageModel" in repr(lm)
    # A run directory means its model file.
    assert isinstance(rnnkit.load(lm_path.parent), rnnkit.LanguageModel)


def test_perplexity_agrees_with_the_cli(lm_path, corpus):
    _, valid = corpus
    want = cli_json("lm", "eval", "--model", lm_path, "--data", valid)["ppl"]
    lm = rnnkit.load(lm_path)
    assert lm.perplexity(valid) == pytest.approx(want, rel=1e-6)
    assert lm.perplexity(str(valid)) == pytest.approx(want, rel=1e-6)
    assert lm.perplexity(valid.read_text()) == pytest.approx(want, rel=1e-6)
    # A model that learnt three sentences finds them easy.
    assert want < 4


def test_score_agrees_with_per_line_eval(lm_path, work):
    lines = SENTENCES + ["the bird sat in the park"]
    (work / "score.txt").write_text("\n".join(lines) + "\n")
    out = cli("lm", "eval", "--model", lm_path, "--data", work / "score.txt", "--per-line")
    want = [float(line.split("\t")[0]) for line in out.splitlines()]
    lm = rnnkit.load(lm_path)
    got = lm.score(lines)
    assert got == pytest.approx(want, abs=2e-6)  # the CLI prints 6 decimals
    assert lm.score(lines[0]) == pytest.approx(got[0])
    # A sentence of the corpus is likelier than a mixed one.
    assert got[0] > got[3]


def test_generate_agrees_with_the_cli(lm_path):
    lm = rnnkit.load(lm_path)
    for args, kwargs in [(["--seed", "5"], {"seed": 5}),
                         (["--temperature", "0"], {"temperature": 0}),
                         (["--top-k", "3", "--seed", "2"], {"top_k": 3, "seed": 2}),
                         (["--beam", "3"], {"beam": 3})]:
        want = cli_json("lm", "generate", "--model", lm_path, "--prompt", "the", "--length", "12",
                        *args)["text"]
        assert lm.generate("the", length=12, **kwargs) == want


def test_next_token_probs(lm_path):
    lm = rnnkit.load(lm_path)
    p = lm.next_token_probs("the cat sat on the")
    assert p.dtype == np.float32 and p.shape == (len(lm.vocab),)
    assert p.sum() == pytest.approx(1.0, abs=1e-5)
    assert lm.vocab[int(p.argmax())] == "mat"
    # The greedy continuation is the likeliest next token.
    first = lm.generate("the dog ran in", length=1, temperature=0).split()[0]
    assert lm.vocab[int(lm.next_token_probs("the dog ran in").argmax())] == first


def test_states(lm_path):
    lm = rnnkit.load(lm_path)
    s = lm.states("the cat sat\nthe dog")
    assert s["tokens"] == ["the", "cat", "sat", "<eos>", "the", "dog", "<eos>"]
    assert s["h"].shape == (7, 1, 16) and s["c"].shape == (7, 1, 16)
    assert np.all(np.abs(s["h"]) < 1)  # h = o * tanh(c)
    # The state depends on what came before: "the" after <eos> differs from the first "the".
    assert not np.allclose(s["h"][0], s["h"][4])


def test_generation_in_two_threads_runs_concurrently(lm_path, wide_lm_path):
    lm = rnnkit.load(wide_lm_path)
    spans = {}

    def work(name):
        rnnkit.set_threads(1)  # OpenMP's setting is per thread
        t0 = time.perf_counter()
        lm.generate("the", length=3000, seed=3)
        spans[name] = (t0, time.perf_counter())

    def run(names):
        threads = [threading.Thread(target=work, args=(n,)) for n in names]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - t0

    single = min(run(["alone"]) for _ in range(2))
    both = min(run(["a", "b"]) for _ in range(2))
    # With the GIL held for the whole call, the two calls could not overlap.
    (a0, a1), (b0, b1) = spans["a"], spans["b"]
    overlap = min(a1, b1) - max(a0, b0)
    assert overlap > 0.5 * min(a1 - a0, b1 - b0), spans
    # And on 2 cores, two take well under the sum of their times alone (about 1.1x one
    # here on a quiet machine; the margin is for a shared one).
    assert both < 0.9 * (2 * single), f"one {single:.2f}s, two at once {both:.2f}s"
    # Concurrent calls do not disturb each other.
    lm = rnnkit.load(lm_path)
    results = [None, None]

    def gen(i):
        results[i] = lm.generate("the", length=30, seed=11)

    ts = [threading.Thread(target=gen, args=(i,)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert results[0] == results[1] == lm.generate("the", length=30, seed=11)

"""Classifier, Autoencoder, Forecaster and NgramModel, each trained from Python
and agreeing with the command line's predict / encode / eval on the same file."""
import csv
import io
import json
import math
import random

import numpy as np
import pytest

import rnnkit
from conftest import SENTENCES, cli, cli_json


def test_classifier(work):
    rng = random.Random(1)
    lines = []
    for _ in range(300):  # "does w3 occur?"
        words = [f"w{rng.randrange(10)}" for _ in range(rng.randrange(3, 10))]
        lines.append(f"__label__{'yes' if 'w3' in words else 'no'} {' '.join(words)}")
    (work / "labelled.txt").write_text("\n".join(lines) + "\n")
    rnnkit.train_classifier(train=work / "labelled.txt", test=work / "labelled.txt", epochs=3, emb=16, hidden=16, lr=0.01,
                            batch=16, threads=1, out=work / "py_cls")
    c = rnnkit.load(work / "py_cls")
    assert isinstance(c, rnnkit.Classifier) and sorted(c.labels) == ["no", "yes"]
    texts = [line.split(" ", 1)[1] for line in lines[:20]]
    (work / "cls_in.txt").write_text("\n".join(texts) + "\n")
    out = cli("classify", "predict", "--model", work / "py_cls", "--input", work / "cls_in.txt",
              "--json", "--top", "2")
    want = [json.loads(line)["labels"] for line in out.splitlines()]
    p = c.predict_proba(texts)
    assert p.shape == (20, 2)
    np.testing.assert_allclose(p.sum(axis=1), 1, atol=1e-5)
    assert c.predict(texts) == [w[0]["label"] for w in want]
    for row, w in zip(p, want):
        for item in w:
            assert row[c.labels.index(item["label"])] == pytest.approx(item["probability"],
                                                                      abs=1e-6)
    assert c.predict(texts[0], k=2) == [item["label"] for item in want[0]]
    # A labelled line is classified without its labels, as classify predict reads it.
    assert c.predict(lines[0]) == c.predict(texts[0])


def test_autoencoder(work):
    rng = random.Random(3)
    lines = [" ".join(chr(97 + rng.randrange(8)) for _ in range(rng.randrange(3, 7)))
             for _ in range(400)]
    (work / "ae.txt").write_text("\n".join(lines) + "\n")
    rnnkit.train_autoencoder(train=work / "ae.txt", test=work / "ae.txt", epochs=1, emb=16, hidden=32, threads=1,
                             max_batches=5, out=work / "py_ae")
    a = rnnkit.load(work / "py_ae")
    assert isinstance(a, rnnkit.Autoencoder) and isinstance(a, rnnkit.Seq2Seq)
    (work / "ae_in.txt").write_text("\n".join(lines[:10]) + "\n")
    cli("autoencode", "encode", "--model", work / "py_ae", "--input", work / "ae_in.txt",
        "--output", work / "codes.txt")
    want = np.loadtxt(work / "codes.txt", dtype=np.float32)
    codes = a.encode(lines[:10])
    assert codes.shape == (10, 32)
    np.testing.assert_allclose(codes, want, rtol=1e-5, atol=1e-5)  # the CLI prints 6 digits
    np.testing.assert_array_equal(a.encode(lines[0]), codes[0])


def test_forecaster(work):
    rows = ["Month,Count"]
    for i in range(120):
        v = (100 + 2 * i) * (1 + 0.25 * math.sin(2 * math.pi * i / 12))
        rows.append(f"{1950 + i // 12}-{i % 12 + 1:02d},{v:.2f}")
    (work / "months.csv").write_text("\n".join(rows) + "\n")
    rnnkit.train_forecaster(data=work / "months.csv", time_column="Month", columns=["Count"],
                            test_last=12, steps=6, quantiles=(0.1, 0.5, 0.9), epochs=2,
                            hidden=16, projection=8, lookback=24, batch=16, threads=1,
                            out=work / "py_fc")
    f = rnnkit.load(work / "py_fc")
    assert isinstance(f, rnnkit.Forecaster) and f.series == ["Count"]
    got = f.forecast(work / "months.csv")
    want = list(csv.DictReader(io.StringIO(
        cli("forecast", "predict", "--model", work / "py_fc", "--data", work / "months.csv"))))
    assert got["point"].shape == (6, 1) and len(want) == 6
    cols = list(want[0])
    point = [c for c in cols if c == "Count"][0]
    np.testing.assert_allclose(got["point"][:, 0], [float(r[point]) for r in want], rtol=1e-4)
    assert np.all(got["lower"] <= got["point"]) and np.all(got["point"] <= got["upper"])


def test_ngram(corpus, work):
    train, valid = corpus
    r = rnnkit.train_ngram(train=train, test=valid, order=3, out=work / "py_kn")
    n = rnnkit.load(work / "py_kn")
    assert isinstance(n, rnnkit.NgramModel) and n.order == 3
    want = cli_json("ngram", "eval", "--model", work / "py_kn", "--data", valid)["ppl"]
    assert n.perplexity(valid) == pytest.approx(want, rel=1e-9)
    assert r["test_ppl"] == pytest.approx(want, rel=1e-6)  # before the ARPA file's rounding
    assert n.score(SENTENCES[0]) > n.score("park the in ran dog the")

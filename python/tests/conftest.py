"""Small models trained once per session by the command-line tool ($RNNKIT),
which the tests query from Python and from the CLI."""
import json
import os
import pathlib
import subprocess

import pytest

RNNKIT = os.environ.get("RNNKIT", "")
SENTENCES = ["the cat sat on the mat", "the dog ran in the park", "a bird sang in the tree"]
TINY_LM = ["--preset", "small", "--hidden", "16", "--emb", "16", "--layers", "1", "--steps", "8",
           "--threads", "1", "--batch", "4"]


def cli(*args, check=True):
    """Runs the command-line tool; returns its stdout."""
    r = subprocess.run([RNNKIT, *map(str, args)], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError(f"rnnkit {' '.join(map(str, args))} failed:\n{r.stderr}")
    return r.stdout


def cli_json(*args):
    return json.loads(cli(*args, "--json").strip().splitlines()[-1])


@pytest.fixture(scope="session", autouse=True)
def _needs_cli():
    if not RNNKIT or not os.access(RNNKIT, os.X_OK):
        pytest.skip("set RNNKIT to the rnnkit binary (ctest does)")


@pytest.fixture(scope="session")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("rnnkit")


@pytest.fixture(scope="session")
def corpus(work):
    lines = [SENTENCES[i % 3] for i in range(300)]
    (work / "train.txt").write_text("\n".join(lines) + "\n")
    (work / "valid.txt").write_text("\n".join(lines[:30]) + "\n")
    return work / "train.txt", work / "valid.txt"


@pytest.fixture(scope="session")
def lm_path(work, corpus):
    train, valid = corpus
    cli("lm", "train", "--train", train, "--valid", valid, "--out", work / "lm", *TINY_LM,
        "--epochs", "3")
    return work / "lm" / "model.safetensors"


@pytest.fixture(scope="session")
def wide_lm_path(work, corpus):
    """Wide enough that a step's compute outweighs its bookkeeping (for timing)."""
    train, _ = corpus
    wide = [a if prev != "--hidden" else "256" for prev, a in zip([""] + TINY_LM, TINY_LM)]
    cli("lm", "train", "--train", train, "--out", work / "wide", *wide, "--epochs", "1",
        "--max-batches", "2")
    return work / "wide" / "model.safetensors"


@pytest.fixture(scope="session")
def vectors_path(work):
    # A corpus of topics, so that neighbours mean something.
    topics = [["cat", "dog", "bird", "fish", "horse"], ["red", "green", "blue", "yellow", "black"],
              ["one", "two", "three", "four", "five"]]
    lines = []
    for i in range(600):  # long lines: most windows stay within one topic
        t = topics[i % 3]
        lines.append(" ".join(t[(i * 7 + k * 3) % 5] for k in range(30)))
    (work / "topics.txt").write_text("\n".join(lines) + "\n")
    cli("embed", "train", "--train", work / "topics.txt", "--dim", "16", "--min-count", "1",
        "--epochs", "15", "--threads", "1", "--format", "txt", "--out", work / "vec")
    return work / "vec" / "vectors.txt"


@pytest.fixture(scope="session")
def seq2seq_path(work):
    cli("data", "addition", "--n", "300", "--seed", "3", "--out", work / "add.tsv")
    cli("seq2seq", "train", "--data", work / "add.tsv", "--preset", "addition-peeky", "--epochs",
        "2", "--max-batches", "10", "--hidden", "16", "--threads", "1", "--out", work / "s2s")
    return work / "s2s" / "model.safetensors"


@pytest.fixture(scope="session")
def attention_path(work):
    cli("data", "dates", "--n", "300", "--seed", "3", "--out", work / "dates.tsv")
    cli("seq2seq", "train", "--data", work / "dates.tsv", "--preset", "date-attention", "--epochs",
        "1", "--max-batches", "5", "--hidden", "16", "--threads", "1", "--out", work / "att")
    return work / "att" / "model.safetensors"

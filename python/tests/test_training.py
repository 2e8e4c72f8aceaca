"""rnnkit.train_*: the command line's options as keyword arguments, progress
callbacks, Ctrl-C keeping a checkpoint that resume continues."""
import json
import os
import signal

import pytest

import rnnkit
from conftest import cli_json

TINY = dict(preset="small", hidden=16, emb=16, layers=1, steps=8, threads=1, batch=4)


def test_train_lm_returns_results_and_reports_progress(corpus, work):
    train, valid = corpus
    seen = []
    r = rnnkit.train_lm(train=train, valid=valid, test=valid, out=work / "py_lm", epochs=2,
                        log_interval=0.001, on_progress=seen.append, **TINY)
    assert r == json.loads((work / "py_lm" / "results.json").read_text())
    assert r["test_ppl"] < 10
    assert seen and {"epoch", "epochs", "fraction", "rate", "unit", "lr", "loss"} <= set(seen[0])
    assert seen[-1]["epochs"] == 2
    # The model is the CLI's: same perplexity from both.
    lm = rnnkit.load(work / "py_lm")
    want = cli_json("lm", "eval", "--model", work / "py_lm" / "model.safetensors", "--data", valid)
    assert lm.perplexity(valid) == pytest.approx(want["ppl"], rel=1e-6)


def test_ctrl_c_keeps_a_checkpoint_that_resume_continues(corpus, work):
    train, valid = corpus
    out = work / "py_interrupted"

    sent = []

    def interrupt(progress):  # Ctrl-C once training is under way (twice would quit at once)
        if not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        rnnkit.train_lm(train=train, valid=valid, out=out, epochs=3, log_interval=0.001,
                        on_progress=interrupt, **TINY)
    assert (out / "checkpoint.safetensors").exists()
    assert not (out / "results.json").exists()
    r = cli_json("lm", "train", "--resume", "--out", out)  # as the CLI's own run would
    assert r["epochs"] == 3 and r["kept_epoch"] >= 1
    assert (out / "model.safetensors").exists()


def test_an_exception_in_on_progress_stops_training(corpus, work):
    train, _ = corpus

    def fail(progress):
        raise RuntimeError("enough")

    with pytest.raises(RuntimeError, match="enough"):
        rnnkit.train_lm(train=train, out=work / "py_stopped", epochs=2, log_interval=0.001,
                        on_progress=fail, **TINY)
    assert (work / "py_stopped" / "checkpoint.safetensors").exists()


def test_train_vectors_and_seq2seq(work, vectors_path):
    r = rnnkit.train_vectors(train=work / "topics.txt", dim=8, min_count=1, epochs=1, threads=1,
                             format="bin", out=work / "py_vec")
    assert r["vocab"] == 15
    assert len(rnnkit.load(work / "py_vec")) == 15
    rnnkit.train_seq2seq(data=work / "add.tsv", preset="addition-peeky", epochs=1, max_batches=3,
                         hidden=16, threads=1, out=work / "py_s2s")
    assert isinstance(rnnkit.load(work / "py_s2s"), rnnkit.Seq2Seq)


def test_flags():
    assert rnnkit._flags({"lr": 0.5, "tie": True, "dropout": None, "resume": False,
                          "split": (0.6, 0.2, 0.2), "train": b"a.txt"}) == [
        ("--lr", "0.5"), ("--tie", True), ("--resume", False), ("--split", "0.6,0.2,0.2"),
        ("--train", "a.txt")]


def test_signals(corpus, work, tmp_path):
    import subprocess
    import sys
    train, _ = corpus
    # Python's own SIGINT handler is back after training.
    rnnkit.train_lm(train=train, out=work / "py_handler", epochs=1, **TINY)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    # SIGTERM stops training with its checkpoint, then ends the process as it would the tool.
    script = tmp_path / "term.py"
    script.write_text(f"""
import os, signal, rnnkit
sent = []
def term(progress):
    if not sent:
        sent.append(1)
        os.kill(os.getpid(), signal.SIGTERM)
rnnkit.train_lm(train={str(train)!r}, out={str(work / "py_term")!r}, epochs=5,
                log_interval=0.001, on_progress=term, **{TINY!r})
print("not reached")
""")
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert r.returncode == -signal.SIGTERM, r.stderr
    assert "not reached" not in r.stdout
    assert "interrupted by SIGTERM" in r.stderr
    assert (work / "py_term" / "checkpoint.safetensors").exists()


def test_false_turns_off_a_presets_flag(work, seq2seq_path):
    rnnkit.train_seq2seq(data=work / "add.tsv", preset="addition-peeky", peeky=False, epochs=1,
                         max_batches=2, hidden=16, threads=1, out=work / "py_nopeek")
    assert rnnkit.load(work / "py_nopeek").config["peeky"] is False


def test_an_exception_in_on_progress_of_word2vec_comes_after_it(work, vectors_path):
    def fail(progress):
        raise RuntimeError("enough")

    with pytest.raises(RuntimeError, match="enough"):
        # long enough (a few seconds) for word2vec's once-a-second progress line
        rnnkit.train_vectors(train=work / "topics.txt", dim=8, min_count=1, epochs=150,
                             sample=0, threads=1, log_interval=0.001, on_progress=fail,
                             out=work / "py_vec_fail")

"""rnnkit: recurrent networks for language (language models, word vectors,
encoder-decoders, classifiers, autoencoders, forecasters) from Python.

    import rnnkit
    lm = rnnkit.load("runs/lm/model.safetensors")
    lm.perplexity("ptb.test.txt")

Models load with rnnkit.load and train with the train_* functions, which take
the command line's options as keyword arguments (`rnnkit lm train --help`).
"""
import json as _json
import os as _os
import subprocess as _subprocess
import sys as _sys


_PROBE = """
import json, os, subprocess, sys
import rnnkit._rnnkit as core
env = core._blas_environment()
if env:  # adopted only if its products pass the library's self-test
    check = subprocess.run(
        [sys.executable, "-c", "import rnnkit._rnnkit as core; print(core._blas_self_test())"],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=60)
    if check.stdout.strip() != "True":
        env = {}
print(json.dumps(env))
"""


def _prepare_environment():
    # OpenMP and OpenBLAS read their settings once, when they load; the
    # command-line tool sets them and restarts itself, a module sets them
    # before its core loads: threads that sleep between parallel regions, and
    # OpenBLAS's fastest kernels on a CPU newer than the OpenBLAS release
    # (asked of a child process, which loads OpenBLAS to find out and checks
    # the kernels' products in another).
    _os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if "OPENBLAS_CORETYPE" in _os.environ or _os.environ.get("RNNKIT_PROBE"):
        return
    try:
        probe = _subprocess.run([_sys.executable, "-c", _PROBE],
                                env={**_os.environ, "RNNKIT_PROBE": "1"}, capture_output=True,
                                text=True, timeout=120)
        if probe.returncode == 0:
            _os.environ.update(_json.loads(probe.stdout.strip().splitlines()[-1]))
    except (OSError, ValueError, IndexError, _subprocess.SubprocessError):
        pass  # the library's own choice, with its warning


_prepare_environment()

from ._rnnkit import (  # noqa: E402
    Autoencoder, Classifier, Error, Forecaster, FormatError, LanguageModel, NgramModel,
    NumericalError, Seq2Seq, Tensor, Vectors, __version__, blas, load, set_threads, threads)

__all__ = [
    "Autoencoder", "Classifier", "Error", "Forecaster", "FormatError", "LanguageModel",
    "NgramModel", "NumericalError", "Seq2Seq", "Tensor", "Vectors", "__version__", "blas", "load",
    "set_threads", "threads", "train_lm", "train_vectors", "train_seq2seq", "train_classifier",
    "train_autoencoder", "train_forecaster", "train_ngram",
]


def _text(value, key):
    if isinstance(value, bytes):
        value = _os.fsdecode(value)
    elif isinstance(value, _os.PathLike):
        value = _os.fspath(value)
        value = _os.fsdecode(value) if isinstance(value, bytes) else value
    value = str(value)
    if "\0" in value:
        raise ValueError(f"{key}: embedded null character")
    return value


def _flags(options):
    """Keyword arguments as (flag, value) pairs for the command's parser:
    lr=0.1 -> ("--lr", "0.1"); a bool for a flag that takes no value (tie=True
    gives --tie; peeky=False gives --no-peeky where the command has it, which
    turns off what a preset turns on); None: left out; a list or tuple: its items separated by commas;
    paths (str, bytes, os.PathLike) as they are."""
    pairs = []
    for key, value in options.items():
        if key == "help":
            raise ValueError("help: see the function's docstring, or the command's --help")
        if value is None:
            continue
        if not isinstance(value, bool):
            if isinstance(value, (list, tuple)):
                value = ",".join(_text(v, key) for v in value)
            else:
                value = _text(value, key)
        pairs.append(("--" + key.replace("_", "-"), value))
    return pairs


def _train(command, options, on_progress):
    if on_progress is not None and not callable(on_progress):
        raise TypeError("on_progress must be callable (it is called with a dict per progress line)")
    return _rnnkit._run(command, _flags(options), on_progress)


def train_lm(*, on_progress=None, **options):
    """Trains a language model as `rnnkit lm train` with the same options as
    keyword arguments (train="ptb.train.txt", preset="small", out="runs/lm",
    epochs=1, tie=True, resume=True, ...; see `rnnkit lm train --help`): a
    flag that takes no value takes a bool, a list is comma-separated. on_progress,
    if given, is called with a dict per progress line (epoch, epochs,
    fraction, rate, unit, lr, loss (as printed), loss_value, elapsed_s,
    eta_s); an exception it raises
    stops training (checkpoint kept) and is raised here. Returns results.json's
    figures as a dict. In the main thread, Ctrl-C stops training after the
    batch under way with its checkpoint kept (resume=True continues it) and
    then reaches Python's own handler (KeyboardInterrupt by default), and
    SIGTERM the same (ending the process by default); a second Ctrl-C ends the
    process at once. Training in another thread leaves signals to Python.
    The threads training uses (threads=, all cores by default) do not outlast
    it."""
    return _train(["lm", "train"], options, on_progress)


def train_vectors(*, on_progress=None, **options):
    """Trains word vectors as `rnnkit embed train` (train=..., method=
    "word2vec", dim=..., out=...). See train_lm for the options and the
    result. word2vec keeps no checkpoint: it runs to its end, and Ctrl-C or an
    exception in on_progress takes effect when it returns."""
    return _train(["embed", "train"], options, on_progress)


def train_seq2seq(*, on_progress=None, **options):
    """Trains an encoder-decoder as `rnnkit seq2seq train` (train="src,tgt",
    ...). See train_lm."""
    return _train(["seq2seq", "train"], options, on_progress)


def train_classifier(*, on_progress=None, **options):
    """Trains a sentence classifier as `rnnkit classify train`. See train_lm."""
    return _train(["classify", "train"], options, on_progress)


def train_autoencoder(*, on_progress=None, **options):
    """Trains a sequence autoencoder as `rnnkit autoencode train`. See train_lm."""
    return _train(["autoencode", "train"], options, on_progress)


def train_forecaster(*, on_progress=None, **options):
    """Trains a forecaster of numeric series as `rnnkit forecast train`. See train_lm."""
    return _train(["forecast", "train"], options, on_progress)


def train_ngram(*, on_progress=None, **options):
    """Trains a Kneser-Ney n-gram model as `rnnkit ngram train` (no progress
    lines, no checkpoint: Ctrl-C takes effect when it returns). See train_lm."""
    return _train(["ngram", "train"], options, on_progress)


from . import _rnnkit  # noqa: E402

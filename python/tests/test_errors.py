"""The CLI's bad inputs raise the matching Python exceptions with its messages:
ValueError for arguments, rnnkit.FormatError (an OSError) for files."""
import numpy as np
import pytest

import rnnkit

TINY = dict(preset="small", hidden=16, emb=16, layers=1, steps=8, threads=1, batch=4)


@pytest.fixture(scope="module")
def bad_files(work):
    (work / "empty.txt").write_text("")
    (work / "latin1.txt").write_bytes(b"good line\nbad \xff byte\n")
    (work / "not_a_model.safetensors").write_text("the cat sat on the mat\n")
    return work


def test_bad_corpora(corpus, bad_files):
    train, _ = corpus
    w = bad_files
    with pytest.raises(rnnkit.FormatError, match="missing.txt: cannot open") as e:
        rnnkit.train_lm(train=w / "missing.txt", out=w / "bad", **TINY)
    assert isinstance(e.value, OSError)
    with pytest.raises(rnnkit.FormatError, match="empty.txt: the file is empty"):
        rnnkit.train_lm(train=w / "empty.txt", out=w / "bad", **TINY)
    with pytest.raises(rnnkit.FormatError, match="invalid UTF-8 at byte offset 14"):
        rnnkit.train_lm(train=w / "latin1.txt", out=w / "bad", **TINY)
    assert not (w / "bad" / "model.safetensors").exists()


def test_bad_options(corpus, work):
    train, _ = corpus
    with pytest.raises(ValueError, match="unknown preset"):
        rnnkit.train_lm(train=train, out=work / "bad", preset="huge")
    with pytest.raises(ValueError, match="unknown cell type"):
        rnnkit.train_lm(train=train, out=work / "bad", cell="xyz", **TINY)
    with pytest.raises(ValueError, match="--hiden.*did you mean --hidden"):
        rnnkit.train_lm(train=train, out=work / "bad", hiden=3)
    with pytest.raises(rnnkit.FormatError, match="no checkpoint to resume"):
        rnnkit.train_lm(train=train, out=work / "none", resume=True, **TINY)
    with pytest.raises(rnnkit.NumericalError, match="became"):
        rnnkit.train_lm(train=train, out=work / "nan", lr=1e30, clip=0, epochs=1, **TINY)
    with pytest.raises(TypeError, match="on_progress must be callable"):
        rnnkit.train_lm(train=train, out=work / "bad", on_progress=3)


def test_bad_model_files(bad_files, lm_path):
    w = bad_files
    with pytest.raises(rnnkit.FormatError, match="missing.safetensors"):
        rnnkit.load(w / "missing.safetensors")
    with pytest.raises(rnnkit.FormatError, match="not_a_model.safetensors"):
        rnnkit.load(w / "not_a_model.safetensors")
    truncated = w / "truncated.safetensors"
    truncated.write_bytes(lm_path.read_bytes()[:200])
    with pytest.raises(rnnkit.FormatError, match="truncated"):
        rnnkit.load(truncated)
    with pytest.raises(OSError):
        rnnkit.load(w)  # a directory without a model


def test_bad_calls(lm_path, work):
    lm = rnnkit.load(lm_path)
    with pytest.raises(rnnkit.FormatError, match="no/such/file.txt"):
        lm.perplexity("no/such/file.txt")  # a mistyped path is not scored as text
    with pytest.raises(ValueError, match="length must be positive"):
        lm.generate("the", length=0)
    with pytest.raises(ValueError, match="temperature"):
        lm.generate("the", temperature=-1)
    with pytest.raises(TypeError):
        lm.score(3)
    with pytest.raises(TypeError, match="bytes"):
        lm.score(b"the cat")


def test_tensor_buffers():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    t = rnnkit.Tensor(a)
    assert t.shape == (3, 4) and t.dtype == "float32"
    b = np.asarray(t)
    assert np.shares_memory(a, b) and np.array_equal(a, b)
    a[0, 0] = 42  # one buffer
    assert t.numpy()[0, 0] == 42
    ids = rnnkit.Tensor(np.array([1, 2, 3], dtype=np.int32))
    assert ids.dtype == "int32" and list(np.asarray(ids)) == [1, 2, 3]
    del a, b
    assert np.asarray(t)[0, 0] == 42  # the tensor keeps the array alive
    with pytest.raises(TypeError, match="float32 or int32"):
        rnnkit.Tensor(np.zeros(3, dtype=np.float64))
    with pytest.raises(ValueError, match="C-contiguous"):
        rnnkit.Tensor(np.zeros((4, 4), dtype=np.float32)[:, ::2])


def test_what_a_new_user_tried(vectors_path, lm_path, corpus, work):
    """Each of these once crashed the interpreter or misled."""
    import array
    with pytest.raises(TypeError):
        rnnkit.Vectors.load_word2vec_format(vectors_path, binary="yes")
    a = array.array("f", bytes(1 << 16))
    t = rnnkit.Tensor(a)
    with pytest.raises(BufferError):
        a.extend(a)  # the tensor holds the buffer: it cannot move under it
    del t
    a.extend(a)
    with pytest.raises(ValueError, match="writable"):
        rnnkit.Tensor(rnnkit.load(vectors_path).vectors)  # read-only
    # A model under another name is read by its content.
    renamed = work / "model.st"
    renamed.write_bytes(lm_path.read_bytes())
    assert isinstance(rnnkit.load(renamed), rnnkit.LanguageModel)
    # A message quoting bytes that are not UTF-8 keeps its words.
    (work / "bad_analogy.txt").write_bytes(b"\xff\xfe bad\n")
    with pytest.raises(rnnkit.FormatError, match="bad_analogy.txt"):
        rnnkit.load(vectors_path).evaluate_word_analogies(work / "bad_analogy.txt")
    train, _ = corpus
    with pytest.raises(ValueError, match="out= takes a value"):
        rnnkit.train_lm(train=train, out=True, overwrite=True)
    with pytest.raises(ValueError, match="overwrite= is a flag"):
        rnnkit.train_lm(train=train, out=work / "x", overwrite="yes")
    with pytest.raises(ValueError, match="null character"):
        rnnkit.train_lm(train="a\0b", out=work / "x")
    lm = rnnkit.load(lm_path)
    with pytest.raises(TypeError, match="str"):
        lm.perplexity(None)
    with pytest.raises(ValueError, match="empty"):
        lm.perplexity("   \n\n")
    with pytest.raises(ValueError, match="beam width must be at least 1"):
        lm.generate("the", beam=0)
    with pytest.raises(ValueError, match="finite"):
        lm.generate("the", temperature=float("nan"))
    v = rnnkit.load(vectors_path)
    assert v[[]].shape == (0, v.vector_size)
    with pytest.raises(TypeError):
        v[None]

"""rnnkit.Vectors: gensim's KeyedVectors API, agreeing with `rnnkit embed` and gensim."""
import numpy as np
import pytest

import rnnkit
from conftest import cli, cli_json


def test_most_similar_agrees_with_the_cli(vectors_path, work):
    v = rnnkit.load(vectors_path)
    assert isinstance(v, rnnkit.Vectors)
    for word in ["cat", "red", "three"]:
        want = cli_json("embed", "similar", "--model", vectors_path, word, "--top", "10")
        got = v.most_similar(word, topn=10)
        assert [w for w, _ in got] == [n["word"] for n in want["neighbours"]]
        np.testing.assert_allclose([s for _, s in got],
                                   [n["similarity"] for n in want["neighbours"]], rtol=1e-6)
    # Topics: the nearest words of a colour are colours.
    assert {w for w, _ in v.most_similar("red", topn=4)} == {"green", "blue", "yellow", "black"}
    assert v.most_similar(positive=["cat", "dog"], negative=["red"], topn=3)[0][0] in {
        "bird", "fish", "horse"}


def test_keyed_vectors_api(vectors_path, work):
    v = rnnkit.load(vectors_path)
    assert len(v) == len(v.index_to_key) == v.vectors.shape[0]
    assert v.vector_size == v.vectors.shape[1] == 16
    assert v.key_to_index[v.index_to_key[3]] == 3 and v.get_index("cat") == v.key_to_index["cat"]
    assert "cat" in v and "zebra" not in v
    with pytest.raises(KeyError, match="zebra"):
        v["zebra"]
    with pytest.raises(KeyError):
        v.most_similar("zebra")
    assert v.similarity("red", "blue") > v.similarity("red", "cat")
    assert v.similarity("cat", "dog") == pytest.approx(v.similarity("dog", "cat"))
    assert v.doesnt_match(["cat", "dog", "horse", "blue"]) == "blue"
    assert v[["cat", "dog"]].shape == (2, 16)


def test_views_share_memory(vectors_path):
    v = rnnkit.load(vectors_path)
    m = v.vectors
    assert np.shares_memory(m, v.vectors)
    row = v["cat"]
    assert np.shares_memory(row, m)
    assert np.array_equal(row, m[v.key_to_index["cat"]])
    assert not m.flags.writeable  # the index's unit vectors would go stale
    del v  # the view keeps the vectors alive
    assert np.isfinite(m).all()


def test_word2vec_formats_round_trip(vectors_path, work):
    v = rnnkit.load(vectors_path)
    for binary, name in [(True, "v.bin"), (False, "v.txt")]:
        v.save_word2vec_format(work / name, binary=binary)
        w = rnnkit.Vectors.load_word2vec_format(work / name, binary=binary)
        assert w.index_to_key == v.index_to_key
        tol = 0 if binary else 1e-5
        np.testing.assert_allclose(w.vectors, v.vectors, atol=tol)
        assert isinstance(rnnkit.load(work / name), rnnkit.Vectors)


def test_analogies_agree_with_the_cli(vectors_path, work):
    (work / "analogy.txt").write_text(
        ": animals\ncat dog bird fish\ndog cat fish bird\ncat dog zebra fish\n"
        ": colours\nred green blue yellow\nred blue green black\n")
    v = rnnkit.load(vectors_path)
    accuracy, sections = v.evaluate_word_analogies(work / "analogy.txt")
    want = cli_json("embed", "eval", "--model", vectors_path, "--analogy", work / "analogy.txt")
    assert accuracy == pytest.approx(want["analogy_acc"])
    total = sections[-1]
    assert total["section"] == "total" and total["questions"] == 5
    assert total["correct"] + total["incorrect"] == 4  # one question has an unknown word


def test_most_similar_agrees_with_gensim(vectors_path):
    gensim = pytest.importorskip("gensim.models", reason="gensim (python3-gensim) not installed")
    g = gensim.KeyedVectors.load_word2vec_format(str(vectors_path))
    v = rnnkit.load(vectors_path)
    for word in ["cat", "red", "three"]:
        ours = v.most_similar(word, topn=10)
        theirs = g.most_similar(word, topn=10)
        assert [w for w, _ in ours] == [w for w, _ in theirs]
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)
    assert v.doesnt_match(["cat", "dog", "red"]) == g.doesnt_match(["cat", "dog", "red"])

"""rnnkit.Seq2Seq.translate agrees with `rnnkit seq2seq translate`."""
import numpy as np
import pytest

import rnnkit
from conftest import cli


def test_translations_agree_with_the_cli(seq2seq_path, work):
    sources = [line.split("\t")[0] for line in (work / "add.tsv").read_text().splitlines()[:20]]
    (work / "sources.txt").write_text("\n".join(sources) + "\n")
    s2s = rnnkit.load(seq2seq_path)
    assert isinstance(s2s, rnnkit.Seq2Seq) and not isinstance(s2s, rnnkit.Autoencoder)
    for beam in (1, 3):
        out = cli("seq2seq", "translate", "--model", seq2seq_path, "--input", work / "sources.txt",
                  "--beam", str(beam))
        assert s2s.translate(sources, beam=beam) == out.splitlines()
    assert s2s.translate(sources[0]) == s2s.translate(sources[:1])[0]


def test_nbest_and_attention(seq2seq_path, work):
    s2s = rnnkit.load(seq2seq_path)
    nbest = s2s.translate(["12+34"], beam=4, nbest=3)[0]
    assert len(nbest) == 3
    assert nbest[0][0] == s2s.translate("12+34", beam=4)
    assert nbest[0][1] >= nbest[1][1] >= nbest[2][1]
    r = s2s.translate("12+34", return_attention=True)
    assert r["text"] == s2s.translate("12+34")
    assert r["output"][-1] == "<eos>"
    assert r["attention"] is None  # peeky's decoder has no attention
    with pytest.raises(ValueError, match="nbest must be 1"):
        s2s.translate("12+34", beam=3, nbest=2, return_attention=True)
    with pytest.raises(ValueError, match="nbest must be between 1 and beam"):
        s2s.translate("1+1", beam=2, nbest=3)


def test_attention_weights(attention_path, work):
    s2s = rnnkit.load(attention_path)
    source = (work / "dates.tsv").read_text().splitlines()[0].split("\t")[0]
    r = s2s.translate(source, return_attention=True, max_length=12)
    a = r["attention"]
    assert a.shape == (len(r["output"]), len(r["source"]))
    np.testing.assert_allclose(a.sum(axis=1), 1, atol=1e-5)  # a distribution over the source
    assert r["text"] == s2s.translate(source, max_length=12)


def test_long_sources_are_cut_as_the_cli_cuts_them(seq2seq_path, work):
    long = "1" * 450 + "+2"  # past the 400 units the command keeps
    (work / "long.txt").write_text(long + "\n")
    want = cli("seq2seq", "translate", "--model", seq2seq_path, "--input", work / "long.txt")
    s2s = rnnkit.load(seq2seq_path)
    assert s2s.translate(long) == want.rstrip("\n")
    assert s2s.translate(long, max_source_length=0) is not None  # no limit

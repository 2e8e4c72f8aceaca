#!/usr/bin/env python3
"""Regenerate the PyTorch golden files in this folder.

    /usr/bin/python3 tests/golden/make_golden.py

Each file holds small random weights and inputs, an upstream gradient, and
what PyTorch computes from them (outputs and gradients, in float64, stored as
float32). The C++ tests (tests/unit/test_golden.cc) read the files and need no
PyTorch. Names follow torch.nn's state_dict.
"""

import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
import rnnkit_safetensors as st  # noqa: E402

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)


def t32(x):
    """Rounds to float32 first so C++ sees exactly the values PyTorch used."""
    return torch.tensor(np.asarray(x.detach().numpy(), dtype=np.float32), dtype=torch.float64)


def save(name, tensors, meta=None):
    out = {k: (v.detach().numpy() if torch.is_tensor(v) else v) for k, v in tensors.items()}
    st.save(os.path.join(HERE, name + ".safetensors"), out, meta or {})
    print("wrote", name)


def embedding():
    w = t32(torch.randn(7, 5)).requires_grad_()
    ids = torch.tensor([[1, 3, 3, 0], [6, 1, 2, 3], [0, 0, 5, 4]])
    y = torch.nn.functional.embedding(ids, w)
    dy = t32(torch.randn_like(y))
    y.backward(dy)
    save("embedding", {"weight": w, "ids": ids.numpy().astype(np.int32), "y": y, "dy": dy,
                       "dweight": w.grad})


def linear():
    x = t32(torch.randn(6, 4)).requires_grad_()
    lin = torch.nn.Linear(4, 3)
    with torch.no_grad():
        lin.weight.copy_(t32(lin.weight))
        lin.bias.copy_(t32(lin.bias))
    y = lin(x)
    dy = t32(torch.randn_like(y))
    y.backward(dy)
    save("linear", {"x": x, "weight": lin.weight, "bias": lin.bias, "y": y, "dy": dy, "dx": x.grad,
                    "dweight": lin.weight.grad, "dbias": lin.bias.grad})


def recurrent(cell, lengths=None, layers=2, name=None):
    T, B, I, H = 6, 3, 5, 4
    mod = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](I, H, layers)
    with torch.no_grad():
        for p in mod.parameters():
            p.copy_(t32(p * 1.5))  # larger weights so the gates leave their linear range
    x = t32(torch.randn(T, B, I)).requires_grad_()
    h0 = t32(torch.randn(layers, B, H) * 0.5).requires_grad_()
    c0 = t32(torch.randn(layers, B, H) * 0.5).requires_grad_()
    state = (h0, c0) if cell == "lstm" else h0
    if lengths is not None:
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths),
                                                         enforce_sorted=False)
        y, s = mod(packed, state)
        y, _ = torch.nn.utils.rnn.pad_packed_sequence(y, total_length=T)
    else:
        y, s = mod(x, state)
    h_n, c_n = s if cell == "lstm" else (s, None)
    dy = t32(torch.randn_like(y))
    dh = t32(torch.randn_like(h_n))
    loss = (y * dy).sum() + (h_n * dh).sum()
    out = {"x": x, "h0": h0, "y": y, "h_n": h_n, "dy": dy, "dh_n": dh}
    if cell == "lstm":
        dc = t32(torch.randn_like(c_n))
        loss = loss + (c_n * dc).sum()
        out.update({"c0": c0, "c_n": c_n, "dc_n": dc})
    loss.backward()
    out.update({"dx": x.grad, "dh0": h0.grad})
    if cell == "lstm":
        out["dc0"] = c0.grad
    for pname, p in mod.named_parameters():
        out[pname] = p
        out["grad." + pname] = p.grad
    if lengths is not None:
        out["lengths"] = np.asarray(lengths, dtype=np.int32)
    save(name or cell, out, {"layers": layers})


def cross_entropy():
    logits = t32(torch.randn(8, 6) * 2).requires_grad_()
    targets = torch.tensor([0, 5, -100, 2, 3, 3, -100, 1])
    loss = torch.nn.functional.cross_entropy(logits, targets, ignore_index=-100)
    loss.backward()
    g_mean = logits.grad.clone()
    logits.grad = None
    loss_sum = torch.nn.functional.cross_entropy(logits, targets, ignore_index=-100,
                                                 reduction="sum")
    loss_sum.backward()
    save("cross_entropy", {"logits": logits, "targets": targets.numpy().astype(np.int32),
                           "loss_mean": loss.reshape(1), "dlogits_mean": g_mean,
                           "loss_sum": loss_sum.reshape(1), "dlogits_sum": logits.grad})


if __name__ == "__main__":
    embedding()
    linear()
    for c in ("rnn", "lstm", "gru"):
        recurrent(c)
        recurrent(c, lengths=[6, 2, 4], layers=1, name=c + "_lengths")
    cross_entropy()

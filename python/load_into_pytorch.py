#!/usr/bin/env python3
"""Load an rnnkit language model into PyTorch and measure its perplexity.

    python3 python/load_into_pytorch.py MODEL.safetensors TEXT [--steps 35]

Builds the same network from torch.nn (Embedding, LSTM/GRU/RNN, Linear), loads
rnnkit's tensors by their state_dict names, and evaluates TEXT as one
continuous stream (batch 1), exactly as `rnnkit lm eval` does by default.
"""

import argparse
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rnnkit_safetensors as st  # noqa: E402


class Encoder(torch.nn.Module):
    """rnnkit's sequence encoder: an embedding, then the recurrent stack."""

    def __init__(self, cfg):
        super().__init__()
        cell = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cfg["cell"]]
        self.embedding = torch.nn.Embedding(cfg["vocab_size"], cfg["emb_size"])
        self.rnn = cell(cfg["emb_size"], cfg["hidden_size"], cfg["num_layers"])

    def forward(self, x, state):
        return self.rnn(self.embedding(x), state)


class RNNModel(torch.nn.Module):
    """The language model: encoder.{embedding,rnn}, decoder (format version 2)."""

    def __init__(self, cfg):
        super().__init__()
        self.encoder = Encoder(cfg)
        self.decoder = torch.nn.Linear(cfg["hidden_size"], cfg["vocab_size"])
        if cfg.get("tie_weights"):
            self.decoder.weight = self.encoder.embedding.weight

    def forward(self, x, state):
        y, state = self.encoder(x, state)
        return self.decoder(y), state


def version2_name(name):
    """Format version 1 named the embedding `encoder.weight` and the stack `rnn.*`."""
    if name == "encoder.weight":
        return "encoder.embedding.weight"
    if name.startswith("rnn."):
        return "encoder." + name
    return name


def load(path):
    tensors, meta = st.load(path)
    if meta.get("format") != "rnnkit.lm":
        raise SystemExit(f"{path}: not an rnnkit language model")
    cfg = json.loads(meta["config"])
    if cfg.get("context", 0) > 0 or cfg.get("unit", "word") != "word":
        raise SystemExit(f"{path}: this script loads word-level recurrent models only")
    vocab = json.loads(meta["vocab"])
    model = RNNModel(cfg)
    v1 = meta.get("format_version") == "1"
    state = {version2_name(k) if v1 else k: torch.from_numpy(v) for k, v in tensors.items()
             if not k.startswith(("optim.", "kept", "carry."))}
    if cfg.get("tie_weights"):
        state["decoder.weight"] = state["encoder.embedding.weight"]
    model.load_state_dict(state, strict=True)
    return model, vocab


def perplexity(model, vocab, path, steps):
    index = {w: i for i, w in enumerate(vocab)}
    unk = index["<unk>"]
    ids = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            ids.extend(index.get(w, unk) for w in line.split())
            ids.append(index["<eos>"])
    data = torch.tensor(ids, dtype=torch.long)
    model.eval()
    nll, count, state = 0.0, 0, None
    with torch.no_grad():
        for start in range(0, len(ids) - 1, steps):
            x = data[start : min(start + steps, len(ids) - 1)].unsqueeze(1)
            y = data[start + 1 : start + 1 + x.shape[0]]
            logits, state = model(x, state)
            nll += torch.nn.functional.cross_entropy(
                logits.view(-1, logits.shape[-1]).double(), y, reduction="sum").item()
            count += y.numel()
    return math.exp(nll / count), count


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("text")
    ap.add_argument("--steps", type=int, default=35)
    args = ap.parse_args()
    model, vocab = load(args.model)
    ppl, n = perplexity(model, vocab, args.text, args.steps)
    print(json.dumps({"ppl": ppl, "tokens": n}))


if __name__ == "__main__":
    main()

"""The Stanford Sentiment Treebank as both tools read it, and mix.txt without SST's
dev and test sentences (for pre-training).

From ../shared/data/sst/trees: SST-2 and SST-5, sentences (each tree's root) and
phrases (every labelled subtree of the training trees, each distinct text once;
SST-2 leaves out neutral nodes), normalised as mix.txt is (text8-like: lower
case, accents dropped, digits spelled out, every other non-letter a space), in
fastText's format (`__label__N text`). Files go to WORK/sst{2,5}.{train,phrases,dev,test}.txt.
"""

import gzip
import os
import re
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data")
DIGITS = "zero one two three four five six seven eight nine".split()


def normalise(text):
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = text.replace("-lrb-", " ").replace("-rrb-", " ")
    text = re.sub(r"[0-9]", lambda m: " " + DIGITS[int(m.group())] + " ", text)
    return " ".join(re.sub(r"[^a-z]", " ", text).split())


def parse_tree(line):
    """Every node (label, leaves) of one PTB-style tree, the root first."""
    tokens = re.findall(r"\(|\)|[^\s()]+", line)
    nodes, stack, i = [], [], 0
    while i < len(tokens):
        t = tokens[i]
        if t == "(":
            stack.append((int(tokens[i + 1]), len(nodes), []))
            nodes.append(None)
            i += 2
        elif t == ")":
            label, at, words = stack.pop()
            nodes[at] = (label, words)
            if stack:
                stack[-1][2].extend(words)
            i += 1
        else:
            stack[-1][2].append(t)
            i += 1
    return nodes


def label_of(label, classes):
    if classes == 5:
        return str(label)
    return None if label == 2 else ("0" if label < 2 else "1")


def prepare(work):
    """Writes the SST files (once) and returns their paths by (classes, part)."""
    os.makedirs(work, exist_ok=True)
    paths = {}
    for classes in (2, 5):
        for part in ("train", "phrases", "dev", "test"):
            paths[(classes, part)] = os.path.join(work, f"sst{classes}.{part}.txt")
    if all(os.path.exists(p) for p in paths.values()):
        return paths
    for classes in (2, 5):
        for part, tree_file in (("train", "train"), ("phrases", "train"), ("dev", "dev"), ("test", "test")):
            seen, lines = set(), []
            with open(os.path.join(DATA, "sst", "trees", tree_file + ".txt"), encoding="utf-8") as f:
                for line in f:
                    nodes = parse_tree(line)
                    for label, words in (nodes if part == "phrases" else nodes[:1]):
                        y, text = label_of(label, classes), normalise(" ".join(words))
                        if y is None or not text or (part == "phrases" and text in seen):
                            continue
                        seen.add(text)
                        lines.append(f"__label__{y} {text}\n")
            with open(paths[(classes, part)] + ".tmp", "w", encoding="utf-8") as g:
                g.writelines(lines)
            os.replace(paths[(classes, part)] + ".tmp", paths[(classes, part)])
    return paths


def filtered_mix(work, min_tokens=5):
    """mix.txt without every line that holds an SST dev or test sentence of at
    least `min_tokens` words (shorter ones match anywhere). Returns the path and
    what was removed."""
    out = os.path.join(work, "mix.nosst.txt")
    report = os.path.join(work, "mix.nosst.report")
    if os.path.exists(out) and os.path.exists(report):
        with open(report) as f:
            return out, f.read().strip()
    sentences = set()
    for part in ("dev", "test"):
        with open(os.path.join(DATA, "sst", "trees", part + ".txt"), encoding="utf-8") as f:
            for line in f:
                text = normalise(" ".join(parse_tree(line)[0][1]))
                if len(text.split()) >= min_tokens:
                    sentences.add(text)
    with gzip.open(os.path.join(DATA, "w2v", "mix.txt.gz"), "rt", encoding="utf-8") as f:
        lines = f.readlines()
    # One text with a line's start offsets: each sentence is one find() pass per hit.
    body = "".join(" " + l.strip() + " \n" for l in lines)
    starts, at = [], 0
    for l in lines:
        starts.append(at)
        at += len(l.strip()) + 3
    import bisect
    hit_lines, found = set(), 0
    for s in sentences:
        key, pos, any_hit = " " + s + " ", 0, False
        while True:
            pos = body.find(key, pos)
            if pos < 0:
                break
            any_hit = True
            hit_lines.add(bisect.bisect_right(starts, pos) - 1)
            pos += 1
        found += any_hit
    kept_tokens = removed_tokens = 0
    with open(out + ".tmp", "w", encoding="utf-8") as g:
        for i, l in enumerate(lines):
            n = len(l.split())
            if i in hit_lines:
                removed_tokens += n
            else:
                kept_tokens += n
                g.write(l)
    os.replace(out + ".tmp", out)
    text = (f"{found} of {len(sentences)} SST dev/test sentences of >= {min_tokens} words found in "
            f"mix.txt; {len(hit_lines)} of {len(lines)} lines removed ({removed_tokens:,} of "
            f"{removed_tokens + kept_tokens:,} tokens); {kept_tokens:,} tokens kept")
    with open(report, "w") as f:
        f.write(text + "\n")
    return out, text

"""Which OpenBLAS kernels ("core") each tool of a benchmark runs on.

OpenBLAS picks its core when it loads; on a CPU newer than the library it
falls back to a generic one, and rnnkit then picks a better one (see
`rnnkit info`). The benchmarks record the core of every tool they time, and
run PyTorch a second time on rnnkit's core (OPENBLAS_CORETYPE) when the two
differ, so that both ratios are known.
"""

import ctypes
import json
import subprocess


def this_process():
    """The core of the OpenBLAS this Python process has loaded (None if none)."""
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "libopenblas" in line}
    for path in sorted(paths):
        lib = ctypes.CDLL(path)
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    return None


def rnnkit(binary, env=None):
    """(core, who chose it) of an rnnkit binary, from `rnnkit info --json`."""
    out = subprocess.run([binary, "info", "--json"], env=env, check=True, capture_output=True,
                         text=True).stdout
    blas = json.loads(out)["blas"]
    return blas["core"], blas["chosen_by"]

#!/usr/bin/env python3
"""Forecasting numeric series: rnnkit's recurrent forecaster beside its
in-tool baselines, the published rows and statsmodels, same data, same run.

    /usr/bin/python3 bench/forecast_bench.py exchange [--seeds 1 2 3] [--horizons 3 6 12 24]
    /usr/bin/python3 bench/forecast_bench.py airline [--seeds 1 2 3 4 5]
    /usr/bin/python3 bench/forecast_bench.py speed [--reps 3] [--threads 1 2]

exchange: ../shared/data/timeseries/exchange_rate.txt.gz with LSTNet's protocol
(60/20/20 chronological split, max-abs scaling per series, lookback 168, one
value `horizon` days ahead); RSE and CORR of rnnkit (median over seeds), its
persistence and AR baselines, and the published rows (MTGNN's Table 2).

airline: ../shared/data/timeseries/airline-passengers.csv, the last 12 and the
last 24 months forecast in one shot (direct multi-step) from the rest;
rnnkit on logs differenced at lag 12 with 0.1/0.5/0.9 quantiles, beside
SARIMA(0,1,1)(0,1,1)12 on logs and Holt-Winters (additive trend,
multiplicative season), fitted by python3-statsmodels on the same rows; RMSE,
MAPE and the coverage of the 80% intervals (SARIMA's from its model).

speed: training windows/s of the exchange_rate model (lookback 168, batch 64,
projection 32, LSTM 64, residual) in rnnkit and in PyTorch (the same model:
Linear -> LSTM -> Linear on the last state, Adam, MSE, clipping 10), one
epoch each, alternating, --reps times per thread count; medians and ratio.

Every run's figures go to bench/results/forecast/*.jsonl.
"""

import argparse
import gzip
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RNNKIT = os.environ.get("RNNKIT", os.path.join(ROOT, "build", "release", "rnnkit"))
DATA = os.path.join(ROOT, "..", "shared", "data", "timeseries")
OUT = os.path.join(ROOT, "bench", "results", "forecast")
EXCHANGE = os.path.join(DATA, "exchange_rate.txt.gz")
AIRLINE = os.path.join(DATA, "airline-passengers.csv")

# MTGNN (Wu et al. 2020) Table 2, exchange_rate RSE / CORR at horizons 3, 6, 12, 24.
PUBLISHED = {
    "AR": ([0.0228, 0.0279, 0.0353, 0.0445], [0.9734, 0.9656, 0.9526, 0.9357]),
    "RNN-GRU": ([0.0192, 0.0264, 0.0408, 0.0626], [0.9786, 0.9712, 0.9531, 0.9223]),
    "LSTNet-skip": ([0.0226, 0.0280, 0.0356, 0.0449], [0.9735, 0.9658, 0.9511, 0.9354]),
    "TPA-LSTM": ([0.0174, 0.0241, 0.0341, 0.0444], [0.9790, 0.9709, 0.9564, 0.9381]),
    "MTGNN": ([0.0194, 0.0259, 0.0349, 0.0456], [0.9786, 0.9708, 0.9551, 0.9372]),
}
# The exchange_rate configuration chosen on the validation part (see RESULTS.md).
EXCHANGE_FLAGS = ["--no-header", "--scale", "maxabs", "--lookback", "168", "--residual",
                  "--dropout", "0.3", "--lr", "3e-4", "--epochs", "30", "--early-stopping", "5"]
AIRLINE_FLAGS = ["--time-column", "Date", "--season", "12", "--log", "--difference", "12",
                 "--quantiles", "0.1,0.5,0.9", "--lookback", "36", "--hidden", "32",
                 "--projection", "16", "--dropout", "0.2", "--lr", "3e-3", "--epochs", "300",
                 "--early-stopping", "50"]


def log_row(name, row):
    os.makedirs(OUT, exist_ok=True)
    row.update(machine=platform.node(), time=time.strftime("%Y-%m-%d %H:%M:%S"))
    with open(os.path.join(OUT, name + ".jsonl"), "a") as f:
        f.write(json.dumps(row) + "\n")


def copy_svg(work, name):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(work, "run", "forecast.svg")) as src, open(os.path.join(OUT, name), "w") as dst:
        dst.write(src.read())


def rnnkit_train(args, work):
    out = os.path.join(work, "run")
    cmd = [RNNKIT, "forecast", "train", "--out", out, "--overwrite", "--json"] + args
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit("failed: " + " ".join(cmd) + "\n" + res.stderr[-2000:])
    # The command as the results keep it: paths relative to the repository, the run as DIR.
    shown = ["DIR" if x == out else os.path.relpath(x, ROOT) if os.path.isabs(x) else x for x in cmd]
    return json.loads(res.stdout.strip().splitlines()[-1]), shown


def exchange(a):
    rows = []
    for h in a.horizons:
        for seed in a.seeds:
            with tempfile.TemporaryDirectory() as work:
                r, cmd = rnnkit_train(["--data", EXCHANGE, "--horizon", str(h), "--seed", str(seed),
                                       "--threads", str(a.threads)] + EXCHANGE_FLAGS, work)
                if seed == a.seeds[0] and h == a.horizons[0]:
                    copy_svg(work, f"exchange_h{h}.svg")
            b = r["baselines"]
            ar = next(v for k, v in b.items() if k.startswith("AR"))
            row = {"horizon": h, "seed": seed, "rse": r["test_rse"], "corr": r["test_corr"],
                   "kept_epoch": r["kept_epoch"], "persistence_rse": b["persistence"]["rse"],
                   "persistence_corr": b["persistence"]["corr"], "ar_rse": ar["rse"],
                   "ar_corr": ar["corr"], "command": " ".join(cmd[1:])}
            log_row("exchange", row)
            rows.append(row)
            print(f"h={h} seed={seed}: RSE {row['rse']:.5f} CORR {row['corr']:.4f} "
                  f"(persistence {row['persistence_rse']:.5f}, AR {row['ar_rse']:.5f})", flush=True)
    med = lambda h, k: statistics.median(r[k] for r in rows if r["horizon"] == h)
    hs = a.horizons
    print("\n| exchange_rate, RSE (CORR) | " + " | ".join(f"h = {h}" for h in hs) + " |")
    print("|---|" + "---|" * len(hs))
    print(f"| rnnkit (median of {len(a.seeds)} seeds) | " +
          " | ".join(f"**{med(h, 'rse'):.5f}** ({med(h, 'corr'):.4f})" for h in hs) + " |")
    print("| persistence, measured here | " +
          " | ".join(f"{med(h, 'persistence_rse'):.5f} ({med(h, 'persistence_corr'):.4f})" for h in hs) + " |")
    print("| AR(p), p chosen on validation, measured here | " +
          " | ".join(f"{med(h, 'ar_rse'):.5f} ({med(h, 'ar_corr'):.4f})" for h in hs) + " |")
    for name, (rse, corr) in PUBLISHED.items():
        idx = [[3, 6, 12, 24].index(h) for h in hs]
        print(f"| {name} (published) | " + " | ".join(f"{rse[i]:.4f} ({corr[i]:.4f})" for i in idx) + " |")
    print("\nrnnkit - persistence, per seed: " + ", ".join(
        f"h={r['horizon']}/s{r['seed']} {r['rse'] - r['persistence_rse']:+.5f}" for r in rows))


def airline_statsmodels(values, n):
    import numpy as np
    from statsmodels.tsa.holtwinters import ExponentialSmoothing
    from statsmodels.tsa.statespace.sarimax import SARIMAX
    train, test = np.array(values[:-n]), np.array(values[-n:])
    out = {}
    sarima = SARIMAX(np.log(train), order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit(disp=False)
    fc = sarima.get_forecast(n)
    lo, hi = np.exp(fc.conf_int(alpha=0.2)).T
    out["SARIMA(0,1,1)(0,1,1)12 on logs"] = (np.exp(fc.predicted_mean), lo, hi)
    hw = ExponentialSmoothing(train, trend="add", seasonal="mul", seasonal_periods=12).fit()
    out["Holt-Winters (multiplicative season)"] = (hw.forecast(n), None, None)
    out["seasonal naive"] = (np.array([train[len(train) - 12 + i % 12] for i in range(n)]), None, None)
    scores = {}
    for name, (f, lo, hi) in out.items():
        e = f - test
        s = {"rmse": float(np.sqrt(np.mean(e * e))), "mape": float(100 * np.mean(np.abs(e) / test))}
        if lo is not None:
            s["coverage"] = float(np.mean((test >= lo) & (test <= hi)))
        scores[name] = s
    return scores


def airline(a):
    with open(AIRLINE) as f:
        values = [float(line.strip().split(",")[1]) for line in f.readlines()[1:]]
    for n in (12, 24):
        runs = []
        for seed in a.seeds:
            with tempfile.TemporaryDirectory() as work:
                r, cmd = rnnkit_train(["--data", AIRLINE, "--test-last", str(n), "--steps", str(n),
                                       "--seed", str(seed), "--threads", str(a.threads)] + AIRLINE_FLAGS,
                                      work)
                if seed == a.seeds[0]:
                    copy_svg(work, f"airline_last{n}.svg")
            t = r["test"]
            row = {"months": n, "seed": seed, "rmse": t["rmse"], "mape": t["mape"],
                   "coverage": t["coverage"], "kept_epoch": r["kept_epoch"],
                   "command": " ".join(cmd[1:])}
            log_row("airline", row)
            runs.append(row)
            print(f"last {n}, seed {seed}: RMSE {t['rmse']:.2f} MAPE {t['mape']:.2f}% "
                  f"coverage {100 * t['coverage']:.0f}% (kept epoch {r['kept_epoch']})", flush=True)
        stats = airline_statsmodels(values, n)
        log_row("airline", {"months": n, "statsmodels": stats})
        print(f"\n| airline, last {n} months | RMSE | MAPE | 80% interval coverage |")
        print("|---|---|---|---|")
        m = lambda k: statistics.median(r[k] for r in runs)
        print(f"| rnnkit (median of {len(runs)} seeds; runs: "
              + ", ".join(f"{r['rmse']:.1f}" for r in runs)
              + f") | **{m('rmse'):.1f}** | {m('mape'):.2f} % | {100 * m('coverage'):.0f} % |")
        for name, s in stats.items():
            cov = f"{100 * s['coverage']:.0f} %" if "coverage" in s else "-"
            print(f"| {name} | {s['rmse']:.1f} | {s['mape']:.2f} % | {cov} |")
        base = r["baselines"]
        for name, s in base.items():
            print(f"| {name} (rnnkit's baseline) | {s['rmse']:.1f} | {s['mape']:.2f} % | - |")
        print()


def torch_speed(threads, lookback=168, batch=64, proj=32, hidden=64):
    import numpy as np
    import torch
    import torch.nn as nn
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    with gzip.open(EXCHANGE, "rt") as f:
        data = np.array([[float(x) for x in line.split(",")] for line in f], dtype=np.float32)
    train_end = int(0.6 * len(data))
    data = data / np.abs(data[:train_end]).max(axis=0)
    m = data.shape[1]
    targets = list(range(lookback, train_end))  # horizon 1

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = nn.Linear(m, proj)
            self.rnn = nn.LSTM(proj, hidden)
            self.head = nn.Linear(hidden, m)

        def forward(self, x):  # [W, B, m]
            last = x[-1]
            y, _ = self.rnn(self.proj(x - last))
            return self.head(y[-1]) + last

    model = Model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    series = torch.from_numpy(data)
    order = torch.randperm(len(targets)).tolist()
    start = time.perf_counter()
    for i in range(0, len(order), batch):
        idx = [targets[j] for j in order[i:i + batch]]
        x = torch.stack([series[t - lookback:t] for t in idx], dim=1)
        y = torch.stack([series[t] for t in idx])
        loss = ((model(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
    return len(targets) / (time.perf_counter() - start)


def speed(a):
    for threads in a.threads_list:
        ours, theirs = [], []
        for rep in range(a.reps):
            with tempfile.TemporaryDirectory() as work:
                r, cmd = rnnkit_train(["--data", EXCHANGE, "--no-header", "--scale", "maxabs",
                                       "--lookback", "168", "--residual", "--epochs", "1",
                                       "--threads", str(threads)], work)
            ours.append(r["windows_per_s"])
            theirs.append(torch_speed(threads))
            print(f"threads {threads}, rep {rep + 1}: rnnkit {ours[-1]:.0f} win/s, "
                  f"PyTorch {theirs[-1]:.0f} win/s", flush=True)
        import torch
        row = {"threads": threads, "rnnkit": statistics.median(ours),
               "pytorch": statistics.median(theirs), "runs_rnnkit": ours, "runs_pytorch": theirs,
               "torch": torch.__version__, "command": " ".join(cmd[1:])}
        row["ratio"] = row["rnnkit"] / row["pytorch"]
        log_row("speed", row)
        print(f"| {threads} | {row['rnnkit']:.0f} | {row['pytorch']:.0f} | **{row['ratio']:.2f}x** |")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["exchange", "airline", "speed"])
    p.add_argument("--seeds", type=int, nargs="+", default=None,
                   help="default: 1 2 3 (exchange), 1 2 3 4 5 (airline)")
    p.add_argument("--horizons", type=int, nargs="+", default=[3, 6, 12, 24])
    p.add_argument("--threads", type=int, default=1, help="threads of the accuracy runs")
    p.add_argument("--speed-threads", dest="threads_list", type=int, nargs="+", default=[1, 2])
    p.add_argument("--reps", type=int, default=3)
    a = p.parse_args()
    a.seeds = a.seeds or ([1, 2, 3, 4, 5] if a.what == "airline" else [1, 2, 3])
    for path in (EXCHANGE, AIRLINE):
        if not os.path.exists(path):
            sys.exit(f"skipped: {os.path.relpath(path, ROOT)} is absent")
    {"exchange": exchange, "airline": airline, "speed": speed}[a.what](a)


if __name__ == "__main__":
    main()

"""Time to quality: how long Keras 3, a plain PyTorch loop and aekit take to reach a test MSE.

Model: the 784-512-256-32 dense autoencoder with a mirrored decoder (ReLU, linear output), MNIST
(60,000 train / 10,000 test, pixels in [0, 1]), all in one run on this machine:

- **Keras 3** (TensorFlow backend, its own venv made by ``make bench-keras``; skipped when it is
  missing): Keras' recipe, Adam 1e-3 constant, batch 256, MSE, 30 epochs. Its test MSE after 3,
  10 and 30 epochs are the three budgets; the clock stops while each is measured.
- **plain PyTorch**: the loop a user writes by hand, with Keras' recipe (Adam 1e-3, batch 256),
  30 epochs, measured the same way.
- **aekit**: ``AutoencoderReducer(n_components=32, hidden_layer_sizes=(512, 256),
  structure_weight=0, random_state=0, max_epochs=E)`` through its public API, everything else
  default (the PCA front end, the one-cycle schedule, 10% of the rows held out for validation),
  the whole ``fit`` call timed (scaling and the front end's basis included) for each E in
  ``--aekit-epochs``. Each E is a finished run (its schedule anneals at E), so the points are
  "the best aekit gets in that time", not snapshots of one long run.

For each Keras budget the script reports the shortest aekit fit whose test MSE is at most Keras'
and the ratio of wall times (target: at most 1/4), and the same against the plain loop's 3-epoch
figure (target: at most 1/3). It also fits the 64-D reducer with its defaults and with
``max_time=80``. On a CPU with native bf16 (AMX / AVX512-BF16, where ``precision="auto"`` means
bf16 autocast) aekit is also run with ``precision="fp32"``, the figure that carries over to
AVX2-only CPUs. One figure: test MSE against wall seconds for the three trainers.

    make bench-keras                                        # once: the Keras venv
    .venv/bin/python benchmarks/time_to_quality.py          # writes benchmarks/results/time_to_quality.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from _common import RESULTS, write_result

from aekit import AutoencoderReducer
from aekit.blocks import Autoencoder
from aekit.datasets import load_mnist
from aekit.hardware import cpu_has_fast_bf16

HIDDEN, LATENT, BATCH = (512, 256), 32, 256
BUDGETS = (3, 10, 30)
KERAS_PY = Path(__file__).resolve().parents[1] / ".venv-keras" / "bin" / "python"


def keras_curve(X: np.ndarray, Xt: np.ndarray, epochs: int, curve: bool = True) -> dict | None:
    """Keras 3 in its own venv; with ``curve`` the test MSE after every epoch (outside the clock)."""
    if not KERAS_PY.exists():
        print("Keras: .venv-keras missing (make bench-keras sets it up); skipped", flush=True)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        np.save(f"{tmp}/x.npy", X)
        np.save(f"{tmp}/xt.npy", Xt)
        out = subprocess.run([str(KERAS_PY), str(Path(__file__).with_name("keras_baseline.py")), "--train",
                              f"{tmp}/x.npy", "--test", f"{tmp}/xt.npy", "--epochs", str(epochs),
                              *(["--curve"] if curve else [])],
                             capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def torch_curve(X: np.ndarray, Xt: np.ndarray, epochs: int, verbose: bool = True) -> dict:
    """Keras' recipe in a hand-written PyTorch loop; test MSE after each epoch (not timed)."""
    torch.manual_seed(0)
    Xtr, Xte = torch.from_numpy(X), torch.from_numpy(Xt)
    model = Autoencoder.dense(X.shape[1], HIDDEN, LATENT)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def epoch_pass(rows):
        perm = torch.randperm(len(rows))
        for i in range(0, len(rows), BATCH):
            xb = rows[perm[i:i + BATCH]]
            loss = F.mse_loss(model(xb), xb)
            opt.zero_grad()
            loss.backward()
            opt.step()

    epoch_pass(Xtr[: BATCH * 4])  # warm-up, as for the others
    curve, seconds = [], 0.0
    for epoch in range(epochs):
        t0 = time.perf_counter()
        epoch_pass(Xtr)
        seconds += time.perf_counter() - t0
        with torch.no_grad():
            mse = float(F.mse_loss(model(Xte), Xte))
        curve.append({"epoch": epoch + 1, "seconds": round(seconds, 2), "test_mse": round(mse, 6)})
        if verbose:
            print(f"  plain PyTorch epoch {epoch + 1}: {seconds:.1f} s, test MSE {mse:.5f}", flush=True)
    return {"method": "plain PyTorch loop (Keras' recipe)", "curve": curve}


def aekit_fit(X: np.ndarray, Xt: np.ndarray, **params) -> dict:
    reducer = AutoencoderReducer(**{"random_state": 0, **params})
    t0 = time.perf_counter()
    reducer.fit(X)
    seconds = time.perf_counter() - t0
    mse = float(np.mean((reducer.reconstruct(Xt) - Xt) ** 2))
    return {"params": {k: v for k, v in params.items()}, "seconds": round(seconds, 2), "test_mse": round(mse, 6),
            "epochs": reducer.n_iter_, "n_basis": reducer.n_basis_, "timings": reducer.timings_}


def aekit_series(X, Xt, epochs_list, precision: str) -> list[dict]:
    base = dict(n_components=LATENT, hidden_layer_sizes=HIDDEN, structure_weight=0, precision=precision)
    aekit_fit(X[:2048], Xt[:100], **base, max_epochs=1)  # warm-up: thread pools, allocator
    rows = []
    for e in epochs_list:
        r = aekit_fit(X, Xt, **base, max_epochs=e)
        print(f"  aekit ({precision}) max_epochs={e}: {r['seconds']:.1f} s, test MSE {r['test_mse']:.5f}",
              flush=True)
        rows.append(r)
    return rows


def shortest_reaching(series: list[dict], mse: float) -> dict | None:
    ok = [r for r in series if r["test_mse"] <= mse]
    return min(ok, key=lambda r: r["seconds"]) if ok else None


def compare(series: list[dict], name: str, target_s: float, target_mse: float, wanted_ratio: float) -> dict:
    best = shortest_reaching(series, target_mse)
    row = {"baseline": name, "baseline_seconds": target_s, "baseline_test_mse": target_mse,
           "target_ratio": wanted_ratio}
    if best is None:
        row.update(aekit=None, ratio=None, met=False)
    else:
        ratio = best["seconds"] / target_s
        row.update(aekit_max_epochs=best["params"]["max_epochs"], aekit_seconds=best["seconds"],
                   aekit_test_mse=best["test_mse"], ratio=round(ratio, 3), met=ratio <= wanted_ratio)
    return row


def plot(keras, plain, series_by_precision, path: Path, native_bf16: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for run, label, style in ((keras, "Keras 3 (Adam 1e-3, batch 256)", "o-"),
                              (plain, "plain PyTorch (Keras' recipe)", "s-")):
        if run is not None:
            ax.plot([c["seconds"] for c in run["curve"]], [c["test_mse"] for c in run["curve"]], style,
                    ms=3, label=label)
    for precision, series in series_by_precision.items():
        what = ("precision='auto': bf16 autocast on this CPU" if precision == "auto" and native_bf16
                else f"precision='{precision}'")
        ax.plot([r["seconds"] for r in series], [r["test_mse"] for r in series], "D-", ms=4,
                label=f"aekit AutoencoderReducer, one fit per point ({what})")
    ax.set_xscale("log")
    ax.set_xlabel("wall seconds (log)")
    ax.set_ylabel("test MSE per pixel (lower is better)")
    ax.set_title("784-512-256-32 autoencoder on MNIST: test error against training time")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--aekit-epochs", type=int, nargs="+", default=[1, 2, 3, 4, 6, 8, 12])
    ap.add_argument("--baseline-epochs", type=int, default=max(BUDGETS))
    ap.add_argument("--skip-64", action="store_true", help="skip the 64-D reducer rows")
    ap.add_argument("--replot", action="store_true", help="redraw the figure from the JSON of the last run")
    args = ap.parse_args()
    if args.replot:
        d = json.loads((RESULTS / "time_to_quality.json").read_text())
        plot(d["keras"], d["plain_pytorch"], d["aekit"], RESULTS / "time_to_quality.png", d["machine"]["cpu_fast_bf16"])
        return

    X, Xt = load_mnist("train")[0], load_mnist("test")[0]
    print("Keras 3:", flush=True)
    keras = keras_curve(X, Xt, args.baseline_epochs)
    print("plain PyTorch:", flush=True)
    plain = torch_curve(X, Xt, args.baseline_epochs)
    precisions = ["auto", "fp32"] if cpu_has_fast_bf16() else ["auto"]
    series = {p: aekit_series(X, Xt, args.aekit_epochs, p) for p in precisions}

    comparisons = []
    for precision, s in series.items():
        if keras is not None:
            for b in BUDGETS:
                if b <= len(keras["curve"]):
                    c = keras["curve"][b - 1]
                    comparisons.append({"aekit_precision": precision, **compare(
                        s, f"Keras {b} epochs", c["seconds"], c["test_mse"], 0.25)})
        c = plain["curve"][min(3, len(plain["curve"])) - 1]
        comparisons.append({"aekit_precision": precision, **compare(
            s, "plain PyTorch 3 epochs", c["seconds"], c["test_mse"], 1 / 3)})
    for c in comparisons:
        verdict = "met" if c["met"] else "MISSED"
        print(f"{c['baseline']} ({c['baseline_seconds']} s, MSE {c['baseline_test_mse']}): aekit {c['aekit_precision']} "
              f"{c.get('aekit_seconds')} s (MSE {c.get('aekit_test_mse')}), ratio {c['ratio']} "
              f"(target {c['target_ratio']:.3g}: {verdict})", flush=True)

    reducer64 = []
    if not args.skip_64:
        for params in (dict(), dict(max_time=80.0, max_epochs=1000)):
            r = aekit_fit(X, Xt, n_components=64, **params)
            r["met"] = r["test_mse"] <= 0.0016 and r["seconds"] <= 80
            print(f"64-D reducer {params or 'defaults'}: {r['seconds']} s, test MSE {r['test_mse']} "
                  f"({r['epochs']} epochs; target 0.0016 in 80 s: {'met' if r['met'] else 'MISSED'})", flush=True)
            reducer64.append(r)

    plot(keras, plain, series, RESULTS / "time_to_quality.png", cpu_has_fast_bf16())
    path = write_result("time_to_quality", {
        "model": f"784-{HIDDEN[0]}-{HIDDEN[1]}-{LATENT} dense AE, mirrored decoder, MNIST 60,000 / 10,000",
        "keras": keras, "plain_pytorch": plain, "aekit": series, "comparisons": comparisons,
        "reducer_64": reducer64, "figure": "time_to_quality.png",
    })
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

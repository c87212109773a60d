"""Training throughput of aekit's shared loop: fp32 against bf16 autocast, and against Keras.

Model: 784-512-256-32 dense autoencoder with a mirrored decoder, Adam, batch 256, MNIST.
Also measures the fp32 and bf16 GEMM peak (1024 x 1024 matmul) in the same run, so the loop's
achieved GFLOP/s can be read against what this CPU can do, and torch.compile against eager
(compile seconds and steady samples/s) through the same loop.

The comparison trains the same model for the same epochs three ways, in one run: Keras 3 with
the TensorFlow backend (in its own venv, ``.venv-keras``, made by ``make bench-keras``; skipped
when it is missing), a plain PyTorch fp32 loop, and aekit through its public API
(``AutoencoderReducer(n_components=32, hidden_layer_sizes=(512, 256), batch_size=256,
structure_weight=0)``, all rows trained on, no early stopping) -- samples/s and test MSE.

    .venv/bin/python benchmarks/train_speed.py            # writes benchmarks/results/train_speed.json
    make bench-keras                                      # the same, with the Keras venv set up first

On CPUs without AMX / AVX512-BF16, bf16 is emulated and very slow; the bf16 run then uses fewer
rows (``--bf16-rows``) so that the benchmark still ends in reasonable time.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F
from _common import write_result

from aekit.blocks import Autoencoder
from aekit.datasets import load_mnist
from aekit.training import TrainConfig, train

HIDDEN, LATENT, BATCH = (512, 256), 32, 256


def gemm_gflops(dtype: torch.dtype, n: int = 1024, seconds: float = 2.0) -> float:
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    for _ in range(2):
        a @ b
    reps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ b
        reps += 1
    return 2 * n**3 * reps / (time.perf_counter() - t0) / 1e9


def train_flops_per_sample(n_features: int = 784) -> float:
    sizes = [n_features, *HIDDEN, LATENT]
    macs = 2 * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))  # encoder + mirrored decoder
    return 3 * 2 * macs  # forward + backward (about 2x forward) = 3x; 2 FLOPs per multiply-add


def measure(X: torch.Tensor, precision: str, epochs: int) -> dict:
    torch.manual_seed(0)
    model = Autoencoder.dense(X.shape[1], HIDDEN, LATENT)

    def loss_fn(m, batch):
        return F.mse_loss(m(batch[0]).float(), batch[0])

    cfg = dict(batch_size=BATCH, validation_split=0.0, early_stopping=False, precision=precision,
               device="cpu", random_state=0, verbose=0)
    train(model, loss_fn, X[: BATCH * 4], TrainConfig(max_epochs=1, **cfg))  # warm-up
    t0 = time.perf_counter()
    hist = train(model, loss_fn, X, TrainConfig(max_epochs=epochs, **cfg))
    seconds = time.perf_counter() - t0
    sps = len(X) * epochs / seconds
    return {"precision": precision, "rows": len(X), "epochs": epochs, "seconds": round(seconds, 2),
            "samples_per_s": round(sps), "gflops": round(sps * train_flops_per_sample() / 1e9, 1),
            "final_loss": hist.history["loss"][-1]}


def compile_comparison(X: torch.Tensor, rows: int = 30_000) -> dict:
    """torch.compile against eager, both through aekit's loop: compile seconds, steady samples/s."""
    cfg = dict(batch_size=BATCH, validation_split=0.0, early_stopping=False, device="cpu", random_state=0,
               verbose=0)

    def loss_fn(m, batch):
        return F.mse_loss(m(batch[0]).float(), batch[0])

    def samples_per_s(model, epochs):
        t0 = time.perf_counter()
        train(model, loss_fn, X[:rows], TrainConfig(max_epochs=epochs, **cfg))
        return rows * epochs / (time.perf_counter() - t0), time.perf_counter() - t0

    torch.manual_seed(0)
    eager = Autoencoder.dense(X.shape[1], HIDDEN, LATENT)
    compiled = torch.compile(Autoencoder.dense(X.shape[1], HIDDEN, LATENT))
    _, first_epoch_s = samples_per_s(compiled, 1)  # compiles (full and last, partial batch shapes)
    samples_per_s(eager, 1)
    eager_sps, eager_s = samples_per_s(eager, 2)
    compiled_sps, _ = samples_per_s(compiled, 2)
    return {"rows": rows, "eager_samples_per_s": round(eager_sps), "compiled_samples_per_s": round(compiled_sps),
            "compile_overhead_s": round(first_epoch_s - eager_s / 2, 1),
            "compiled_vs_eager": round(compiled_sps / eager_sps, 3)}


def keras_run(X: np.ndarray, Xt: np.ndarray, epochs: int) -> dict | None:
    """Keras 3 in its own venv (``benchmarks/keras_baseline.py``), or None when it is missing."""
    from time_to_quality import keras_curve

    return keras_curve(X, Xt, epochs, curve=False)


def torch_plain_run(X: np.ndarray, Xt: np.ndarray, epochs: int) -> dict:
    """The loop a user would write by hand (``time_to_quality.torch_curve``: shuffle, slice,
    forward, MSE, backward, Adam step), timed over ``epochs``; test MSE at the end."""
    from time_to_quality import torch_curve

    last = torch_curve(X, Xt, epochs, verbose=False)["curve"][-1]
    return {"method": "plain PyTorch fp32 loop", "epochs": epochs, "seconds": last["seconds"],
            "samples_per_s": round(len(X) * epochs / last["seconds"]), "test_mse": round(last["test_mse"], 5)}


def aekit_run(X: np.ndarray, Xt: np.ndarray, epochs: int) -> dict:
    from aekit import AutoencoderReducer

    params = dict(n_components=LATENT, hidden_layer_sizes=HIDDEN, batch_size=BATCH, structure_weight=0,
                  validation_split=0.0, early_stopping=False, random_state=0, verbose=0)
    AutoencoderReducer(**params, max_epochs=1).fit(X[: BATCH * 4])  # warm-up
    reducer = AutoencoderReducer(**params, max_epochs=epochs)
    t0 = time.perf_counter()
    reducer.fit(X)
    seconds = time.perf_counter() - t0
    mse = float(np.mean((reducer.reconstruct(Xt) - Xt) ** 2))
    return {"method": "aekit AutoencoderReducer (public API)", "epochs": epochs, "seconds": round(seconds, 2),
            "samples_per_s": round(len(X) * epochs / seconds), "test_mse": round(mse, 5),
            "precision": "bf16" if reducer.precision == "bf16" else "auto"}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--compare-epochs", type=int, default=3, help="epochs of the Keras / PyTorch / aekit comparison")
    ap.add_argument("--bf16-rows", type=int, default=None,
                    help="rows for the bf16 run (default: all where bf16 is native, 5,120 where emulated)")
    args = ap.parse_args()

    from aekit.hardware import cpu_has_fast_bf16

    X = torch.from_numpy(load_mnist("train")[0])
    peak = {"fp32": round(gemm_gflops(torch.float32), 1), "bf16": round(gemm_gflops(torch.bfloat16), 1)}
    print(f"GEMM peak (1024^3): fp32 {peak['fp32']} GFLOP/s, bf16 {peak['bf16']} GFLOP/s", flush=True)
    bf16_rows = args.bf16_rows or (len(X) if cpu_has_fast_bf16() else BATCH * 20)
    runs = [measure(X, "fp32", args.epochs), measure(X[:bf16_rows], "bf16", 1)]
    for r in runs:
        r["fraction_of_peak"] = round(r["gflops"] / peak[r["precision"]], 3)
        print(f"{r['precision']}: {r['samples_per_s']:,} samples/s, {r['gflops']} GFLOP/s "
              f"({100 * r['fraction_of_peak']:.0f}% of the {r['precision']} GEMM peak)", flush=True)
    comp = compile_comparison(X)
    print(f"torch.compile: {comp['compiled_samples_per_s']:,} samples/s against {comp['eager_samples_per_s']:,} "
          f"eager ({comp['compiled_vs_eager']}x), {comp['compile_overhead_s']} s to compile", flush=True)
    Xn, Xt = X.numpy(), load_mnist("test")[0]
    compare = [r for r in (keras_run(Xn, Xt, args.compare_epochs), torch_plain_run(Xn, Xt, args.compare_epochs),
                           aekit_run(Xn, Xt, args.compare_epochs)) if r is not None]
    base = compare[0]
    for r in compare:
        r["speed_vs_first"] = round(r["samples_per_s"] / base["samples_per_s"], 2)
        r["test_mse_vs_first"] = round(r["test_mse"] / base["test_mse"], 3)
        print(f"{r['method']}: {r['samples_per_s']:,} samples/s, test MSE {r['test_mse']} "
              f"({r['speed_vs_first']}x the speed of {base['method']})", flush=True)
    path = write_result("train_speed", {
        "model": f"784-{HIDDEN[0]}-{HIDDEN[1]}-{LATENT} dense AE, mirrored decoder, Adam, batch {BATCH}",
        "gemm_peak_gflops": peak, "runs": runs,
        "speedup_bf16_over_fp32": round(runs[1]["samples_per_s"] / runs[0]["samples_per_s"], 3),
        "comparison": compare, "torch_compile": comp,
    })
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

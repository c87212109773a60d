"""Dimensionality reduction on MNIST: aekit against PCA, umap-learn, openTSNE, PaCMAP and TorchDR, in one run.

Protocol of the Parametric UMAP paper (Sainburg, McInnes & Gentner, 2021): MNIST train 60,000 /
test 10,000, pixels in [0, 1]. For each method and dimension:

- ``knn5``: 5-NN accuracy on the test embedding, the classifier fit on the train embedding
  (test rows go through the method's ``transform``);
- ``trust5``: trustworthiness (k=5) of the first 10,000 train rows;
- ``test_mse``: test reconstruction MSE per pixel, where the method can invert (umap-learn's
  ``inverse_transform`` on the first ``--inverse-rows`` test rows only: about a second each; in
  64-D it triangulates the embedding and dies, so none);
- ``fit_s``: fit seconds **from a cold process** -- every method runs in a fresh Python process,
  so numba compilation (umap-learn, pynndescent, PaCMAP) and torch start-up count, as they do for
  a user; ``fit_s_warm``: a second fit in the same process, for the methods whose first fit
  compiles code (and aekit's), so both ways of timing are on record;
- ``transform_per_s``: test rows embedded per second;
- ``timings``: aekit's own split of its fit (scaling, basis, graph, layout, network).

Methods: ``pca``; ``ae`` (``AutoencoderReducer(structure_weight=0)``, the plain autoencoder);
``aekit`` (the defaults); ``aekit_semi10`` (the defaults, ``fit(X, y)`` with 10% of the train
labels and -1 elsewhere); ``aekit_images`` / ``aekit_images_semi10`` (the same, told the rows are
28 x 28 images: ``image_shape=(28, 28)``, which gives the convolutional encoder);
``aekit_images_dense`` / ``aekit_images_dense_semi10`` (``image_shape=(28, 28), encoder="dense"``:
the moved copies alone); ``umap`` / ``umap_semi10`` (umap-learn, the same labels with -1 for
the rest); ``opentsne``; ``pacmap``; ``torchdr_umap`` (TorchDR's UMAP on the CPU). The baselines
are the ``bench`` extra (``pip install -e .[bench]``); one that is not installed is reported as
such in the JSON. The figure ``reduce_maps.png`` shows every method's 2-D map of the test rows.
``--data fashion`` runs the 2-D comparison on Fashion-MNIST, which the defaults were never
tuned on (``reduce_fashion.json``, ``reduce_fashion_maps.png``).

    .venv/bin/python benchmarks/reduce.py              # writes benchmarks/results/reduce.json
    .venv/bin/python benchmarks/reduce.py --quick      # 10k/2k rows, short training (reduce_quick.json)
    .venv/bin/python benchmarks/reduce.py --tradeoff   # structure_weight against reconstruction, on a
                                                       # validation split (reduce_tradeoff.json)
    .venv/bin/python benchmarks/reduce.py --fit-timing 3   # cold fits of aekit and umap-learn, alternated
                                                           # (reduce_fit_timing.json)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TRUST_ROWS = 10_000
UMAP_INVERSE_MAX_DIMS = 8
LABEL_FRACTION = 0.1
CHILD_TIMEOUT_S = 1200
METHODS_2D = ["pca", "ae", "aekit", "aekit_semi10", "aekit_images", "aekit_images_semi10",
              "aekit_images_dense", "aekit_images_dense_semi10", "umap", "umap_semi10", "opentsne", "pacmap",
              "torchdr_umap"]
METHODS_64D = ["pca", "aekit", "umap"]
METHODS_FASHION = ["pca", "aekit", "aekit_images", "aekit_images_dense", "umap", "pacmap"]
WARM = {"aekit", "umap", "pacmap"}  # methods also timed on a second fit in the same process
NEEDS = {"umap": "umap", "umap_semi10": "umap", "opentsne": "openTSNE", "pacmap": "pacmap", "torchdr_umap": "torchdr"}


def partial_labels(y: np.ndarray) -> np.ndarray:
    """The train labels with all but a random 10% replaced by -1 (the same rows for every method)."""
    out = y.astype(np.int64).copy()
    out[np.random.default_rng(0).random(len(y)) >= LABEL_FRACTION] = -1
    return out


def make(method: str, dims: int, quick: bool):
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(dims, random_state=0)
    if method.startswith("umap"):
        import umap

        return umap.UMAP(n_components=dims, random_state=None)  # None: umap's parallel (fast) path
    if method == "opentsne":
        from openTSNE import TSNE

        return TSNE(n_components=dims, n_jobs=-1, random_state=0)
    if method == "pacmap":
        import pacmap

        return pacmap.PaCMAP(n_components=dims, random_state=0, save_tree=True)
    if method == "torchdr_umap":
        from torchdr import UMAP

        return UMAP(n_components=dims, device="cpu", random_state=0)  # its default k-NN backend: faiss
    from aekit import AutoencoderReducer

    kwargs = {"random_state": 0}
    if quick:
        kwargs["max_epochs"] = 8
    if method == "ae":
        kwargs["structure_weight"] = 0.0
    if method.startswith("aekit_images"):
        kwargs["image_shape"] = (28, 28)
    if method.startswith("aekit_images_dense"):
        kwargs["encoder"] = "dense"
    return AutoencoderReducer(dims, **kwargs)


def fit_embed(method: str, est, Xtr, y_fit):
    """Fit; return the train embedding."""
    if method == "opentsne":
        est.embedding_ = est.fit(Xtr)
        return np.asarray(est.embedding_)
    if method == "pacmap":
        return est.fit_transform(Xtr)
    if method == "torchdr_umap":
        import torch

        return est.fit_transform(torch.from_numpy(Xtr)).detach().numpy()
    if method.startswith("umap"):
        est.fit(Xtr, y_fit)
        return est.embedding_
    est.fit(Xtr, y_fit) if y_fit is not None else est.fit(Xtr)
    return est.transform(Xtr)


def transform(method: str, est, Xtr, Xte):
    if method == "opentsne":
        return np.asarray(est.embedding_.transform(Xte))
    if method == "pacmap":
        return est.transform(Xte, basis=Xtr)
    if method == "torchdr_umap":
        import torch

        # TorchDR places new rows against the training rows (non-parametric): it needs them.
        return est.transform(torch.from_numpy(Xte), X_train=torch.from_numpy(Xtr)).detach().numpy()
    return est.transform(Xte)


def load(data: str):
    from aekit.datasets import load_fashion_mnist, load_mnist

    loader = load_fashion_mnist if data == "fashion" else load_mnist
    return (*loader("train"), *loader("test"))


def child(method: str, dims: int, quick: bool, inverse_rows: int, out: Path, data: str = "mnist") -> None:
    """One method in this (fresh) process: fit cold, maybe fit again warm, measure, write ``out``."""
    from aekit.metrics import knn_accuracy, reconstruction_mse, trustworthiness

    Xtr, ytr, Xte, yte = load(data)
    if quick:
        Xtr, ytr, Xte, yte = Xtr[:10_000], ytr[:10_000], Xte[:2000], yte[:2000]
    y_fit = partial_labels(ytr) if method.endswith("semi10") else None
    row = {"method": method, "dims": dims, "labels_used": LABEL_FRACTION if y_fit is not None else 0.0}
    est = make(method, dims, quick)
    t0 = time.perf_counter()
    Ztr = fit_embed(method, est, Xtr, y_fit)
    row["fit_s"] = round(time.perf_counter() - t0, 2)
    if hasattr(est, "timings_"):
        row["timings"] = est.timings_
    if method in WARM:
        est = make(method, dims, quick)
        t0 = time.perf_counter()
        Ztr = fit_embed(method, est, Xtr, y_fit)
        row["fit_s_warm"] = round(time.perf_counter() - t0, 2)
    row["trust5"] = trustworthiness(Xtr[:TRUST_ROWS], Ztr[:TRUST_ROWS], 5)
    try:
        t0 = time.perf_counter()
        Zte = np.asarray(transform(method, est, Xtr, Xte))
        row["transform_per_s"] = round(len(Xte) / (time.perf_counter() - t0))
        row["knn5"] = knn_accuracy(Ztr, ytr, Zte, yte, 5)
    except Exception as err:  # a method without an out-of-sample transform
        row["transform_per_s"], row["knn5"], Zte = None, None, None
        row["transform_error"] = f"{type(err).__name__}: {str(err)[:200]}"
    row["test_mse"], row["test_mse_rows"] = None, 0
    if Zte is not None and method.startswith("umap") and dims <= UMAP_INVERSE_MAX_DIMS:
        n = min(inverse_rows, len(Xte))
        t0 = time.perf_counter()
        rec = est.inverse_transform(Zte[:n])
        row["inverse_s_per_sample"] = round((time.perf_counter() - t0) / n, 4)
        row["test_mse"], row["test_mse_rows"] = reconstruction_mse(Xte[:n], rec), n
    elif Zte is not None and hasattr(est, "inverse_transform") and not method.startswith("umap"):
        row["test_mse"], row["test_mse_rows"] = reconstruction_mse(Xte, est.inverse_transform(Zte)), len(Xte)
    for name in ("n_iter_", "structure_weight_", "n_basis_"):
        if hasattr(est, name) and method not in ("pca", "opentsne", "pacmap", "torchdr_umap"):
            row[name.rstrip("_")] = getattr(est, name)
    np.savez(out.with_suffix(".npz"), Zte=np.zeros((0, dims)) if Zte is None else Zte)
    out.write_text(json.dumps(row))


def child_output(method: str, dims, data: str) -> Path:
    return Path(tempfile.gettempdir()) / f"aekit_reduce_{data}_{method}_{dims}.json"


def run_child(method: str, dims: int, args) -> tuple[dict, np.ndarray | None]:
    out = child_output(method, dims, args.data)
    out.unlink(missing_ok=True)  # never read a result left by an earlier run
    cmd = [sys.executable, __file__, "--child", method, str(dims), "--inverse-rows", str(args.inverse_rows),
           "--data", args.data]
    if args.quick:
        cmd.append("--quick")
    try:
        proc = subprocess.run(cmd, timeout=CHILD_TIMEOUT_S, capture_output=True, text=True)
    except subprocess.TimeoutExpired:
        return {"method": method, "dims": dims, "error": f"did not finish in {CHILD_TIMEOUT_S} s"}, None
    if proc.returncode != 0 or not out.exists():
        return {"method": method, "dims": dims, "error": proc.stderr.strip().splitlines()[-1][:300]
                if proc.stderr.strip() else f"exit {proc.returncode}"}, None
    Z = np.load(out.with_suffix(".npz"))["Zte"]
    return json.loads(out.read_text()), (Z if len(Z) else None)


FIT_TIMING_METHODS = ("aekit", "aekit_images", "umap")


def fit_only_child(method: str) -> None:
    """Time one cold 2-D fit on the 60,000 MNIST train rows and print ``{"fit_s": ...}``."""
    Xtr, ytr, _, _ = load("mnist")
    est = make(method, 2, False)
    t0 = time.perf_counter()
    fit_embed(method, est, Xtr, None)
    print(json.dumps({"fit_s": round(time.perf_counter() - t0, 2)}))


def fit_timing(rounds: int) -> None:
    """Cold fit times of aekit and umap-learn, alternated for ``rounds`` rounds, each fit in a fresh
    process: on this machine the same work has taken 40% more or less time from one hour to the
    next, so a ratio taken within a round, repeated, says more than one run's two figures."""
    from _common import write_result

    fits = []
    for r in range(rounds):
        row = {"round": r}
        for method in FIT_TIMING_METHODS:
            proc = subprocess.run([sys.executable, __file__, "--fit-only-child", method], capture_output=True,
                                  text=True, timeout=CHILD_TIMEOUT_S, check=True)
            row[method] = json.loads(proc.stdout.strip().splitlines()[-1])["fit_s"]
        for method in FIT_TIMING_METHODS[:-1]:
            row[f"{method} / umap"] = round(row[method] / row["umap"], 3)
        fits.append(row)
        print(row, flush=True)
        summary = {f"median {m} / umap": float(np.median([f[f"{m} / umap"] for f in fits]))
                   for m in FIT_TIMING_METHODS[:-1]}
        write_result("reduce_fit_timing", {"data": {"name": "mnist", "train_rows": 60_000, "dims": 2},
                                           "timing": "fit seconds, each fit in a fresh (cold) process, methods "
                                                     "alternated within each round",
                                           "rounds": fits, "summary": summary})


TRADEOFF_WEIGHTS = (0.0, 1.0, 2.0, 4.0, 8.0)


def tradeoff() -> None:
    """``structure_weight`` against map and reconstruction quality, 2-D: fit on the first 50,000
    train rows, measure on the last 10,000 (a validation split: the test rows stay unseen)."""
    from _common import write_result

    from aekit import AutoencoderReducer
    from aekit.datasets import load_mnist
    from aekit.metrics import knn_accuracy, reconstruction_mse, trustworthiness

    X, y = load_mnist("train")
    Xf, yf, Xv, yv = X[:50_000], y[:50_000], X[50_000:], y[50_000:]
    rows = []
    # the weights with the default network, then the default weight with the network the
    # defaults had before (two layers for 30 epochs), for comparison
    settings = [({"structure_weight": w}, "auto") for w in TRADEOFF_WEIGHTS]
    settings.append(({"structure_weight": 4.0, "hidden_layer_sizes": (512, 256), "max_epochs": 30},
                     "512-256, 30 epochs"))
    for params, network in settings:
        est = AutoencoderReducer(2, random_state=0, **params)
        t0 = time.perf_counter()
        Zf = est.fit_transform(Xf)
        row = {"structure_weight": params["structure_weight"], "network": network,
               "fit_s": round(time.perf_counter() - t0, 2)}
        Zv = est.transform(Xv)
        row.update(val_knn5=knn_accuracy(Zf, yf, Zv, yv, 5), trust5=trustworthiness(Xf[:TRUST_ROWS], Zf[:TRUST_ROWS], 5),
                   val_mse=reconstruction_mse(Xv, est.inverse_transform(Zv)))
        rows.append(row)
        print(row, flush=True)
        write_result("reduce_tradeoff", {"data": {"fit_rows": len(Xf), "validation_rows": len(Xv)}, "rows": rows})


def installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="10k train / 2k test rows, short training")
    p.add_argument("--methods", nargs="+", default=None, help="a subset of the methods (both dimensions)")
    p.add_argument("--dims", type=int, nargs="+", default=[2, 64])
    p.add_argument("--inverse-rows", type=int, default=100,
                   help="test rows umap-learn's inverse_transform reconstructs (about a second each)")
    p.add_argument("--data", choices=["mnist", "fashion"], default="mnist",
                   help="fashion: Fashion-MNIST, data the defaults were never tuned on (2-D: PCA, aekit, aekit_images, "
                        "aekit_images_dense, umap-learn, PaCMAP; reduce_fashion.json)")
    p.add_argument("--tradeoff", action="store_true", help="structure_weight sweep on a validation split only")
    p.add_argument("--fit-timing", type=int, metavar="ROUNDS", default=0,
                   help="only the cold fit times of aekit, aekit_images and umap-learn, alternated for ROUNDS "
                        "rounds (reduce_fit_timing.json)")
    p.add_argument("--replot", action="store_true", help="redraw the maps figure from the last run's embeddings")
    p.add_argument("--child", nargs=2, metavar=("METHOD", "DIMS"), help=argparse.SUPPRESS)
    p.add_argument("--fit-only-child", metavar="METHOD", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.quick, args.inverse_rows, child_output(*args.child, args.data), args.data)
        return
    if args.fit_only_child:
        fit_only_child(args.fit_only_child)
        return
    if args.tradeoff:
        tradeoff()
        return
    if args.fit_timing:
        fit_timing(args.fit_timing)
        return
    if args.replot:
        replot(args)
        return

    from _common import RESULTS, write_result

    yte = load(args.data)[3]
    if args.quick:
        yte = yte[:2000]
    rows, maps = [], {}
    for dims in [d for d in args.dims if args.data == "mnist" or d <= 3]:
        methods = METHODS_FASHION if args.data == "fashion" else METHODS_2D if dims <= 3 else METHODS_64D
        for method in methods:
            if args.methods and method not in args.methods:
                continue
            if method in NEEDS and not installed(NEEDS[method]):
                row, Z = {"method": method, "dims": dims, "error": f"{NEEDS[method]} is not installed "
                          "(pip install -e .[bench])"}, None
            else:
                row, Z = run_child(method, dims, args)
            rows.append(row)
            if Z is not None and dims == 2:
                maps[map_title(row)] = Z
            if "error" in row:
                print(f"{dims:>3}-D {method:<13} {row['error']}", flush=True)
            else:
                knn = "  -  " if row["knn5"] is None else f"{row['knn5']:.3f}"
                mse = "  -   " if row["test_mse"] is None else f"{row['test_mse']:.4f}"
                print(f"{dims:>3}-D {method:<13} knn5 {knn}  trust5 {row['trust5']:.3f}  mse {mse}  fit {row['fit_s']:7.1f} s"
                      f" (warm {row.get('fit_s_warm', '-')})  transform {row['transform_per_s'] or '-'}/s", flush=True)
            # written after every method, so a long run that dies keeps what it measured
            name = "reduce" + ("_fashion" if args.data == "fashion" else "") + ("_quick" if args.quick else "")
            path = write_result(name, {
                "data": {"name": args.data, "train_rows": 10_000 if args.quick else 60_000, "test_rows": len(yte),
                         "trust_rows": TRUST_ROWS, "label_fraction_semi": LABEL_FRACTION},
                "timing": "fit_s: each method in a fresh process (cold); fit_s_warm: a second fit in it",
                "rows": rows,
            })
    if maps:
        write_maps(RESULTS / f"{name}_maps.png", maps, yte)
    print(f"wrote {path}")


def map_title(row: dict) -> str:
    return f"{row['method']} (5-NN {row['knn5']:.3f})"


def write_maps(png: Path, maps: dict, labels) -> None:
    from aekit.plots import figure_to_png, plot_latent_comparison

    png.write_bytes(figure_to_png(plot_latent_comparison(maps, labels=labels, ncols=5)))


def replot(args) -> None:
    """Redraw the maps figure of the last full run from its children's saved test embeddings."""
    from _common import RESULTS

    name = "reduce" + ("_fashion" if args.data == "fashion" else "")
    rows = json.loads((RESULTS / f"{name}.json").read_text())["rows"]
    maps = {}
    for row in rows:
        path = child_output(row["method"], row["dims"], args.data).with_suffix(".npz")
        if row["dims"] != 2 or "error" in row or not path.exists():
            continue
        Z = np.load(path)["Zte"]
        if len(Z):
            maps[map_title(row)] = Z
    write_maps(RESULTS / f"{name}_maps.png", maps, load(args.data)[3])
    print(f"redrew {len(maps)} maps")


if __name__ == "__main__":
    main()

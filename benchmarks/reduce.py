"""Dimensionality reduction on MNIST: PCA, autoencoders and UMAP, all in one run.

Protocol of the Parametric UMAP paper (Sainburg, McInnes & Gentner, 2021): MNIST train 60,000 /
test 10,000, pixels in [0, 1]. For each method and each dimension (2 and 64):

- ``knn5``: 5-NN accuracy on the test embedding, the classifier fit on the train embedding;
- ``trust5``: trustworthiness (k=5) of the first 10,000 train points;
- ``test_mse``: test reconstruction MSE per pixel (UMAP through ``inverse_transform`` on the
  first ``--inverse-rows`` test rows: it is slow; in 64-D it crashes, so none);
- ``fit_s``: fit seconds; ``transform_per_s``: test samples encoded per second.

Methods: ``pca``; ``ae`` (``AutoencoderReducer(n_components, structure_weight=0)``, the plain
autoencoder); ``aekit`` (``AutoencoderReducer(n_components)`` with its defaults, which turn the
neighbour-graph term on for small ``n_components``); ``ae_structure`` (the neighbour-graph term
forced on, for dimensions where the default leaves it off); ``umap`` (umap-learn, the ``bench``
extra: ``pip install -e .[bench]``).

Both umap-learn and pynndescent (used by aekit's neighbour graph) compile numba code the first
time they run in a process -- about a minute here. The script runs each once on 2,000 rows
before timing anything, so fit times compare the algorithms, not the compiler.

    .venv/bin/python benchmarks/reduce.py              # full run, writes benchmarks/results/reduce.json
    .venv/bin/python benchmarks/reduce.py --quick      # 10k/2k rows, a smoke test (reduce_quick.json)
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import write_result

from aekit import AutoencoderReducer
from aekit.datasets import load_mnist
from aekit.metrics import knn_accuracy, reconstruction_mse, trustworthiness

TRUST_ROWS = 10_000
UMAP_INVERSE_MAX_DIMS = 8


def warm_up(X: np.ndarray) -> None:
    """Compile the numba code of pynndescent and umap-learn outside the timed sections."""
    from pynndescent import NNDescent

    _ = NNDescent(X[:2000], n_neighbors=15, random_state=0).neighbor_graph
    try:
        import umap
    except ImportError:
        return
    r = umap.UMAP(n_epochs=5, random_state=0).fit(X[:2000])
    r.transform(X[2000:2100])
    r.inverse_transform(r.embedding_[:2])


def make(method: str, dims: int, quick: bool):
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(dims, random_state=0)
    if method == "umap":
        import umap

        return umap.UMAP(n_components=dims, random_state=None)  # None: umap's parallel (fast) path
    kwargs = {"random_state": 0}
    if quick:
        kwargs["max_epochs"] = 8
    if method == "ae":
        kwargs["structure_weight"] = 0.0
    elif method == "ae_structure":
        kwargs["structure_weight"] = 1.0
    return AutoencoderReducer(dims, **kwargs)


def structure_by_default(dims: int) -> bool:
    """Whether ``AutoencoderReducer(dims)`` turns the structure term on."""
    return AutoencoderReducer(dims)._resolve_structure_weight() > 0


def measure(method, dims, Xtr, ytr, Xte, yte, quick, inverse_rows):
    est = make(method, dims, quick)
    t0 = time.perf_counter()
    est.fit(Xtr)
    fit_s = time.perf_counter() - t0
    Ztr = est.embedding_ if method == "umap" else est.transform(Xtr)
    t0 = time.perf_counter()
    Zte = est.transform(Xte)
    transform_s = time.perf_counter() - t0
    row = {
        "method": method, "dims": dims,
        "defaults": method == "aekit" or (method == "ae" and not structure_by_default(dims)), "fit_s": round(fit_s, 2),
        "transform_per_s": round(len(Xte) / transform_s),
        "knn5": knn_accuracy(Ztr, ytr, Zte, yte, 5),
        "trust5": trustworthiness(Xtr[:TRUST_ROWS], Ztr[:TRUST_ROWS], 5),
    }
    if method == "umap" and dims > UMAP_INVERSE_MAX_DIMS:
        # umap-learn's inverse_transform triangulates the embedding (scipy's Delaunay); in 64-D
        # that killed the whole process here, so there is no UMAP reconstruction to report
        row["test_mse"] = None
        row["test_mse_rows"] = 0
    elif method == "umap":
        n = min(inverse_rows, len(Xte))
        t0 = time.perf_counter()
        rec = est.inverse_transform(Zte[:n])
        row["inverse_s_per_sample"] = round((time.perf_counter() - t0) / n, 4)
        row["test_mse"] = reconstruction_mse(Xte[:n], rec)
        row["test_mse_rows"] = n
    else:
        rec = est.inverse_transform(Zte)
        row["test_mse"] = reconstruction_mse(Xte, rec)
        row["test_mse_rows"] = len(Xte)
    if hasattr(est, "n_iter_") and method != "pca":
        row["epochs"] = int(est.n_iter_)
    if hasattr(est, "structure_weight_"):
        row["structure_weight"] = est.structure_weight_
    return row


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="10k train / 2k test rows, short training")
    p.add_argument("--dims", type=int, nargs="+", default=[2, 64])
    p.add_argument("--methods", nargs="+", default=["pca", "ae", "aekit", "umap", "ae_structure"])
    p.add_argument("--inverse-rows", type=int, default=100,
                   help="test rows UMAP's inverse_transform reconstructs (about a second each)")
    args = p.parse_args()

    Xtr, ytr = load_mnist("train")
    Xte, yte = load_mnist("test")
    if args.quick:
        Xtr, ytr, Xte, yte = Xtr[:10_000], ytr[:10_000], Xte[:2000], yte[:2000]
    methods = list(args.methods)
    try:
        import umap  # noqa: F401
    except ImportError:
        if "umap" in methods:
            print("umap-learn is not installed (pip install -e .[bench]); skipping UMAP")
            methods.remove("umap")
    warm_up(Xtr)

    rows = []
    for dims in args.dims:
        for method in methods:
            # ``aekit`` (the defaults) coincides with ``ae`` or ``ae_structure``: run it once
            if method == ("ae_structure" if structure_by_default(dims) else "aekit"):
                continue
            row = measure(method, dims, Xtr, ytr, Xte, yte, args.quick, args.inverse_rows)
            rows.append(row)
            print(f"{dims:>3}-D {method:<13} knn5 {row['knn5']:.3f}  trust5 {row['trust5']:.3f}  "
                  f"mse {row['test_mse'] if row['test_mse'] is None else round(row['test_mse'], 4)}  fit {row['fit_s']:7.1f} s  "
                  f"transform {row['transform_per_s']:>9,}/s", flush=True)
            # written after every method, so a long run that dies keeps what it measured
            path = write_result("reduce_quick" if args.quick else "reduce", {
                "data": {"train_rows": len(Xtr), "test_rows": len(Xte),
                         "trust_rows": min(TRUST_ROWS, len(Xtr))},
                "rows": rows,
            })
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

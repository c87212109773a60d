"""One-class anomaly detection on MNIST and Fashion-MNIST: aekit's OutlierDetector against the
classic baselines, all in one run.

The standard protocol (Ruff et al. 2018, Deep SVDD): for each class, train on that class's
training images only, score the whole test set (10,000 images), and measure how well the scores
put the other nine classes (the anomalies) above the class itself: AUROC and average precision.
The mean over the ten classes is the figure published tables report.

    python benchmarks/outliers.py                      # both data sets, 3 seeds: results/outliers.json
    python benchmarks/outliers.py --validate           # how OutlierDetector's defaults were chosen
    python benchmarks/outliers.py --datasets mnist --seeds 1 --classes 0,8   # a quick look

Baselines, each on the raw pixels in [0, 1]: Isolation Forest, one-class SVM (RBF, gamma
"scale", nu 0.1), PCA reconstruction error (32 components), k-NN distance (to the nearest training
image), and PyOD's AutoEncoder and DeepSVDD (benchmark-only extra: ``pip install -e .[bench]``;
reported as missing if PyOD is not installed). The published figures (mean AUROC, %) are quoted
beside them for reference, not rerun.

``--validate`` never touches the test set: within each class's training images it holds out 10%
as normal validation rows and takes 1,000 training images of the other classes as anomalies, and
compares the scores one fitted network gives (reconstruction error; distance between codes, and
between last hidden layers, with 1, 5 or 10 neighbours; combined; ensemble) for the
convolutional and the dense network. That is how ``method="auto"``
and ``n_neighbors`` were chosen.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from _common import RESULTS, write_result
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.neighbors import NearestNeighbors
from sklearn.svm import OneClassSVM

from aekit import OutlierDetector
from aekit.datasets import load_fashion_mnist, load_mnist

LOADERS = {"mnist": load_mnist, "fashion": load_fashion_mnist}

# Mean AUROC (%) over the ten classes, as published (Ruff et al. 2018, Deep SVDD, Table 1; Golan &
# El-Yaniv 2018, GEOM; Gong et al. 2019, MemAE; Bergman & Hoshen 2020, GOAD) -- quoted, not rerun.
PUBLISHED = {
    "mnist": {"DCAE": 89.7, "OC-SVM": 91.3, "Isolation Forest": 92.3, "Deep SVDD": 94.8, "MemAE": 97.5,
              "GEOM": 98.0},
    "fashion": {"CAE": 90.2, "Deep SVDD": 89.2, "OC-SVM": 92.8, "Isolation Forest": 91.6, "GEOM": 93.5,
                "GOAD": 94.1},
}


def _scores(labels_anomalous, scores) -> dict:
    return {"auroc": float(roc_auc_score(labels_anomalous, scores)),
            "ap": float(average_precision_score(labels_anomalous, scores))}


def baselines(train: np.ndarray, test: np.ndarray, seed: int, with_pyod: bool) -> dict:
    """Outlier scores (higher = more unusual) of each baseline, and its fit + score seconds."""
    out = {}

    def timed(name, fn):
        t = time.perf_counter()
        s = fn()
        out[name] = (np.asarray(s, dtype=float), time.perf_counter() - t)

    timed("Isolation Forest", lambda: -IsolationForest(random_state=seed).fit(train).score_samples(test))
    timed("OC-SVM", lambda: -OneClassSVM(gamma="scale", nu=0.1).fit(train).score_samples(test))

    def pca_error():
        p = PCA(32, random_state=seed).fit(train)
        return ((p.inverse_transform(p.transform(test)) - test) ** 2).sum(1)

    timed("PCA error (32)", pca_error)
    timed("k-NN distance", lambda: NearestNeighbors(n_neighbors=1).fit(train).kneighbors(test)[0][:, 0])
    if with_pyod:
        from pyod.models.auto_encoder import AutoEncoder
        from pyod.models.deep_svdd import DeepSVDD

        # PyOD's own defaults (AutoEncoder: [64, 32], 10 epochs; DeepSVDD: 100 epochs would take
        # tens of minutes a class here, so 20), seeded
        timed("PyOD AutoEncoder", lambda: AutoEncoder(random_state=seed, verbose=0).fit(train)
              .decision_function(test))
        timed("PyOD DeepSVDD", lambda: DeepSVDD(n_features=train.shape[1], epochs=20, random_state=seed, verbose=0)
              .fit(train).decision_function(test))
    return out


def run_benchmark(args) -> dict:
    results = {"protocol": "train on one class's training images, score all 10,000 test images; anomalies = "
                           "the other nine classes; AUROC and average precision",
               "seeds": args.seeds, "classes": args.classes, "published_mean_auroc": PUBLISHED, "datasets": {}}
    try:
        import pyod  # noqa: F401

        with_pyod, pyod_note = True, f"pyod {pyod.__version__}"
    except ImportError:
        with_pyod, pyod_note = False, "PyOD is not installed (pip install -e .[bench]): its rows are missing"
    results["pyod"] = pyod_note
    for name in args.datasets:
        Xtr, ytr = LOADERS[name]("train", flatten=False)
        Xte, yte = LOADERS[name]("test", flatten=False)
        per_class = {}
        for c in args.classes:
            train, anomalous = Xtr[ytr == c], (yte != c).astype(int)
            row = {"n_train": int(len(train))}
            for seed in range(args.seeds):
                t = time.perf_counter()
                det = OutlierDetector(random_state=seed).fit(train)
                fit_s = time.perf_counter() - t
                s = -det.score_samples(Xte)
                flagged = det.predict(Xte) == -1
                row.setdefault("aekit", []).append({
                    **_scores(anomalous, s), "fit_s": fit_s, "epochs": det.n_iter_,
                    # the "auto" threshold on test images: how many of each kind it flags
                    "auto_flags_normal": float(flagged[anomalous == 0].mean()),
                    "auto_flags_anomalous": float(flagged[anomalous == 1].mean())})
                print(f"{name} class {c} seed {seed}: aekit AUROC {row['aekit'][-1]['auroc']:.4f} "
                      f"fit {fit_s:.1f} s", flush=True)
            flat_tr, flat_te = train.reshape(len(train), -1), Xte.reshape(len(Xte), -1)
            for seed in range(args.seeds):
                for method, (s, secs) in baselines(flat_tr, flat_te, seed, with_pyod).items():
                    row.setdefault(method, []).append({**_scores(anomalous, s), "fit_s": secs})
                if args.baseline_seeds == 1:
                    break
            per_class[str(c)] = row
            print(f"{name} class {c}: " + ", ".join(
                f"{m} {np.mean([r['auroc'] for r in runs]):.4f}" for m, runs in row.items() if m != "n_train"),
                flush=True)
        methods = [m for m in per_class[str(args.classes[0])] if m != "n_train"]
        summary = {}
        for m in methods:
            by_seed = np.array([[per_class[str(c)][m][s]["auroc"] for c in args.classes]
                                for s in range(len(per_class[str(args.classes[0])][m]))])
            summary[m] = {
                "mean_auroc": float(by_seed.mean()), "mean_auroc_std_over_seeds": float(by_seed.mean(1).std()),
                "mean_ap": float(np.mean([r["ap"] for c in args.classes for r in per_class[str(c)][m]])),
                "mean_fit_s": float(np.mean([r["fit_s"] for c in args.classes for r in per_class[str(c)][m]])),
                "per_class_auroc": {str(c): float(np.mean([r["auroc"] for r in per_class[str(c)][m]]))
                                    for c in args.classes}}
        aek = [r for c in args.classes for r in per_class[str(c)]["aekit"]]
        summary["aekit"]["auto_threshold_flags"] = {
            "normal_test_images": float(np.mean([r["auto_flags_normal"] for r in aek])),
            "anomalous_test_images": float(np.mean([r["auto_flags_anomalous"] for r in aek]))}
        results["datasets"][name] = {"summary": summary, "per_class": per_class}
        print(name, {m: round(v["mean_auroc"], 4) for m, v in summary.items()}, flush=True)
    return results


def validate(args) -> dict:
    """Choose the score on held-out training data (never the test set): see the module docstring."""
    out = {"protocol": "per class: 90% of its training images fit, 10% held out as normal validation rows, "
                       "1,000 training images of the other classes as anomalies; AUROC", "datasets": {}}
    for name in args.datasets:
        Xtr, ytr = LOADERS[name]("train", flatten=False)
        rng = np.random.default_rng(0)
        per_class = {}
        for c in args.classes:
            tr = Xtr[ytr == c]
            idx = rng.permutation(len(tr))
            n_val = len(tr) // 10
            fit, normal = tr[idx[n_val:]], tr[idx[:n_val]]
            others = Xtr[ytr != c][rng.choice(int((ytr != c).sum()), 1000, replace=False)]
            V = np.concatenate([normal, others])
            anomalous = np.r_[np.zeros(len(normal)), np.ones(len(others))]
            row = {}
            for arch in ("conv", "dense"):
                t = time.perf_counter()
                det = OutlierDetector(architecture=arch, random_state=0).fit(fit if arch == "conv" else
                                                                            fit.reshape(len(fit), -1))
                row[f"{arch} fit_s"] = time.perf_counter() - t
                rows = det._rows(V if arch == "conv" else V.reshape(len(V), -1), reset=False)
                fit_rows = det._rows(fit if arch == "conv" else fit.reshape(len(fit), -1), reset=False)
                det.method_ = "reconstruction"  # the one score that runs the decoder alone
                errors = det._errors_and_points(rows)[0]
                row[f"{arch} reconstruction"] = roc_auc_score(anomalous, errors)
                for method in ("latent", "features", "combined", "ensemble"):
                    det.method_ = method
                    for k in (1, 5, 10) if method in ("latent", "features") else (5,):
                        det.n_neighbors = k
                        det._remember(fit_rows)  # this score's memory and spreads, from the fit rows
                        row[f"{arch} {method} k={k}"] = roc_auc_score(anomalous, -det.score_samples(
                            V if arch == "conv" else V.reshape(len(V), -1)))
            row["k-NN raw pixels"] = roc_auc_score(anomalous, NearestNeighbors(n_neighbors=1).fit(
                fit.reshape(len(fit), -1)).kneighbors(V.reshape(len(V), -1))[0][:, 0])
            per_class[str(c)] = row
            print(name, c, {k: round(v, 4) for k, v in row.items()}, flush=True)
        keys = per_class[str(args.classes[0])]
        out["datasets"][name] = {"mean": {k: float(np.mean([per_class[str(c)][k] for c in args.classes]))
                                          for k in keys}, "per_class": per_class}
        print(name, "mean", {k: round(v, 4) for k, v in out["datasets"][name]["mean"].items()}, flush=True)
    return out


def plot(results: dict) -> None:
    import matplotlib.pyplot as plt

    from aekit.plots import figure_to_png  # sets the Agg backend first
    from aekit.serialization import atomic_path

    names = list(results["datasets"])
    fig, axes = plt.subplots(1, len(names), figsize=(7 * len(names), 3.8), squeeze=False)
    for ax, name in zip(axes[0], names):
        summary = results["datasets"][name]["summary"]
        methods = sorted(summary, key=lambda m: summary[m]["mean_auroc"])
        classes = list(summary[methods[0]]["per_class_auroc"])
        width = 0.8 / len(methods)
        for i, m in enumerate(methods):
            vals = [summary[m]["per_class_auroc"][c] for c in classes]
            ax.bar(np.arange(len(classes)) + i * width, vals, width,
                   label=f"{m} ({100 * summary[m]['mean_auroc']:.1f})", color="tab:red" if m == "aekit" else None)
        ax.set_xticks(np.arange(len(classes)) + 0.4 - width / 2, classes)
        ax.set_ylim(0.5, 1.0)
        ax.set_xlabel("normal class")
        ax.set_ylabel("AUROC (higher is better)")
        ax.set_title(f"one-class {name}: AUROC per class (legend: mean, %)", fontsize=10)
        ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    with atomic_path(RESULTS / "outliers.png") as tmp:
        tmp.write_bytes(figure_to_png(fig))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default="mnist,fashion", help="comma-separated: mnist, fashion")
    ap.add_argument("--classes", default="0,1,2,3,4,5,6,7,8,9")
    ap.add_argument("--seeds", type=int, default=3, help="seeds of aekit's detector per class")
    ap.add_argument("--baseline-seeds", type=int, default=1, choices=(1, 3),
                    help="the seeded baselines (Isolation Forest, PyOD) run with 1 seed, or with --seeds")
    ap.add_argument("--validate", action="store_true", help="choose the defaults on training data only")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = ap.parse_args()
    args.datasets = args.datasets.split(",")
    args.classes = [int(c) for c in args.classes.split(",")]
    if args.threads:
        torch.set_num_threads(args.threads)
    tag = "" if args.datasets == ["mnist", "fashion"] else "_" + "_".join(args.datasets)
    if args.validate:
        print("wrote", write_result("outliers_validation" + tag, validate(args)))
        return
    results = run_benchmark(args)
    print("wrote", write_result("outliers" + tag, results))
    if not tag:
        plot(results)


if __name__ == "__main__":
    main()

"""How the default training recipes were chosen: candidates scored on a validation split.

Every candidate is fitted on the first 50,000 MNIST training rows and scored on the last 10,000
training rows (never on the test set, which the other benchmarks report):

- ``reduce-2d``: ``AutoencoderReducer(n_components=2)`` (structure term on): 5-NN accuracy of the
  validation rows (classifier on the fitted rows), trustworthiness (k=5) of the validation rows,
  their reconstruction MSE, and the fit seconds;
- ``reduce-64``: ``AutoencoderReducer(n_components=64)``: validation reconstruction MSE;
- ``dae``: ``DenoisingAutoencoder(architecture="dense", noise_level=0.5)``: MSE and PSNR of the
  cleaned validation rows (the Keras tutorial's noise, clipped to [0, 1]);
- ``classifier``: ``EmbeddingClassifier`` on the movie reviews (tokens of the 20,000 most
  frequent words, 100 per review): accuracy on the last 10% of the training split of
  ``benchmarks/text.py``, whose test rows it never sees.

"before" rows are the recipes these tools had before the PCA front end and the one-cycle
schedule (as ``benchmarks/results/*.json`` measured them).

    .venv/bin/python benchmarks/recipes.py                      # all, about 12 minutes on 2 cores
    .venv/bin/python benchmarks/recipes.py --only dae classifier
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import write_result

from aekit import AutoencoderReducer, DenoisingAutoencoder
from aekit.datasets import load_mnist
from aekit.metrics import knn_accuracy, trustworthiness

OLD_REDUCER = dict(pca_components=None, lr_schedule="cosine", learning_rate=1e-3, batch_size=256, max_epochs=40,
                   patience=8)
REDUCE_2D = {
    "before: 40 epochs, batch 256, cosine 1e-3, no front end": OLD_REDUCER,
    "onecycle 2e-3, batch 128, 10 epochs": dict(batch_size=128, learning_rate=2e-3, max_epochs=10),
    "onecycle 2e-3, batch 128, 20 epochs": dict(batch_size=128, learning_rate=2e-3, max_epochs=20),
    "onecycle 2e-3, batch 256, 30 epochs": dict(batch_size=256, learning_rate=2e-3, max_epochs=30),
    "onecycle 4e-3, batch 256, 30 epochs (default)": dict(batch_size=256, learning_rate=4e-3, max_epochs=30),
    "default without the front end": dict(pca_components=None),
}
REDUCE_64 = {
    "before: 40 epochs, batch 256, cosine 1e-3, no front end": OLD_REDUCER,
    "onecycle 2e-3, batch 128, 20 epochs": dict(batch_size=128, learning_rate=2e-3, max_epochs=20),
    "onecycle 4e-3, batch 256, 30 epochs (default)": dict(batch_size=256, learning_rate=4e-3, max_epochs=30),
}
DAE = {
    "before: 10 epochs, batch 128, cosine 1e-3, no front end": dict(pca_components=None, lr_schedule="cosine",
                                                                    learning_rate=1e-3, max_epochs=10),
    "onecycle 2e-3, batch 128, 10 epochs, no front end": dict(pca_components=None, max_epochs=10),
    "onecycle 2e-3, batch 256, 10 epochs": dict(batch_size=256, max_epochs=10),
    "onecycle 2e-3, batch 128, 10 epochs (default)": dict(max_epochs=10),
}


def reduce_rows(X, y, Xv, yv, dims: int, candidates: dict) -> list[dict]:
    rows = []
    for name, params in candidates.items():
        t0 = time.perf_counter()
        r = AutoencoderReducer(n_components=dims, random_state=0, **params).fit(X)
        seconds = time.perf_counter() - t0
        row = {"recipe": name, "params": params, "fit_s": round(seconds, 1), "epochs": r.n_iter_,
               "val_mse": round(float(np.mean((r.reconstruct(Xv) - Xv) ** 2)), 5)}
        if dims == 2:
            Z, Zv = r.transform(X), r.transform(Xv)
            row["val_knn5"] = round(knn_accuracy(Z, y, Zv, yv), 4)
            row["val_trust5"] = round(float(trustworthiness(Xv, Zv, 5)), 4)
        print(f"  reduce {dims}-D {name}: {row}", flush=True)
        rows.append(row)
    return rows


def dae_rows(X, Xv) -> list[dict]:
    noisy = np.clip(Xv + 0.5 * np.random.default_rng(0).normal(size=Xv.shape), 0, 1).astype(np.float32)
    rows = []
    for name, params in DAE.items():
        t0 = time.perf_counter()
        dae = DenoisingAutoencoder(noise_level=0.5, architecture="dense", random_state=0, **params).fit(X)
        seconds = time.perf_counter() - t0
        mse = ((np.clip(dae.transform(noisy), 0, 1) - Xv) ** 2).mean(axis=1)
        row = {"recipe": name, "params": params, "fit_s": round(seconds, 1), "epochs": dae.n_iter_,
               "val_mse": round(float(mse.mean()), 5),
               "val_psnr": round(float(np.mean(10 * np.log10(1 / np.maximum(mse, 1e-10)))), 3)}
        print(f"  dae {name}: {row}", flush=True)
        rows.append(row)
    return rows


def classifier_rows() -> list[dict]:
    from sklearn.model_selection import train_test_split

    from aekit.datasets import load_movie_reviews
    from aekit.text import EmbeddingClassifier, Tokenizer, pad_sequences

    texts, y = load_movie_reviews()
    tr, _ = train_test_split(np.arange(len(texts)), test_size=0.2, stratify=y, random_state=0)
    n_val = len(tr) // 10
    fit_rows, val_rows = tr[:-n_val], tr[-n_val:]
    tok = Tokenizer(num_words=20000)
    tok.fit_on_texts([texts[i] for i in fit_rows])

    def seqs(rows):
        return pad_sequences(tok.texts_to_sequences([texts[i] for i in rows]), maxlen=100, padding="post",
                             truncating="post")

    X, Xv, yf, yv = seqs(fit_rows), seqs(val_rows), y[fit_rows], y[val_rows]
    vocab = min(20000, len(tok.word_index) + 1)
    base = dict(vocab_size=vocab, embedding_dim=64, pooling="mean", dropout=0.5)
    candidates = {  # (parameters, epochs)
        "before: Adam 1e-3 constant, batch 64, early stopping (patience 3) on 10%": (
            dict(learning_rate=1e-3, batch_size=64, early_stopping=True, patience=3), 40, True),
        "onecycle 1e-2, batch 64, 2 epochs": (dict(learning_rate=1e-2, batch_size=64, lr_schedule="onecycle"), 2, False),
        "onecycle 1e-2, batch 64, 3 epochs": (dict(learning_rate=1e-2, batch_size=64, lr_schedule="onecycle"), 3, False),
        "onecycle 3e-3, batch 64, 4 epochs": (dict(learning_rate=3e-3, batch_size=64, lr_schedule="onecycle"), 4, False),
        "onecycle 1e-2, batch 128, 4 epochs": (dict(learning_rate=1e-2, batch_size=128, lr_schedule="onecycle"), 4,
                                                False),
    }
    rows = []
    for name, (params, epochs, stops) in candidates.items():
        accs, secs = [], []
        for seed in (0, 1, 2):
            clf = EmbeddingClassifier(**base, **params, random_state=seed)
            t0 = time.perf_counter()
            # "before" stopped early on its own 10% (of the fitted rows) and is scored on the same validation rows
            if stops:
                cut = len(X) - len(X) // 10
                clf.fit(X[:cut], yf[:cut], epochs=epochs, validation_data=(X[cut:], yf[cut:]))
            else:
                clf.fit(X, yf, epochs=epochs)
            secs.append(time.perf_counter() - t0)
            accs.append(float(np.mean(clf.predict_classes(Xv) == yv)))
        row = {"recipe": name, "params": params, "epochs": epochs, "val_accuracy": round(float(np.mean(accs)), 4),
               "val_accuracy_per_seed": [round(a, 4) for a in accs], "fit_s": round(float(np.mean(secs)), 2)}
        print(f"  classifier {name}: {row}", flush=True)
        rows.append(row)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="+", default=["reduce-2d", "reduce-64", "dae", "classifier"])
    args = ap.parse_args()
    X_all, y_all = load_mnist("train")
    X, y, Xv, yv = X_all[:50_000], y_all[:50_000], X_all[50_000:], y_all[50_000:]
    out = {}
    if "reduce-2d" in args.only:
        out["reduce_2d"] = reduce_rows(X, y, Xv, yv, 2, REDUCE_2D)
    if "reduce-64" in args.only:
        out["reduce_64"] = reduce_rows(X, y, Xv, yv, 64, REDUCE_64)
    if "dae" in args.only:
        out["dae"] = dae_rows(X, Xv)
    if "classifier" in args.only:
        out["classifier"] = classifier_rows()
    name = "recipes" if len(args.only) == 4 else "recipes_" + "_".join(sorted(args.only))
    path = write_result(name, {"split": "fit on MNIST train rows 0-49,999, scored on rows 50,000-59,999", **out})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

"""``aekit demo``: train, measure against the baseline, and write one HTML report.

Data flow for every section: load -> prepare -> model -> train -> measure -> report.

To add a section, write a function ``my_section(report, quick, verbose) -> dict`` that adds one
:class:`~aekit.report.Section` and returns its metrics, then append it to ``DEMO_SECTIONS``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .hardware import describe_machine
from .report import Report
from .serialization import atomic_path

__all__ = ["DEMO_SECTIONS", "denoise_section", "outliers_section", "reduce_section", "run_demo", "text_section",
           "translate_section", "verdict_rows"]


def _log(verbose: int, msg: str) -> None:
    if verbose:
        print(msg, file=sys.stderr, flush=True)


def reduce_section(report: Report, quick: bool = False, verbose: int = 1) -> dict:
    """MNIST in 2-D: a dense autoencoder beside PCA (latent maps, reconstructions, metrics)."""
    from sklearn.decomposition import PCA

    from .datasets import load_mnist, make_swiss_roll
    from .metrics import knn_accuracy, reconstruction_mse, trustworthiness
    from .plots import plot_history, plot_latent_comparison, plot_reconstructions, plot_swiss_roll
    from .reduce import AutoencoderReducer

    # load -> prepare
    X, y = load_mnist("train")
    X_test, y_test = load_mnist("test")
    if quick:
        X, y, X_test, y_test = X[:5000], y[:5000], X_test[:1000], y_test[:1000]
    # the defaults on the full digits: the section runs in under a minute on 2 cores (issue 18)
    epochs = 10 if quick else "auto"

    # model -> train
    _log(verbose, f"reduce: PCA and an autoencoder on {len(X):,} MNIST digits ...")
    t0 = time.perf_counter()
    pca = PCA(n_components=2, random_state=0).fit(X)
    pca_seconds = time.perf_counter() - t0
    ae = AutoencoderReducer(n_components=2, max_epochs=epochs, random_state=0, verbose=verbose)
    t0 = time.perf_counter()
    ae.fit(X)
    ae_seconds = time.perf_counter() - t0

    # measure
    Z = {"PCA": (pca.transform(X), pca.transform(X_test)), "Autoencoder": (ae.transform(X), ae.transform(X_test))}
    recon = {"PCA": pca.inverse_transform(Z["PCA"][1]), "Autoencoder": ae.reconstruct(X_test)}
    seconds = {"PCA": pca_seconds, "Autoencoder": ae_seconds}
    rows = [
        {
            "method": name,
            "test reconstruction MSE": reconstruction_mse(X_test, recon[name]),
            "5-NN test accuracy": knn_accuracy(Z[name][0], y, Z[name][1], y_test, n_neighbors=5),
            "fit seconds": round(seconds[name], 2),
        }
        for name in ("PCA", "Autoencoder")
    ]

    # report
    s = report.section("Reduce: MNIST in two dimensions")
    s.text(
        f"{len(X):,} training and {len(X_test):,} test digits (28 x 28 pixels in [0, 1]) squeezed into "
        "2 numbers each, by PCA and by aekit's AutoencoderReducer with its defaults"
        + (f" but {epochs} epochs" if quick else "")
        + f" ({ae.n_basis_} principal coordinates in, "
        + "-".join(str(w) for w in ae.model_.net.encoder.config["sizes"][1:])
        + f", mirrored decoder, {ae.n_iter_} epochs, with the neighbour-graph term that keeps UMAP's "
        "structure in 2-D; "
        f"the fit took {ae_seconds:.0f} s: "
        + ", ".join(f"{part} {sec:.1f} s" for part, sec in ae.timings_.items())
        + "). Everything below is measured on the test digits."
    )
    s.figure(
        plot_latent_comparison({name: Z[name][1] for name in Z}, labels=y_test),
        alt="Two scatter plots of the test digits in 2-D, PCA on the left and the autoencoder on the "
            "right, coloured by digit; the autoencoder separates the digits into clearer clusters.",
        caption="Test digits in the 2-D latent space, coloured by their label. Look for one island per "
                "digit: the more the colours overlap, the less a 2-D map keeps of what tells digits apart.",
    )
    s.figure(
        plot_reconstructions({"input": X_test, "PCA": recon["PCA"], "autoencoder": recon["Autoencoder"]}),
        alt="A grid of ten test digits: the originals, PCA's reconstructions from 2 numbers, and the "
            "autoencoder's reconstructions from 2 numbers.",
        caption="Reconstructions from the 2-D codes: input / PCA / autoencoder. Look at whether the "
                "digit drawn back from two numbers is still the same digit.",
    )
    s.figure(
        plot_history(ae.history_, title="autoencoder training"),
        alt="Training and validation loss of the autoencoder falling over the epochs.",
        caption="Loss per epoch (scaled units; validation on 10% of the training rows). Lower is better; "
                "a validation curve far above the training one would mean overfitting.",
    )
    s.table(rows, caption="Lower MSE and higher k-NN accuracy are better.")

    # the swiss roll: a 2-D sheet rolled up in 3-D, which a linear map cannot unroll
    Xr, t = make_swiss_roll(1500 if quick else 3000, random_state=0)
    roll = {
        "PCA": PCA(n_components=2, random_state=0).fit_transform(Xr),
        "autoencoder": AutoencoderReducer(n_components=2, max_epochs=20 if quick else 24,
                                          random_state=0).fit_transform(Xr),
    }
    # measured against the unrolled sheet itself: (position along the roll, height)
    sheet = np.c_[t, Xr[:, 1]]
    kept = {name: trustworthiness(sheet, Z, n_neighbors=10) for name, Z in roll.items()}
    s.figure(
        plot_swiss_roll(Xr, t, roll),
        alt="A 3-D swiss roll coloured from one end to the other, then its 2-D maps by PCA and by "
            "the autoencoder.",
        caption="The swiss roll and its 2-D maps, coloured by position along the roll: an unrolled map "
                "shows the colours as one smooth gradient, a squashed one folds them over each other. "
                "Trustworthiness against the unrolled sheet (k=10; 1 = every map neighbour is a "
                "neighbour on the sheet): " + ", ".join(f"{k} {v:.3f}" for k, v in kept.items()) + ".",
    )
    return {"reduce": rows, "swiss_roll_trustworthiness": kept}


def text_section(report: Report, quick: bool = False, verbose: int = 1) -> dict:
    """Movie-review sentiment: TF-IDF + logistic regression beside aekit's EmbeddingClassifier."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import normalize

    from .datasets import load_movie_reviews
    from .errors import DatasetNotFoundError
    from .plots import plot_training_curves
    from .text import EmbeddingClassifier, TextAutoencoder, Tokenizer, pad_sequences

    s = report.section("Embed text: movie-review sentiment")
    # load -> prepare
    try:
        texts, y = load_movie_reviews()
    except DatasetNotFoundError as exc:
        s.text(f"Skipped: {exc}")
        return {"text": None}
    if quick:
        texts, y = texts[:3000], y[:3000]
    t_train, t_test, y_train, y_test = train_test_split(texts, y, test_size=0.2, stratify=y, random_state=0)
    _log(verbose, f"text: TF-IDF and an EmbeddingClassifier on {len(t_train):,} movie reviews ...")

    # model -> train -> measure
    t0 = time.perf_counter()
    vec = TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2))
    lr = LogisticRegression(C=10.0, max_iter=2000).fit(vec.fit_transform(t_train), y_train)
    rows = [{"method": "TF-IDF 1-2-grams + logistic regression",
             "test accuracy": float(lr.score(vec.transform(t_test), y_test)),
             "fit seconds": round(time.perf_counter() - t0, 2)}]
    t0 = time.perf_counter()
    tok = Tokenizer(num_words=20000)
    tok.fit_on_texts(t_train)
    X_train = pad_sequences(tok.texts_to_sequences(t_train), maxlen=100, padding="post", truncating="post")
    X_test = pad_sequences(tok.texts_to_sequences(t_test), maxlen=100, padding="post", truncating="post")
    n_val = len(X_train) // 10  # early stopping on the last 10% of the training rows, as Keras
    clf = EmbeddingClassifier(vocab_size=min(20000, len(tok.word_index) + 1), embedding_dim=64,
                              pooling="mean", dropout=0.5, learning_rate=1e-3, batch_size=64,
                              early_stopping=True, patience=3, random_state=0)
    history = clf.fit(X_train[:-n_val], y_train[:-n_val], epochs=10 if quick else 40,
                      validation_data=(X_train[-n_val:], y_train[-n_val:]))
    rows.append({"method": "EmbeddingClassifier (mean of 64-d word vectors)",
                 "test accuracy": float(clf.evaluate(X_test, y_test)[1]),
                 "fit seconds": round(time.perf_counter() - t0, 2)})
    # Autoencoder document embeddings read by a logistic regression: fitted on every text, without
    # labels, then with the training texts' labels (the test texts passed as unlabelled, -1).
    all_texts = list(t_train) + list(t_test)
    for name, labels in (("TextAutoencoder 64-d + logistic regression", None),
                         ("TextAutoencoder 64-d, semi-supervised + logistic regression",
                          np.concatenate([y_train, np.full(len(t_test), -1)]))):
        t0 = time.perf_counter()
        tae = TextAutoencoder(n_components=64, max_epochs=5 if quick else 15, random_state=0)
        Z = normalize(tae.fit(all_texts, labels).embedding_)
        probe = LogisticRegression(C=3.0, max_iter=2000).fit(Z[: len(t_train)], y_train)
        rows.append({"method": name, "test accuracy": float(probe.score(Z[len(t_train):], y_test)),
                     "fit seconds": round(time.perf_counter() - t0, 2)})

    # report
    s.text(
        f"Rotten Tomatoes critic snippets (fresh or rotten), {len(t_train):,} for training and "
        f"{len(t_test):,} for testing (stratified split, random_state 0). The autoencoders learn "
        "from all the texts; the semi-supervised one also from the training texts' labels. "
        "benchmarks/text.py compares more methods."
    )
    s.figure(
        plot_training_curves(history, title="EmbeddingClassifier"),
        alt="Loss falling and accuracy rising over the epochs on twin axes, for the training rows "
            "and the validation rows.",
        caption="Training and validation loss (left axis, lower is better) and accuracy (right axis, higher "
                "is better) per epoch. Look at where the validation curves flatten: more epochs stop helping.",
    )
    s.table(rows, caption="Accuracy on the held-out reviews (higher is better).")
    return {"text": rows}


def denoise_section(report: Report, quick: bool = False, verbose: int = 1) -> dict:
    """The pretrained Denoiser beside classical denoisers on held-out photos; a DAE on MNIST."""
    from skimage.restoration import denoise_nl_means, denoise_wavelet

    from .datasets import load_denoising_images, load_mnist
    from .denoise import Denoiser, DenoisingAutoencoder
    from .metrics import psnr, ssim
    from .noise import gaussian
    from .plots import plot_denoising_crops, plot_reconstructions

    s = report.section("Denoise: photos and digits")
    # load -> prepare
    photos = load_denoising_images("test")
    images = {"camera": photos["camera"], "astronaut": photos["astronaut"]}
    if quick:
        images = {k: v[:192, 128:320] for k, v in images.items()}
    sigma = 25
    noisy = {k: gaussian(v.astype(np.float32) / 255, sigma, seed=i) for i, (k, v) in enumerate(images.items())}
    methods = {
        "wavelet (BayesShrink)": lambda y, ch: denoise_wavelet(
            y, sigma=sigma / 255, method="BayesShrink", mode="soft", rescale_sigma=True,
            channel_axis=ch, convert2ycbcr=ch is not None),
        "non-local means": lambda y, ch: denoise_nl_means(
            y, h=0.8 * sigma / 255, sigma=sigma / 255, fast_mode=True, patch_size=5, patch_distance=6,
            channel_axis=ch),
    }
    try:
        import bm3d

        methods["BM3D / CBM3D"] = lambda y, ch: bm3d.bm3d_rgb(y, sigma / 255) if ch is not None \
            else bm3d.bm3d(y, sigma / 255)
    except ImportError:
        bm3d = None
    model = Denoiser.pretrained()
    methods["aekit Denoiser (blind)"] = lambda y, ch: model.denoise(y)

    # measure (the pretrained model never saw these images)
    _log(verbose, "denoise: classical denoisers and the pretrained Denoiser on 2 photos ...")
    rows, outputs = [], {}
    for name, clean in images.items():
        x, ch = clean.astype(np.float32) / 255, (-1 if clean.ndim == 3 else None)
        rows.append({"image": name, "method": "noisy input", "PSNR dB": round(psnr(x, noisy[name]), 2),
                     "SSIM": round(ssim(x, np.clip(noisy[name], 0, 1)), 3), "seconds": 0.0})
        for method, fn in methods.items():
            t0 = time.perf_counter()
            out = np.clip(np.asarray(fn(noisy[name], ch), dtype=np.float32), 0, 1)
            dt = time.perf_counter() - t0
            outputs[(name, method)] = out
            rows.append({"image": name, "method": method, "PSNR dB": round(psnr(x, out), 2),
                         "SSIM": round(ssim(x, out), 3), "seconds": round(dt, 2)})

    # a denoising autoencoder in the Keras tutorial's setting
    X, _ = load_mnist("train")
    X_test, _ = load_mnist("test")
    X, X_test = (X[:5000], X_test[:500]) if quick else (X, X_test[:2000])
    X_noisy = np.clip(X_test + 0.5 * np.random.default_rng(0).normal(size=X_test.shape), 0, 1).astype(np.float32)
    _log(verbose, f"denoise: a denoising autoencoder on {len(X):,} MNIST digits ...")
    dae = DenoisingAutoencoder(noise_level=0.5, architecture="dense", max_epochs=3 if quick else 15,
                               random_state=0, verbose=verbose).fit(X)
    cleaned = dae.transform(X_noisy)
    mnist = {"noisy MSE": float(np.mean((X_noisy - X_test) ** 2)),
             "autoencoder MSE": float(np.mean((cleaned - X_test) ** 2))}

    # report
    s.text(
        f"Gaussian noise of sigma {sigma} (0-255 scale) on two photos the pretrained model never saw "
        "(scikit-image's cameraman, and the astronaut in colour). The classical denoisers are told the "
        "true sigma; aekit's Denoiser estimates it from the image (blind). benchmarks/denoise.py "
        "measures more images, noise levels and methods."
        + ("" if bm3d is not None else " BM3D is not installed here (pip install -e .[bench] adds it).")
    )
    reference = "BM3D / CBM3D" if bm3d is not None else "non-local means"
    fig_rows = []
    for name, clean in images.items():
        x = clean.astype(np.float32) / 255
        cols = {f"noisy {psnr(x, noisy[name]):.2f} dB": np.clip(noisy[name], 0, 1)}
        for method in (reference, "aekit Denoiser (blind)"):
            cols[f"{method.split(' (')[0]} {psnr(x, outputs[(name, method)]):.2f} dB"] = outputs[(name, method)]
        cols["clean"] = x
        fig_rows.append((name, cols))
    crops = None if quick else [(40, 180, 160, 160), (30, 170, 160, 160)]
    s.figure(
        plot_denoising_crops(fig_rows, crops),
        alt="Crops of the cameraman and the astronaut: noisy, the classical reference, aekit's "
            "Denoiser and the clean original, each titled with its PSNR.",
        caption="Noisy / reference / aekit / clean, PSNR in the titles (higher is better). Look at fine "
                "texture (grass, hair, fabric): a denoiser that smooths it away scores lower.",
    )
    s.table(rows, caption="PSNR and SSIM against the clean image (higher is better); seconds per image.")
    s.figure(
        plot_reconstructions({"noisy": X_noisy, "autoencoder": cleaned, "clean": X_test}),
        alt="Ten MNIST test digits with heavy noise, the denoising autoencoder's output, and the "
            "clean digits.",
        caption=f"A dense denoising autoencoder on MNIST (noise factor 0.5, clipped, as in the Keras "
                f"tutorial): test MSE {mnist['noisy MSE']:.4f} noisy, {mnist['autoencoder MSE']:.4f} cleaned "
                f"(lower is better). Look at whether thin strokes survive the cleaning.",
    )
    return {"denoise": rows, "denoise_mnist": mnist}


# what the shipped face editor is, by its method, in the report's words
_EDITOR_DESIGNS = {
    "mask": "a full-resolution U-Net that draws each edit and a mask of where to use it, inside the regions of "
            "the attributes it changes, so every other pixel is the input's",
    "fader": "Fader Networks, a decoder told the attributes and a latent discriminator that keeps them out of "
             "the latent",
}


def translate_section(report: Report, quick: bool = False, verbose: int = 1) -> dict:
    """Attribute editing on procedural faces with the shipped editor (nothing is trained), each
    edit scored against its ground-truth render; the same for edits guided by a reference face."""
    import json

    from .datasets import make_faces
    from .faces import ATTRIBUTES
    from .metrics import psnr
    from .plots import plot_image_grid
    from .translate import PRETRAINED_EDITORS, AttributeEditor

    # load -> prepare: the test faces are other people than the editor's training faces
    t0 = time.perf_counter()
    editor = AttributeEditor.pretrained("faces")
    trained = json.loads((PRETRAINED_EDITORS["faces"] / "training.json").read_text())
    test = make_faces(100 if quick else 400, size=64, random_state=1)
    pool = make_faces(400 if quick else 1600, size=64, random_state=3)  # references: faces that wear glasses
    _log(verbose, f"translate: the shipped face editor on {len(test):,} test faces ...")

    # measure: each edit against the same faces rendered with the new attribute
    rows, grid = [], []

    def score(label, idx, edited, truth):
        rows.append({"edit": label, "faces": len(idx),
                     "PSNR of the edit (dB)": float(np.mean([psnr(t, e) for t, e in zip(truth, edited)])),
                     "PSNR of no edit (dB)": float(np.mean([psnr(t, x) for t, x in zip(truth, test.images[idx])]))})

    for name in ATTRIBUTES:
        for target, direction in ((1, "add"), (0, "remove")):
            idx = np.flatnonzero(test.attributes[name] != target)
            truth = test.render(**{name: target})[idx]
            edited = editor.edit(test.images[idx], **{name: target})
            score(f"{direction} {name}", idx, edited, truth)
            if (name, direction) in (("glasses", "remove"), ("beard", "add"), ("blond", "add")):
                grid += [(f"{direction} {name}\noriginal", list(test.images[idx][:8])),
                         ("edited", list(edited[:8])), ("ground truth", list(truth[:8]))]
    # reference-guided: each face gets the glasses of a reference face, scored against that face
    # rendered wearing exactly those glasses
    idx = np.flatnonzero(test.attributes["glasses"] == 0)
    seen = editor.predict_attributes(pool.images)["glasses"]  # references whose glasses the editor sees
    wearers = np.flatnonzero((pool.attributes["glasses"] == 1) & (seen == 1))[:len(idx)]
    idx = idx[:len(wearers)]
    ref = pool.images[wearers]
    truth = test[idx].render(glasses=1, style_from=pool[wearers])
    edited = editor.edit(test.images[idx], glasses=1, reference=ref)
    score("add glasses like a reference face", idx, edited, truth)
    grid += [("reference", list(ref[:8])), ("original", list(test.images[idx][:8])), ("edited", list(edited[:8])),
             ("ground truth", list(truth[:8]))]
    seconds = time.perf_counter() - t0

    # report
    s = report.section("Translate: attribute editing on faces")
    data = trained.get("data", {})
    s.text(
        f"The face editor that ships with aekit (AttributeEditor.pretrained(\"faces\"): "
        f"{_EDITOR_DESIGNS.get(editor.method, editor.method)}), "
        f"trained by scripts/train_face_editor.py on {data.get('n', 0):,} procedural faces of other people, "
        f"from their attributes, never from pairs; nothing is trained here. {len(test):,} test faces, each "
        f"edit scored against the same face rendered with the new attribute ({seconds:.0f} s in all). "
        "benchmarks/translate.py adds an independent attribute classifier, the latent-arithmetic baseline, "
        "the Translator and MNIST digits."
    )
    s.figure(
        plot_image_grid(grid),
        alt="Rows of eight test faces: originals, the editor's output, and the ground truth, for "
            "removing glasses, adding a beard and making the hair blond; then reference faces, "
            "originals, the originals given the reference's glasses, and the ground truth.",
        caption="Original / edited / ground truth for three edits, then reference / original / edited / "
                "ground truth for glasses taken from a reference face. Look at what the edit should not touch "
                "(eyes, mouth, background): the closer to the original there, the better; and whether the "
                "reference's frame shape and colour come through.",
    )
    s.table(rows, caption="Mean PSNR against the ground-truth render; higher is better. "
                          "\"No edit\" returns the input unchanged: an edit should beat it.")
    return {"translate": rows}


def outliers_section(report: Report, quick: bool = False, verbose: int = 1) -> dict:
    """One-class MNIST: learn one digit, find the other digits in the test set."""
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import roc_auc_score
    from sklearn.neighbors import NearestNeighbors

    from .datasets import load_mnist
    from .outliers import OutlierDetector
    from .plots import plot_outliers

    s = report.section("Outliers: which test digits are not 2s?")
    # load -> prepare: the training 2s only; every test digit, the non-2s are the anomalies
    X, y = load_mnist("train", flatten=False)
    X_test, y_test = load_mnist("test", flatten=False)
    normal = X[y == 2][:1000] if quick else X[y == 2]
    if quick:
        X_test, y_test = X_test[:2000], y_test[:2000]
    anomalous = (y_test != 2).astype(int)
    _log(verbose, f"outliers: an OutlierDetector on {len(normal):,} training 2s, scoring {len(X_test):,} test digits ...")
    t0 = time.perf_counter()
    det = OutlierDetector(max_epochs=2 if quick else 10, random_state=0, verbose=verbose).fit(normal)
    fit_s = time.perf_counter() - t0
    scores = -det.score_samples(X_test)
    flat, flat_test = normal.reshape(len(normal), -1), X_test.reshape(len(X_test), -1)
    baselines = {}
    t0 = time.perf_counter()
    baselines["Isolation Forest"] = (-IsolationForest(random_state=0).fit(flat).score_samples(flat_test),
                                     time.perf_counter() - t0)
    t0 = time.perf_counter()
    baselines["k-NN distance (raw pixels)"] = (
        NearestNeighbors(n_neighbors=1).fit(flat).kneighbors(flat_test)[0][:, 0], time.perf_counter() - t0)
    rows = [{"method": "aekit OutlierDetector", "AUROC": round(roc_auc_score(anomalous, scores), 4),
             "seconds": round(fit_s, 1)}]
    rows += [{"method": m, "AUROC": round(roc_auc_score(anomalous, v), 4), "seconds": round(t, 1)}
             for m, (v, t) in baselines.items()]
    flagged = det.predict(X_test) == -1
    metrics = {"outliers": rows, "outliers_auto_threshold": {
        "flags_of_test_2s": float(flagged[anomalous == 0].mean()),
        "flags_of_other_digits": float(flagged[anomalous == 1].mean())}}

    # report
    s.text(
        f"The detector learned what a handwritten 2 looks like from {len(normal):,} training 2s, and nothing "
        f"else; then it scored all {len(X_test):,} test digits. AUROC says how well the scores put the "
        "other digits above the test 2s (1 is perfect, 0.5 is chance). benchmarks/outliers.py runs "
        "all ten digits, Fashion-MNIST, more baselines and three seeds."
    )
    s.table(rows, caption="AUROC on the test set (higher is better); seconds to fit and score.")
    order = np.argsort(-scores)[:16]
    s.figure(
        plot_outliers(scores, det.threshold_, [X_test[i] for i in order],
                      [f"{y_test[i]}: {scores[i]:.2f}" for i in order], image_shape=X_test.shape[1:]),
        alt="A histogram of the outlier scores of the test digits with the automatic threshold, and "
            "the 16 test digits the detector finds most unusual.",
        caption=f"Left: outlier scores (log scale counts) and the automatic threshold (Tukey's fence), which "
                f"flags {100 * metrics['outliers_auto_threshold']['flags_of_other_digits']:.0f}% of the other "
                f"digits and {100 * metrics['outliers_auto_threshold']['flags_of_test_2s']:.1f}% of the test "
                "2s. Right: the most unusual test digits, titled with their true digit and score. Look for 2s "
                "among them: a 2 the detector finds unusual is a false alarm (or an oddly written 2).",
    )
    return metrics


def _mean(values) -> float:
    values = list(values)
    return float(np.mean(values)) if values else float("nan")


def verdict_rows(metrics: dict) -> list[dict]:
    """One row per tool: aekit's figure, the best baseline's in the same run, the difference (or
    ratio) and the seconds each took -- what the report leads with."""
    rows = []

    def row(tool, measure, ours, ours_s, base_name, base, base_s, better="higher"):
        diff = ours - base if better == "higher" else base - ours
        rows.append({"tool": tool, "measure": f"{measure} ({better} is better)", "aekit": round(ours, 4),
                     "best baseline": f"{base_name}: {base:.4g}", "aekit ahead by": round(diff, 4),
                     "aekit s": "n/a" if ours_s is None else ours_s, "baseline s": "n/a" if base_s is None else base_s})

    if metrics.get("reduce"):
        r = {x["method"]: x for x in metrics["reduce"]}
        ae, pca = r["Autoencoder"], r["PCA"]
        row("reduce (MNIST, 2-D)", "5-NN test accuracy", ae["5-NN test accuracy"], ae["fit seconds"], "PCA",
            pca["5-NN test accuracy"], pca["fit seconds"])
    if metrics.get("denoise"):
        by = {}
        for x in metrics["denoise"]:
            by.setdefault(x["method"], []).append(x)
        ours = "aekit Denoiser (blind)"
        bases = [m for m in by if m not in (ours, "noisy input")]
        if ours in by and bases:
            best = max(bases, key=lambda m: _mean(x["PSNR dB"] for x in by[m]))
            row("denoise (photos, sigma 25)", "mean PSNR dB", _mean(x["PSNR dB"] for x in by[ours]),
                round(sum(x["seconds"] for x in by[ours]), 2), best, _mean(x["PSNR dB"] for x in by[best]),
                round(sum(x["seconds"] for x in by[best]), 2))
    if metrics.get("translate"):
        edits = metrics["translate"]
        row("translate (face edits)", "mean PSNR dB against the ground truth",
            _mean(x["PSNR of the edit (dB)"] for x in edits), metrics.get("section_seconds", {}).get("translate"),
            "no edit (the input unchanged)",
            _mean(x["PSNR of no edit (dB)"] for x in edits), 0.0)
    if metrics.get("text"):
        ours = [x for x in metrics["text"] if not x["method"].startswith("TF-IDF")]
        base = [x for x in metrics["text"] if x["method"].startswith("TF-IDF")]
        if ours and base:
            best = max(ours, key=lambda x: x["test accuracy"])
            row("text (movie reviews)", "test accuracy", best["test accuracy"], best.get("fit seconds"),
                base[0]["method"], base[0]["test accuracy"], base[0].get("fit seconds"))
    if metrics.get("outliers"):
        ours = [x for x in metrics["outliers"] if x["method"].startswith("aekit")]
        bases = [x for x in metrics["outliers"] if not x["method"].startswith("aekit")]
        if ours and bases:
            best = max(bases, key=lambda x: x["AUROC"])
            row("outliers (MNIST 2s)", "AUROC", ours[0]["AUROC"], ours[0].get("seconds"), best["method"],
                best["AUROC"], best.get("seconds"))
    return rows


DEMO_SECTIONS: list[Callable[..., dict]] = [reduce_section, denoise_section, translate_section, text_section,
                                            outliers_section]


def run_demo(output: str | Path = "report", quick: bool = False, verbose: int = 1) -> Path:
    """Run every demo section and write ``output/index.html`` and ``output/metrics.json``.

    Returns the path of the HTML report.
    """
    output = Path(output)
    report = Report(
        "aekit demo report",
        intro="Autoencoders measured against the classic baselines on real data, on this machine.",
    )
    metrics: dict = {"quick": quick, "machine": describe_machine()}
    t0 = time.perf_counter()
    section_seconds = {}
    for section in DEMO_SECTIONS:
        started = time.perf_counter()
        metrics.update(section(report, quick=quick, verbose=verbose))
        name = section.__name__.removesuffix("_section")
        section_seconds[name] = round(time.perf_counter() - started, 1)
        _log(verbose, f"{name}: done in {section_seconds[name]:.0f} s")
    metrics["seconds"] = round(time.perf_counter() - t0, 1)
    metrics["section_seconds"] = section_seconds
    _log(verbose, f"demo: {len(DEMO_SECTIONS)} sections in {metrics['seconds']:.0f} s ("
         + ", ".join(f"{k} {v:.0f} s" for k, v in section_seconds.items()) + ")")
    verdict = report.section("Verdict: each tool against the best baseline in this run")
    verdict.table(verdict_rows(metrics), caption="One row per tool, measured in this run; 'aekit ahead by' is "
                  "negative where the baseline wins. The sections below show how each figure was made.")
    report.sections.insert(0, report.sections.pop())  # the verdict comes first
    about = report.section("About this run")
    about.table([{"fact": k, "value": v} for k, v in metrics["machine"].items()],
                caption="The machine this report was measured on (times compare within one run only).")
    about.text(f"Total time: {metrics['seconds']} s{' (quick mode: subsets and few epochs)' if quick else ''}: "
               + ", ".join(f"{k} {v} s" for k, v in section_seconds.items()) + ".")
    path = report.write(output / "index.html")
    with atomic_path(output / "metrics.json") as tmp:
        tmp.write_text(json.dumps(metrics, indent=2, default=_json_default) + "\n")
    return path


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(type(o).__name__)

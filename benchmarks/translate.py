"""Translate: attribute editing and image-to-image translation, measured against ground truth.

Faces (``aekit.datasets.make_faces``, 64 x 64): every test face is re-rendered with the edited
attribute, so each edit has an exact target. For each attribute (glasses, beard, blond, smiling)
and each direction (add: the faces without it; remove: the faces with it):

- PSNR and SSIM of the edited image against the ground-truth render;
- the accuracy of an *independent* attribute classifier (a CNN trained here on other faces, with
  another seed) on the edited images: does it see the requested value? And does it still see the
  other three attributes as they were?
- identity preservation: PSNR outside the attribute's region (the pixels the ground-truth edit
  changes, dilated by 2 pixels), where the edit should change nothing;
- "no-op": the same scores for returning the input unchanged, the floor any edit must beat.

Reference-guided additions (glasses, beard, blond): each test face lacking the attribute is given
the look of a reference face that has it (``edit(faces, glasses=1, reference=refs)``) and scored
against the test face rendered in exactly that look (``Faces.render(style_from=refs)``), beside
the same edit without a reference (the training faces' mean look).

Methods: the shipped editor (``AttributeEditor.pretrained("faces")``, a ``method="mask"``
editor trained by ``scripts/train_face_editor.py`` on other people, which composes every edit
with its own mask: only ``auto``), ``AttributeEditor(method="fader")``
(conditional decoder + latent discriminator, trained here) and the
baseline ``method="vector"`` (a plain autoencoder of the same architecture and training, edited
by latent vector arithmetic), each applied in every edit mode: ``auto`` (the default:
``residual`` when adding, ``mask`` when removing), ``residual`` (the predicted change is added to
the input), ``mask`` (the decoder's image where the edit changes it) and ``decode`` (the
decoder's whole output). How much the latent still
says about the attributes: a logistic-regression probe on the latents of held-out faces (half to
fit, half to score) and the latent discriminator's own accuracy in the last epoch.

Translator: faces with glasses -> the same faces without (paired training, ``--loss``, MSE by
default), beside the editor's "glasses=0" on the same test faces; and MNIST digits -> their
stroke-thickened versions (grey dilation, 3 x 3 cross).

MNIST: an AttributeEditor with ``digit`` as a categorical attribute redraws 1,000 test digits as
every other digit, in each edit mode (``mask``, what ``edit(digit=d)`` does by default, is the
headline); an independent CNN digit classifier (trained here on the training set) says whether
it reads the requested digit. Style kept: the correlation, over the edits, between the
original and the edited digit's slant (shear of the ink's second moments) and stroke width (ink
per skeleton pixel).

    .venv/bin/python benchmarks/translate.py           # about 2 hours on one thread
    .venv/bin/python benchmarks/translate.py --quick   # a few minutes: tiny sets, few epochs
    .venv/bin/python benchmarks/translate.py --only faces   # 74 minutes on one thread
    .venv/bin/python benchmarks/translate.py --only mnist   # 33 minutes on one thread
    .venv/bin/python benchmarks/translate.py --only translator-faces --loss l1   # 14 minutes
    .venv/bin/python benchmarks/translate.py --only faces-pretrained   # the shipped editor alone: minutes
    .venv/bin/python benchmarks/translate.py --only faces-pretrained --compare "fader (shipped before)=DIR"
        # ... beside another saved editor, e.g. the one shipped before (git archive 0f85dd0
        # src/aekit/weights/face-editor | tar -x -C /tmp/prev, then DIR=/tmp/prev/src/aekit/weights/face-editor)

Writes ``benchmarks/results/translate.json`` (``translate_quick.json`` with ``--quick``;
``translate_<section>.json`` with ``--only``) and the figures ``translate_faces.png`` and
``translate_mnist.png`` beside it.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from unittest.mock import patch

import numpy as np
import torch
import torch.nn.functional as F
from _common import RESULTS, write_result
from scipy.ndimage import binary_dilation, grey_dilation
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

import aekit.translate as aekit_translate
from aekit.blocks import ConvClassifier
from aekit.datasets import load_mnist, make_faces
from aekit.faces import ATTRIBUTES
from aekit.metrics import psnr, ssim
from aekit.plots import figure_to_png, plot_image_grid
from aekit.serialization import atomic_path
from aekit.training import TrainConfig, predict_batches, train
from aekit.translate import AttributeEditor, Translator, _as_images

# mnist_epochs: 16 since the digit editor leaves out the context path (translate.CONTEXT_MAX_AREA),
# which halved its time per epoch: the same fit time as the 8 epochs it had before
FULL = dict(n_train=6000, n_test=1000, n_clf=6000, epochs=12, clf_epochs=8, tr_pairs=3000, tr_epochs=8,
            mnist_train=15000, mnist_epochs=16, mnist_test=1000, mnist_tr_pairs=10000)
QUICK = dict(n_train=400, n_test=120, n_clf=600, epochs=2, clf_epochs=3, tr_pairs=200, tr_epochs=2,
             mnist_train=1000, mnist_epochs=2, mnist_test=100, mnist_tr_pairs=500)


# --------------------------------------------------------------------------------------------
# Independent classifiers
# --------------------------------------------------------------------------------------------


def attribute_labels(faces) -> np.ndarray:
    """The faces' attributes as an ``(n, len(ATTRIBUTES))`` array of 0 / 1, in ``ATTRIBUTES`` order:
    what the independent classifier learns and reads."""
    return np.stack([faces.attributes[a] for a in ATTRIBUTES], axis=1)


def fit_classifier(images, labels: np.ndarray, n_classes: list[int], epochs: int, seed: int):
    """A CNN trained from scratch on ``images`` -> one head per column of ``labels``; returns a
    function images -> predicted labels (n, n_columns)."""
    x, _ = _as_images(images)
    widths = [1 if k == 2 else k for k in n_classes]
    starts = np.cumsum([0] + widths)
    net = ConvClassifier(x.shape[1], (32, 64, 128), int(starts[-1]), dropout=0.1)
    y = torch.from_numpy(labels.astype(np.int64))

    def loss_fn(model, batch):
        xb, yb = batch
        logits = model(xb).float()
        total = 0.0
        for j, (a, w) in enumerate(zip(starts, widths)):
            if w == 1:
                total = total + F.binary_cross_entropy_with_logits(logits[:, a], yb[:, j].float())
            else:
                total = total + F.cross_entropy(logits[:, a:a + w], yb[:, j])
        return total / len(widths)

    train(net, loss_fn, (torch.from_numpy(x), y),
          TrainConfig(max_epochs=epochs, batch_size=64, learning_rate=2e-3, lr_schedule="cosine",
                      validation_split=0.0, early_stopping=False, random_state=seed, verbose=0,
                      desc="classifier"))

    def predict(images):
        xi, _ = _as_images(images)
        logits = predict_batches(net, xi, batch_size=256)
        cols = [(logits[:, a] > 0).astype(np.int64) if w == 1 else logits[:, a:a + w].argmax(1)
                for a, w in zip(starts, widths)]
        return np.stack(cols, axis=1)

    return predict


# --------------------------------------------------------------------------------------------
# Face edits
# --------------------------------------------------------------------------------------------


def mean_of(metric, truths, images) -> float:
    """``metric`` (psnr, ssim) averaged over image pairs."""
    return float(np.mean([metric(t, x) for t, x in zip(truths, images)]))


def psnr_outside(edit: np.ndarray, truth: np.ndarray, region: np.ndarray) -> float:
    keep = ~region
    if not keep.any():
        return float("nan")
    mse = float(((edit - truth) ** 2).mean(axis=-1)[keep].mean())
    return 10 * np.log10(1 / max(mse, 1e-12))


def score_edits(edits, truths, regions, classify, attr_index, target, other_true):
    pred = classify(edits)
    others = [j for j in range(len(ATTRIBUTES)) if j != attr_index]
    return {
        "psnr": mean_of(psnr, truths, edits),
        "ssim": mean_of(ssim, truths, edits),
        "classifier_accuracy": float((pred[:, attr_index] == target).mean()),
        "others_kept": float((pred[:, others] == other_true[:, others]).mean()),
        "psnr_outside_region": float(np.mean([psnr_outside(e, t, r) for e, t, r in zip(edits, truths, regions)])),
        "n": len(edits),
    }


def latent_probe(editor, images, labels) -> dict:
    """Logistic-regression accuracy of each attribute from the latent (fit on one half, scored on the
    other) beside the majority-class rate, the chance level a latent without the attribute gives."""
    z = StandardScaler().fit_transform(editor.encode(images))
    half = len(z) // 2
    out = {}
    for j, name in enumerate(ATTRIBUTES):
        y = labels[:, j]
        lr = LogisticRegression(C=0.05, max_iter=2000).fit(z[:half], y[:half])
        out[name] = {"accuracy": float(lr.score(z[half:], y[half:])),
                     "chance": float(max(y[half:].mean(), 1 - y[half:].mean()))}
    return out


REFERENCE_ATTRIBUTES = ("glasses", "beard", "blond")


def reference_edits(editors, test, pool, classify, log) -> dict:
    """Additions guided by a reference face: each test face lacking the attribute gets the look of
    a reference face that has it, scored against the test face rendered in exactly that look."""
    out = {}
    for name in REFERENCE_ATTRIBUTES:
        j = ATTRIBUTES.index(name)
        idx = np.flatnonzero(test.attributes[name] == 0)
        wearers = np.flatnonzero(pool.attributes[name] == 1)[:len(idx)]
        idx = idx[:len(wearers)]
        faces, refs = test[idx], pool[wearers]
        truth = faces.render(**{name: 1}, style_from=refs)
        mean_look = faces.render(**{name: 1})
        region = binary_dilation(np.abs(truth - faces.images).max(axis=-1) > 1 / 255, iterations=2,
                                 structure=np.ones((1, 3, 3), bool))
        true_after = attribute_labels(faces)
        true_after[:, j] = 1
        rows = {"no-op": score_edits(faces.images, truth, region, classify, j, 1, true_after)}
        rows["no-op"]["psnr_of_the_face_in_its_own_look"] = mean_of(psnr, truth, mean_look)
        for method, ed in editors.items():
            if ed.method not in ("fader", "mask") or not ed.style_dim:
                continue
            guided = ed.edit(faces.images, reference=refs.images, **{name: 1})
            plain = ed.edit(faces.images, **{name: 1})
            # the reference's style codes without its colour (aekit.translate.REFERENCE_COLOURS)
            with patch.object(aekit_translate, "REFERENCE_COLOURS", False):
                codes = ed.edit(faces.images, reference=refs.images, **{name: 1})
            rows[f"{method} (reference)"] = score_edits(guided, truth, region, classify, j, 1, true_after)
            rows[f"{method} (style codes only)"] = score_edits(codes, truth, region, classify, j, 1, true_after)
            rows[f"{method} (no reference)"] = score_edits(plain, truth, region, classify, j, 1, true_after)
        out[f"{name}_add_like_reference"] = rows
        log(f"{name} like a reference: " + "; ".join(f"{m} {r['psnr']:.2f} dB" for m, r in rows.items()))
    return out


def pretrained_editor():
    """The shipped face editor and how long its training took (from its training.json)."""
    from aekit.translate import PRETRAINED_EDITORS

    info = json.loads((PRETRAINED_EDITORS["faces"] / "training.json").read_text())
    return AttributeEditor.pretrained("faces"), info


def faces_section(cfg, seed: int, log, adversarial_weight=None, loss="mse", methods=("fader", "vector"),
                  with_pretrained=True, compare=()) -> tuple[dict, dict]:
    t = time.perf_counter()
    train_faces = make_faces(cfg["n_train"], random_state=seed)
    test = make_faces(cfg["n_test"], random_state=seed + 1)
    clf_faces = make_faces(cfg["n_clf"], random_state=seed + 2)
    log(f"rendered faces in {time.perf_counter() - t:.0f} s")
    test_labels = attribute_labels(test)

    t = time.perf_counter()
    classify = fit_classifier(clf_faces.images, attribute_labels(clf_faces), [2] * 4, cfg["clf_epochs"], seed + 3)
    clf_acc = (classify(test.images) == test_labels).mean(axis=0)
    log(f"independent attribute classifier: {dict(zip(ATTRIBUTES, clf_acc.round(4)))} "
        f"({time.perf_counter() - t:.0f} s)")

    editors, fit_seconds = {}, {}
    if with_pretrained:
        editors["pretrained"], info = pretrained_editor()
        fit_seconds["pretrained"] = info.get("seconds_this_run")
        log(f"pretrained face editor: trained on {info['data']['n']:,} faces, {info['params']['max_epochs']} epochs")
    for name, folder in compare:  # saved editors scored beside it (an earlier shipped one, say)
        from aekit import load

        editors[name] = load(folder)
        info_file = Path(folder) / "training.json"
        fit_seconds[name] = json.loads(info_file.read_text()).get("seconds_this_run") if info_file.is_file() else None
        log(f"{name}: {folder}")
    extra = {} if adversarial_weight is None else {"adversarial_weight": adversarial_weight}
    for method in methods:
        t = time.perf_counter()
        editors[method] = AttributeEditor(method=method, max_epochs=cfg["epochs"], random_state=seed,
                                          verbose=1, **extra).fit(train_faces.images, train_faces.attributes)
        fit_seconds[method] = time.perf_counter() - t
        log(f"{method}: fitted in {fit_seconds[method]:.0f} s; last epoch "
            f"{ {k: round(v[-1], 4) for k, v in editors[method].history_.history.items()} }")

    main_editor = editors.get("pretrained", editors.get("fader"))
    results: dict = {"method": main_editor.method,
                     "adversarial_weight": main_editor._weight("adversarial_weight"),
                     "attribute_weight": main_editor._weight("attribute_weight"),
                     "classifier_accuracy_on_ground_truth": dict(zip(ATTRIBUTES, map(float, clf_acc))),
                     "fit_seconds": fit_seconds, "edits": {}, "latent_probe": {},
                     "latent_discriminator_accuracy": {}, "reconstruction_psnr": {}}
    for method, ed in editors.items():
        results["latent_probe"][method] = latent_probe(ed, test.images, test_labels)
        results["latent_discriminator_accuracy"][method] = ed.history_.history.get("discriminator_accuracy", [None])[-1]
        rec = ed.reconstruct(test.images)
        results["reconstruction_psnr"][method] = mean_of(psnr, test.images, rec)

    figures = {}
    for j, name in enumerate(ATTRIBUTES):
        on, off = test.render(**{name: 1}), test.render(**{name: 0})
        region_all = binary_dilation(np.abs(on - off).max(axis=-1) > 1 / 255, iterations=2,
                                     structure=np.ones((1, 3, 3), bool))
        for target, direction in ((1, "add"), (0, "remove")):
            idx = np.where(test_labels[:, j] != target)[0]
            truths, originals, regions = (on if target else off)[idx], test.images[idx], region_all[idx]
            true_after = test_labels[idx].copy()
            true_after[:, j] = target
            key = f"{name}_{direction}"
            rows = {"no-op": score_edits(originals, truths, regions, classify, j, target, true_after)}
            for method, ed in editors.items():
                # a mask editor composes every edit with its own mask: "auto" is its only mode
                for mode in ("auto",) if ed.method == "mask" else ("auto", "residual", "mask", "decode"):
                    out = ed.edit(originals, mode=mode, **{name: target})
                    rows[f"{method} ({mode})"] = score_edits(out, truths, regions, classify, j, target,
                                                             true_after)
                    if method == next(iter(editors)) and mode == "auto":
                        figures[key] = (originals[:8], out[:8], truths[:8])
            results["edits"][key] = rows
            log(f"{key}: " + "; ".join(f"{m} {r['psnr']:.2f} dB, clf {r['classifier_accuracy']:.3f}"
                                        for m, r in rows.items()))

    pool = make_faces(cfg["n_test"] * 3, random_state=seed + 5)  # reference faces: other people again
    results["reference_edits"] = reference_edits(editors, test, pool, classify, log)
    ref_name = "glasses"
    idx = np.flatnonzero(test.attributes[ref_name] == 0)[:8]
    wearers = np.flatnonzero(pool.attributes[ref_name] == 1)[:8]
    if len(idx) and len(wearers) == len(idx):
        ed = next(iter(editors.values()))
        figures["reference"] = (pool.images[wearers], test.images[idx],
                                ed.edit(test.images[idx], reference=pool.images[wearers], **{ref_name: 1}),
                                test[idx].render(**{ref_name: 1}, style_from=pool[wearers]))
    if "fader" in editors:
        results["translator_glasses_off"] = translator_faces(cfg, seed, test, classify, loss, log,
                                                             editor=editors["fader"])
    return results, figures


def translator_faces(cfg, seed, test, classify, loss, log, editor=None) -> dict:
    """Faces with glasses -> the same faces without, trained on pairs of other people."""
    t = time.perf_counter()
    pairs = make_faces(cfg["tr_pairs"], random_state=seed + 4)
    translator = Translator(channels=(24, 48, 96), loss=loss, max_epochs=cfg["tr_epochs"], random_state=seed,
                            verbose=1)
    translator.fit(pairs.render(glasses=1), pairs.render(glasses=0))
    tr_seconds = time.perf_counter() - t
    x_on, truth = test.render(glasses=1), test.render(glasses=0)
    out = translator.transform(x_on)
    j = ATTRIBUTES.index("glasses")
    result = {
        f"translator (loss={loss})": {
            "psnr": mean_of(psnr, truth, out),
            "ssim": mean_of(ssim, truth, out),
            "classifier_accuracy": float((classify(out)[:, j] == 0).mean()),
            "fit_seconds": tr_seconds, "n_pairs": cfg["tr_pairs"]},
        "no-op": {"psnr": mean_of(psnr, truth, x_on)},
    }
    if editor is not None:
        editor_out = editor.edit(x_on, glasses=0)
        result["attribute_editor (fader, auto)"] = {
            "psnr": mean_of(psnr, truth, editor_out),
            "classifier_accuracy": float((classify(editor_out)[:, j] == 0).mean())}
    log(f"translator glasses off: {result}")
    return result


def translator_faces_section(cfg, seed: int, loss: str, log) -> dict:
    """Only the faces Translator (``--only translator-faces``), with its own test set and classifier,
    the same as in the full run."""
    test = make_faces(cfg["n_test"], random_state=seed + 1)
    clf_faces = make_faces(cfg["n_clf"], random_state=seed + 2)
    classify = fit_classifier(clf_faces.images, attribute_labels(clf_faces), [2] * 4, cfg["clf_epochs"], seed + 3)
    return translator_faces(cfg, seed, test, classify, loss, log)


# --------------------------------------------------------------------------------------------
# MNIST
# --------------------------------------------------------------------------------------------


def slant(img: np.ndarray) -> float:
    """Shear of the ink: mu11 / mu02 of the image moments (0 for upright strokes)."""
    ys, xs = np.mgrid[: img.shape[0], : img.shape[1]]
    m = img.sum() + 1e-8
    cx, cy = (img * xs).sum() / m, (img * ys).sum() / m
    mu11 = (img * (xs - cx) * (ys - cy)).sum() / m
    mu02 = (img * (ys - cy) ** 2).sum() / m
    return float(mu11 / (mu02 + 1e-8))


def stroke_width(img: np.ndarray) -> float:
    """Ink per skeleton pixel: the mean stroke width in pixels."""
    from skimage.morphology import skeletonize

    ink = img > 0.5
    skel = skeletonize(ink).sum()
    return float(ink.sum() / max(skel, 1))


def sharpness(img: np.ndarray) -> float:
    """Mean gradient magnitude (Sobel) of an image: blur lowers it."""
    from scipy.ndimage import sobel

    return float(np.hypot(sobel(img, axis=0), sobel(img, axis=1)).mean())


def score_digit_edits(editor, originals, labels, classify, mode: str = "auto") -> tuple[dict, list]:
    """Redraw each digit as every other digit (``editor.edit(..., digit=d, mode=mode)``) and score
    the edits: the share the independent ``classify`` reads as requested, the handwriting kept
    (slant and stroke-width correlations between each original and its edits, and the same
    against a random other edit) and the sharpness. Also returns the ten edited stacks."""
    agree, per_digit, slant_pairs, width_pairs, sharp, outs = [], {}, [], [], [], []
    for d in range(10):
        out = editor.edit(originals, digit=d, mode=mode)
        outs.append(out)
        changed = labels != d
        pred = classify(out)[:, 0]
        agree.append(pred[changed] == d)
        per_digit[d] = float((pred[changed] == d).mean())
        for o, e in zip(originals[changed], out[changed]):
            slant_pairs.append((slant(o), slant(e)))
            width_pairs.append((stroke_width(o), stroke_width(e)))
            sharp.append((sharpness(o), sharpness(e)))
    agree = np.concatenate(agree)
    s, w = np.array(slant_pairs), np.array(width_pairs)
    shuffled = np.random.default_rng(0).permutation(len(s))
    scores = {
        "requested_digit_agreement": float(agree.mean()),
        "requested_digit_agreement_per_digit": per_digit,
        "n_edits": int(len(agree)),
        "slant_correlation": float(np.corrcoef(s[:, 0], s[:, 1])[0, 1]),
        "stroke_width_correlation": float(np.corrcoef(w[:, 0], w[:, 1])[0, 1]),
        # the same correlations against a random other edit: what "style not kept" scores
        "slant_correlation_shuffled": float(np.corrcoef(s[:, 0], s[shuffled, 1])[0, 1]),
        "stroke_width_correlation_shuffled": float(np.corrcoef(w[:, 0], w[shuffled, 1])[0, 1]),
        # the edit's mean gradient magnitude over the input's: 1 is as sharp, lower is blurrier
        "sharpness_ratio": float(np.sum([e for _, e in sharp]) / np.sum([o for o, _ in sharp])),
    }
    return scores, outs


def mnist_section(cfg, seed: int, log) -> tuple[dict, np.ndarray]:
    X, y = load_mnist("train", flatten=False)
    Xt, yt = load_mnist("test", flatten=False)
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(X), cfg["mnist_train"], replace=False)

    t = time.perf_counter()
    classify = fit_classifier(X, y[:, None], [10], max(2, cfg["clf_epochs"] // 2), seed + 5)
    clf_acc = float((classify(Xt)[:, 0] == yt).mean())
    log(f"independent digit classifier: test accuracy {clf_acc:.4f} ({time.perf_counter() - t:.0f} s)")

    t = time.perf_counter()
    editor = AttributeEditor(max_epochs=cfg["mnist_epochs"], random_state=seed, verbose=1)
    editor.fit(X[idx], {"digit": y[idx]})
    fit_seconds = time.perf_counter() - t
    sel = rng.choice(len(Xt), cfg["mnist_test"], replace=False)
    originals, labels = Xt[sel], yt[sel]
    grid = np.zeros((10, 11, 28, 28), np.float32)
    grid[:, 0] = originals[:10]
    per_mode = {}
    for mode in ("residual", "mask", "decode"):
        per_mode[mode], outs = score_digit_edits(editor, originals, labels, classify, mode)
        if mode == "mask":  # what edit(digit=d) does by default ("auto")
            for d, out in enumerate(outs):
                grid[:, d + 1] = out[:10]
        agree = per_mode[mode]["requested_digit_agreement"]
        log(f"MNIST digit edits ({mode}): agreement {agree:.4f}, "
            f"slant r {per_mode[mode]['slant_correlation']:.3f}, width r {per_mode[mode]['stroke_width_correlation']:.3f}")
    results = {
        "digit_classifier_test_accuracy": clf_acc,
        "editor_fit_seconds": fit_seconds,
        "n_train": cfg["mnist_train"],
        "attribute_weight": editor.attribute_weight,
        "default_mode": "mask",
        **per_mode["mask"],
        "modes": per_mode,
        "latent_discriminator_accuracy": editor.history_.history["discriminator_accuracy"][-1],
    }
    log(f"MNIST digit edits: {results}")

    # Translator: digit -> thickened digit
    t = time.perf_counter()
    thicken = lambda a: grey_dilation(a, footprint=np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]])[None])  # noqa: E731
    tidx = rng.choice(len(X), cfg["mnist_tr_pairs"], replace=False)
    translator = Translator(loss="l1", max_epochs=cfg["tr_epochs"], random_state=seed, verbose=1)
    translator.fit(X[tidx], thicken(X[tidx]))
    truth = thicken(originals)
    out = translator.transform(originals)
    results["translator_thicken"] = {
        "psnr": mean_of(psnr, truth, out),
        "ssim": mean_of(ssim, truth, out),
        "no_op_psnr": mean_of(psnr, truth, originals),
        "fit_seconds": time.perf_counter() - t,
        "n_pairs": cfg["mnist_tr_pairs"],
    }
    log(f"MNIST translator (thicken): {results['translator_thicken']}")
    return results, grid


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="Tiny sets and few epochs (minutes).")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", choices=["faces", "faces-pretrained", "mnist", "translator-faces"], default=None,
                    help="One section; translator-faces writes translate_translator_faces.json; "
                         "faces-pretrained scores the shipped editor alone (nothing trained but the judge).")
    ap.add_argument("--loss", choices=["l1", "mse"], default="mse",
                    help="The faces Translator's loss (glasses -> none).")
    ap.add_argument("--compare", action="append", default=[], metavar="NAME=FOLDER",
                    help="A saved AttributeEditor (aekit.load folder) scored beside the shipped one on the "
                         "faces, for instance the editor shipped before it; repeatable.")
    ap.add_argument("--adversarial-weight", type=float, default=None,
                    help="The Fader editor's adversarial_weight for the faces (default: the editor's).")
    args = ap.parse_args()
    cfg = QUICK if args.quick else FULL
    torch.manual_seed(args.seed)
    t0 = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - t0:6.0f} s] {msg}", flush=True)

    payload = {"settings": cfg}
    suffix = "_quick" if args.quick else ""
    if args.only == "translator-faces":
        payload["translator_glasses_off"] = translator_faces_section(cfg, args.seed, args.loss, log)
        payload["seconds"] = time.perf_counter() - t0
        print(write_result(f"translate_translator_faces{suffix}", payload))
        return
    if args.only in (None, "faces", "faces-pretrained"):
        methods = () if args.only == "faces-pretrained" else ("fader", "vector")
        compare = []
        for item in args.compare:
            name, sep, folder = item.rpartition("=")  # the name may hold "=", a folder rarely does
            if not sep or not Path(folder).is_dir():
                ap.error(f"--compare wants NAME=FOLDER with a saved editor's folder, got {item!r}")
            compare.append((name, folder))
        payload["faces"], figures = faces_section(cfg, args.seed, log, args.adversarial_weight, args.loss, methods,
                                                  compare=compare)
        rows = []
        for key, title in (("glasses_remove", "glasses off"), ("glasses_add", "glasses on"),
                           ("beard_add", "beard on"), ("blond_add", "blond on")):
            originals, edited, truths = figures[key]
            rows += [(f"{title}\noriginal", list(originals)), ("edited", list(edited)),
                     ("ground truth", list(truths))]
        if "reference" in figures:
            refs, originals, edited, truths = figures["reference"]
            rows += [("glasses like\nthe reference", list(refs)), ("original", list(originals)),
                     ("edited", list(edited)), ("ground truth", list(truths))]
        figure_name = "translate_faces_pretrained" if args.only == "faces-pretrained" else "translate_faces"
        with atomic_path(RESULTS / f"{figure_name}{suffix}.png") as tmp:
            tmp.write_bytes(figure_to_png(plot_image_grid(rows)))
    if args.only in (None, "mnist"):
        payload["mnist"], grid = mnist_section(cfg, args.seed, log)
        rows = [("" if r else "original / as 0-9", list(grid[r])) for r in range(len(grid))]
        titles = ["original"] + [str(d) for d in range(10)]
        with atomic_path(RESULTS / f"translate_mnist{suffix}.png") as tmp:
            tmp.write_bytes(figure_to_png(plot_image_grid(rows, column_titles=titles, cell=0.8)))
    payload["seconds"] = time.perf_counter() - t0
    # one section alone never overwrites the full run's translate.json
    name = "translate" if args.only is None else f"translate_{args.only}"
    print(write_result(f"{name}{suffix}", payload))


if __name__ == "__main__":
    main()

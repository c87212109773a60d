"""Choose the editor's recipe on validation faces or digits, never on the benchmark's.

Fits ``AttributeEditor`` once per configuration on faces of ``make_faces(random_state=2026)``
(the shipped editor's training people) and scores its edits on 400 faces of
``make_faces(random_state=31)``, a validation set no benchmark uses (the benchmark's test people
are ``random_state`` 1), as ``benchmarks/translate.py`` does: for each attribute and direction,
PSNR against the ground-truth render, the same for no edit, the share of edits an independent
classifier (trained on ``random_state=32`` faces) reads as requested, and PSNR outside the
attribute's true region.

    .venv/bin/python benchmarks/translate_validation.py --faces 3000 --epochs 4 \\
        --config '{"context_channels": 0}' --config '{"context_channels": 16}'   # about 8 minutes, 1 thread

With ``--data mnist`` it fits on ``--train`` digits of the first 50,000 MNIST training images
and scores the digits redrawn as each other digit on ``--validation`` of the last 10,000 (the test
set is the benchmark's), as ``benchmarks/translate.py`` does: the share an independent CNN reads
as requested, the handwriting kept (slant and stroke-width correlations) and the sharpness (the
edits' mean gradient magnitude over the inputs'), plus the reconstruction's MSE. A configuration
may set its own ``max_epochs``, to compare recipes at equal time:

    .venv/bin/python benchmarks/translate_validation.py --data mnist --train 8000 --epochs 4 \
        --config '{}' --config '{"context_channels": 0, "max_epochs": 8}'   # about 5 minutes

The mask editor's training recipe (``aekit.translate.MASK_TRAINING``, ``SELF_RECONSTRUCTION_SHARE``)
was chosen with ``--set-module``, at 8,000 faces x 6 epochs (each about 11 minutes on 2 threads):

    .venv/bin/python benchmarks/translate_validation.py --faces 8000 --epochs 6 --config '{"method": "mask"}' \
        --name translate_validation_mask_optimizer                          # the recipe
    ... --set-module 'MASK_TRAINING={}' --name translate_validation_mask_adam09_cosine
    ... --set-module SELF_RECONSTRUCTION_SHARE=0 --name translate_validation_mask_no_self_reconstruction

and what its cycle trains (``CYCLE_TRAINS_STYLE``, ``CYCLE_DETACH``, ``STYLE_NO_DROPOUT``; off in the recipe)
with the same command and, for instance, ``--set-module CYCLE_TRAINS_STYLE=true --set-module CYCLE_DETACH=true
--set-module STYLE_NO_DROPOUT=true`` (``translate_validation_mask_cycle_detached_codes_no_dropout``).

Reference-guided additions (glasses, beard, blond) are scored too, for editors with style codes, as
``benchmarks/translate.py`` scores them (references: ``make_faces(random_state=34)``).

Writes ``benchmarks/results/translate_validation.json`` (``translate_validation_mnist.json``; ``--name``
names another file):
one entry per configuration, with the fit seconds (compare them within one run only).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from _common import write_result
from scipy.ndimage import binary_dilation
from translate import (
    attribute_labels,
    fit_classifier,
    mean_of,
    reference_edits,
    score_digit_edits,
    score_edits,
)

import aekit.translate as aekit_translate
from aekit import AttributeEditor
from aekit.datasets import load_mnist, make_faces
from aekit.faces import ATTRIBUTES
from aekit.metrics import psnr

TRAIN_SEED, VALIDATION_SEED, JUDGE_SEED, REFERENCE_SEED = 2026, 31, 32, 34


def mnist_runs(args) -> list[dict]:
    X, y = load_mnist("train", flatten=False)
    rng = np.random.default_rng(0)
    idx = rng.choice(50_000, args.train, replace=False)
    held = 50_000 + rng.choice(10_000, args.validation, replace=False)
    classify = fit_classifier(X[:50_000], y[:50_000, None], [10], 4, JUDGE_SEED)
    originals, labels = X[held], y[held]
    runs = []
    for cfg in args.config:
        t = time.perf_counter()
        editor = AttributeEditor(**{"max_epochs": args.epochs, "random_state": 0, **cfg})
        editor.fit(X[idx], {"digit": y[idx]})
        fit_seconds = round(time.perf_counter() - t, 1)
        scores, _ = score_digit_edits(editor, originals, labels, classify)
        run = {"config": cfg, "fit_seconds": fit_seconds, "context_path": getattr(editor.model_, "context", None) is not None,
               **scores,
               "reconstruction_mse": float(np.mean((editor.reconstruct(originals) - originals) ** 2))}
        print(json.dumps(run), flush=True)
        runs.append(run)
    return runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", choices=["faces", "mnist"], default="faces")
    ap.add_argument("--faces", type=int, default=3000, help="training faces")
    ap.add_argument("--train", type=int, default=8000, help="training digits (--data mnist)")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--validation-faces", type=int, default=400)
    ap.add_argument("--validation", type=int, default=1000, help="held-out training digits (--data mnist)")
    ap.add_argument("--config", action="append", required=True, type=json.loads,
                    help="AttributeEditor parameters as JSON, for instance '{\"context_channels\": 0}'; repeatable")
    ap.add_argument("--set-module", action="append", default=[], metavar="NAME=JSON",
                    help="set a constant of aekit.translate for this run, e.g. SELF_RECONSTRUCTION_SHARE=0 or "
                    "'MASK_TRAINING={}' (the mask editor's training recipe; recorded in the result)")
    ap.add_argument("--save", default=None, help="a folder to save each fitted editor in (DIR/0, DIR/1, ...), "
                    "to score more later without refitting")
    ap.add_argument("--name", default=None, help="the result's name (default translate_validation, or "
                    "translate_validation_mnist), so a new comparison does not overwrite an earlier one")
    args = ap.parse_args()
    module_settings = {}
    for item in args.set_module:
        name, _, value = item.partition("=")
        if not hasattr(aekit_translate, name) or not name.isupper():
            ap.error(f"--set-module sets a constant of aekit.translate, such as SELF_RECONSTRUCTION_SHARE; got {name!r}")
        module_settings[name] = json.loads(value)
        setattr(aekit_translate, name, module_settings[name])
    if args.data == "mnist":
        print(write_result(args.name or "translate_validation_mnist", {"train": args.train, "epochs": args.epochs,
                                                          "validation": args.validation, "runs": mnist_runs(args)}))
        return
    train = make_faces(args.faces, random_state=TRAIN_SEED)
    val = make_faces(args.validation_faces, random_state=VALIDATION_SEED)
    judge_faces = make_faces(3000, random_state=JUDGE_SEED)
    classify = fit_classifier(judge_faces.images, attribute_labels(judge_faces), [2] * 4, 5, JUDGE_SEED + 1)
    val_labels = attribute_labels(val)
    references = make_faces(3 * args.validation_faces, random_state=REFERENCE_SEED)
    runs = []
    for i, cfg in enumerate(args.config):
        t = time.perf_counter()
        editor = AttributeEditor(**{"max_epochs": args.epochs, "random_state": 0, **cfg})
        editor.fit(train.images, train.attributes)
        if args.save:
            editor.save(f"{args.save}/{i}")
        run = {"config": cfg, "fit_seconds": round(time.perf_counter() - t, 1),
               "reconstruction_psnr": mean_of(psnr, val.images, editor.reconstruct(val.images)), "edits": {}}
        for j, name in enumerate(ATTRIBUTES):
            on, off = val.render(**{name: 1}), val.render(**{name: 0})
            region = binary_dilation(np.abs(on - off).max(-1) > 1 / 255, iterations=2,
                                     structure=np.ones((1, 3, 3), bool))
            for target, direction in ((1, "add"), (0, "remove")):
                idx = np.flatnonzero(val_labels[:, j] != target)
                truth, original = (on if target else off)[idx], val.images[idx]
                after = val_labels[idx].copy()
                after[:, j] = target
                scores = score_edits(editor.edit(original, **{name: target}), truth, region[idx], classify, j,
                                     target, after)
                scores["no_edit_psnr"] = mean_of(psnr, truth, original)
                run["edits"][f"{name}_{direction}"] = scores
        if editor.method in ("fader", "mask") and editor.style_dim:
            guided = reference_edits({"editor": editor}, val, references, classify, lambda _: None)
            run["reference_edits"] = {k: {"reference": v["editor (reference)"], "no_reference": v["editor (no reference)"],
                                          "no_edit_psnr": v["no-op"]["psnr"]} for k, v in guided.items()}
        print(json.dumps({"config": cfg, "fit_seconds": run["fit_seconds"],
                          **{k: round(v["psnr"], 2) for k, v in run["edits"].items()},
                          **{k: round(v["reference"]["psnr"], 2) for k, v in run.get("reference_edits", {}).items()}}),
              flush=True)
        runs.append(run)
    print(write_result(args.name or "translate_validation", {"faces": args.faces, "epochs": args.epochs,
                                                "module_settings": module_settings,
                                                "validation_faces": args.validation_faces, "runs": runs}))


if __name__ == "__main__":
    main()

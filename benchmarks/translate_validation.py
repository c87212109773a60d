"""Choose the face editor's recipe on validation identities, never on the benchmark's.

Fits ``AttributeEditor`` once per configuration on faces of ``make_faces(random_state=2026)``
(the shipped editor's training people) and scores its edits on 400 faces of
``make_faces(random_state=31)``, a validation set no benchmark uses (the benchmark's test people
are ``random_state`` 1), as ``benchmarks/translate.py`` does: for each attribute and direction,
PSNR against the ground-truth render, the same for no edit, the share of edits an independent
classifier (trained on ``random_state=32`` faces) reads as requested, and PSNR outside the
attribute's true region.

    .venv/bin/python benchmarks/translate_validation.py --faces 3000 --epochs 4 \\
        --config '{"context_channels": 0}' --config '{"context_channels": 16}'   # about 8 minutes, 1 thread

Writes ``benchmarks/results/translate_validation.json``: one entry per configuration, with the
fit seconds (compare them within one run only).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from _common import write_result
from scipy.ndimage import binary_dilation
from translate import fit_classifier, mean_of, score_edits

from aekit import AttributeEditor
from aekit.datasets import make_faces
from aekit.faces import ATTRIBUTES
from aekit.metrics import psnr

TRAIN_SEED, VALIDATION_SEED, JUDGE_SEED = 2026, 31, 32


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--faces", type=int, default=3000, help="training faces")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--validation-faces", type=int, default=400)
    ap.add_argument("--config", action="append", required=True, type=json.loads,
                    help="AttributeEditor parameters as JSON, for instance '{\"context_channels\": 0}'; repeatable")
    args = ap.parse_args()
    labels_of = lambda f: np.stack([f.attributes[a] for a in ATTRIBUTES], axis=1)  # noqa: E731
    train = make_faces(args.faces, random_state=TRAIN_SEED)
    val = make_faces(args.validation_faces, random_state=VALIDATION_SEED)
    judge_faces = make_faces(3000, random_state=JUDGE_SEED)
    classify = fit_classifier(judge_faces.images, labels_of(judge_faces), [2] * 4, 5, JUDGE_SEED + 1)
    val_labels = labels_of(val)
    runs = []
    for cfg in args.config:
        t = time.perf_counter()
        editor = AttributeEditor(max_epochs=args.epochs, random_state=0, **cfg).fit(train.images, train.attributes)
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
        print(json.dumps({"config": cfg, "fit_seconds": run["fit_seconds"],
                          **{k: round(v["psnr"], 2) for k, v in run["edits"].items()}}), flush=True)
        runs.append(run)
    print(write_result("translate_validation", {"faces": args.faces, "epochs": args.epochs,
                                                "validation_faces": args.validation_faces, "runs": runs}))


if __name__ == "__main__":
    main()

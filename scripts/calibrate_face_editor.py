"""Calibrate a face editor's removal thresholds (``blend_thresholds_``) on validation faces
(``method="fader"``; an editor with ``method="mask"``, the shipped one, has none to calibrate).

    python scripts/calibrate_face_editor.py            # about 5 minutes; rewrites the shipped model's config
    python scripts/calibrate_face_editor.py --dry-run  # print the choice, write nothing

An edit that removes an attribute takes the decoder's pixels where the decoder's image changes by
more than a threshold, and keeps the input's elsewhere (``aekit.translate.BLEND_TAU``, 0.1, unless
calibrated). The decoder draws what it redraws blurred, so every pixel kept from the input is a
sharp one; but a threshold too high keeps the attribute too. For each attribute this script
tries the thresholds of ``GRID`` in turn, from the default up to the first at which an
independent classifier reads the attribute as removed on ``MAX_LOST`` fewer of the edits than at
the default, and keeps the one whose edits come closest to the ground truth (PSNR).

It chooses, like every other setting of the recipe, on validation people, never the
benchmark's: the edits are of 400 faces of ``make_faces(random_state=31)``, the validation people
of ``benchmarks/translate_validation.py`` (the shipped editor trained on ``random_state=2026``;
the benchmark's test people are ``random_state=1``), and the classifier is a CNN trained on the
attributes of 6,000 faces of ``make_faces(random_state=32)`` for 8 epochs (as the benchmark's). The editor's training is not
touched: the weights are written back unchanged (fp16), the thresholds go into the model's
``config.json`` and the whole calibration into ``training.json``'s ``calibration``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from translate import attribute_labels, fit_classifier, mean_of  # noqa: E402  (the benchmark's independent classifier)

from aekit import AttributeEditor, load  # noqa: E402
from aekit.datasets import make_faces  # noqa: E402
from aekit.faces import ATTRIBUTES  # noqa: E402
from aekit.hardware import describe_machine  # noqa: E402
from aekit.metrics import psnr  # noqa: E402
from aekit.serialization import atomic_path  # noqa: E402
from aekit.translate import BLEND_TAU, PRETRAINED_EDITORS  # noqa: E402

VALIDATION_SEED, JUDGE_SEED = 31, 32
GRID = (BLEND_TAU, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.7, 1.0)
#: How many fewer removals (a share of the edits) than at the default threshold the independent
#: classifier may read as removed at a chosen threshold, and at every lower one on the grid.
#: (A rule of "at least 98% removed" by a weaker judge, 3,000 faces for 5 epochs, let through
#: thresholds whose removals the benchmark's classifier then found incomplete far more often.)
MAX_LOST = 0.01


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=PRETRAINED_EDITORS["faces"])
    ap.add_argument("--validation-faces", type=int, default=400)
    ap.add_argument("--dry-run", action="store_true", help="print the choice, write nothing")
    args = ap.parse_args()
    t0 = time.perf_counter()
    editor = load(args.model)
    if not isinstance(editor, AttributeEditor):
        raise SystemExit(f"{args.model} holds a {type(editor).__name__}, not an AttributeEditor")
    if editor.method == "mask":
        print(f"{args.model} holds an editor with method='mask': it composes each edit with the mask it "
              "predicts and has no removal thresholds to calibrate; nothing written.")
        return
    judge_faces = make_faces(6000, random_state=JUDGE_SEED)
    classify = fit_classifier(judge_faces.images, attribute_labels(judge_faces), [2] * len(ATTRIBUTES), 8, JUDGE_SEED + 1)
    val = make_faces(args.validation_faces, random_state=VALIDATION_SEED)
    labels = attribute_labels(val)
    chosen, record = {}, {}
    for j, name in enumerate(ATTRIBUTES):
        rows = np.flatnonzero(labels[:, j] == 1)
        truth = val.render(**{name: 0})[rows]
        per_tau, allowed = [], []
        for tau in GRID:
            editor.blend_thresholds_ = {**editor.blend_thresholds_, name: tau}
            out = editor.edit(val.images[rows], **{name: 0})
            removed = float((classify(out)[:, j] == 0).mean())
            per_tau.append({"threshold": tau, "removed": removed, "psnr": mean_of(psnr, truth, out)})
            if removed < per_tau[0]["removed"] - MAX_LOST:
                break  # the grid stops at the first threshold that keeps the attribute too often
            allowed.append(per_tau[-1])
        best = max(allowed, key=lambda g: g["psnr"])["threshold"]  # the default is always allowed
        chosen[name] = best
        record[name] = {"edits": len(rows), "chosen": best, "grid": per_tau}
        print(json.dumps({"attribute": name, "chosen": best,
                          "grid": [(g["threshold"], round(g["removed"], 3), round(g["psnr"], 2)) for g in per_tau]}),
              flush=True)
    editor.blend_thresholds_ = chosen
    if args.dry_run:
        return
    info_path = args.model / "training.json"
    info = json.loads(info_path.read_text()) if info_path.is_file() else {}
    editor.save(args.model, half=True)
    info["calibration"] = {
        "script": "scripts/calibrate_face_editor.py", "rule": f"the threshold of the grid with the highest "
        f"PSNR, among those below the first at which the classifier reads {MAX_LOST} fewer removals than at "
        f"{BLEND_TAU}",
        "validation_faces": {"n": args.validation_faces, "random_state": VALIDATION_SEED},
        "judge_faces": {"n": 6000, "random_state": JUDGE_SEED, "epochs": 8}, "max_lost": MAX_LOST,
        "blend_thresholds": chosen, "attributes": record, "seconds": round(time.perf_counter() - t0, 1),
        "machine": describe_machine(),
    }
    with atomic_path(info_path) as tmp:
        tmp.write_text(json.dumps(info, indent=1) + "\n")
    print(f"wrote {args.model} (blend thresholds {chosen})")


if __name__ == "__main__":
    main()

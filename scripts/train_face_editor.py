"""Train the face editor that ships with aekit (``aekit.AttributeEditor.pretrained("faces")``).

    python scripts/train_face_editor.py                 # the shipped schedule (see training.json for its time)
    python scripts/train_face_editor.py --faces 400 --epochs 1 --out /tmp/editor   # a smoke run

The shipped editor is ``AttributeEditor(method="mask")`` with its defaults: a full-resolution
U-Net that redraws only where the mask it predicts says, inside the regions of the attributes an
edit changes (chosen over the Fader recipe, ``--method fader``, on validation faces: see
``docs/guide/translate.md``).

The faces are rendered by ``aekit.datasets.make_faces`` with ``random_state=2026``: other people
than the benchmark's and the demo's (``random_state`` 0 to 4), so every figure they report is on
identities the editor never saw. The editor learns from each face's attributes, never from pairs
(the renderer's pairs and masks only score it).

The run writes a checkpoint at the end of every epoch (``--checkpoint``); interrupted, the same
command continues from it to the same weights. The weights are saved in fp16 to ``--out``, with a
``training.json`` beside them: the data, every hyper-parameter, the history and the machine.
Then ``python scripts/calibrate_face_editor.py`` chooses the editor's removal thresholds on
validation people and records them in the same ``training.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

import aekit.translate as aekit_translate
from aekit import AttributeEditor
from aekit.datasets import make_faces
from aekit.hardware import describe_machine
from aekit.training import checkpoint_epochs
from aekit.translate import PRETRAINED_EDITORS

HERE = Path(__file__).resolve().parent
FACES_SEED = 2026
# The module constants a fit reads beside the estimator's parameters (the judge's noise, the mask
# editor's optimizer and schedule, what its cycle trains), recorded so the schedule can be rerun
RECIPE = ("JUDGE_NOISE", "MASK_TRAINING", "SELF_RECONSTRUCTION_SHARE", "CYCLE_TRAINS_STYLE", "CYCLE_DETACH",
          "STYLE_NO_DROPOUT")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--faces", type=int, default=20_000, help="training faces")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--method", choices=["mask", "fader"], default="mask")
    ap.add_argument("--out", type=Path, default=PRETRAINED_EDITORS["faces"])
    ap.add_argument("--checkpoint", type=Path, default=HERE / "checkpoints" / "face_editor.ckpt")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    faces = make_faces(args.faces, size=64, random_state=FACES_SEED)
    args.checkpoint.parent.mkdir(parents=True, exist_ok=True)
    editor = AttributeEditor(method=args.method, max_epochs=args.epochs, random_state=args.seed, verbose=2,
                             checkpoint=str(args.checkpoint))
    resume = args.checkpoint.is_file()
    if resume:
        done = checkpoint_epochs(args.checkpoint)
        left = (f"{args.epochs - done} left" if done < args.epochs else
                "nothing left to train: the weights are saved again (delete the checkpoint to train afresh)")
        print(f"resuming from {args.checkpoint}: {done} of {args.epochs} epochs done, {left}", flush=True)
    t0 = time.perf_counter()
    editor.fit(faces.images, faces.attributes, resume=resume)
    seconds = time.perf_counter() - t0
    editor.set_params(checkpoint=None, verbose=0)
    editor.save(args.out, half=True)
    info = {
        "script": "scripts/train_face_editor.py",
        "data": {"generator": "aekit.datasets.make_faces", "n": args.faces, "size": 64, "random_state": FACES_SEED},
        "params": {k: v for k, v in editor.get_params().items() if k not in ("checkpoint", "verbose")},
        "recipe": {name: getattr(aekit_translate, name) for name in RECIPE},
        "seconds_this_run": round(seconds, 1), "resumed": resume,
        "machine": describe_machine(), "torch_threads": torch.get_num_threads(),
        "history": editor.history_.history,
    }
    (args.out / "training.json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"wrote {args.out} ({sum(p.stat().st_size for p in args.out.iterdir()) / 1e6:.1f} MB) in {seconds:.0f} s")


if __name__ == "__main__":
    main()

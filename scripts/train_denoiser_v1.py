"""Train the first pretrained denoiser, ``aekit.Denoiser.pretrained("v1")`` (kept to reproduce it;
the newer one comes from ``scripts/train_denoiser.py``).

    python scripts/train_denoiser_v1.py                    # ~1 hour on 2 CPU cores
    python scripts/train_denoiser_v1.py --epochs 1 --patches 2000 --out /tmp/denoiser   # a smoke run

Training images: the 18 pictures in ``aekit.datasets.DENOISING_TRAIN_IMAGES``, all bundled with
scikit-image (brick, grass, gravel, moon, coins, clock, page, text, cell, hubble_deep_field,
immunohistochemistry, motorcycle (left view), rocket, retina, microaneurysms,
shepp_logan_phantom) and scikit-learn (china, flower). The held-out images the benchmark measures
on (``DENOISING_TEST_IMAGES``: camera, astronaut, coffee, chelsea) are never read here, not even
to pick a checkpoint: the schedule is fixed and the last weights are shipped.

Weights are stored in fp16 (half the size; inference runs in fp32 after loading).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from aekit.datasets import DENOISING_TEST_IMAGES, load_denoising_images
from aekit.denoise import PRETRAINED_DIR, Denoiser
from aekit.hardware import describe_machine


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--patches", type=int, default=32000, help="training patches per epoch")
    ap.add_argument("--out", type=Path, default=PRETRAINED_DIR, help="model folder to write")
    ap.add_argument("--checkpoint", type=Path, default=None, help="resumable checkpoint file")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    images = load_denoising_images("train")
    assert not set(images) & set(DENOISING_TEST_IMAGES)  # the held-out split stays held out
    model = Denoiser(max_epochs=args.epochs, n_patches=args.patches, random_state=args.seed,
                     verbose=2, checkpoint=str(args.checkpoint) if args.checkpoint else None)
    t0 = time.perf_counter()
    model.fit(list(images.values()), resume=args.checkpoint is not None)
    seconds = time.perf_counter() - t0
    model.save(args.out, half=True)
    info = {"train_images": sorted(images), "seconds": round(seconds, 1), "machine": describe_machine(),
            "torch_threads": torch.get_num_threads(), "final": model.history_.history}
    print(json.dumps(info, indent=1))
    (args.out / "training.json").write_text(json.dumps(info, indent=1) + "\n")


if __name__ == "__main__":
    main()

"""How well ``aekit.denoise.estimate_noise_model`` reads camera noise, for each of its settings.

Each grayscale photo gets Poisson-Gaussian noise (``aekit.noise.poisson_gaussian``: 30 photons
for white + read noise 10, 10 + 5, 100 + 2; float, unclipped, one seed per photo and setting).
What matters to the denoiser is the level map ``sqrt(x / peak + s^2)`` the estimate predicts,
not ``peak`` and ``s`` one by one (they trade off), so the score is the relative error of the
predicted noise level at brightness 0.1, 0.5 and 0.9, averaged (lower is better).

The settings are chosen on the **training photos** bundled with scikit-image / scikit-learn
(brick, grass, gravel, coins, clock, moon, motorcycle, rocket, china, flower: textures included,
the hard case); the four test photos are reported beside them, never used to choose.

    .venv/bin/python benchmarks/noise_estimation.py     # about a minute

Writes ``benchmarks/results/noise_estimation.json``.
"""

from __future__ import annotations

import numpy as np
from _common import write_result
from skimage.color import rgb2gray

from aekit.datasets import load_denoising_images
from aekit.denoise import estimate_noise_model
from aekit.noise import poisson_gaussian

SETTINGS = ((30, 10), (10, 5), (100, 2))
CHOICES = [dict(tile=t, quantile=q) for t in (4, 6, 8, 12) for q in (0.2, 0.3, 0.5)]
TRAIN_PHOTOS = ("brick", "grass", "gravel", "coins", "clock", "moon", "motorcycle", "rocket", "china", "flower")


def level_error(peak_hat: float, sigma_hat: float, peak: float, sigma: float) -> float:
    errs = []
    for x in (0.1, 0.5, 0.9):
        true = np.sqrt(x / peak + (sigma / 255) ** 2)
        errs.append(abs(np.sqrt(x / peak_hat + (sigma_hat / 255) ** 2) - true) / true)
    return float(np.mean(errs))


def gray_photos(split: str) -> dict:
    images = load_denoising_images(split)
    if split == "train":
        images = {k: v for k, v in images.items() if k in TRAIN_PHOTOS}
    return {k: (v if v.ndim == 2 else np.round(rgb2gray(v) * 255).astype(np.uint8)) / 255.0 for k, v in images.items()}


def score(photos: dict, choice: dict) -> dict:
    errs = []
    for k, x in enumerate(photos.values()):
        for peak, sigma in SETTINGS:
            y = poisson_gaussian(x, peak, sigma, seed=100 * k + peak)
            errs.append(level_error(*estimate_noise_model(y, **choice), peak, sigma))
    return {"mean_level_error": round(float(np.mean(errs)), 4), "max_level_error": round(float(np.max(errs)), 4)}


def main():
    train, test = gray_photos("train"), gray_photos("test")
    rows = []
    for choice in CHOICES:
        row = {**choice, "train": score(train, choice), "test": score(test, choice)}
        rows.append(row)
        print(row, flush=True)
    best = min(rows, key=lambda r: r["train"]["mean_level_error"])
    payload = {"settings": [{"peak": p, "read_sigma": s} for p, s in SETTINGS], "train_photos": list(train),
               "test_photos": list(test), "rows": rows,
               "chosen_on_train": {"tile": best["tile"], "quantile": best["quantile"]}}
    print(f"chosen on the training photos: {payload['chosen_on_train']}")
    print(write_result("noise_estimation", payload))


if __name__ == "__main__":
    main()

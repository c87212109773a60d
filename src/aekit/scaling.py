"""Input scaling learned in ``fit`` and stored with a model: what the network sees is
``(X - center) / scale``. Shared by :class:`aekit.AutoencoderReducer` and :class:`aekit.OutlierDetector`.

>>> import numpy as np
>>> center, scale = fit_scaling(np.array([[0.0, 0.5], [1.0, 0.5]]), "auto")  # in [0, 1]: "global"
>>> center.tolist(), scale.round(3).tolist()
([0.5, 0.5], [0.354, 0.354])
"""

from __future__ import annotations

import numpy as np

__all__ = ["SCALINGS", "column_moments", "fit_scaling", "scaling_from_moments"]

SCALINGS = ("auto", "standard", "global", "minmax", "none")


def fit_scaling(X: np.ndarray, scaling: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature ``(center, scale)`` so that ``(X - center) / scale`` is what the network sees."""
    return scaling_from_moments(*column_moments(X), scaling)


def column_moments(X: np.ndarray, block_rows: int = 4096) -> tuple[np.ndarray, ...]:
    """Each column's ``(mean, variance, min, max)``, accumulated in float64 a block of rows at a time.

    Why blocks: converting all of a float32 ``X`` to float64 first (what ``X.var`` needs to be
    accurate) costs a copy twice its size and, for MNIST, 1.5 s; the blocks cost 0.3 s. The
    variance is taken around the float32 mean and corrected for its rounding, so columns whose
    mean dwarfs their spread keep an accurate variance.
    """
    import torch

    t = torch.from_numpy(np.ascontiguousarray(X))
    n = len(t)
    total = torch.zeros(t.shape[1], dtype=torch.float64)
    for i in range(0, n, block_rows):
        total += t[i:i + block_rows].sum(0, dtype=torch.float64)
    mean = total / n
    shift = mean.to(t.dtype)
    sq, first = torch.zeros_like(total), torch.zeros_like(total)
    for i in range(0, n, block_rows):
        d = t[i:i + block_rows] - shift
        sq += (d * d).sum(0, dtype=torch.float64)
        first += d.sum(0, dtype=torch.float64)
    var = (sq / n - (first / n) ** 2).clamp_min(0.0)
    return mean.numpy(), var.numpy(), t.amin(0).double().numpy(), t.amax(0).double().numpy()


def scaling_from_moments(mean, var, lo, hi, scaling) -> tuple[np.ndarray, np.ndarray]:
    """The scaling rule, from each column's mean, variance, min and max (in memory or streamed)."""
    n = len(mean)
    if scaling == "auto":
        scaling = "global" if lo.min() >= 0 and hi.max() <= 1 else "standard"
    if scaling is None or scaling == "none":
        return np.zeros(n), np.ones(n)
    if scaling == "standard":
        std = np.sqrt(var)
        return mean, np.where(std > 1e-12, std, 1.0)
    if scaling == "global":
        # Centre each feature but divide by one overall scale: every feature keeps its weight in
        # the loss, so minimising it minimises the reconstruction error in the input's own units.
        s = float(np.sqrt(np.mean(var)))
        return mean, np.full(n, s if s > 1e-12 else 1.0)
    if scaling == "minmax":
        return lo, np.where(hi - lo > 1e-12, hi - lo, 1.0)
    raise ValueError(f"scaling must be 'auto', 'standard', 'global', 'minmax' or None, got {scaling!r}.")

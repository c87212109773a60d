"""Input scaling learned in ``fit`` and stored with a model: what the network sees is
``(X - center) / scale``. Shared by :class:`aekit.AutoencoderReducer` and :class:`aekit.OutlierDetector`.

>>> import numpy as np
>>> center, scale = fit_scaling(np.array([[0.0, 0.5], [1.0, 0.5]]), "auto")  # in [0, 1]: "global"
>>> center.tolist(), scale.round(3).tolist()
([0.5, 0.5], [0.354, 0.354])
"""

from __future__ import annotations

import numpy as np

__all__ = ["SCALINGS", "fit_scaling", "scaling_from_moments"]

SCALINGS = ("auto", "standard", "global", "minmax", "none")


def fit_scaling(X: np.ndarray, scaling: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature ``(center, scale)`` so that ``(X - center) / scale`` is what the network sees."""
    return scaling_from_moments(X.mean(axis=0), X.var(axis=0), X.min(axis=0), X.max(axis=0), scaling)


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

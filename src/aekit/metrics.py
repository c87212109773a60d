"""How good is an embedding or a reconstruction? Functions shared by the demo, benchmarks and tests."""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import KNeighborsClassifier

__all__ = ["continuity", "knn_accuracy", "psnr", "reconstruction_mse", "ssim", "trustworthiness"]


def reconstruction_mse(X, X_hat) -> float:
    """Mean squared error per element between ``X`` and its reconstruction ``X_hat``."""
    X, X_hat = np.asarray(X, dtype=np.float64), np.asarray(X_hat, dtype=np.float64)
    if X.shape != X_hat.shape:
        raise ValueError(f"Shapes differ: X {X.shape} vs reconstruction {X_hat.shape}.")
    return float(np.mean((X - X_hat) ** 2))


def knn_accuracy(Z_train, y_train, Z_test, y_test, n_neighbors: int = 5) -> float:
    """Accuracy of a k-NN classifier fit on the train embedding and scored on the test embedding."""
    clf = KNeighborsClassifier(n_neighbors=n_neighbors, n_jobs=-1).fit(Z_train, y_train)
    return float(clf.score(Z_test, y_test))


def trustworthiness(X, Z, n_neighbors: int = 5) -> float:
    """How far the embedding ``Z`` avoids false neighbours: 1.0 when every point's ``n_neighbors``
    nearest points in ``Z`` are also close in ``X`` (Venna & Kaski, 2001).

    Uses all pairwise distances (memory ~ 8 n^2 bytes): pass a subset, e.g. 10,000 rows.
    """
    from sklearn.manifold import trustworthiness as _tw

    return float(_tw(np.asarray(X), np.asarray(Z), n_neighbors=n_neighbors))


def continuity(X, Z, n_neighbors: int = 5) -> float:
    """How far the embedding ``Z`` keeps true neighbours together: trustworthiness with the roles
    of input and embedding swapped (Venna & Kaski, 2001)."""
    return trustworthiness(Z, X, n_neighbors=n_neighbors)


def _check_pair(clean, test):
    from .images import to_unit_float

    clean, test = to_unit_float(clean, np.float64), to_unit_float(test, np.float64)
    if clean.shape != test.shape:
        raise ValueError(f"Shapes differ: reference {clean.shape} vs test image {test.shape}.")
    return clean, test


def psnr(clean, test) -> float:
    """Peak signal-to-noise ratio in dB (scikit-image's), on the [0, 1] scale.

    uint8 and uint16 images are divided by their maximum first, so a uint8 and a float version
    of the same picture score the same.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros((8, 8))
    >>> round(psnr(x, x + 0.1), 2)
    20.0
    """
    from skimage.metrics import peak_signal_noise_ratio

    clean, test = _check_pair(clean, test)
    return float(peak_signal_noise_ratio(clean, test, data_range=1.0))


def ssim(clean, test) -> float:
    """Structural similarity (scikit-image's, 7 x 7 windows) on the [0, 1] scale; colour images
    (``(H, W, 3)``) are averaged over channels."""
    from skimage.metrics import structural_similarity

    clean, test = _check_pair(clean, test)
    channel_axis = -1 if clean.ndim == 3 else None
    return float(structural_similarity(clean, test, data_range=1.0, channel_axis=channel_axis))

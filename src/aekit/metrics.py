"""How good is an embedding or a reconstruction? Functions shared by the demo, benchmarks and tests."""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import KNeighborsClassifier

__all__ = ["continuity", "knn_accuracy", "reconstruction_mse", "trustworthiness"]


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

"""The fuzzy k-nearest-neighbour graph behind the structure-preserving loss (as in UMAP).

:func:`fuzzy_knn_graph` finds each row's ``k`` nearest neighbours -- with ``pynndescent``
(approximate, about O(n log n), scales to millions of rows) or, for small inputs, exactly -- and
turns distances into membership strengths ``w_ij = exp(-(d_ij - rho_i) / sigma_i)`` with
``rho_i`` the distance to the nearest neighbour and ``sigma_i`` chosen so that each row's
strengths sum to ``log2(k)``. The graph is symmetrised with the fuzzy union
``w + w.T - w * w.T``. This follows McInnes, Healy & Melville (2018), section 3.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

__all__ = ["find_ab_params", "fuzzy_knn_graph", "knn", "optimize_layout"]

EXACT_MAX_ROWS = 8000  # below this an exact BLAS search is faster than building an index


def knn(X: np.ndarray, n_neighbors: int, random_state: int = 0, n_jobs: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Indices and distances of each row's ``n_neighbors`` nearest rows (itself first)."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    n = len(X)
    k = min(n_neighbors, n)
    if n <= EXACT_MAX_ROWS:
        from sklearn.neighbors import NearestNeighbors

        dist, idx = NearestNeighbors(n_neighbors=k, n_jobs=n_jobs).fit(X).kneighbors(X)
        return idx.astype(np.int64), dist.astype(np.float32)
    from pynndescent import NNDescent

    # the same settings UMAP uses for its own graph
    n_trees = min(64, 5 + int(round(n**0.5 / 20.0)))
    n_iters = max(5, int(round(np.log2(n))))
    index = NNDescent(X, n_neighbors=k, metric="euclidean", n_trees=n_trees, n_iters=n_iters,
                      max_candidates=60, random_state=random_state, n_jobs=n_jobs,
                      low_memory=True, compressed=True, verbose=False)
    idx, dist = index.neighbor_graph
    return idx.astype(np.int64), dist.astype(np.float32)


def _smooth_knn(dist: np.ndarray, k: int, n_iter: int = 64, bandwidth: float = 1.0):
    """Vectorised binary search for each row's ``sigma`` (UMAP's smooth_knn_dist)."""
    target = np.log2(k) * bandwidth
    n = len(dist)
    rho = np.where(dist[:, 1] > 0, dist[:, 1], 0.0) if dist.shape[1] > 1 else np.zeros(n)
    d = np.maximum(dist[:, 1:] - rho[:, None], 0.0)
    lo, hi, mid = np.zeros(n), np.full(n, np.inf), np.ones(n)
    for _ in range(n_iter):
        psum = np.exp(-d / mid[:, None]).sum(axis=1)
        too_big = psum > target
        hi = np.where(too_big, mid, hi)
        lo = np.where(too_big, lo, mid)
        mid = np.where(too_big, (lo + hi) / 2, np.where(np.isinf(hi), mid * 2, (lo + hi) / 2))
    mean_d = dist[:, 1:].mean() if dist.shape[1] > 1 else 1.0
    mid = np.maximum(mid, 1e-3 * np.where(rho > 0, dist[:, 1:].mean(axis=1), mean_d))
    return mid, rho


def fuzzy_knn_graph(X: np.ndarray, n_neighbors: int = 15, random_state: int = 0,
                    n_jobs: int = -1) -> sp.coo_matrix:
    """Symmetric sparse ``(n, n)`` matrix of fuzzy membership strengths in (0, 1]."""
    n = len(X)
    if n < 2:
        raise ValueError("A neighbour graph needs at least 2 rows.")
    k = max(2, min(int(n_neighbors), n))
    idx, dist = knn(X, k, random_state=random_state, n_jobs=n_jobs)
    sigma, rho = _smooth_knn(dist.astype(np.float64), k)
    w = np.exp(-np.maximum(dist[:, 1:] - rho[:, None], 0.0) / sigma[:, None])
    rows = np.repeat(np.arange(n), idx.shape[1] - 1)
    cols = idx[:, 1:].ravel()
    keep = cols >= 0  # pynndescent marks missing neighbours with -1
    A = sp.coo_matrix((w.ravel()[keep], (rows[keep], cols[keep])), shape=(n, n)).tocsr()
    A.setdiag(0)
    A.eliminate_zeros()
    G = A + A.T - A.multiply(A.T)
    return G.tocoo()


def find_ab_params(spread: float = 1.0, min_dist: float = 0.1) -> tuple[float, float]:
    """``a, b`` such that ``1 / (1 + a d^(2b))`` fits UMAP's low-dimensional similarity curve."""
    from scipy.optimize import curve_fit

    x = np.linspace(0, spread * 3, 300)
    y = np.where(x < min_dist, 1.0, np.exp(-(x - min_dist) / spread))
    (a, b), _ = curve_fit(lambda x, a, b: 1.0 / (1.0 + a * x ** (2 * b)), x, y)
    return float(a), float(b)


def optimize_layout(graph, init: np.ndarray, n_epochs: int | None = None, min_dist: float = 0.1,
                    negative_sample_rate: int = 5, random_state: int = 0) -> np.ndarray:
    """Place one point per row of ``graph`` so that the fuzzy graph is kept: UMAP's layout step.

    Minimises UMAP's cross-entropy between the input graph and the low-dimensional similarities
    ``1 / (1 + a d^(2b))`` by stochastic gradient steps: in every epoch each edge is drawn with
    probability ``w / max(w)``; both of its ends are pulled together and its head is pushed away
    from ``negative_sample_rate`` random points; the step size falls linearly to 0 (McInnes et
    al., 2018, section 3.2). Unlike umap-learn's sequential loop, all edges of an epoch are
    applied at once (summed with ``index_add_``, as GPU implementations do), so each epoch is a
    few vectorised torch operations.

    Parameters
    ----------
    graph : sparse (n, n) symmetric matrix of membership strengths (:func:`fuzzy_knn_graph`)
    init : ndarray (n, d), the starting positions (for instance PCA scaled to +-10)
    n_epochs : int, default 200 (umap-learn's default above 10,000 rows; it uses 500 below,
        which here cost 2.5 times as long for no visible gain in the maps)
    min_dist, negative_sample_rate : as in UMAP
    random_state : int

    Returns
    -------
    ndarray (n, d) float32
    """
    G = sp.coo_matrix(graph)
    n = G.shape[0]
    if init.shape[0] != n:
        raise ValueError(f"init has {init.shape[0]} rows but the graph has {n}.")
    if n_epochs is None:
        n_epochs = 200
    a, b = find_ab_params(1.0, min_dist)
    gen = torch.Generator().manual_seed(int(random_state))
    head = torch.from_numpy(G.row.astype(np.int64))
    tail = torch.from_numpy(G.col.astype(np.int64))
    p = torch.from_numpy((G.data / max(G.data.max(), 1e-12)).astype(np.float32)) if G.nnz else torch.zeros(0)
    Y = torch.from_numpy(np.ascontiguousarray(init, dtype=np.float32)).clone()
    step = torch.zeros_like(Y)
    for epoch in range(int(n_epochs)):
        alpha = 1.0 - epoch / n_epochs
        take = torch.rand(len(p), generator=gen) < p
        h, t = head[take], tail[take]
        # attraction along sampled edges (d = squared distance; d^(b-1) = d^b / d saves a pow)
        diff = Y[h] - Y[t]
        d = diff.pow(2).sum(1, keepdim=True).clamp_min_(1e-12)
        d_b = d.pow(b)
        pull = (diff * (-2.0 * a * b) * (d_b / d) / (a * d_b + 1.0)).clamp_(-4.0, 4.0)
        # repulsion from random points; only the head moves, as in UMAP (a point drawn as its
        # own negative has diff = 0 and so no effect)
        hn = h.repeat(negative_sample_rate)
        diff_n = Y[hn] - Y[torch.randint(0, n, (len(hn),), generator=gen)]
        d_n = diff_n.pow(2).sum(1, keepdim=True)
        push = (diff_n * (2.0 * b) / ((0.001 + d_n) * (a * d_n.pow(b) + 1.0))).clamp_(-4.0, 4.0)
        step.zero_()
        step.index_add_(0, h, pull)
        step.index_add_(0, t, -pull)
        step.index_add_(0, hn, push)
        Y.add_(step, alpha=alpha)
    return Y.numpy()

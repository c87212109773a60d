"""The fuzzy k-nearest-neighbour graph behind the structure-preserving loss (as in UMAP).

:func:`fuzzy_knn_graph` finds each row's ``k`` nearest neighbours (:func:`knn`: exactly for small
inputs, above that with an inverted-file index written in torch, so there is no compiled
extension to build on a first run) and turns distances into membership strengths
``w_ij = exp(-(d_ij - rho_i) / sigma_i)`` with
``rho_i`` the distance to the nearest neighbour and ``sigma_i`` chosen so that each row's
strengths sum to ``log2(k)``. The graph is symmetrised with the fuzzy union
``w + w.T - w * w.T``. This follows McInnes, Healy & Melville (2018), section 3.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

__all__ = ["find_ab_params", "fuzzy_knn_graph", "knn", "optimize_layout", "supervise_graph"]

EXACT_MAX_ROWS = 8000  # below this an exact BLAS search is faster than building an index
#: Cells of the index searched for each row (its own included), and independent k-means
#: partitions whose results are merged. One partition misses neighbours across its cells'
#: borders, all in the same places, and the layout tears there: on 50,000 MNIST digits (50
#: principal coordinates) one partition searching 24 cells found 97.0% of the exact 15 nearest
#: neighbours and its layout's 5-NN accuracy fell 0.013 below the exact graph's; two partitions
#: of 24 cells found 99.0% in 3.2 s. (pynndescent, which umap-learn uses, needs about 40 s to
#: compile before its first search.)
N_PROBE = 24
N_PARTITIONS = 2


def _sq_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.addmm((b * b).sum(1)[None], a, b.T, alpha=-2.0).add_((a * a).sum(1, keepdim=True)).clamp_min_(0.0)


def _nearest_cell(P: torch.Tensor, centres: torch.Tensor, block: int = 8192) -> torch.Tensor:
    return torch.cat([_sq_distances(P[s:s + block], centres).argmin(1) for s in range(0, len(P), block)])


def _kmeans(P: torch.Tensor, n_cells: int, gen: torch.Generator, n_iter: int = 6
            ) -> tuple[torch.Tensor, torch.Tensor]:
    """``(cell of each row, centres)`` after ``n_iter`` rounds of Lloyd's k-means from random
    rows (a coarse partition is all the index needs)."""
    centres = P[torch.randperm(len(P), generator=gen)[:n_cells]].clone()
    for _ in range(n_iter):
        cell = _nearest_cell(P, centres)
        counts = torch.bincount(cell, minlength=n_cells)[:, None]
        sums = torch.zeros_like(centres).index_add_(0, cell, P)
        centres = torch.where(counts > 0, sums / counts.clamp_min(1), centres)  # an empty cell keeps its centre
    return _nearest_cell(P, centres), centres


def _ivf_knn(P: torch.Tensor, k: int, seed: int, n_probe: int = N_PROBE) -> tuple[torch.Tensor, torch.Tensor]:
    """Approximate k-NN: k-means splits the rows into about sqrt(n) cells; the rows of a cell are
    compared with every row of the ``n_probe`` cells whose centres are nearest its centre
    (itself included), so each row is compared with about ``n_probe * sqrt(n)`` others."""
    n = len(P)
    n_cells = max(1, int(round(n ** 0.5)))
    cell, centres = _kmeans(P, n_cells, torch.Generator().manual_seed(int(seed)))
    order = torch.argsort(cell, stable=True)
    counts = torch.bincount(cell, minlength=n_cells)
    starts = (torch.cumsum(counts, 0) - counts).tolist()
    counts = counts.tolist()
    near = torch.topk(_sq_distances(centres, centres), min(n_probe, n_cells), largest=False).indices.tolist()
    idx = torch.full((n, k), -1, dtype=torch.int64)
    sq = torch.full((n, k), float("inf"))
    for c in range(n_cells):
        if counts[c] == 0:
            continue
        rows = order[starts[c]:starts[c] + counts[c]]
        cand = torch.cat([order[starts[j]:starts[j] + counts[j]] for j in near[c]])
        top = min(k, len(cand))
        d, i = torch.topk(_sq_distances(P[rows], P[cand]), top, largest=False)
        idx[rows, :top], sq[rows, :top] = cand[i], d
    return idx, sq


def _merge_neighbours(idx: torch.Tensor, sq: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` nearest of each row's candidates, each candidate once."""
    idx, order = torch.sort(idx, 1)
    sq = torch.gather(sq, 1, order)
    repeat = torch.zeros_like(idx, dtype=torch.bool)
    repeat[:, 1:] = idx[:, 1:] == idx[:, :-1]
    sq = sq.masked_fill(repeat | (idx < 0), float("inf"))
    sq, i = torch.topk(sq, k, largest=False)
    return torch.gather(idx, 1, i).masked_fill(torch.isinf(sq), -1), sq


def knn(X: np.ndarray, n_neighbors: int, random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices and distances of each row's ``n_neighbors`` nearest rows (itself first; ``-1``
    where the approximate search found fewer).

    Exact up to ``EXACT_MAX_ROWS`` rows; above, ``N_PARTITIONS`` inverted-file indexes
    (:func:`_ivf_knn`) merged, which find about 99% of the true neighbours. Search few columns:
    :class:`aekit.AutoencoderReducer` passes the top 50 principal coordinates, as practitioners do
    before UMAP.
    """
    X = np.ascontiguousarray(X, dtype=np.float32)
    n = len(X)
    k = min(n_neighbors, n)
    if n <= EXACT_MAX_ROWS:
        from sklearn.neighbors import NearestNeighbors

        dist, idx = NearestNeighbors(n_neighbors=k).fit(X).kneighbors(X)
        return idx.astype(np.int64), dist.astype(np.float32)
    P = torch.from_numpy(X)
    found = [_ivf_knn(P, k, random_state + i) for i in range(N_PARTITIONS)]
    idx, _ = _merge_neighbours(torch.cat([f[0] for f in found], 1), torch.cat([f[1] for f in found], 1), k)
    # Each row is its own nearest neighbour at distance 0; put it first even when a duplicate row ties.
    self_rows = torch.arange(n)
    has_self = (idx == self_rows[:, None]).any(1)
    idx[~has_self, -1] = self_rows[~has_self]
    is_self = idx == self_rows[:, None]
    # The distances again, directly: the expanded form |a|^2 - 2ab + |b|^2 rounds twins apart.
    dist = torch.cat([(P[idx[s:s + 8192].clamp_min(0)] - P[s:s + 8192, None]).norm(dim=2)
                      for s in range(0, n, 8192)]).masked_fill_(idx < 0, float("inf"))
    dist, order = torch.sort(dist.masked_fill(is_self, -1.0), dim=1, stable=True)
    return torch.gather(idx, 1, order).numpy(), dist.clamp_min_(0.0).numpy()


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


def fuzzy_knn_graph(X: np.ndarray, n_neighbors: int = 15, random_state: int = 0) -> sp.coo_matrix:
    """Symmetric sparse ``(n, n)`` matrix of fuzzy membership strengths in (0, 1]."""
    n = len(X)
    if n < 2:
        raise ValueError("A neighbour graph needs at least 2 rows.")
    k = max(2, min(int(n_neighbors), n))
    idx, dist = knn(X, k, random_state=random_state)
    sigma, rho = _smooth_knn(dist.astype(np.float64), k)
    w = np.exp(-np.maximum(dist[:, 1:] - rho[:, None], 0.0) / sigma[:, None])
    rows = np.repeat(np.arange(n), idx.shape[1] - 1)
    cols = idx[:, 1:].ravel()
    keep = cols >= 0  # -1: the index found fewer than k neighbours
    A = sp.coo_matrix((w.ravel()[keep], (rows[keep], cols[keep])), shape=(n, n)).tocsr()
    A.setdiag(0)
    A.eliminate_zeros()
    G = A + A.T - A.multiply(A.T)
    return G.tocoo()


def supervise_graph(graph, y: np.ndarray, target_weight: float = 0.5, n_label_edges: int = 0,
                    random_state: int = 0) -> sp.coo_matrix:
    """The graph with labels folded in, as UMAP's ``target_weight`` does for a categorical target.

    An edge between two rows with different known labels is weakened by ``exp(-far)`` with
    ``far = 2.5 / (1 - target_weight)`` (umap-learn's rule; ``target_weight`` 1 cuts it), and each
    labelled row gains ``n_label_edges`` edges of strength ``target_weight`` to random rows with its
    label, so that a few labels pull their class together even where the neighbours are unlabelled.
    Labels ``< 0`` mark unlabelled rows.
    """
    G = sp.coo_matrix(graph)
    y = np.asarray(y)
    far = 2.5 / (1.0 - target_weight) if target_weight < 1 else np.inf
    known = (y[G.row] >= 0) & (y[G.col] >= 0)
    data = np.where(known & (y[G.row] != y[G.col]), G.data * np.exp(-far), G.data)
    rows, cols, vals = [G.row], [G.col], [data]
    if n_label_edges > 0:
        rng = np.random.default_rng(random_state)
        for label in np.unique(y[y >= 0]):
            members = np.flatnonzero(y == label)
            if len(members) < 2:
                continue
            head = np.repeat(members, n_label_edges)
            tail = members[rng.integers(0, len(members), len(head))]
            keep = head != tail
            rows += [head[keep], tail[keep]]
            cols += [tail[keep], head[keep]]
            vals += [np.full(int(keep.sum()), target_weight)] * 2
    out = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=G.shape).tocsr()
    out.data = np.minimum(out.data, 1.0)  # repeated pairs were summed
    out.eliminate_zeros()
    return out.tocoo()


#: Groups an epoch's sampled edges are applied in by :func:`optimize_layout`, each reading the
#: positions the previous ones left (umap-learn applies them one at a time). The layout of all
#: 60,000 MNIST train rows (200 epochs): trustworthiness (k=5, first 10,000 rows) 0.949 with one
#: group, 0.958-0.959 with 8, 16 or 32; Fashion-MNIST 0.970 -> 0.976 with 16, and 5-NN accuracy of
#: the last 10,000 rows from the first 50,000 in the layout 0.743 -> 0.757. Through the encoder
#: (AutoencoderReducer fitted on the first 50,000 MNIST rows, scored on the last 10,000, three
#: seeds) 5-NN accuracy 0.951 -> 0.955 and trustworthiness 0.949 -> 0.952, for about 15% more
#: layout time.
LAYOUT_CHUNKS = 16


def find_ab_params(spread: float = 1.0, min_dist: float = 0.1) -> tuple[float, float]:
    """``a, b`` such that ``1 / (1 + a d^(2b))`` fits UMAP's low-dimensional similarity curve."""
    from scipy.optimize import curve_fit

    x = np.linspace(0, spread * 3, 300)
    y = np.where(x < min_dist, 1.0, np.exp(-(x - min_dist) / spread))
    (a, b), _ = curve_fit(lambda x, a, b: 1.0 / (1.0 + a * x ** (2 * b)), x, y)
    return float(a), float(b)


def optimize_layout(graph, init: np.ndarray, n_epochs: int | None = None, min_dist: float = 0.1,
                    negative_sample_rate: int = 5, random_state: int = 0,
                    n_chunks: int | None = None) -> np.ndarray:
    """Place one point per row of ``graph`` so that the fuzzy graph is kept: UMAP's layout step.

    Minimises UMAP's cross-entropy between the input graph and the low-dimensional similarities
    ``1 / (1 + a d^(2b))`` by stochastic gradient steps: in every epoch each edge is drawn with
    probability ``w / max(w)``; both of its ends are pulled together and its head is pushed away
    from ``negative_sample_rate`` random points; the step size falls linearly to 0 (McInnes et
    al., 2018, section 3.2). umap-learn moves a point after every edge; here an epoch's sampled
    edges are shuffled and applied in ``n_chunks`` vectorised groups, each group's moves summed
    (``scatter_add_``) before the next group reads the positions. One group per epoch (every
    move computed from the epoch's starting positions, as GPU implementations do) lays maps out
    less well: see ``LAYOUT_CHUNKS``.

    Parameters
    ----------
    graph : sparse (n, n) symmetric matrix of membership strengths (:func:`fuzzy_knn_graph`)
    init : ndarray (n, d), the starting positions (for instance PCA scaled to +-10)
    n_epochs : int, default 200 (umap-learn's default above 10,000 rows; it uses 500 below,
        which here cost 2.5 times as long for no visible gain in the maps)
    min_dist, negative_sample_rate : as in UMAP
    random_state : int
    n_chunks : int, optional
        Groups each epoch's edges are applied in, one after another (default ``LAYOUT_CHUNKS``).

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
    n_chunks = LAYOUT_CHUNKS if n_chunks is None else int(n_chunks)
    if n_chunks < 1:
        raise ValueError(f"n_chunks must be at least 1 (one group of edges per epoch), got {n_chunks}.")
    a, b = find_ab_params(1.0, min_dist)
    gen = torch.Generator().manual_seed(int(random_state))
    head = torch.from_numpy(G.row.astype(np.int64))
    tail = torch.from_numpy(G.col.astype(np.int64))
    p = torch.from_numpy((G.data / max(G.data.max(), 1e-12)).astype(np.float32)) if G.nnz else torch.zeros(0)
    Y = torch.from_numpy(np.ascontiguousarray(init, dtype=np.float32)).clone()
    d_out = Y.shape[1]
    # Flat positions of a row's coordinates in Y.view(-1): one scatter_add_ of pre-scaled moves is
    # many times faster than index_add_(..., alpha=) on these narrow rows.
    cols = torch.arange(d_out)
    ones = torch.ones(d_out, 1)
    for epoch in range(int(n_epochs)):
        alpha = 1.0 - epoch / n_epochs
        take = (torch.rand(len(p), generator=gen) < p).nonzero().squeeze(1)
        if n_chunks > 1:
            take = take[torch.randperm(len(take), generator=gen)]
        for chunk in take.chunk(n_chunks):
            h, t = head.index_select(0, chunk), tail.index_select(0, chunk)
            # attraction along sampled edges (d = squared distance; d^(b-1) = d^b / d saves a pow)
            y_h = Y.index_select(0, h)
            diff = y_h - Y.index_select(0, t)
            d = ((diff * diff) @ ones).clamp_min_(1e-12)  # a (d, 1) product: faster than sum(1) on narrow rows
            d_b = d.pow(b)
            pull = (diff * (-2.0 * a * b * alpha) * (d_b / d) / (a * d_b + 1.0)).clamp_(-4.0 * alpha, 4.0 * alpha)
            # repulsion from random points; only the head moves, as in UMAP (a point drawn as its
            # own negative has diff = 0 and so no effect). The heads' positions are y_h repeated:
            # no second gather.
            hn = h.repeat(negative_sample_rate)
            diff_n = y_h.repeat(negative_sample_rate, 1) - Y.index_select(
                0, torch.randint(0, n, (len(hn),), generator=gen))
            d_n = (diff_n * diff_n) @ ones
            push = (diff_n * (2.0 * b * alpha) / ((0.001 + d_n) * (a * d_n.pow(b) + 1.0))).clamp_(
                -4.0 * alpha, 4.0 * alpha)
            rows = torch.cat([h, t, hn])
            moves = torch.cat([pull, -pull, push])
            Y.view(-1).scatter_add_(0, (rows[:, None] * d_out + cols).reshape(-1), moves.reshape(-1))
    return Y.numpy()

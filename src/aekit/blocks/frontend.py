"""A linear front end for dense autoencoders: the network starts as PCA and works in its basis.

Why: on wide dense data (784 pixels, thousands of columns) most of a dense autoencoder's FLOPs
go to its first and last layers, and most of its first epochs go to learning what PCA computes
in a fraction of a second. :class:`PCAFrontEnd` removes both costs:

- The data are projected once onto the top ``k`` principal axes (:func:`fit_pca_basis`: an
  eigendecomposition of the covariance of a sample of rows; data on disk are sampled a block at a
  time). The inner autoencoder works on those ``k`` coordinates, so its outer layers are ``k``
  wide instead of ``n_features``.
- The basis is **frozen**, and the residual is handled exactly: the axes are orthonormal, so the
  squared error of a reconstruction in the input space is the squared error of its ``k``
  coordinates plus the part of the row outside the basis, a constant per row
  (:meth:`PCAFrontEnd.reconstruction_loss`). Training on the ``k`` coordinates therefore
  minimises the true reconstruction error, and reports it.
- ``pca_start``: the code is the top ``n_components`` principal coordinates *plus* what the
  encoder adds, and the reconstruction is those coordinates plus what the decoder adds; both
  added parts start at zero. Before any training the network is PCA with ``n_components``
  components, and training can only move it towards lower error.

How ``k`` is chosen (:func:`choose_n_basis`): the basis keeps enough axes that what it leaves out
is at most ``BASIS_RESIDUAL_FRACTION`` of what PCA with ``n_components`` axes leaves out. The
network's error can only fall to the basis' residual, and a non-linear ``n_components``-code
autoencoder ends at a fraction of PCA-``n_components``' error, so the basis must leave out much
less than that. A tenth is the rule ``benchmarks/time_to_quality.py`` and ``benchmarks/recipes.py``
measured on MNIST.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .layers import ImageEncoder
from .registry import build, register_network, spec_of

__all__ = ["BASIS_RESIDUAL_FRACTION", "PCAFrontEnd", "choose_n_basis", "fit_front_end_basis", "fit_pca_basis",
           "sample_rows"]

#: The basis may leave out at most this fraction of the variance that PCA with ``n_components``
#: axes leaves out (see :func:`choose_n_basis`).
BASIS_RESIDUAL_FRACTION = 0.1
#: Rows the basis is computed from: a random sample above this many.
BASIS_SAMPLE_ROWS = 20_000


def sample_rows(X, n_rows: int, seed: int) -> np.ndarray:
    """A random sample of ``n_rows`` rows of ``X`` (all of them when it has fewer), as float64.

    Data on disk (a memory map or a source with ``read_rows``) are read a contiguous block at a
    time from random places, so the sample costs a few sequential reads, not ``n_rows`` seeks.
    """
    from ..training import is_out_of_core, read_rows

    n = len(X)
    if n <= n_rows:
        block = read_rows(X, 0, n) if is_out_of_core(X) else np.asarray(X)
        return np.asarray(block, dtype=np.float64)
    rng = np.random.default_rng(seed)
    if not is_out_of_core(X):
        return np.asarray(X[np.sort(rng.choice(n, n_rows, replace=False))], dtype=np.float64)
    block = 1024
    starts = np.sort(rng.choice(np.arange(0, n, block), -(-n_rows // block), replace=False))
    return np.concatenate([read_rows(X, int(s), int(s) + block) for s in starts]).astype(np.float64)[:n_rows]


def fit_pca_basis(X, seed: int = 0, max_rows: int = BASIS_SAMPLE_ROWS
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``(mean, axes, variances, total_variance)`` of the rows of ``X``: the principal axes as the
    rows of ``axes`` (orthonormal, largest variance first), the variance along each, and the sum
    of the features' variances (all axes together, also those not returned).

    The covariance of a random sample of ``max_rows`` rows is eigendecomposed (float64), which for
    a few thousand features takes well under a second. Wider data (over 4,096 features) use a
    randomized low-rank SVD of the sample instead (``torch.svd_lowrank``), for the top 512 axes.

    >>> X = np.random.default_rng(0).normal(size=(500, 6)) * [5, 3, 1, 1, 1, 1]
    >>> mean, axes, var, total = fit_pca_basis(X)
    >>> axes.shape, bool(np.allclose(axes @ axes.T, np.eye(6), atol=1e-6)), bool(var[0] > var[1] > var[2])
    ((6, 6), True, True)
    >>> bool(np.isclose(var.sum(), total))
    True
    """
    S = sample_rows(X, max_rows, seed)
    mean = S.mean(axis=0)
    S -= mean
    n, f = S.shape
    total = float(np.square(S).sum() / max(n - 1, 1))
    if f <= 4096:
        cov = S.T @ S / max(n - 1, 1)
        var, vec = np.linalg.eigh(cov)
        order = np.argsort(var)[::-1]
        var, axes = np.maximum(var[order], 0.0), vec[:, order].T
    else:
        q = min(512, n, f)
        gen = torch.Generator().manual_seed(seed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(torch.randint(2**31 - 1, (1,), generator=gen)))
            _, s, v = torch.svd_lowrank(torch.from_numpy(S), q=q, niter=4)
        var, axes = (s.numpy() ** 2) / max(n - 1, 1), v.numpy().T
    return mean, np.ascontiguousarray(axes), var, total


def choose_n_basis(variances: np.ndarray, n_components: int, total_variance: float | None = None,
                   fraction: float = BASIS_RESIDUAL_FRACTION) -> int:
    """The fewest axes whose left-out variance is at most ``fraction`` of what ``n_components``
    axes leave out (never fewer than ``n_components``).

    >>> choose_n_basis(np.array([8.0, 4.0, 2.0, 1.0, 0.5, 0.25]), 1)
    4
    """
    var = np.asarray(variances, dtype=np.float64)
    total = float(var.sum()) if total_variance is None else float(total_variance)
    left = total - np.concatenate([[0.0], np.cumsum(var)])  # left[k]: variance outside the top k
    d = min(int(n_components), len(var))
    allowed = fraction * max(left[d], 0.0)
    k = int(np.argmax(left <= allowed + 1e-12 * max(total, 1e-300))) if np.any(left <= allowed) else len(var)
    return max(k, d)


def fit_front_end_basis(X, n_components: int, pca_components, seed: int):
    """``(mean, axes, variances, n_basis)`` for a front end on the (scaled) rows ``X``:
    ``pca_components`` axes, or :func:`choose_n_basis`'s number for ``"auto"``, at most the
    number of features."""
    mean, axes, var, total = fit_pca_basis(X, seed)
    k = choose_n_basis(var, n_components, total) if pca_components == "auto" else int(pca_components)
    return mean, axes, var, max(1, min(k, len(var)))


@register_network
class PCAFrontEnd(nn.Module):
    """An autoencoder that sees the rows' coordinates in a frozen PCA basis (see the module doc).

    ``encode(x)`` / ``decode(z)`` / ``forward(x)`` take and give rows of ``n_features``, as the
    network it wraps would; ``encode_basis`` / ``decode_basis`` work on the basis coordinates,
    which is where training happens (:meth:`project`, :meth:`reconstruction_loss`).

    Parameters
    ----------
    net : nn.Module
        An autoencoder with ``encode`` and ``decode`` for ``n_basis``-long rows.
    n_features, n_basis : int
        Row length, and the number of axes kept.
    n_components : int
        Length of the code (``net``'s), for ``pca_start``.
    pca_start : bool
        The code and the reconstruction add the top principal coordinates to what the network
        computes (see the module doc; :meth:`start_at_pca` zeroes the network's last layers).

    Examples
    --------
    >>> from aekit.blocks import Autoencoder
    >>> X = np.random.default_rng(0).normal(size=(300, 12)).astype(np.float32)
    >>> mean, axes, var, _ = fit_pca_basis(X)
    >>> net = PCAFrontEnd(Autoencoder.dense(5, (8,), 2), 12, 5, 2)
    >>> net.set_basis(mean, axes[:5], var[:5]).start_at_pca()
    PCAFrontEnd(...)
    >>> x = torch.from_numpy(X[:4])
    >>> net.encode(x).shape, net(x).shape
    (torch.Size([4, 2]), torch.Size([4, 12]))
    >>> m, a = torch.tensor(mean, dtype=torch.float32), torch.tensor(axes[:2], dtype=torch.float32)
    >>> bool(torch.allclose(net(x), (x - m) @ a.T @ a + m, atol=1e-5))  # before training: PCA
    True
    """

    def __init__(self, net: nn.Module, n_features: int, n_basis: int, n_components: int, pca_start: bool = True):
        super().__init__()
        self.net = net
        self.n_features, self.n_basis = int(n_features), int(n_basis)
        self.n_components, self.pca_start = int(n_components), bool(pca_start)
        if not 1 <= self.n_basis <= self.n_features:
            raise ValueError(f"n_basis must be between 1 and n_features ({self.n_features}), got {self.n_basis}.")
        if self.pca_start and self.n_components > self.n_basis:
            raise ValueError(f"pca_start needs n_components ({self.n_components}) <= n_basis ({self.n_basis}).")
        # An encoder built for images (blocks.ImageEncoder) reads the rows themselves, not their
        # coordinates in the basis; only the decoder then works in the basis.
        self.reads_pixels = isinstance(getattr(net, "encoder", None), ImageEncoder)
        if self.reads_pixels and self.pca_start:
            raise ValueError("pca_start needs an encoder of the basis coordinates; this one reads the images.")
        self.register_buffer("mean", torch.zeros(self.n_features))
        self.register_buffer("axes", torch.zeros(self.n_basis, self.n_features))
        # One number: the coordinates are divided by it so that they average unit variance, the
        # scale a default-initialised layer expects (the top axes of pixel data reach std 10).
        self.register_buffer("coord_scale", torch.ones(()))

    @property
    def config(self) -> dict:
        return {"net": spec_of(self.net), "n_features": self.n_features, "n_basis": self.n_basis,
                "n_components": self.n_components, "pca_start": self.pca_start}

    @classmethod
    def from_config(cls, cfg: dict) -> PCAFrontEnd:
        return cls(build(cfg["net"]), cfg["n_features"], cfg["n_basis"], cfg["n_components"], cfg["pca_start"])

    @torch.no_grad()
    def set_basis(self, mean, axes, variances) -> PCAFrontEnd:
        """Keep the basis: the mean row, the ``n_basis`` axes as rows, the variance along each."""
        self.mean.copy_(torch.as_tensor(np.asarray(mean), dtype=torch.float32))
        self.axes.copy_(torch.as_tensor(np.asarray(axes)[: self.n_basis], dtype=torch.float32))
        mean_var = float(np.mean(np.asarray(variances, dtype=np.float64)[: self.n_basis]))
        self.coord_scale.fill_(max(mean_var, 1e-12) ** 0.5)
        return self

    @torch.no_grad()
    def start_at_pca(self) -> PCAFrontEnd:
        """Zero the last layer of the encoder and of the decoder: with ``pca_start`` the network
        is then exactly PCA with ``n_components`` axes (the added parts are zero)."""
        if self.pca_start:
            for half in (self.net.encoder, self.net.decoder):
                last = [m for m in half.modules() if isinstance(m, nn.Linear)][-1]
                last.weight.zero_()
                last.bias.zero_()
        return self

    # -- in the basis (where training happens) -------------------------------------------------

    def project(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(coordinates, residual)``: the rows' scaled coordinates in the basis, and the squared
        length of the part of each row the basis leaves out."""
        centred = x.float() - self.mean
        p = centred @ self.axes.T
        residual = (centred.pow(2).sum(1) - p.pow(2).sum(1)).clamp_min(0.0)
        return p / self.coord_scale, residual

    def encode_basis(self, p: torch.Tensor) -> torch.Tensor:
        if self.reads_pixels:
            raise ValueError("This network's encoder reads the rows themselves: use encode(x) or encode_rows(p, x).")
        z = self.net.encode(p)
        return z + p[:, : self.n_components] if self.pca_start else z

    def encode_rows(self, p: torch.Tensor, x: torch.Tensor | None) -> torch.Tensor:
        """The code of rows given both their basis coordinates ``p`` (from :meth:`project`) and
        the rows ``x``: the encoder reads whichever it was built for (``x`` may be None when it
        reads the coordinates)."""
        return self.net.encode(x) if self.reads_pixels else self.encode_basis(p)

    def decode_basis(self, z: torch.Tensor) -> torch.Tensor:
        q = self.net.decode(z)
        if self.pca_start:
            q = q + nn.functional.pad(z, (0, self.n_basis - self.n_components))
        return q

    def basis_loss(self, p: torch.Tensor, residual: torch.Tensor, p_in: torch.Tensor | None = None,
                   x: torch.Tensor | None = None) -> torch.Tensor:
        """:meth:`reconstruction_loss` of the network's reconstruction of ``p_in`` (default ``p``:
        a denoiser passes the noisy rows' coordinates) scored against the rows ``p``, ``residual``.
        An encoder that reads images reads the rows ``x`` instead (see :meth:`encode_rows`)."""
        z = self.encode_rows(p if p_in is None else p_in, x)
        return self.reconstruction_loss(p, residual, self.decode_basis(z))

    def reconstruction_loss(self, p: torch.Tensor, residual: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
        """Mean squared error over the ``n_features`` of the rows whose coordinates are ``p`` and
        reconstructions ``q``: the error inside the basis plus the residual outside it, exactly."""
        inside = (q.float() - p).pow(2).sum(1) * self.coord_scale.pow(2)
        return (inside + residual).mean() / self.n_features

    # -- in the input space ----------------------------------------------------------------------

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.encode(x) if self.reads_pixels else self.encode_basis(self.project(x)[0])

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return (self.decode_basis(z) * self.coord_scale) @ self.axes + self.mean

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

"""Plots users expect first: latent maps beside PCA's, reconstruction grids, loss curves.

Every function returns a matplotlib ``Figure``; save it with ``fig.savefig(...)`` or put it in a
report. Imported where no backend was chosen yet (a script, the CLI, a server) the module selects
the non-interactive Agg backend; in a notebook (``%matplotlib inline``, or Jupyter's own
``MPLBACKEND``) or a program that imported pyplot first, the figures show where the user expects.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Mapping, Sequence

import matplotlib

if "matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND"):
    matplotlib.use("Agg")  # no display needed: reports and CLIs render to files
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .images import to_unit_float  # noqa: E402

__all__ = [
    "figure_to_png",
    "plot_denoising_crops",
    "plot_history",
    "plot_image_grid",
    "plot_latent",
    "plot_latent_comparison",
    "plot_reconstructions",
    "plot_swiss_roll",
    "plot_training_curves",
]


def figure_to_png(fig: Figure, dpi: int = 110) -> bytes:
    """PNG bytes of ``fig`` (and close it, so long runs do not accumulate figures)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _check_labels(labels, n_rows: int, name: str = "the embedding") -> None:
    if labels is not None and (np.ndim(labels) != 1 or len(labels) != n_rows):
        raise ValueError(f"labels has shape {np.shape(labels)} but {name} has {n_rows} rows; pass one label "
                         "per row (or labels=None).")


def _scatter(ax, Z, labels, title, max_points, rng):
    Z = np.asarray(Z)
    if Z.ndim != 2 or Z.shape[1] < 2:
        raise ValueError(f"A latent scatter needs an (n, >=2) embedding, got shape {Z.shape}.")
    idx = np.arange(len(Z))
    if len(idx) > max_points:
        idx = rng.choice(idx, max_points, replace=False)
    if labels is None:
        ax.scatter(Z[idx, 0], Z[idx, 1], s=2, alpha=0.6, linewidths=0)
    else:
        labels = np.asarray(labels)
        classes = np.unique(labels)
        discrete = len(classes) <= 20
        cmap = plt.get_cmap("tab10" if len(classes) <= 10 else "tab20") if discrete else plt.get_cmap("viridis")
        if discrete:
            for i, c in enumerate(classes):
                m = idx[labels[idx] == c]
                ax.scatter(Z[m, 0], Z[m, 1], s=2, alpha=0.6, linewidths=0, color=cmap(i), label=str(c))
            ax.legend(markerscale=5, fontsize=7, loc="best", frameon=False, ncol=2)
        else:
            sc = ax.scatter(Z[idx, 0], Z[idx, 1], s=2, alpha=0.6, linewidths=0, c=labels[idx], cmap=cmap)
            ax.figure.colorbar(sc, ax=ax, shrink=0.8)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_latent(Z, labels=None, title: str = "latent space", max_points: int = 20000,
                random_state: int = 0) -> Figure:
    """Scatter of the first two latent dimensions, coloured by ``labels``."""
    _check_labels(labels, len(Z))
    fig, ax = plt.subplots(figsize=(5, 5))
    _scatter(ax, Z, labels, title, max_points, np.random.default_rng(random_state))
    return fig


def plot_latent_comparison(embeddings: Mapping[str, np.ndarray], labels=None, max_points: int = 20000,
                           random_state: int = 0, ncols: int | None = None) -> Figure:
    """Latent maps side by side (e.g. ``{"PCA": Z_pca, "Autoencoder": Z_ae}``), same colours;
    ``ncols`` maps per row (default: all in one row)."""
    for name, Z in embeddings.items():
        _check_labels(labels, len(Z), f"embedding {name!r}")
    n = len(embeddings)
    if ncols is not None and int(ncols) < 1:
        raise ValueError(f"ncols must be at least 1, got {ncols}.")
    ncols = n if ncols is None else min(int(ncols), n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5 * ncols, 5 * nrows), squeeze=False)
    flat = axes.ravel()
    for ax, (name, Z) in zip(flat, embeddings.items()):
        _scatter(ax, Z, labels, name, max_points, np.random.default_rng(random_state))
    for ax in flat[n:]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_reconstructions(rows: Mapping[str, np.ndarray], image_shape: Sequence[int] = (28, 28),
                         n: int = 10) -> Figure:
    """A grid with one row per entry of ``rows`` (e.g. input / PCA / autoencoder), ``n`` images each."""
    names = list(rows)
    fig, axes = plt.subplots(len(names), n, figsize=(n * 0.9, len(names) * 1.0), squeeze=False)
    for r, name in enumerate(names):
        imgs = np.asarray(rows[name])[:n]
        for c in range(n):
            ax = axes[r][c]
            ax.axis("off")
            if c < len(imgs):
                ax.imshow(np.clip(imgs[c].reshape(image_shape), 0, 1), cmap="gray", vmin=0, vmax=1)
        axes[r][0].text(-0.1, 0.5, name, transform=axes[r][0].transAxes, ha="right", va="center", fontsize=9)
    fig.subplots_adjust(wspace=0.05, hspace=0.05, left=0.15)
    return fig


def plot_history(history, metrics: Sequence[str] = ("loss",), title: str = "training") -> Figure:
    """Per-epoch curves of ``metrics`` and their ``val_`` twins from a :class:`~aekit.training.History`."""
    h = history.history if hasattr(history, "history") else dict(history)
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    for m in metrics:
        for key, style in ((m, "-"), (f"val_{m}", "--")):
            if key in h:
                ax.plot(np.arange(1, len(h[key]) + 1), h[key], style, label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel(", ".join(metrics))
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return fig


def plot_training_curves(history, title: str = "training") -> Figure:
    """Loss (left axis) and accuracy (right axis) per epoch, training solid and validation dashed.

    ``history`` is a :class:`~aekit.training.History` (what ``EmbeddingClassifier.fit`` returns)
    or its ``history`` dict with ``loss`` and ``accuracy`` (or Keras 2's ``acc``) lists.
    """
    h = history.history if hasattr(history, "history") else dict(history)
    if "loss" not in h:
        raise ValueError(f"The history has no 'loss' to plot; it has {sorted(h)}.")
    acc = "accuracy" if "accuracy" in h else "acc" if "acc" in h else None
    fig, ax = plt.subplots(figsize=(6, 3.8))
    lines = []
    for key, style in (("loss", "-"), ("val_loss", "--")):
        if key in h:
            lines += ax.plot(np.arange(1, len(h[key]) + 1), h[key], style, color="tab:blue", label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss", color="tab:blue")
    ax.grid(alpha=0.3)
    if acc is not None:
        ax2 = ax.twinx()
        for key, style in ((acc, "-"), (f"val_{acc}", "--")):
            if key in h:
                lines += ax2.plot(np.arange(1, len(h[key]) + 1), h[key], style, color="tab:orange", label=key)
        ax2.set_ylabel("accuracy", color="tab:orange")
        ax2.set_ylim(-0.02, 1.02)
    ax.legend(lines, [ln.get_label() for ln in lines], loc="center right", fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_swiss_roll(X, t, embeddings: Mapping[str, np.ndarray]) -> Figure:
    """The 3-D swiss roll beside its 2-D maps (e.g. PCA's and an autoencoder's), coloured by the
    position ``t`` along the roll: a map that unrolls it shows a smooth gradient, one that
    flattens it onto itself shows the colours overlapping."""
    n = 1 + len(embeddings)
    fig = plt.figure(figsize=(4.5 * n, 4.5))
    ax = fig.add_subplot(1, n, 1, projection="3d")
    ax.scatter(X[:, 0], X[:, 1], X[:, 2], c=t, cmap="viridis", s=3, linewidths=0)
    ax.set_title("swiss roll (3-D input)")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_zticks([])
    for i, (name, Z) in enumerate(embeddings.items(), start=2):
        ax = fig.add_subplot(1, n, i)
        ax.scatter(Z[:, 0], Z[:, 1], c=t, cmap="viridis", s=3, linewidths=0)
        ax.set_title(name)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def plot_denoising_crops(rows: Sequence[tuple[str, Mapping[str, np.ndarray]]],
                         crop: Sequence[tuple[int, int, int, int]] | None = None) -> Figure:
    """Side-by-side crops, one row per image: e.g. noisy / BM3D / ours / clean.

    ``rows`` is a list of ``(row title, {column title: image})``; images are ``(H, W)`` or
    ``(H, W, 3)``, uint8 or float in [0, 1]. ``crop`` gives ``(top, left, height, width)`` per row
    (None shows the whole image). Column titles may carry the PSNR, e.g. ``"BM3D 29.4 dB"``.
    """
    n_cols = max(len(cols) for _, cols in rows)
    fig, axes = plt.subplots(len(rows), n_cols, figsize=(2.6 * n_cols, 2.75 * len(rows)), squeeze=False)
    for r, (title, cols) in enumerate(rows):
        for c, (name, image) in enumerate(cols.items()):
            a = np.clip(to_unit_float(image), 0, 1)
            if crop is not None and crop[r] is not None:
                t, left, h, w = crop[r]
                a = a[t:t + h, left:left + w]
            ax = axes[r][c]
            ax.imshow(a, cmap="gray" if a.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
            ax.set_title(name, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r][0].set_ylabel(title, fontsize=9)
        for c in range(len(cols), n_cols):
            axes[r][c].axis("off")
    fig.tight_layout()
    return fig


def plot_image_grid(rows: Sequence[tuple[str, Sequence[np.ndarray]]], column_titles: Sequence[str] | None = None,
                    cell: float = 1.1) -> Figure:
    """A grid of small images, one titled row per ``(title, images)``: e.g. original / edited /
    ground truth for eight faces, or a digit redrawn as every class. Images are ``(H, W)`` or
    ``(H, W, 3)``, uint8 or float in [0, 1]."""
    n_cols = max(len(images) for _, images in rows)
    fig, axes = plt.subplots(len(rows), n_cols, figsize=(cell * n_cols + 1.2, cell * len(rows)), squeeze=False)
    for r, (title, images) in enumerate(rows):
        for c in range(n_cols):
            ax = axes[r][c]
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if c < len(images):
                a = np.clip(to_unit_float(images[c]), 0, 1)
                ax.imshow(a, cmap="gray" if a.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
            if r == 0 and column_titles is not None and c < len(column_titles):
                ax.set_title(column_titles[c], fontsize=8)
        axes[r][0].set_ylabel(title, fontsize=8, rotation=0, ha="right", va="center")
    fig.subplots_adjust(wspace=0.04, hspace=0.04)
    return fig


def plot_outliers(scores: np.ndarray, threshold: float, top: Sequence[np.ndarray] = (),
                  top_titles: Sequence[str] = (), image_shape: Sequence[int] | None = None,
                  columns: Sequence[str] | None = None) -> Figure:
    """The outlier scores' histogram with the threshold (left), and the most unusual rows (right):
    their images when ``image_shape`` is given, else a heat map of their standardised values.

    ``scores`` are outlier scores (higher = more unusual), ``top`` the rows to show, most unusual
    first, titled by ``top_titles``.
    """
    scores = np.asarray(scores, dtype=float)
    top = [np.asarray(t) for t in top]
    n_top = len(top)
    if image_shape is not None and n_top:
        cols = min(n_top, 8)
        rows = -(-n_top // cols)
        fig = plt.figure(figsize=(5.0 + 1.2 * cols, max(3.2, 1.3 * rows + 0.6)))
        grid = fig.add_gridspec(rows, 1 + cols, width_ratios=[4.0 / 1.2] + [1] * cols)
        ax = fig.add_subplot(grid[:, 0])
        for i, (row, title) in enumerate(zip(top, top_titles)):
            a = fig.add_subplot(grid[i // cols, 1 + i % cols])
            img = np.clip(to_unit_float(row.reshape(image_shape)), 0, 1)
            a.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
            a.set_xticks([])
            a.set_yticks([])
            a.set_title(title, fontsize=7)
    elif n_top:
        fig, (ax, heat) = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [1, 1.3]})
        M = np.vstack(top).astype(float)
        heat.imshow(M, aspect="auto", cmap="coolwarm", vmin=-4, vmax=4, interpolation="nearest")
        heat.set_yticks(range(n_top), list(top_titles), fontsize=7)
        names = list(columns) if columns is not None else [str(i) for i in range(M.shape[1])]
        step = max(1, len(names) // 20)
        heat.set_xticks(range(0, len(names), step), names[::step], rotation=90, fontsize=7)
        heat.set_title("most unusual rows (values in standard deviations from the mean)", fontsize=9)
    else:
        fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.hist(scores, bins=min(60, max(10, len(scores) // 20)), color="0.55")
    ax.axvline(threshold, color="tab:red", lw=1.5, label=f"threshold {threshold:.3g}")
    ax.set_yscale("log")
    ax.set_xlabel("outlier score (higher = more unusual)")
    ax.set_ylabel("rows")
    n_out = int((scores > threshold).sum())
    ax.set_title(f"{n_out:,} of {len(scores):,} flagged", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig

"""Plots render to real PNG images with the content asked for."""

import numpy as np
import pytest

from aekit.plots import (
    figure_to_png,
    plot_history,
    plot_latent,
    plot_latent_comparison,
    plot_reconstructions,
    plot_swiss_roll,
)
from aekit.training import History

PNG = b"\x89PNG\r\n\x1a\n"


def test_latent_comparison_has_one_panel_per_method_and_a_legend_per_class():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(300, 2))
    fig = plot_latent_comparison({"PCA": Z, "Autoencoder": Z * 2}, labels=np.arange(300) % 3)
    axes = fig.get_axes()
    assert [a.get_title() for a in axes] == ["PCA", "Autoencoder"]
    assert len(axes[0].get_legend().get_texts()) == 3
    assert figure_to_png(fig).startswith(PNG)


def test_latent_comparison_wraps_into_rows_of_ncols_maps():
    Z = np.random.default_rng(0).normal(size=(50, 2))
    fig = plot_latent_comparison({f"m{i}": Z for i in range(7)}, ncols=3)
    axes = fig.get_axes()
    assert len(axes) == 9  # 3 rows of 3; the last two empty and hidden
    assert [a.get_title() for a in axes[:7]] == [f"m{i}" for i in range(7)]
    assert not axes[7].axison and not axes[8].axison
    assert abs(fig.get_size_inches()[1] / fig.get_size_inches()[0] - 1.0) < 1e-9  # 3 x 3 panels
    with pytest.raises(ValueError, match="ncols must be at least 1"):
        plot_latent_comparison({"a": Z}, ncols=0)


def test_latent_with_continuous_labels_gets_a_colorbar():
    fig = plot_latent(np.random.default_rng(0).normal(size=(100, 2)), labels=np.linspace(0, 1, 100))
    assert len(fig.get_axes()) == 2  # the scatter and its colour bar


def test_latent_refuses_a_one_dimensional_embedding():
    with pytest.raises(ValueError, match="needs an"):
        plot_latent(np.zeros((10, 1)))


def test_reconstructions_grid_shape():
    X = np.random.default_rng(0).random((12, 64))
    fig = plot_reconstructions({"input": X, "model": X}, image_shape=(8, 8), n=6)
    assert len(fig.get_axes()) == 12


def test_history_plot_draws_train_and_validation_curves():
    h = History()
    for e, (a, b) in enumerate([(1.0, 1.1), (0.5, 0.7), (0.3, 0.6)]):
        h.log(e, {"loss": a, "val_loss": b})
    ax = plot_history(h).get_axes()[0]
    assert [line.get_label() for line in ax.get_lines()] == ["loss", "val_loss"]


def test_swiss_roll_panels():
    from aekit.datasets import make_swiss_roll

    X, t = make_swiss_roll(200, random_state=0)
    fig = plot_swiss_roll(X, t, {"PCA": X[:, :2], "Autoencoder": X[:, 1:]})
    assert [a.get_title() for a in fig.get_axes()] == ["swiss roll (3-D input)", "PCA", "Autoencoder"]
    assert figure_to_png(fig).startswith(PNG)

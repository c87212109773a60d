"""Reduce: non-linear dimensionality reduction with an autoencoder, as a scikit-learn transformer."""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import AekitEstimator, training_constraints
from ._validation import (
    Interval,
    IntSequence,
    Options,
    check_finite,
    check_numeric_columns,
    semi_supervised_labels,
)
from .blocks import (
    ACTIVATIONS,
    Autoencoder,
    DenseDecoder,
    ImageEncoder,
    PCAFrontEnd,
    fit_front_end_basis,
)
from .blocks.frontend import BASIS_SAMPLE_ROWS, sample_rows
from .neighbors import fuzzy_knn_graph, optimize_layout, supervise_graph
from .scaling import fit_scaling, scaling_from_moments
from .serialization import atomic_path, register
from .training import is_out_of_core, predict_batches, read_rows

__all__ = ["AutoencoderReducer"]

# Weight of the structure term that ``structure_weight="auto"`` uses for small n_components,
# chosen on MNIST 2-D validation rows (fit on the first 50,000 train rows, scored on the other
# 10,000; seed 0): with the absolute distance of ``_structure_loss``, weight 2 gave 5-NN accuracy
# 0.956, trustworthiness of the train rows 0.963 and MSE 0.0329; weight 3 0.959 / 0.961 / 0.0332;
# 4 0.960 / 0.960 / 0.0333; 8 0.959 / - / 0.0336 (the squared distance at 4, before: 0.953 /
# 0.964 / 0.0331). Higher weights buy 5-NN accuracy with trustworthiness and reconstruction.
STRUCTURE_WEIGHT_AUTO = 2.0
#: The network ``hidden_layer_sizes="auto"`` and ``max_epochs="auto"`` give maps with the structure
#: term, and the plain autoencoder. The layout is a harder function than the reconstruction: on
#: 50,000 MNIST digits in 2-D (``benchmarks/reduce.py --tradeoff``, scored on the other 10,000
#: train rows) two layers (512, 256) for 30 epochs reach 5-NN accuracy 0.919, four layers of 256
#: for 20 epochs 0.949, with higher trustworthiness and lower MSE, in less time (with the layout
#: applied in one group per epoch; with ``LAYOUT_CHUNKS`` groups 0.936 and 0.953; both with the
#: squared distance to the layout; with the absolute distance, at weight 4, 0.943 and 0.960). (An encoder alone
#: regressed onto the layout placed held-out digits 0.096 layout units from their places with two
#: layers and 0.060 with four; widening the two layers to 1024 and 512 or training them 60 epochs
#: did not close the gap.) Without the structure term the deep network reconstructs worse (64-D
#: validation MSE 0.0050 against 0.0036), so the plain autoencoder keeps (512, 256) for 30 epochs.
STRUCTURE_HIDDEN = (256, 256, 256, 256)
STRUCTURE_EPOCHS = 20
PLAIN_HIDDEN = (512, 256)
PLAIN_EPOCHS = 30
#: Principal coordinates the neighbour graph is searched in.
GRAPH_PCA_DIMS = 50
#: Edges each labelled row gains to random rows of its class in a fit with labels
#: (:func:`aekit.neighbors.supervise_graph`). On 50,000 MNIST digits with 10% of the labels, the
#: layout's 5-NN accuracy on held-out layout rows was 0.957 without labels, 0.959 with UMAP's rule
#: alone (0 edges), 0.971 with 5 edges, 0.972 with 15.
LABEL_EDGES = 5
#: With ``image_shape``, the part of each batch the structure term sees moved, and by how many
#: pixels at most. Chosen on MNIST validation rows (see :func:`_structure_loss`): half the rows
#: moved by one pixel; a continuous shift of up to a pixel with rotations and scalings of up to
#: 10% scored about the same (0.956 against 0.956 with the squared distance, seed 0).
SHIFT_FRACTION = 0.5
MAX_SHIFT = 1
#: ``encoder="conv"`` (the default for images): the channels of the image encoder's strided 3x3
#: convolutions, and the epochs ``max_epochs="auto"`` gives it. Chosen on MNIST validation rows (fit
#: on the first 50,000 train rows, scored on the other 10,000; 2-D, ``image_shape=(28, 28)``; seeds
#: 0 / 1, one figure: seed 0). 5-NN accuracy, then with 10% of the labels:
#:
#: - dense encoder: 0.965 / 0.968, labels 0.970 / 0.970 (held-out trustworthiness 0.952 / 0.952)
#: - (16, 32), 10 epochs: 0.970 / 0.973, labels 0.977 / 0.978 (trustworthiness 0.950 / 0.949)
#: - (32, 32): 0.972, labels 0.978; (16, 64): 0.968
#: - (32, 64): 0.973 / 0.972, labels 0.979 / 0.979 (trustworthiness 0.949 / 0.950); 6 epochs 0.968
#:
#: The wider first layer buys about 0.002 and costs a third of the speed of ``transform`` (about
#: 44,000 MNIST rows/s against 125,000 for (16, 32) and 260,000 for the dense encoder; bf16 on 2
#: cores), so (16, 32): its network trains in about the dense encoder's time.
CONV_CHANNELS = (16, 32)
CONV_EPOCHS = 10


def _reconstruction_loss(model, batch):
    (x,) = batch
    return F.mse_loss(model(x).float(), x)


def _basis_reconstruction_loss(model: PCAFrontEnd, batch):
    """The reconstruction error of rows given by their basis coordinates and residuals (and the
    rows themselves, for an encoder that reads images): the input-space MSE, exactly, at the cost
    of the ``n_basis``-wide decoder only."""
    p, residual, *x = batch
    return model.basis_loss(p, residual, x=x[0] if x else None)


def _shift_images(x: torch.Tensor, shape: tuple[int, ...], max_shift: int) -> torch.Tensor:
    """Each row of ``x`` (a flattened image of ``shape``, ``(H, W)`` or ``(H, W, C)``) moved by a
    random whole number of pixels, at most ``max_shift`` each way, its edge pixels repeated into
    the gap it leaves."""
    n, (h, w), c = len(x), shape[:2], (shape[2] if len(shape) == 3 else 1)
    m = int(max_shift)
    padded = F.pad(x.view(n, h, w, c).permute(0, 3, 1, 2), (m, m, m, m), mode="replicate")
    dev = x.device
    dy, dx = torch.randint(0, 2 * m + 1, (2, n), device=dev)
    ys = (torch.arange(h, device=dev)[None] + dy[:, None])[:, None, :, None]
    xs = (torch.arange(w, device=dev)[None] + dx[:, None])[:, None, None, :]
    out = padded[torch.arange(n, device=dev)[:, None, None, None], torch.arange(c, device=dev)[None, :, None, None],
                 ys, xs]
    return out.permute(0, 2, 3, 1).reshape(n, -1)


class _ShiftedRows:
    """Scaled rows of images, a ``SHIFT_FRACTION`` of them moved by up to ``MAX_SHIFT`` pixels:
    the shift undoes the scaling first, so the pixels repeated at an edge keep their values."""

    def __init__(self, image_shape: tuple[int, ...], center: np.ndarray, scale: np.ndarray):
        self.shape = tuple(int(s) for s in image_shape)
        self.center, self.scale = torch.from_numpy(center), torch.from_numpy(scale)

    def __call__(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(moved, rows)``: the moved copies of the chosen rows of ``x`` and their indices."""
        center, scale = self.center.to(x.device), self.scale.to(x.device)
        rows = torch.nonzero(torch.rand(len(x), device=x.device) < SHIFT_FRACTION).flatten()
        raw = x[rows].float() * scale + center
        return (_shift_images(raw, self.shape, MAX_SHIFT) - center) / scale, rows


def _structure_loss(weight: float, in_basis: bool, shift: _ShiftedRows | None = None):
    """Reconstruction + ``weight`` x absolute distance of each code to its place in the layout.

    The absolute distance, not the squared one: a row the layout put among another class's rows
    (a 4 drawn like a 9) pulls the encoder towards it far less, so the encoder learns the
    clusters rather than their exceptions. On 50,000 MNIST digits in 2-D (scored on the other
    10,000 train rows; seeds 0 to 2), at weight 4 5-NN accuracy rose from 0.955 to 0.960 on
    average (10% of the labels: 0.960 -> 0.966; Fashion-MNIST 0.735 -> 0.742; sklearn's digits
    0.877 -> 0.904 on 4 splits), but trustworthiness fell (0.964 -> 0.960 on the train rows,
    seed 0). At weight 2 (``STRUCTURE_WEIGHT_AUTO``) it keeps most of the gain (0.959 on
    average) with the held-out rows' trustworthiness unchanged (0.952) and a lower MSE.

    With ``shift`` (images), the encoder sees some rows moved by a pixel and must still put them
    at their places, while the decoder redraws them unmoved: held-out images, drawn a little off
    centre, then land where they belong (weight 4: 5-NN 0.960 -> 0.964 on seeds 0 and 1; weight
    2: 0.956 -> 0.965, seed 0), at some cost in trustworthiness (0.963 -> 0.959, seed 0).
    """

    def loss_fn(model, batch):
        if in_basis:
            p, residual, target, *x = batch
            x = x[0] if x else None  # the rows themselves: to move them, or for an image encoder
            p_seen, x_seen = p, x
            if shift is not None and model.training:
                moved, rows = shift(x)
                with torch.no_grad():
                    if model.reads_pixels:
                        x_seen = x.clone()
                        x_seen[rows] = moved.to(x.dtype)
                    else:
                        p_seen = p.clone()
                        p_seen[rows] = model.project(moved)[0].to(p.dtype)
            z = model.encode_rows(p_seen, x_seen)
            recon = model.reconstruction_loss(p, residual, model.decode_basis(z))
        else:
            x, target = batch
            seen = x
            if shift is not None and model.training:
                moved, rows = shift(x)
                seen = x.clone()
                seen[rows] = moved.to(x.dtype)
            z = model.encode(seen)
            recon = F.mse_loss(model.decode(z).float(), x)
        structure = F.l1_loss(z.float(), target)
        return recon + weight * structure, {"reconstruction": recon.detach(), "structure": structure.detach()}

    return loss_fn


@torch.no_grad()
def _project(model: PCAFrontEnd, Xs: torch.Tensor, block_rows: int = 16384) -> tuple[torch.Tensor, torch.Tensor]:
    """Every row's basis coordinates and residual, computed once before training."""
    parts = [model.project(Xs[i:i + block_rows]) for i in range(0, len(Xs), block_rows)]
    return torch.cat([p for p, _ in parts]), torch.cat([r for _, r in parts])


class _Clock:
    """Seconds spent on each part of a fit, for ``timings_``."""

    def __init__(self):
        self.laps: dict[str, float] = {}
        self.t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(self.laps.get(name, 0.0) + now - self.t, 3)
        self.t = now


def _principal_coordinates(Xs: torch.Tensor, network, rows, seed: int) -> np.ndarray:
    """The rows' coordinates along their top ``GRAPH_PCA_DIMS`` principal axes, largest first:
    from the front end's basis when there is one, else from a basis fitted here."""
    if isinstance(network, PCAFrontEnd):
        return (rows[0][:, :GRAPH_PCA_DIMS] * network.coord_scale).numpy()
    from .blocks import fit_pca_basis

    mean, axes, _, _ = fit_pca_basis(Xs.numpy(), seed)
    axes = torch.from_numpy(axes[:GRAPH_PCA_DIMS].astype(np.float32))
    return ((Xs - torch.from_numpy(mean.astype(np.float32))) @ axes.T).numpy()


def _graph_layout(coords: np.ndarray, n_components: int, n_neighbors: int, min_dist: float,
                  negative_sample_rate: int, seed: int, n_epochs: int | None = None,
                  clock: _Clock | None = None, labels: np.ndarray | None = None,
                  target_weight: float = 0.5) -> np.ndarray:
    """UMAP's layout of the rows whose principal coordinates are ``coords``, standardised: the
    codes the structure term aims at.

    The fuzzy k-NN graph is found in the top principal coordinates (the rest is mostly noise:
    practitioners reduce to about 50 before UMAP for the same reason, and the search costs a
    sixteenth of what it would on 784 pixels) and laid out from the PCA start (scaled to +-10,
    as umap-learn's ``init="pca"``) by :func:`aekit.neighbors.optimize_layout`. With ``labels``
    (class codes, -1 unlabelled) the graph first takes them in
    (:func:`aekit.neighbors.supervise_graph`).
    """
    n = len(coords)
    graph = fuzzy_knn_graph(coords, n_neighbors, random_state=seed)
    if labels is not None and np.any(labels >= 0):
        graph = supervise_graph(graph, labels, target_weight, LABEL_EDGES, random_state=seed)
    if clock is not None:
        clock.lap("graph")
    k = min(n_components, coords.shape[1])
    init = np.zeros((n, n_components), dtype=np.float32)
    init[:, :k] = coords[:, :k]
    init += np.random.default_rng(seed).normal(0, 1e-4, init.shape)  # split exact duplicates
    init *= 10.0 / max(np.abs(init).max(), 1e-12)
    Y = optimize_layout(graph, init, n_epochs, min_dist=min_dist,
                        negative_sample_rate=negative_sample_rate, random_state=seed)
    if clock is not None:
        clock.lap("layout")
    Y -= Y.mean(axis=0)
    return (Y / max(float(Y.std()), 1e-12)).astype(np.float32)


_CHUNK_ROWS = 65536  # rows encoded at a time when writing codes to a file


def _out_of_core_shape(X) -> tuple[int, int]:
    shape = tuple(X.shape)
    if len(shape) != 2:
        raise ValueError(f"X must be 2-D (rows x features), got shape {shape}.")
    if not np.issubdtype(np.dtype(X.dtype), np.number):
        raise ValueError(f"X has dtype {X.dtype}, not numbers.")
    return int(shape[0]), int(shape[1])


def _streamed_scaling(X, scaling, block_rows: int = 16384) -> tuple[np.ndarray, np.ndarray]:
    """:func:`aekit.scaling.fit_scaling` for data on disk: one pass of float64 sums, a block of rows at a time.

    Also the finite check, so a NaN in row 9,000,000 is found before training, not mid-epoch.
    """
    n, d = _out_of_core_shape(X)
    total, total_sq = np.zeros(d), np.zeros(d)
    lo, hi = np.full(d, np.inf), np.full(d, -np.inf)
    for start in range(0, n, block_rows):
        block = read_rows(X, start, start + block_rows).astype(np.float64, copy=False)
        check_finite(block, row_offset=start)
        total += block.sum(axis=0)
        total_sq += np.square(block).sum(axis=0)
        lo, hi = np.minimum(lo, block.min(axis=0)), np.maximum(hi, block.max(axis=0))
    mean = total / n
    return scaling_from_moments(mean, np.maximum(total_sq / n - mean**2, 0.0), lo, hi, scaling)


class _ScaledReconstructionLoss:
    """Reconstruction loss on raw rows read from disk: scaled (and projected onto the basis of a
    front end) per batch, not all at once."""

    def __init__(self, center: np.ndarray, scale: np.ndarray):
        self.center, self.scale = torch.from_numpy(center), torch.from_numpy(scale)

    def __call__(self, model, batch):
        (x,) = batch
        x = (x.float() - self.center.to(x.device)) / self.scale.to(x.device)
        if isinstance(model, PCAFrontEnd):
            with torch.no_grad():
                p, residual = model.project(x)
            return _basis_reconstruction_loss(model, (p, residual, x))
        return F.mse_loss(model(x).float(), x)


def _data_bytes(shape) -> int:
    """Memory a fit takes for the data: the float32 scaled copy of X, the float64 scaling pass, and
    (at most) as large again for the basis coordinates of a front end."""
    return int(shape[0]) * int(shape[1]) * (4 + 8 + 4)


def _fitting(shape) -> str:
    return f"Fitting an autoencoder on {int(shape[0]):,} x {int(shape[1]):,} data"


_MEMORY_FIX = ("Fit on a random subset of the rows (transform works on any number afterwards), reduce the "
               "features first (e.g. with PCA), or use smaller hidden_layer_sizes.")


@register
class AutoencoderReducer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, AekitEstimator):
    """Dimensionality reduction with an autoencoder; a drop-in for ``PCA``.

    The encoder maps ``n_features -> hidden_layer_sizes... -> n_components`` (for maps of images,
    after two strided convolutions: see ``encoder``), the dense decoder mirrors it back.
    ``transform`` returns the latent codes, ``inverse_transform`` decodes them.

    Parameters
    ----------
    n_components : int, default 2
        Size of the latent space (the embedding).
    hidden_layer_sizes : tuple of int or "auto", default "auto"
        Widths of the encoder's hidden layers; the decoder mirrors them. ``"auto"``: four layers
        of 256 for maps with the structure term (``structure_weight_ > 0``), whose encoder must
        reproduce a layout that a shallower one places held-out rows in less well, and (512, 256)
        for the plain autoencoder (see ``STRUCTURE_HIDDEN`` for the measurements).
    activation : str, default "relu"
        One of ``aekit.blocks.ACTIVATIONS``.
    batch_norm : bool, default False
    dropout : float, default 0.0
    scaling : {"auto", "standard", "global", "minmax", None}, default "auto"
        Input scaling learned in ``fit`` and stored with the model. ``"standard"`` standardises
        each feature (for columns in different units); ``"global"`` centres each feature and
        divides by one overall scale (every feature keeps its weight: right for pixels);
        ``"auto"`` picks ``"global"`` when the data lie in [0, 1] and ``"standard"`` otherwise.
    pca_components : int, "auto" or None, default "auto"
        The linear front end (:class:`aekit.blocks.PCAFrontEnd`): the network works on the
        data's coordinates along its top ``pca_components`` principal axes, computed once from
        a sample of 20,000 rows (less than a second for a thousand features), and the part of
        each row outside them is accounted for exactly in the loss. Its outer layers are then
        that wide instead of ``n_features``, which on MNIST cuts a training step's FLOPs by
        about half. ``"auto"`` keeps enough axes to leave out at most a tenth of what PCA with
        ``n_components`` axes leaves out (:func:`aekit.blocks.choose_n_basis`; on MNIST 299 of
        the 784 pixel axes for 64 components, 231 for 32, 102 for 2). None trains on the
        features themselves, as before.
    pca_start : bool, default True
        With the front end, the network starts as PCA: the code is the top ``n_components``
        principal coordinates plus what the encoder adds, the reconstruction those coordinates
        plus what the decoder adds, and both additions start at zero. Training starts from
        PCA's error and training moves on from there. Not with the structure term
        (``structure_weight_ > 0``), whose codes are the layout's, not PCA's.
    max_epochs : int or "auto", default "auto"
        ``"auto"``: 20 with the structure term (the layout has done most of the work by then),
        30 without. With the "onecycle" schedule a fit ends with its learning rate annealed to zero at
        ``max_epochs``: fewer epochs give a coarser but finished model, not a half-trained one.
    batch_size : int, default 256
    learning_rate : float, default 4e-3
        The peak learning rate of the "onecycle" schedule (Adam). Batch size, peak rate and
        epochs were compared on MNIST validation rows (``benchmarks/recipes.py``): in 2-D, 30
        epochs of 256 rows at 4e-3 came within 0.003 of 20 epochs of 128 at 2e-3 on 5-NN
        accuracy, trustworthiness and MSE in 61% of the time, and beat the previous defaults'
        5-NN accuracy and MSE in 40% of theirs.
    weight_decay : float, default 0.0
    lr_schedule : {"onecycle", "cosine", "constant"}, default "onecycle"
        "onecycle": a warm-up over the first 5% of the steps, then a cosine to zero at the end of
        the run (per step; see :func:`aekit.training.onecycle_lr`). "cosine" decays per epoch to
        5% of ``learning_rate``; "constant" keeps it.
    max_time : float or None, default None
        A budget in seconds for the training run: the schedule is planned to end on time (the
        learning rate reaches zero when ``max_epochs`` *or* ``max_time`` runs out, whichever
        comes first). A fit on a time budget depends on the machine's speed, so it is not
        reproducible bit for bit, even with ``random_state``.
    validation_split : float, default 0.1
        Fraction of the rows held out for early stopping.
    early_stopping : bool, default True
        Stop when the validation loss has not improved for ``patience`` epochs; under
        "onecycle" the rest of the schedule is first compressed into one annealing epoch.
    patience : int, default 4
    precision : {"auto", "bf16", "fp32"}, default "auto"
        bf16 autocast where the hardware runs it natively (see ``aekit.hardware``).
    device : str, default "auto"
    random_state : int, RandomState or None, default None
        Makes ``fit`` reproducible.
    verbose : int, default 0
        0 silent, 1 a progress bar on a terminal, 2 also a line per epoch.
    checkpoint : str or None, default None
        File written at the end of every epoch; ``fit(X, resume=True)`` continues from it.
    structure_weight : float or "auto", default "auto"
        Weight of the neighbour-graph term against the reconstruction loss. The term keeps
        UMAP's structure: ``fit`` builds the fuzzy ``n_neighbors``-nearest-neighbour graph of
        the rows' top 50 principal coordinates (:func:`aekit.neighbors.knn`: an index written in
        torch, so no compiled code to build on a first run), lays it out in ``n_components`` dimensions
        with UMAP's cross-entropy (:func:`aekit.neighbors.optimize_layout`), and trains the
        encoder to put each row at its place in that layout while the decoder reconstructs it.
        (Parametric UMAP back-propagates the cross-entropy through the encoder on sampled edges
        instead; on a CPU that needs tens of times more network passes for the same map.)
        ``"auto"`` uses ``STRUCTURE_WEIGHT_AUTO`` for ``n_components <= 3`` -- maps meant to be
        looked at, where clean clusters matter most -- and 0 (plain reconstruction) above.
        The trade-off, measured by ``benchmarks/reduce.py`` on MNIST in 2-D: the term lifts
        5-NN test accuracy well above the plain autoencoder's at the price of a slightly higher
        reconstruction error; set ``structure_weight=0`` when reconstruction is all you need.
    n_neighbors : int, default 15
        Size of the input-space neighbourhood of the structure term.
    min_dist : float, default 0.1
        How tightly the structure term packs neighbours (UMAP's ``min_dist``).
    negative_sample_rate : int, default 5
        Random (repelled) pairs per neighbour pair in the structure term.
    layout_epochs : int or None, default None
        Epochs of the graph layout (UMAP's ``n_epochs``); None: 200.
    target_weight : float in [0, 1], default 0.5
        How much labels passed to ``fit(X, y)`` shape the map (UMAP's ``target_weight``): a
        neighbour-graph edge between rows of different known labels is weakened by
        ``exp(-2.5 / (1 - target_weight))`` (1 cuts it), and each labelled row is tied to a few
        random rows of its class with that strength (:func:`aekit.neighbors.supervise_graph`).
    image_shape : tuple of int or None, default None
        The shape of one image, ``(H, W)`` or ``(H, W, C)``, when each row of ``X`` is a
        flattened image (for instance ``(28, 28)`` for MNIST's 784 pixels). The encoder of a map
        then reads the rows as images (``encoder="auto"``), and the structure term also trains
        on copies of half the rows moved by one pixel, which it must map to the same places:
        images drawn a little off centre, as held-out images are, land where they belong, at
        some cost in trustworthiness (MNIST, ``benchmarks/reduce.py``: test 5-NN accuracy
        0.961 -> 0.973, 0.967 with the dense encoder; trustworthiness 0.961 -> 0.955; see
        ``_structure_loss``).
        On Fashion-MNIST it did not help (0.738 -> 0.726; 0.737 with the dense encoder): check
        it on your own validation rows. The moves are made by the structure term only (the
        plain autoencoder and fits on data on disk make none). Its pixel count must match
        ``n_features``.
    encoder : {"auto", "dense", "conv"}, default "auto"
        ``"conv"`` (needs ``image_shape``): the encoder reads the rows as images, through two
        strided 3x3 convolutions (``CONV_CHANNELS``) before its dense layers; the decoder stays
        dense (in the front end's basis). A convolution sees a stroke wherever it is drawn, so
        held-out images land nearer their places: on MNIST validation rows it lifts 5-NN
        accuracy from 0.965 to 0.970, and with 10% of the labels from 0.970 to 0.977, for a
        slightly lower trustworthiness and a third of the dense encoder's ``transform`` speed
        (still over 100,000 MNIST rows/s on 2 cores; see ``CONV_CHANNELS``; the test figures,
        and Fashion-MNIST's, where it scored below the dense encoder, are under
        ``image_shape``). ``max_epochs="auto"`` gives it ``CONV_EPOCHS`` epochs; ``batch_norm``
        and ``dropout`` then apply to the decoder.
        ``"auto"``: ``"conv"`` for maps of images (``image_shape`` given and the structure term
        on, as it is by default for ``n_components <= 3``), ``"dense"`` otherwise: the plain
        autoencoder reconstructs better with the dense encoder (MNIST 64-D validation MSE
        0.0036 dense against 0.0072 convolutional after 10 epochs, 0.0044 after 30).

    Attributes
    ----------
    model_ : aekit.blocks.PCAFrontEnd or aekit.blocks.Autoencoder
        The trained network (in eval mode, on the CPU or ``device``); a front end when
        ``pca_components`` is not None.
    n_basis_ : int or None
        The principal axes the front end kept (``pca_components`` "auto" resolved).
    timings_ : dict
        Seconds the last ``fit`` spent on each part: ``scaling``, ``basis`` (the PCA front end),
        ``graph`` and ``layout`` (the structure term), ``network`` (training).
    center_, scale_ : ndarray of shape (n_features,)
        The learned input scaling.
    history_ : aekit.training.History
        Per-epoch loss and val_loss.
    n_iter_ : int
        Epochs trained.
    structure_weight_ : float
        The structure weight used (``"auto"`` resolved).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` had string column names (a DataFrame).

    See Also
    --------
    sklearn.decomposition.PCA : the linear baseline.

    Examples
    --------
    >>> import numpy as np
    >>> from aekit import AutoencoderReducer
    >>> X = np.random.default_rng(0).random((200, 10))
    >>> reducer = AutoencoderReducer(n_components=2, max_epochs=5, random_state=0)
    >>> Z = reducer.fit_transform(X)
    >>> Z.shape, reducer.inverse_transform(Z).shape
    ((200, 2), (200, 10))
    """

    _parameter_constraints = {
        "n_components": [Interval(int, 1, None)],
        "hidden_layer_sizes": [Options("auto"), IntSequence(1)],
        "activation": [Options(*(k for k in ACTIVATIONS if k is not None))],
        "batch_norm": ["boolean"],
        "dropout": [Interval(float, 0, 1, closed="left")],
        "scaling": [Options("auto", "standard", "global", "minmax", "none"), None],
        "pca_components": [Options("auto"), Interval(int, 1, None), None],
        "pca_start": ["boolean"],
        "max_epochs": [Options("auto"), Interval(int, 1, None)],
        **training_constraints("batch_size", "learning_rate", "weight_decay", "lr_schedule",
                               "max_time", "validation_split", "early_stopping", "patience", "precision",
                               "random_state", "verbose", "checkpoint"),
        "structure_weight": [Options("auto"), Interval(float, 0, None)],
        "n_neighbors": [Interval(int, 1, None)],
        "min_dist": [Interval(float, 0, None)],
        "negative_sample_rate": [Interval(int, 0, None)],
        "layout_epochs": [None, Interval(int, 1, None)],
        "target_weight": [Interval(float, 0, 1, closed="both")],
        "image_shape": [None, IntSequence(1, min_len=2, max_len=3, allow_int=False)],
        "encoder": [Options("auto", "dense", "conv")],
    }

    def __init__(
        self,
        n_components=2,
        hidden_layer_sizes="auto",
        activation="relu",
        batch_norm=False,
        dropout=0.0,
        scaling="auto",
        pca_components="auto",
        pca_start=True,
        max_epochs="auto",
        batch_size=256,
        learning_rate=4e-3,
        weight_decay=0.0,
        lr_schedule="onecycle",
        max_time=None,
        validation_split=0.1,
        early_stopping=True,
        patience=4,
        precision="auto",
        device="auto",
        random_state=None,
        verbose=0,
        checkpoint=None,
        structure_weight="auto",
        n_neighbors=15,
        min_dist=0.1,
        negative_sample_rate=5,
        layout_epochs=None,
        target_weight=0.5,
        image_shape=None,
        encoder="auto",
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.batch_norm = batch_norm
        self.dropout = dropout
        self.scaling = scaling
        self.pca_components = pca_components
        self.pca_start = pca_start
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.max_time = max_time
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.patience = patience
        self.precision = precision
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.checkpoint = checkpoint
        self.structure_weight = structure_weight
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.negative_sample_rate = negative_sample_rate
        self.layout_epochs = layout_epochs
        self.target_weight = target_weight
        self.image_shape = image_shape
        self.encoder = encoder

    # -- scikit-learn plumbing ---------------------------------------------------------------

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    @property
    def _n_features_out(self):
        return self.n_components

    def _hidden(self, structure_weight: float) -> tuple[int, ...]:
        sizes = self.hidden_layer_sizes
        if sizes == "auto":
            return STRUCTURE_HIDDEN if structure_weight > 0 else PLAIN_HIDDEN
        return (int(sizes),) if isinstance(sizes, (int, np.integer)) else tuple(int(s) for s in sizes)

    def _make_network(self, n_features: int, n_basis: int | None = None, pca_start: bool = False,
                      structure_weight: float = 0.0):
        """The network of these parameters for ``n_features`` inputs, in a front end of ``n_basis``
        axes when that is given (a builder, for the base)."""
        d = int(self.n_components)
        hidden = self._hidden(structure_weight)

        encoder = self._encoder(structure_weight)

        def make():
            n_out = n_features if n_basis is None else n_basis
            if encoder == "conv":  # reads the rows as images; decodes as the dense one does
                inner = Autoencoder(
                    ImageEncoder(self.image_shape, CONV_CHANNELS, hidden, d, self.activation),
                    DenseDecoder(d, hidden, n_out, self.activation, self.batch_norm, self.dropout))
            else:
                inner = Autoencoder.dense(n_out, hidden, d, self.activation, self.batch_norm, self.dropout)
            if n_basis is None:
                return inner
            return PCAFrontEnd(inner, n_features, n_basis, d, pca_start and d <= n_basis and encoder == "dense")

        return make

    def _memory_network(self, n_features: int, structure_weight: float):
        """The largest network a fit of ``n_features`` may build: what the memory check counts."""
        k = self.pca_components
        return self._make_network(n_features, None if k is None else n_features if k == "auto"
                                  else min(int(k), n_features), False, structure_weight)

    def _fit_basis(self, Xs, seed: int):
        """The front end's basis of the scaled rows ``Xs`` (a sample of them): ``(mean, axes,
        variances, n_basis)``, or None without a front end."""
        if self.pca_components is None or Xs is None:
            return None
        return fit_front_end_basis(Xs, int(self.n_components), self.pca_components, seed)

    def _epochs(self, structure_weight: float) -> int:
        if self.max_epochs == "auto":
            if self._encoder(structure_weight) == "conv":
                return CONV_EPOCHS
            return STRUCTURE_EPOCHS if structure_weight > 0 else PLAIN_EPOCHS
        return int(self.max_epochs)

    def _resolve_structure_weight(self) -> float:
        w = self.structure_weight
        if w == "auto":
            return STRUCTURE_WEIGHT_AUTO if self.n_components <= 3 else 0.0
        return float(w)

    def _encoder(self, structure_weight: float) -> str:
        """``encoder`` with "auto" resolved: convolutions for maps of images (see ``encoder``)."""
        if self.encoder == "auto":
            return "conv" if self.image_shape is not None and structure_weight > 0 else "dense"
        return self.encoder

    def _check_encoder(self) -> None:
        if self.encoder == "conv" and self.image_shape is None:
            raise ValueError("encoder='conv' reads each row as an image: pass image_shape=(H, W) or (H, W, C) "
                             "too (e.g. (28, 28) for 784 features), or use encoder='dense'.")

    def _check_image_shape(self, n_features: int) -> None:
        if self.image_shape is not None and int(np.prod(self.image_shape)) != n_features:
            raise ValueError(f"image_shape={tuple(self.image_shape)} holds {int(np.prod(self.image_shape)):,} pixels, "
                             f"but X has {n_features:,} features per row. Pass the shape of one image (e.g. "
                             "(28, 28) for 784 features), or image_shape=None when the rows are not images.")

    def _scale(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.center_) / self.scale_).astype(np.float32)

    # -- fit / transform ---------------------------------------------------------------------

    def fit(self, X, y=None, *, resume=False):
        """Learn the scaling and train the autoencoder on ``X``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features), or data on disk
            Data larger than memory streams from disk a block of rows at a time, with bounded
            memory: a memory-mapped array (``np.load(path, mmap_mode="r")``), a folder of ``.npy``
            shards (:class:`aekit.tables.NpyShards`) or a Parquet file
            (:class:`aekit.tables.ParquetRows`). The scaling then comes from one streamed pass,
            validation rows are the last ``validation_split`` of the rows, and the map is the
            plain autoencoder's (``structure_weight`` "auto" means 0: the neighbour graph needs
            every row in memory).
        y : array-like of shape (n_samples,), optional
            Class labels for a supervised or semi-supervised map: ``-1`` (or None, NaN) marks
            an unlabelled row, so a few labels can guide the whole map. They enter through the
            neighbour graph (see ``target_weight``), so they need the structure term
            (``structure_weight_ > 0``, the default for ``n_components <= 3``). None: the
            unsupervised map.
        resume : bool, default False
            Continue from ``self.checkpoint`` if that file exists (a killed run resumes to the
            same weights it would have reached uninterrupted).

        Returns
        -------
        self
        """
        self._validate_params()
        self._check_encoder()
        if is_out_of_core(X):
            if y is not None:
                warnings.warn("y is ignored: labels shape the map through the neighbour graph, which needs "
                              "every row in memory, and data on disk is fitted without it. Load the rows (or "
                              "a subset) in memory to fit with labels.", UserWarning, stacklevel=2)
            return self._fit_out_of_core(X, resume)
        check_numeric_columns(X)
        shape = getattr(X, "shape", None)
        if shape is not None and len(shape) == 2 and shape[1] > 0:  # before validate_data, which may copy X
            self._check_network_memory(self._memory_network(shape[1], self._resolve_structure_weight()),
                                       _data_bytes(shape), _MEMORY_FIX, _fitting(shape))
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2, ensure_all_finite=False)
        check_finite(X)
        self._check_image_shape(X.shape[1])
        clock = _Clock()
        center, scale = fit_scaling(X, self.scaling)
        if np.all(np.ptp(X, axis=0) == 0):
            warnings.warn(f"All {X.shape[1]} features of X are constant: every row will get the same "
                          "code. Check that the right columns were passed.", UserWarning, stacklevel=2)
        self.center_, self.scale_ = center.astype(np.float32), scale.astype(np.float32)
        Xs = torch.from_numpy(self._scale(X))
        clock.lap("scaling")
        basis_rows = Xs.numpy() if self.pca_components is not None else None
        seed = self._draw_seed()
        self.structure_weight_ = self._resolve_structure_weight() if len(X) > 2 else 0.0
        labels = None if y is None else semi_supervised_labels(y, len(X), min_classes=0)[1]
        if labels is not None and self.structure_weight_ == 0 and np.any(labels >= 0):
            raise ValueError(f"Labels shape the map through the neighbour-graph term, which is off here "
                             f"(structure_weight_=0{' for n_components > 3' if self.structure_weight == 'auto' else ''}). "
                             "Set structure_weight > 0 (e.g. 1.0) to fit with labels, or call fit(X) without y.")
        network = self._init_network(basis_rows, X.shape, seed, _data_bytes(X.shape))
        in_basis = isinstance(network, PCAFrontEnd)
        rows = _project(network, Xs) if in_basis else (Xs,)
        clock.lap("basis")
        if self.structure_weight_ > 0:
            coords = _principal_coordinates(Xs, network, rows, seed)
            layout = _graph_layout(coords, int(self.n_components), self.n_neighbors, self.min_dist,
                                   int(self.negative_sample_rate), seed, self.layout_epochs, clock, labels,
                                   float(self.target_weight))
            shift = None if self.image_shape is None else _ShiftedRows(self.image_shape, self.center_, self.scale_)
            loss_fn = _structure_loss(self.structure_weight_, in_basis, shift)
            # moving a row, or an encoder that reads images, needs its pixels, not only its basis coordinates
            pixels = in_basis and (shift is not None or network.reads_pixels)
            data = (*rows, torch.from_numpy(layout), *((Xs,) if pixels else ()))
        else:
            loss_fn = _basis_reconstruction_loss if in_basis else _reconstruction_loss
            data = ((*rows, Xs) if network.reads_pixels else rows) if in_basis else rows[0]
        del Xs
        self._fit_network(network, loss_fn, data, seed, resume=resume,
                          max_epochs=self._epochs(self.structure_weight_))
        clock.lap("network")
        self.timings_ = clock.laps
        return self

    def _init_network(self, basis_rows, shape: tuple[int, int], seed: int, data_bytes: float):
        """Build the network for data of ``shape`` from ``seed``; with a front end, first fit its
        basis on (a sample of) the scaled rows ``basis_rows`` and then start the network at PCA."""
        n, d = shape
        basis = self._fit_basis(basis_rows, seed)
        self.n_basis_ = None if basis is None else basis[3]
        # With the structure term the code is the layout's, not PCA's: a PCA start would feed the
        # layout's coordinates straight into the reconstruction, which the decoder must then undo.
        pca_start = self.pca_start and self.structure_weight_ == 0
        make = self._make_network(d, self.n_basis_, pca_start, self.structure_weight_)
        network = self._build_network(make, seed,
                                      data_bytes=data_bytes, fix=_MEMORY_FIX, what=_fitting((n, d)))
        if basis is not None:
            network.set_basis(*basis[:3]).start_at_pca()
        return network

    def _fit_out_of_core(self, X, resume: bool):
        """``fit`` for data on disk: statistics in one streamed pass, then shuffled blocks of rows."""
        n, d = _out_of_core_shape(X)
        if n < 2:
            raise ValueError(f"X has {n} rows; fitting needs at least 2.")
        if self.structure_weight not in ("auto", 0, 0.0):
            raise ValueError("structure_weight > 0 needs every row in memory for the neighbour graph; use "
                             "structure_weight=0 for data read from disk, or fit on a subset loaded in memory.")
        self._check_network_memory(self._memory_network(d, 0.0), 0, _MEMORY_FIX, _fitting((n, d)))  # data stays on disk
        if hasattr(self, "feature_names_in_"):  # left from an earlier fit on a DataFrame
            del self.feature_names_in_
        self.n_features_in_ = d
        self._check_image_shape(d)
        clock = _Clock()
        center, scale = _streamed_scaling(X, self.scaling)
        self.center_, self.scale_ = center.astype(np.float32), scale.astype(np.float32)
        clock.lap("scaling")
        seed = self._draw_seed()
        # the neighbour graph needs all rows at once: out of core the map is the plain autoencoder's
        self.structure_weight_ = 0.0
        # The basis comes from a sample of the rows, read a block at a time and scaled here.
        sample = self._scale(sample_rows(X, BASIS_SAMPLE_ROWS, seed)) if self.pca_components is not None else None
        network = self._init_network(sample, (n, d), seed, 0)
        clock.lap("basis")
        self._fit_network(network, _ScaledReconstructionLoss(self.center_, self.scale_), X, seed, resume=resume,
                          max_epochs=self._epochs(0.0))
        clock.lap("network")
        self.timings_ = clock.laps
        return self

    def _predict_out_of_core(self, fn, X, out):
        n, d = _out_of_core_shape(X)
        if d != self.n_features_in_:
            raise ValueError(f"X has {d} features, but AutoencoderReducer is expecting {self.n_features_in_} "
                             "features as input.")
        center, scale = torch.from_numpy(self.center_), torch.from_numpy(self.scale_)
        done = [0]

        def scaled(xb):
            if not torch.isfinite(xb).all():
                raise ValueError(f"X has NaN or infinite values in rows {done[0]:,} to {done[0] + len(xb):,}; "
                                 "impute them or drop those rows first.")
            done[0] += len(xb)
            return fn((xb.float() - center.to(xb.device)) / scale.to(xb.device))

        device = next(self.model_.parameters()).device
        return predict_batches(scaled, X, device=device, precision=self.precision, out=out)

    def _validate_new(self, X) -> np.ndarray:
        """Data for a fitted model: numeric, finite, as many features as at fit time."""
        check_numeric_columns(X)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False, ensure_all_finite=False)
        check_finite(X)
        return X

    def _predict(self, fn, A: np.ndarray, out_dtype) -> np.ndarray:
        device = next(self.model_.parameters()).device
        return predict_batches(fn, A, device=device, precision=self.precision).astype(out_dtype, copy=False)

    def transform(self, X, *, out=None):
        """Encode ``X`` into the latent space: shape (n_samples, n_components).

        ``X`` may live on disk (a memory-mapped array, :class:`aekit.tables.NpyShards`,
        :class:`aekit.tables.ParquetRows`): it is then read and encoded a block of rows at a time.
        ``out``, a path ending in ``.npy`` (written atomically; the result is returned memory-mapped)
        or an array of the right shape, receives the codes instead of a new array in memory.
        """
        check_is_fitted(self)
        if out is not None and isinstance(out, (str, os.PathLike)):
            return self._transform_to_npy(X, Path(out))
        if is_out_of_core(X):
            return self._predict_out_of_core(self.model_.encode, X, out)
        X = self._validate_new(X)
        Z = self._predict(self.model_.encode, self._scale(X), X.dtype)
        if out is not None:
            out[...] = Z
            return out
        return Z

    def _transform_to_npy(self, X, path: Path) -> np.ndarray:
        if path.suffix.lower() != ".npy":
            raise ValueError(f"out={str(path)!r}: codes are written as .npy; use a name ending in .npy.")
        n = _out_of_core_shape(X)[0] if is_out_of_core(X) else len(X)
        k = int(self.n_components)
        # Plain appends rather than a writable memory map: dirty mapped pages would count in this
        # process's resident memory until written back, however large the output.
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.lib.format.write_array_header_1_0(
                f, {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)), "fortran_order": False,
                    "shape": (n, k)})
            for start in range(0, n, _CHUNK_ROWS):
                stop = min(n, start + _CHUNK_ROWS)
                block = read_rows(X, start, stop) if is_out_of_core(X) else X[start:stop]
                f.write(np.ascontiguousarray(self.transform(block), dtype=np.float32).tobytes())
        return np.load(path, mmap_mode="r")

    def inverse_transform(self, X):
        """Decode latent codes back to the input space: shape ``(n_samples, n_features_in_)``."""
        check_is_fitted(self)
        from sklearn.utils import check_array

        Z = check_array(X, dtype=[np.float64, np.float32])
        if Z.shape[1] != self.n_components:
            raise ValueError(
                f"inverse_transform expects {self.n_components} columns (n_components), got {Z.shape[1]}."
            )
        out = self._predict(self.model_.decode, Z.astype(np.float32), np.float32)
        return (out * self.scale_ + self.center_).astype(Z.dtype, copy=False)

    def reconstruct(self, X):
        """``inverse_transform(transform(X))`` in one pass."""
        check_is_fitted(self)
        return self._reconstruct_valid(self._validate_new(X))

    def _reconstruct_valid(self, X: np.ndarray) -> np.ndarray:
        out = self._predict(self.model_, self._scale(X), np.float32)
        return (out * self.scale_ + self.center_).astype(X.dtype, copy=False)

    def reconstruction_error(self, X):
        """Per-sample mean squared reconstruction error in the input's units (higher = more unusual)."""
        check_is_fitted(self)
        X = self._validate_new(X)
        return np.mean((self._reconstruct_valid(X) - X) ** 2, axis=1)

    def score_samples(self, X):
        """Negative per-sample reconstruction error: higher is more typical, as everywhere in
        scikit-learn, so low scores flag outliers. See :meth:`reconstruction_error`."""
        return -self.reconstruction_error(X)

    def score(self, X, y=None):
        """Negative mean reconstruction error (higher is better; what ``GridSearchCV`` maximises)."""
        return float(np.mean(self.score_samples(X)))

    # -- model files -------------------------------------------------------------------------

    @classmethod
    def _params_from_json(cls, params: dict) -> dict:
        # files written before ``encoder`` existed hold a dense encoder, images or not
        return {"encoder": "dense", **super()._params_from_json(params)}

    def _extra_saved_state(self):
        state = {"n_features_in_": int(self.n_features_in_), "n_basis_": getattr(self, "n_basis_", None)}
        if hasattr(self, "feature_names_in_"):
            state["feature_names_in_"] = [str(c) for c in self.feature_names_in_]
        return state, {"center": torch.from_numpy(self.center_), "scale": torch.from_numpy(self.scale_)}

    @classmethod
    def _saved_network_spec(cls, params, state):
        if "network" in state:
            return state["network"]
        return {"type": "Autoencoder", "config": state["architecture"]}  # files before the network registry

    def _set_saved_state(self, state, tensors):
        self.center_ = tensors["center"].numpy()
        self.scale_ = tensors["scale"].numpy()
        self.n_features_in_ = int(state["n_features_in_"])
        self.n_basis_ = self.model_.n_basis if isinstance(self.model_, PCAFrontEnd) else None
        if "feature_names_in_" in state:
            self.feature_names_in_ = np.asarray(state["feature_names_in_"], dtype=object)
        if len(self.center_) != self.n_features_in_:
            raise ValueError("scaling vectors do not match n_features_in_")

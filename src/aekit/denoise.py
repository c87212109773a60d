"""Denoise: a pretrained denoiser for natural images, and denoising autoencoders for your own data.

- :class:`Denoiser` cleans photographs of any size, grayscale or colour, blind to the noise level
  (Gaussian sigma 0-55 on the 0-255 scale) or told it. ``Denoiser.pretrained()`` loads the
  weights that ship with aekit (trained by ``scripts/train_denoiser.py``); ``fit(images)``
  trains or fine-tunes one on your own pictures.
- :class:`DenoisingAutoencoder` is the classic scikit-learn-style denoising autoencoder for
  vectors and small images: ``fit(X_clean)`` corrupts the data with a noise model from
  :mod:`aekit.noise` on the fly and learns to undo it; ``transform(X_noisy)`` cleans.

How :class:`Denoiser` works, and why:

- A U-Net (:class:`aekit.blocks.UNet`) encodes the noisy image down to 1/8 of its resolution and
  decodes it back, with skip connections; it predicts the noise and subtracts it (residual
  learning, as in DnCNN), which trains faster than predicting the image.
- It is told the noise level through an extra input map (as in FFDNet), so one network covers
  sigma 0-55. Without a ``sigma`` the level is estimated from the image itself
  (:func:`skimage.restoration.estimate_sigma`, a wavelet median estimator).
- Colour images go through an orthogonal colour transform (a scaled luminance and two opponent
  channels): i.i.d. Gaussian noise stays i.i.d. Gaussian in each channel, with a known level, so
  the one grayscale network denoises all three and colour comes back by the exact inverse.
- Large images are cut into overlapping tiles and only the inside of each tile is kept, so the
  memory is bounded by the tile size and there are no seams.
"""

from __future__ import annotations

import functools
import numbers
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from ._base import AekitEstimator, training_constraints
from ._validation import Interval, IntSequence, Options, check_array_stack, check_finite
from .blocks import Autoencoder, PCAFrontEnd, ScaledAutoencoder, UNet, fit_front_end_basis
from .images import from_unit_float, to_unit_float
from .noise import NOISE_KINDS
from .serialization import load as _load
from .serialization import register

__all__ = ["PRETRAINED_DIR", "PRETRAINED_VERSIONS", "Denoiser", "DenoisingAutoencoder", "estimate_noise_model",
           "estimate_noise_sigma", "smooth_for_level_map"]

# The shipped denoisers, oldest first; Denoiser.pretrained() loads the newest. Each folder has the
# training.json of the run that made it.
PRETRAINED_VERSIONS = {
    "v1": Path(__file__).parent / "weights" / "denoiser",     # scripts/train_denoiser_v1.py: 18 bundled images
    "v2": Path(__file__).parent / "weights" / "denoiser-v2",  # scripts/train_denoiser.py: 44 photographs
}
PRETRAINED_DIR = list(PRETRAINED_VERSIONS.values())[-1]

# Rows: luminance and two opponent channels. The rows are orthogonal, so independent noise of
# level sigma in R, G and B becomes independent noise of level sigma * _SIGMA_FACTOR in each
# channel; the offsets put the opponent channels in [0, 1] like the luminance.
_COLOR = np.array([[1 / 3, 1 / 3, 1 / 3], [1 / 2, 0, -1 / 2], [1 / 4, -1 / 2, 1 / 4]])
_COLOR_OFFSET = np.array([0.0, 0.5, 0.5])
_COLOR_INV = np.linalg.inv(_COLOR)
_SIGMA_FACTOR = np.sqrt((_COLOR**2).sum(axis=1))  # 1/sqrt(3), 1/sqrt(2), sqrt(6)/4


def _to_opponent(rgb: np.ndarray) -> np.ndarray:
    """``(H, W, 3)`` RGB in [0, 1] -> ``(3, H, W)`` float32 luminance and opponent channels in [0, 1]."""
    m, off = _COLOR.astype(np.float32), _COLOR_OFFSET.astype(np.float32)
    return np.einsum("ij,hwj->ihw", m, rgb.astype(np.float32, copy=False)) + off[:, None, None]


def _from_opponent(chans: np.ndarray) -> np.ndarray:
    m, off = _COLOR_INV.astype(np.float32), _COLOR_OFFSET.astype(np.float32)
    return np.einsum("ij,jhw->hwi", m, chans - off[:, None, None])


def _as_unit_float(image: np.ndarray, what: str = "image") -> tuple[np.ndarray, np.dtype]:
    """An image as float32 on the [0, 1] scale, and its original dtype (to convert back)."""
    image = np.asarray(image)
    dtype = image.dtype
    if dtype in (np.uint8, np.uint16, np.bool_):
        return to_unit_float(image), dtype
    if np.issubdtype(dtype, np.floating):
        check_finite(image, f"The {what}", fix="Clean or mask them first.")
        if image.size and (image.min() < -1.0 or image.max() > 4.0):  # camera noise at low light reaches ~2.5
            raise ValueError(
                f"The float {what} has values in [{image.min():.3g}, {image.max():.3g}], but float images "
                "must be on the [0, 1] scale (noise may push them a little outside). Divide by 255 "
                "(or 65535), or pass the uint8 / uint16 array."
            )
        return to_unit_float(image), dtype
    raise ValueError(f"The {what} has dtype {dtype}; use uint8, uint16 or float on the [0, 1] scale.")


def _check_image_shape(image: np.ndarray, what: str = "image") -> None:
    if image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (1, 3, 4)):
        if min(image.shape[:2]) < 1:
            raise ValueError(f"The {what} is empty (shape {image.shape}).")
        return
    raise ValueError(
        f"The {what} has shape {image.shape}; expected (H, W) for grayscale or (H, W, C) with C = 1, "
        "3 (RGB) or 4 (RGBA). For channels-first arrays use np.moveaxis(image, 0, -1)."
    )


def estimate_noise_sigma(image) -> float:
    """Estimate the Gaussian noise level of an image, on the 0-255 scale.

    A robust wavelet estimator (the median absolute deviation of the finest diagonal wavelet
    coefficients, :func:`skimage.restoration.estimate_sigma`), averaged over colour channels.
    Fine texture is mistaken for a little noise, so a clean image reads as a few units.

    Examples
    --------
    >>> import numpy as np, skimage.data
    >>> from aekit.noise import gaussian
    >>> noisy = gaussian(skimage.data.camera(), 25, seed=0)
    >>> 20 < estimate_noise_sigma(noisy) < 30
    True
    """
    from skimage.restoration import estimate_sigma

    image = np.asarray(image)
    _check_image_shape(image)
    x, _ = _as_unit_float(image)
    if x.ndim == 3:
        x = x[..., :3]
        return float(np.mean(estimate_sigma(x, channel_axis=-1))) * 255.0
    return float(estimate_sigma(x)) * 255.0


def _robust_variance(rows: np.ndarray) -> np.ndarray:
    """Each row's variance from its median absolute deviation, ``(1.4826 * MAD)^2`` (Gaussian-consistent)."""
    mad = np.median(np.abs(rows - np.median(rows, axis=1, keepdims=True)), axis=1)
    return (1.4826 * mad) ** 2


@functools.lru_cache(maxsize=16)
def _tile_variance_bias(samples: int, quantile: float) -> float:
    """The ``quantile`` of ``(1.4826 * MAD)^2`` over ``samples`` standard normal values: how far a
    low quantile of tile variances falls below the true variance (by simulation, 50,000 tiles)."""
    return float(np.quantile(_robust_variance(np.random.default_rng(0).standard_normal((50_000, samples))), quantile))


def estimate_noise_model(image, *, tile: int = 12, quantile: float = 0.5) -> tuple[float, float]:
    """Estimate camera (Poisson-Gaussian) noise: ``(peak, sigma)`` with variance ``x / peak + (sigma / 255)^2``.

    ``peak`` is the photon count of a white pixel and ``sigma`` the Gaussian read noise on the
    0-255 scale, as in :func:`aekit.noise.poisson_gaussian`. Purely Gaussian noise reads as a very
    large ``peak`` (1e6 at most).

    How: the finest Haar detail ``(a - b - c + d) / 2`` of each 2 x 2 block has the noise's
    variance and almost none of a smooth image's; its robust variance (MAD) in 24 x 24 pixel
    tiles is set against the tiles' mean brightness, a quantile per brightness bin (the median by
    default; texture only adds variance, so a low one keeps the flattest tiles), and a line ``var = x / peak + s^2`` is
    fitted through the bins (after Foi et al., 2008). Colour channels are pooled.

    Parameters
    ----------
    image : array (H, W) or (H, W, C)
    tile : int, default 12
        Haar coefficients per tile side (a tile covers ``2 * tile`` pixels a side).
    quantile : float, default 0.5
        The quantile of the tile variances taken in each brightness bin (its bias on pure noise is
        divided out). The defaults were chosen by ``benchmarks/noise_estimation.py`` on the
        training photos, never on the benchmark's test photos.

    Examples
    --------
    >>> import skimage.data
    >>> from aekit.noise import poisson_gaussian
    >>> noisy = poisson_gaussian(skimage.data.camera(), peak=30, sigma=10, seed=0)
    >>> peak, sigma = estimate_noise_model(noisy)
    >>> 25 < peak < 35, 4 < sigma < 12
    (True, True)
    """
    image = np.asarray(image)
    _check_image_shape(image)
    x, _ = _as_unit_float(image)
    chans = [x] if x.ndim == 2 else [x[..., c] for c in range(min(x.shape[2], 3))]
    means, variances = [], []
    tile = int(tile)
    if tile < 2 or not 0 < quantile < 1:
        raise ValueError(f"tile must be >= 2 and quantile in (0, 1), got tile={tile}, quantile={quantile}.")
    bias = _tile_variance_bias(tile * tile, float(quantile))
    for c in chans:
        h, w = (n // (2 * tile) * 2 * tile for n in c.shape)
        if h == 0 or w == 0:
            raise ValueError(f"The image ({c.shape[0]} x {c.shape[1]}) is too small to estimate its noise; "
                             f"it needs at least {2 * tile} x {2 * tile} pixels. Pass peak and sigma instead.")
        c = c[:h, :w].astype(np.float64)
        a, b, cc, d = c[0::2, 0::2], c[1::2, 0::2], c[0::2, 1::2], c[1::2, 1::2]

        def tiles(t, rows=h // (2 * tile), cols=w // (2 * tile)):
            return t.reshape(rows, tile, cols, tile).transpose(0, 2, 1, 3).reshape(-1, tile * tile)

        detail, mean = tiles((a - b - cc + d) / 2), tiles((a + b + cc + d) / 4)
        variance = _robust_variance(detail)
        # Tiles that touch black or white were clipped (as in 8-bit files): their variance is
        # too low, so they are left out (unless that leaves too few).
        lo = np.minimum(np.minimum(a, b), np.minimum(cc, d))
        hi = np.maximum(np.maximum(a, b), np.maximum(cc, d))
        unclipped = (tiles(lo).min(axis=1) > 0) & (tiles(hi).max(axis=1) < 1)
        keep = unclipped if unclipped.sum() >= 100 else np.ones_like(unclipped)
        means.append(mean.mean(axis=1)[keep])
        variances.append(variance[keep])
    m, v = np.concatenate(means), np.concatenate(variances)
    n_bins = int(np.clip(len(m) // 40, 2, 16))  # small images: fewer, fuller bins
    edges = np.quantile(m, np.linspace(0, 1, n_bins + 1))
    bin_m, bin_v = [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (m >= lo) & (m <= hi)
        if inside.sum() >= 10:
            bin_m.append(np.median(m[inside]))
            bin_v.append(np.quantile(v[inside], quantile) / bias)
    if len(bin_m) < 2:
        var = float(np.quantile(v, quantile) / bias)
        return 1e6, float(np.sqrt(var) * 255.0)
    slope, intercept = np.linalg.lstsq(np.stack([bin_m, np.ones(len(bin_m))], 1), np.array(bin_v), rcond=None)[0]
    if slope <= 1e-6:  # no signal dependence: Gaussian noise
        return 1e6, float(np.sqrt(max(float(np.mean(bin_v)), 0.0)) * 255.0)
    return float(min(1.0 / slope, 1e6)), float(np.sqrt(max(intercept, 0.0)) * 255.0)


def smooth_for_level_map(x: torch.Tensor, size: int = 5) -> torch.Tensor:
    """The brightness a camera-noise level map is computed from: the *noisy* image ``(n, c, H, W)``
    smoothed by a ``size`` x ``size`` box filter twice (about a Gaussian of sigma ``size / 2.5``,
    which divides the noise's standard deviation by about 7), then clipped to [0, 1].

    Why from the noisy image: the map must be a function of what the network is given. A map of
    the clean image, even smoothed, hands the network the clean image's low frequencies, which it
    learns to read and never gets at inference: the v2 run trained that way for 116,091 steps
    scored 32.1 dB on the held-out photos (peak 30, read noise 10) with such a map, and 29.0 with
    the map a first denoising pass gave, 0.4 dB *below* v1. Training and :meth:`Denoiser.denoise`
    both call this function on the noisy image.
    """
    pad = size // 2
    for _ in range(2):
        x = F.avg_pool2d(F.pad(x, (pad, pad, pad, pad), mode="replicate"), size, stride=1)
    return x.clamp(0, 1)


# --------------------------------------------------------------------------------------------
# Training data: patches of grayscale planes
# --------------------------------------------------------------------------------------------


def _training_planes(images, scales=(1.0, 0.7, 0.5)) -> list[tuple[np.ndarray, float]]:
    """Every grayscale plane the network learns from, each with a sampling weight.

    Colour images give their luminance and (less often) their two opponent channels, the planes
    the colour path denoises. Downscaled copies add finer detail per pixel and wash out JPEG
    artefacts. An image's weight follows its area but is capped, so one huge picture does not
    dominate the patches.
    """
    from skimage.transform import rescale

    planes = []
    for image in images:
        x, _ = _as_unit_float(np.asarray(image), "training image")
        if x.ndim == 3 and x.shape[2] >= 3:
            chans, chan_weights = _to_opponent(x[..., :3]), (0.7, 0.15, 0.15)
        else:
            chans, chan_weights = [x if x.ndim == 2 else x[..., 0]], (1.0,)
        base = min(x.shape[0] * x.shape[1], 512 * 512)
        for plane, cw in zip(chans, chan_weights):
            for scale, sw in zip(scales, (0.5, 0.25, 0.25)):
                p = plane if scale == 1.0 else rescale(plane, scale, anti_aliasing=True)
                planes.append((np.ascontiguousarray(p, dtype=np.float32), base * cw * sw))
    return planes


def _sample_patches(planes, n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random ``size x size`` crops, as an ``(n, 1, size, size)`` float32 array."""
    usable = [(p, w) for p, w in planes if min(p.shape) >= size]
    if not usable:
        raise ValueError(f"Every training image is smaller than patch_size={size}; use a smaller patch_size.")
    weights = np.array([w for _, w in usable])
    which = rng.choice(len(usable), size=n, p=weights / weights.sum())
    out = np.empty((n, 1, size, size), dtype=np.float32)
    for i, k in enumerate(which):
        p = usable[k][0]
        r = rng.integers(0, p.shape[0] - size + 1)
        c = rng.integers(0, p.shape[1] - size + 1)
        out[i, 0] = p[r:r + size, c:c + size]
    return out


def _denoising_loss(sigma_range: tuple[float, float], clip_fraction: float):
    lo, hi = (s / 255.0 for s in sigma_range)

    def loss_fn(model, batch):
        clean = batch[0]
        # One of the 8 rotations / reflections per batch: the data set becomes 8 times larger
        # for free, and the network learns no preferred orientation.
        clean = torch.rot90(clean, int(torch.randint(4, ())), (2, 3))
        if torch.rand(()) < 0.5:
            clean = clean.flip(3)
        n = clean.shape[0]
        sigma = torch.empty(n, 1, 1, 1).uniform_(lo, hi)
        noisy = clean + sigma * torch.randn_like(clean)
        # Some images arrive as uint8, where the noise was clipped at black and white.
        clipped = torch.rand(n, 1, 1, 1) < clip_fraction
        noisy = torch.where(clipped, noisy.clamp(0, 1), noisy).contiguous(memory_format=torch.channels_last)
        pred = model(noisy, sigma.expand_as(noisy))
        return F.mse_loss(pred.float(), clean)

    return loss_fn


# --------------------------------------------------------------------------------------------
# Denoiser
# --------------------------------------------------------------------------------------------


class _LevelRange:
    """A constraint for ``sigma_range``: a pair ``(low, high)`` with ``0 <= low <= high <= 255``."""

    def is_satisfied_by(self, value) -> bool:
        try:
            lo, hi = (float(s) for s in value)
        except (TypeError, ValueError):
            return False
        return 0 <= lo <= hi <= 255

    def __str__(self) -> str:
        return "(low, high) with 0 <= low <= high <= 255"


@register
class Denoiser(AekitEstimator):
    """A pretrained, fully convolutional image denoiser for any image size.

    Use :meth:`pretrained` for the weights that ship with aekit, or :meth:`fit` on your own
    images (clean ones: the noise is added during training).

    Parameters
    ----------
    channels : tuple of int, default (24, 48, 96, 192)
        Features per U-Net level, fine to coarse.
    blocks_per_level : int, default 2
    sigma_range : tuple of float, default (0, 55)
        Gaussian noise levels (0-255 scale) the network is trained on, and the range a blind
        estimate is clipped to.
    patch_size : int, default 64
    n_patches : int, default 32000
        Training patches cut from the images (the "epoch"); noise and the 8 rotations and
        reflections are drawn afresh every time a patch is used.
    clip_fraction : float, default 0.2
        Share of training patches whose noisy version is clipped to [0, 1], as in uint8 files.
    max_epochs, batch_size, learning_rate : training schedule (Adam with cosine decay).
    tile_size : int, default 512
        Images larger than this are denoised in tiles, bounding memory.
    tile_overlap : int, default 48
        Context on each side of a tile that is computed but not kept; above the network's
        effective reach, so tiled and whole-image results agree.
    self_ensemble : {1, 2, 4, 8}, default 1
        Denoise this many rotated / mirrored copies and average them after undoing the
        transform: a little more PSNR for proportionally more time.
    precision, device, random_state : as in the other aekit estimators.
    verbose : int, default 0
        0 silent, 1 a progress bar on a terminal (training, and the tiles of a big image),
        2 also a line per epoch. (The pretrained model is saved with ``verbose=2``; pass
        ``Denoiser.pretrained(verbose=0)`` to silence it.)
    checkpoint : str or None, default None
        File written at the end of every epoch; ``fit(images, resume=True)`` continues from it.
        Not saved with the model.

    Attributes
    ----------
    model_ : aekit.blocks.UNet
    history_ : aekit.training.History
    n_iter_ : int
        Epochs trained.

    Examples
    --------
    >>> import numpy as np, skimage.data
    >>> from aekit.noise import gaussian
    >>> from skimage.metrics import peak_signal_noise_ratio as psnr
    >>> clean = skimage.data.camera()[:128, :128]
    >>> noisy = gaussian(clean, 25, seed=0)
    >>> out = Denoiser.pretrained().denoise(noisy)
    >>> out.shape, out.dtype
    ((128, 128), dtype('uint8'))
    >>> bool(psnr(clean, out) > psnr(clean, noisy) + 5)
    True
    """

    _parameter_constraints = {
        "channels": [IntSequence(1, min_len=1, allow_int=False)],
        "blocks_per_level": [Interval(int, 1, None)],
        "sigma_range": [_LevelRange()],
        "patch_size": [Interval(int, 1, None)],
        "n_patches": [Interval(int, 1, None)],
        "clip_fraction": [Interval(float, 0, 1)],
        "tile_size": [Interval(int, 1, None)],
        "tile_overlap": [Interval(int, 0, None)],
        **training_constraints("max_epochs", "batch_size", "learning_rate", "precision", "random_state",
                               "verbose", "checkpoint"),
    }
    _unsaved_params = {"checkpoint": None}  # a path on the training machine means nothing elsewhere
    _train_defaults = {"lr_schedule": "cosine", "validation_split": 0.02, "early_stopping": False,
                       "restore_best_weights": False}

    def __init__(self, channels=(24, 48, 96, 192), blocks_per_level=2, sigma_range=(0.0, 55.0),
                 patch_size=64, n_patches=32000, clip_fraction=0.2, max_epochs=6, batch_size=16,
                 learning_rate=1e-3, tile_size=512, tile_overlap=48, self_ensemble=1, precision="auto",
                 device="auto", random_state=None, verbose=0, checkpoint=None):
        self.channels = channels
        self.blocks_per_level = blocks_per_level
        self.sigma_range = sigma_range
        self.patch_size = patch_size
        self.n_patches = n_patches
        self.clip_fraction = clip_fraction
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.tile_size = tile_size
        self.tile_overlap = tile_overlap
        self.self_ensemble = self_ensemble
        self.precision = precision
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.checkpoint = checkpoint

    # -- pretrained weights ------------------------------------------------------------------

    @classmethod
    def pretrained(cls, version: str | None = None, **overrides) -> Denoiser:
        """The denoiser that ships with aekit: the newest, or ``version`` (a key of
        ``aekit.denoise.PRETRAINED_VERSIONS``, e.g. ``"v1"``).

        Keyword arguments override inference settings, e.g. ``tile_size=256`` or ``device="cuda"``.
        """
        if version is not None and version not in PRETRAINED_VERSIONS:
            raise ValueError(f"Unknown pretrained denoiser version {version!r}; the shipped ones are "
                             f"{', '.join(PRETRAINED_VERSIONS)}.")
        folder = PRETRAINED_VERSIONS[version] if version is not None else PRETRAINED_DIR
        if not (folder / "model.safetensors").is_file():
            raise FileNotFoundError(
                f"The pretrained denoiser weights are missing from {folder}; reinstall aekit "
                "or train them with `python scripts/train_denoiser.py`."
            )
        model = _load(folder)
        return model.set_params(**overrides) if overrides else model

    # -- training ----------------------------------------------------------------------------

    def _check_inference_params(self, factor: int) -> None:
        """The checks that involve two parameters, or the network's downsampling ``factor``."""
        if self.self_ensemble not in (1, 2, 4, 8):
            raise ValueError(f"self_ensemble must be 1, 2, 4 or 8, got {self.self_ensemble!r}.")
        if self.tile_size < 2 * self.tile_overlap + factor:
            raise ValueError(f"tile_size={self.tile_size} must exceed 2 * tile_overlap + {factor}.")

    def _make_network(self):
        # channels_last lets oneDNN pick its fastest convolution kernels on the CPU.
        return UNet(1, tuple(self.channels), int(self.blocks_per_level), condition_channels=1).to(
            memory_format=torch.channels_last)

    def fit(self, images, y=None, *, resume=False):
        """Train on clean images (a list of ``(H, W)`` or ``(H, W, 3)`` arrays).

        Gaussian noise with a level drawn uniformly from ``sigma_range`` is added to every patch
        each time it is used. ``resume=True`` continues from ``self.checkpoint``.
        """
        self._validate_params()
        factor = 2 ** (len(self.channels) - 1)
        if self.patch_size % factor:
            raise ValueError(f"patch_size must be a multiple of {factor} (the U-Net's downsampling), got {self.patch_size}.")
        self._check_inference_params(factor)
        if isinstance(images, np.ndarray) and images.ndim in (2, 3) and images.dtype != object:
            images = [images]
        images = list(images)
        if not images:
            raise ValueError("fit needs at least one clean image.")
        for i, image in enumerate(images):
            _check_image_shape(np.asarray(image), f"training image {i}")
        seed = self._draw_seed()
        network = self._build_network(self._make_network, seed, data_bytes=4 * self.n_patches * self.patch_size**2,
                                      fix="Use fewer n_patches, a smaller patch_size or smaller channels.")
        patches = _sample_patches(_training_planes(images), int(self.n_patches), int(self.patch_size),
                                  np.random.default_rng(seed))
        loss_fn = _denoising_loss(tuple(float(s) for s in self.sigma_range), float(self.clip_fraction))
        self._fit_network(network, loss_fn, torch.from_numpy(patches), seed, resume=resume)
        self.model_.cpu()
        return self

    # -- inference ---------------------------------------------------------------------------

    def denoise(self, image, sigma=None, *, noise="gaussian", peak=None):
        """Return the denoised image, with the same shape and dtype as ``image``.

        Parameters
        ----------
        image : array of shape (H, W) or (H, W, C), C in 1, 3, 4
            uint8, uint16, bool or float on the [0, 1] scale. An alpha channel is passed through.
        sigma : float or None
            The Gaussian noise level (for camera noise: the read noise) on the 0-255 scale, if
            known; ``None`` estimates it (:func:`estimate_noise_sigma`, or
            :func:`estimate_noise_model` for camera noise).
        noise : {"gaussian", "poisson_gaussian"}, default "gaussian"
            ``"poisson_gaussian"``: camera-like, signal-dependent noise of variance
            ``x / peak + (sigma / 255)^2`` (:func:`aekit.noise.poisson_gaussian`). The network is
            given a per-pixel level map computed from the noisy image's local brightness.
        peak : float or None
            For camera noise: the photon count of a white pixel, if known; ``None`` estimates it.
        """
        check_is_fitted(self)
        self._check_inference_params(self.model_.factor)
        if noise not in ("gaussian", "poisson_gaussian"):
            raise ValueError(f"noise must be 'gaussian' or 'poisson_gaussian', got {noise!r}.")
        image = np.asarray(image)
        _check_image_shape(image)
        x, dtype = _as_unit_float(image)
        for name, value in (("sigma", sigma), ("peak", peak)):
            if value is not None and not (isinstance(value, numbers.Real) and np.isfinite(value) and value >= 0):
                what = "on the 0-255 scale (e.g. 25)" if name == "sigma" else "(photons of a white pixel, e.g. 30)"
                raise ValueError(f"{name} must be a number >= 0 {what}, got {value!r}.")
        if noise == "gaussian" and peak is not None:
            raise ValueError("peak is the photon count of camera noise; pass noise='poisson_gaussian' with it.")
        if noise == "poisson_gaussian" and peak == 0:
            raise ValueError("peak must be > 0 (the photon count of a white pixel), got 0.")
        rgb = x.ndim == 3 and x.shape[2] >= 3
        planes = _to_opponent(x[..., :3]) if rgb else (x if x.ndim == 2 else x[..., 0])[None]

        if noise == "gaussian":
            s = (self.noise_level(image) if sigma is None else float(sigma)) / 255.0
            clean = self._denoise_planes(planes, s * (_SIGMA_FACTOR if rgb else np.ones(1)))
        else:
            if peak is None or sigma is None:
                est_peak, est_sigma = estimate_noise_model(image)
                peak = est_peak if peak is None else peak
                sigma = est_sigma if sigma is None else sigma
            a, b = 1.0 / float(peak), (float(sigma) / 255.0) ** 2
            # The level each pixel has at the brightness of its neighbourhood in the noisy image
            # (as in training; see smooth_for_level_map), then one pass.
            clean = self._denoise_planes(planes, self._camera_levels(x[..., :3] if rgb else planes, a, b, rgb))

        if rgb:
            out = _from_opponent(clean)
            if x.shape[2] == 4:
                out = np.concatenate([out, x[..., 3:]], axis=2)
        else:
            out = clean[0] if x.ndim == 2 else clean[0][..., None]
        return from_unit_float(np.clip(out, 0, 1), dtype)

    @staticmethod
    def _camera_levels(noisy: np.ndarray, a: float, b: float, rgb: bool) -> np.ndarray:
        """Per-pixel noise levels of each plane for variance ``a * x + b`` in every RGB channel,
        ``x`` the brightness :func:`smooth_for_level_map` finds in ``noisy`` (``(H, W, 3)`` RGB or
        ``(1, H, W)`` gray, on the [0, 1] scale)."""
        chw = np.moveaxis(noisy, -1, 0) if rgb else noisy
        smooth = smooth_for_level_map(torch.from_numpy(np.ascontiguousarray(chw, dtype=np.float32))[None])[0].numpy()
        intensity = np.moveaxis(smooth, 0, -1) if rgb else smooth
        var = a * intensity + b
        if rgb:  # plane i mixes the channels with weights M[i]: variances add with M[i]^2
            var = np.einsum("ij,hwj->ihw", (_COLOR**2).astype(np.float32), var.astype(np.float32))
        return np.sqrt(var).astype(np.float32)

    def _denoise_planes(self, planes: np.ndarray, levels: np.ndarray) -> np.ndarray:
        """Denoise ``(n, H, W)`` planes; ``levels`` (0-1 scale) is one level per plane ``(n,)`` or
        a level map per plane ``(n, H, W)``."""
        k = self.self_ensemble
        levels = np.asarray(levels, dtype=np.float32)
        maps = levels.ndim == 3
        total = None
        # The first k of the 8 symmetries of the square: identity, mirror, then rotations.
        for rot, flip in [(0, False), (0, True), (1, False), (1, True), (2, False), (2, True),
                          (3, False), (3, True)][:k]:
            def forward(a, rot=rot, flip=flip):
                a = np.rot90(a, rot, axes=(1, 2))
                return a[:, :, ::-1] if flip else a

            out = self._denoise_tiled(forward(planes), forward(levels) if maps else levels)
            out = out[:, :, ::-1] if flip else out
            out = np.rot90(out, -rot, axes=(1, 2))
            total = out if total is None else total + out
        return total / k if k > 1 else total

    def noise_level(self, image) -> float:
        """The noise level :meth:`denoise` assumes when not told one: the image's estimate
        (:func:`estimate_noise_sigma`, 0-255 scale) clipped to ``sigma_range``."""
        return float(np.clip(estimate_noise_sigma(image), *self.sigma_range))

    @torch.no_grad()
    def _denoise_tiled(self, planes: np.ndarray, levels: np.ndarray) -> np.ndarray:
        model = self.model_
        device = next(model.parameters()).device
        n, h, w = planes.shape
        tile, margin = int(self.tile_size), int(self.tile_overlap)
        out = np.empty_like(planes, dtype=np.float32)
        x = torch.from_numpy(np.ascontiguousarray(planes, dtype=np.float32))[:, None]
        if levels.ndim == 3:
            sig = torch.from_numpy(np.ascontiguousarray(levels, dtype=np.float32))[:, None]
        else:
            sig = torch.as_tensor(levels, dtype=torch.float32).view(n, 1, 1, 1)
        step = tile - 2 * margin
        starts = [(r0, c0) for r0 in (range(0, h, step) if h > tile else [0])
                  for c0 in (range(0, w, step) if w > tile else [0])]
        # A progress bar for big images (many tiles), on a terminal, unless verbose=0.
        show = len(starts) > 8 and self.verbose and sys.stderr.isatty()
        for r0, c0 in tqdm(starts, desc="tiles", unit="tile", disable=not show, leave=False):
            # The tile with `margin` pixels of context on each side; keep only its inside.
            ra, rb = max(r0 - margin, 0), min(r0 + step + margin, h) if h > tile else h
            ca, cb = max(c0 - margin, 0), min(c0 + step + margin, w) if w > tile else w
            block = x[:, :, ra:rb, ca:cb].to(device).contiguous(memory_format=torch.channels_last)
            level = sig[:, :, ra:rb, ca:cb] if levels.ndim == 3 else sig.expand(n, 1, rb - ra, cb - ca)
            level = level.to(device).contiguous(memory_format=torch.channels_last)
            pred = model(block, level).float().cpu().numpy()[:, 0]
            r_end = min(r0 + step, h) if h > tile else h
            c_end = min(c0 + step, w) if w > tile else w
            out[:, r0:r_end, c0:c_end] = pred[:, r0 - ra:r_end - ra, c0 - ca:c_end - ca]
        return out

    # -- model files -------------------------------------------------------------------------

    @classmethod
    def _saved_network_spec(cls, params, state):
        # files before the network registry kept the U-Net's spec under "architecture"
        return state["network"] if "network" in state else state["architecture"]

    def _set_saved_state(self, state, tensors):
        self.model_ = self.model_.to(memory_format=torch.channels_last)


# --------------------------------------------------------------------------------------------
# DenoisingAutoencoder
# --------------------------------------------------------------------------------------------


def _corrupt(kind: str, level: float, clip: bool):
    """The noise model as a function of a batch (fresh noise from the loop-seeded global RNG)."""
    from .noise import add_noise

    extra = {"scale": 1.0} if kind == "gaussian" else {}  # a level in the data's own units

    def corrupt(x: torch.Tensor) -> torch.Tensor:
        noisy = add_noise(x, kind, level, **extra)
        return noisy.clamp(0, 1) if clip else noisy

    return corrupt


@register
class DenoisingAutoencoder(AekitEstimator):
    """A denoising autoencoder for vectors and small images, in scikit-learn style.

    ``fit(X_clean)`` trains the network to map ``noise(X)`` back to ``X``, drawing fresh noise
    from the chosen model of :mod:`aekit.noise` for every batch of every epoch;
    ``transform(X_noisy)`` returns the cleaned data, in the shape it was given.

    Parameters
    ----------
    noise : {"gaussian", "salt_pepper", "poisson", "speckle", "masking"}, default "gaussian"
    noise_level : float, default 0.5
        The noise model's level, in the data's own units for ``"gaussian"`` (0.5 is the Keras
        tutorial's "noise factor"); see :mod:`aekit.noise` for the others.
    clip : bool or "auto", default "auto"
        Clip noisy inputs and outputs to [0, 1]; ``"auto"`` clips when the training data lie in
        [0, 1] (pixels), as the Keras tutorial does.
    architecture : {"auto", "dense", "conv"}, default "auto"
        ``"conv"`` (a convolutional autoencoder) for images, ``"dense"`` for vectors; ``"auto"``
        picks ``"conv"`` when ``X`` is ``(n, H, W)`` / ``(n, H, W, C)`` or ``image_shape`` is set.
    image_shape : tuple or None
        ``(H, W)`` or ``(H, W, C)`` of flat rows that are images (e.g. ``(28, 28)`` for MNIST).
    hidden_layer_sizes, n_components : dense architecture (the bottleneck is ``n_components``).
    pca_components : int, "auto" or None, default "auto"
        Dense architecture: the PCA front end of :class:`aekit.AutoencoderReducer` (the network
        works on the coordinates along the clean data's top principal axes and starts as PCA
        denoising, ``pca_start``). The noisy input is projected onto the axes, which already
        removes the noise outside them; the loss counts the clean rows' part outside the axes
        exactly. None: the network sees every feature.
    pca_start : bool, default True
        See :class:`aekit.AutoencoderReducer`.
    channels : tuple of int, default (32, 64)
        Convolutional architecture: features per stage, each halving the resolution.
    max_epochs : int, default 10
    batch_size : int, default 128
    learning_rate : float, default 2e-3
        The peak of the one-cycle schedule (see :class:`aekit.AutoencoderReducer`).
    lr_schedule : {"onecycle", "cosine", "constant"}, default "onecycle"
    max_time : float or None, default None
        Seconds of training; the schedule is planned to end on time.
    validation_split, early_stopping, patience, precision, device, random_state, verbose,
    checkpoint : as in :class:`aekit.AutoencoderReducer`.

    Attributes
    ----------
    model_ : aekit.blocks.ScaledAutoencoder
    input_shape_ : tuple
        The shape of one sample, as given to ``fit``.
    clip_ : bool
    history_ : aekit.training.History
    n_iter_ : int
        Epochs trained.

    Examples
    --------
    >>> import numpy as np
    >>> from aekit import DenoisingAutoencoder
    >>> from aekit.datasets import load_digits
    >>> X, _ = load_digits()
    >>> dae = DenoisingAutoencoder(noise_level=0.3, image_shape=(8, 8), max_epochs=3,
    ...                            random_state=0).fit(X)
    >>> noisy = np.clip(X + 0.3 * np.random.default_rng(0).normal(size=X.shape), 0, 1)
    >>> dae.transform(noisy).shape
    (1797, 64)
    """

    _parameter_constraints = {
        "noise": [Options(*NOISE_KINDS)],
        "noise_level": [Interval(float, 0, None)],
        "clip": ["boolean", Options("auto")],
        "architecture": [Options("auto", "dense", "conv")],
        "image_shape": [None, IntSequence(1, min_len=2, max_len=3, allow_int=False)],
        "hidden_layer_sizes": [IntSequence(1, allow_int=False)],
        "n_components": [Interval(int, 1, None)],
        "pca_components": [Options("auto"), Interval(int, 1, None), None],
        "pca_start": ["boolean"],
        "channels": [IntSequence(1, min_len=1, allow_int=False)],
        **training_constraints("max_epochs", "batch_size", "learning_rate", "lr_schedule", "max_time",
                               "validation_split", "early_stopping", "patience", "precision", "random_state",
                               "verbose", "checkpoint"),
    }

    def __init__(self, noise="gaussian", noise_level=0.5, clip="auto", architecture="auto",
                 image_shape=None, hidden_layer_sizes=(256, 128), n_components=64, pca_components="auto",
                 pca_start=True, channels=(32, 64), max_epochs=10, batch_size=128, learning_rate=2e-3,
                 lr_schedule="onecycle", max_time=None, validation_split=0.1, early_stopping=True, patience=4,
                 precision="auto", device="auto", random_state=None, verbose=0, checkpoint=None):
        self.noise = noise
        self.noise_level = noise_level
        self.clip = clip
        self.architecture = architecture
        self.image_shape = image_shape
        self.hidden_layer_sizes = hidden_layer_sizes
        self.n_components = n_components
        self.pca_components = pca_components
        self.pca_start = pca_start
        self.channels = channels
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
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

    # -- input checks ------------------------------------------------------------------------

    def _as_array(self, X, what="X") -> np.ndarray:
        X = check_array_stack(X, what, sizes_hint=(
            "A DenoisingAutoencoder needs one size. Crop or resize them to one size (or cut equal patches), "
            "or use aekit.Denoiser, which takes images of any size.")).astype(np.float32)
        check_finite(X.reshape(len(X), -1), what, fix="Impute or drop those samples first.")
        return X

    def _image_chw(self, sample_shape: tuple) -> tuple | None:
        shape = tuple(sample_shape) if len(sample_shape) > 1 else (
            tuple(self.image_shape) if self.image_shape is not None else None)
        if self.architecture == "dense" or (self.architecture == "auto" and shape is None):
            return None
        if shape is None:
            raise ValueError("architecture='conv' needs images: pass X as (n, H, W[, C]) or set image_shape=(H, W).")
        if int(np.prod(shape)) != int(np.prod(sample_shape)):
            raise ValueError(f"image_shape={self.image_shape} does not match {int(np.prod(sample_shape))} features per row.")
        h, w = shape[:2]
        c = shape[2] if len(shape) == 3 else 1
        return (c, h, w)

    def _make_network(self, chw, center: float, scale: float, n_basis: int | None = None):
        """A builder (for the base) of the network of these parameters for ``chw`` images, or rows
        (in a PCA front end of ``n_basis`` axes when that is given)."""
        def make():
            n_features, d = int(np.prod(self.input_shape_)), int(self.n_components)
            if chw is None and n_basis is not None:
                inner = Autoencoder.dense(n_basis, tuple(self.hidden_layer_sizes), d)
                net = PCAFrontEnd(inner, n_features, n_basis, d, self.pca_start and d <= n_basis)
            elif chw is None:
                net = Autoencoder.dense(n_features, tuple(self.hidden_layer_sizes), d)
            else:
                net = Autoencoder.conv(chw[0], tuple(self.channels))
            return ScaledAutoencoder(net, center, scale, chw)

        return make

    # -- fit / transform ---------------------------------------------------------------------

    def fit(self, X, y=None, *, resume=False):
        """Train on clean data ``X``; noise is added on the fly. Returns ``self``."""
        self._validate_params()
        X = self._as_array(X)
        if len(X) < 2:
            raise ValueError("fit needs at least 2 samples.")
        self.input_shape_ = tuple(X.shape[1:])
        chw = self._image_chw(self.input_shape_)
        if chw is not None and len(self.input_shape_) == 3:  # (H, W, C) -> the network wants (C, H, W)
            X = np.moveaxis(X, -1, 1)
        in_unit = X.min() >= 0 and X.max() <= 1
        self.clip_ = bool(in_unit) if self.clip == "auto" else bool(self.clip)
        center, scale = float(X.mean()), float(X.std()) or 1.0
        seed = self._draw_seed()
        basis = None
        if chw is None and self.pca_components is not None:  # the front end's basis, of the scaled clean rows
            basis = fit_front_end_basis((X.reshape(len(X), -1) - center) / scale, int(self.n_components),
                                        self.pca_components, seed)
        network = self._build_network(self._make_network(chw, center, scale, basis and basis[3]), seed,
                                      data_bytes=X.nbytes,
                                      fix="Use smaller hidden_layer_sizes or channels, or fit on a subset of the rows.")
        corrupt = _corrupt(self.noise, float(self.noise_level), self.clip_)
        if basis is not None:
            network.net.set_basis(*basis[:3]).start_at_pca()

        def loss_fn(model, batch):
            (clean,) = batch
            if isinstance(model.net, PCAFrontEnd):
                # The noisy rows enter through the (frozen) basis; the clean ones are scored by
                # their coordinates and what lies outside the basis, which is the exact MSE.
                fe = model.net
                with torch.no_grad():
                    p_noisy, _ = fe.project((corrupt(clean) - model.center) / model.scale)
                    p_clean, residual = fe.project((clean - model.center) / model.scale)
                return fe.basis_loss(p_clean, residual, p_noisy)
            pred = model(corrupt(clean))
            return F.mse_loss(pred.float(), clean) / (scale * scale)

        data = X.reshape(len(X), -1) if chw is None else X
        return self._fit_network(network, loss_fn, torch.from_numpy(np.ascontiguousarray(data)), seed, resume=resume)

    def transform(self, X):
        """Clean ``X`` (noisy data shaped like the training data); returns the same shape."""
        from .training import predict_batches

        check_is_fitted(self)
        X = self._as_array(X)
        if tuple(X.shape[1:]) != self.input_shape_:
            raise ValueError(
                f"X has samples of shape {tuple(X.shape[1:])}, but the model was fitted on {self.input_shape_}."
            )
        chw = self.model_.image_chw
        A = X.reshape(len(X), -1) if chw is None else (np.moveaxis(X, -1, 1) if len(self.input_shape_) == 3 else X)
        out = predict_batches(self.model_, np.ascontiguousarray(A), device=self._model_device(),
                              precision=self.precision)
        if self.clip_:
            out = np.clip(out, 0, 1)
        if chw is not None and len(self.input_shape_) == 3:
            out = np.moveaxis(out, 1, -1)
        return out.reshape(X.shape).astype(np.float32, copy=False)

    def fit_transform(self, X, y=None):
        """Fit on clean ``X`` and return its reconstruction (use :meth:`transform` on noisy data)."""
        return self.fit(X).transform(X)

    # -- model files -------------------------------------------------------------------------

    def _extra_saved_state(self):
        return {"input_shape_": list(self.input_shape_), "clip_": self.clip_}, {}

    @classmethod
    def _saved_network_spec(cls, params, state):
        if "network" in state:
            return state["network"]
        # Files before the network registry: the Autoencoder's spec, with the scaling beside it.
        net = state["architecture"]
        return {"type": "ScaledAutoencoder", "config": {
            "net": net if "type" in net else {"type": "Autoencoder", "config": net},
            "center": state["center"], "scale": state["scale"], "image_chw": state["image_chw"]}}

    @classmethod
    def _saved_network_tensors(cls, state, tensors):
        tensors = super()._saved_network_tensors(state, tensors)
        # files before the network registry saved the inner Autoencoder's weights only
        return tensors if "network" in state else {f"net.{k}": v for k, v in tensors.items()}

    def _set_saved_state(self, state, tensors):
        self.input_shape_ = tuple(state["input_shape_"])
        self.clip_ = bool(state["clip_"])

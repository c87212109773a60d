"""Noise models: corrupt images or vectors reproducibly, for training denoisers and for benchmarks.

Every function takes a numpy array (uint8, uint16 or float on the [0, 1] scale) or a torch
tensor and returns the same type, shape and dtype. Integer images are clipped and rounded back
to integers, as a saved noisy file would be; float data is clipped only if you ask
(``clip=True``), since the standard denoising benchmarks use unclipped Gaussian noise.

``seed`` makes the noise reproducible: an int, a ``numpy.random.Generator`` (its next draws seed
the noise) or ``None`` (fresh noise from torch's global generator, which is what the training
loop seeds and checkpoints).

====================  ==========================================================  ==============
kind                  what it does                                                level
====================  ==========================================================  ==============
``gaussian``          adds N(0, sigma^2) to every value                           sigma
``salt_pepper``       sets a fraction of the values to 0 or 1                     fraction
``poisson``           shot noise: Poisson(peak * x) / peak                        peak (photons)
``poisson_gaussian``  camera noise: shot noise plus Gaussian read noise sigma     peak (photons)
``speckle``           multiplicative: x + x * N(0, sigma^2)                       sigma
``masking``           sets a fraction of the values to 0 (the classic DAE noise)  fraction
====================  ==========================================================  ==============
"""

from __future__ import annotations

import numpy as np
import torch

from .images import from_unit_float, to_unit_float

__all__ = ["NOISE_KINDS", "add_noise", "gaussian", "masking", "poisson", "poisson_gaussian", "salt_pepper",
           "speckle"]


def _generator(seed) -> torch.Generator | None:
    if seed is None:
        return None
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**63 - 1))
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return torch.Generator().manual_seed(int(seed))
    raise TypeError(f"seed must be an int, a numpy Generator or None, got {type(seed).__name__}.")


def _to_unit(x):
    """``(float tensor on the [0, 1] scale, function that converts a result back)``."""
    if isinstance(x, torch.Tensor):
        if not x.is_floating_point():
            raise TypeError(f"Tensors must be floating point on the [0, 1] scale, got {x.dtype}.")
        return x, lambda t: t.to(x.dtype)
    a = np.asarray(x)
    if a.dtype == np.uint8 or a.dtype == np.uint16:
        return torch.from_numpy(to_unit_float(a)), lambda t: from_unit_float(t.numpy(), a.dtype)
    if np.issubdtype(a.dtype, np.floating):
        return torch.from_numpy(np.ascontiguousarray(a)), lambda t: t.numpy().astype(a.dtype, copy=False)
    raise TypeError(f"Expected uint8, uint16 or float data, got dtype {a.dtype}.")


def _finish(t: torch.Tensor, back, clip: bool | None):
    if clip:
        t = t.clamp(0, 1)
    return back(t)


def _check_level(name: str, value, upper: float | None = None) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}.") from None
    if not np.isfinite(v) or v < 0 or (upper is not None and v > upper):
        bound = f" and <= {upper}" if upper is not None else ""
        raise ValueError(f"{name} must be >= 0{bound}, got {value!r}.")
    return v


def gaussian(x, sigma, *, scale: float = 255.0, clip: bool | None = None, seed=None):
    """Additive white Gaussian noise.

    Parameters
    ----------
    x : array or tensor
    sigma : float
        The standard deviation in units of ``1 / scale`` of the full range: with the default
        ``scale=255``, ``sigma=25`` is the "sigma = 25" of the denoising literature whatever the
        dtype; with ``scale=1``, ``sigma=0.5`` is the Keras tutorial's "noise factor 0.5".
    scale : float, default 255
    clip : bool, optional
        Clip to [0, 1]; integer images are always clipped.
    seed : int, numpy Generator or None

    Examples
    --------
    >>> import numpy as np
    >>> x = np.full((256, 256), 0.5)
    >>> y = gaussian(x, 25, seed=0)
    >>> round(float((y - x).std() * 255))
    25
    >>> np.array_equal(y, gaussian(x, 25, seed=0))
    True
    """
    sigma = _check_level("sigma", sigma)
    t, back = _to_unit(x)
    noise = torch.randn(t.shape, generator=_generator(seed), dtype=torch.float32).to(t.device, t.dtype)
    return _finish(t + noise * (sigma / float(scale)), back, clip)


def salt_pepper(x, amount: float = 0.05, *, salt_vs_pepper: float = 0.5, seed=None):
    """Set a fraction ``amount`` of the values to 1 (salt) or 0 (pepper)."""
    amount = _check_level("amount", amount, 1.0)
    salt_vs_pepper = _check_level("salt_vs_pepper", salt_vs_pepper, 1.0)
    t, back = _to_unit(x)
    g = _generator(seed)
    u = torch.rand(t.shape, generator=g).to(t.device)
    salt = torch.rand(t.shape, generator=g).to(t.device) < salt_vs_pepper
    hit = u < amount
    out = torch.where(hit & salt, torch.ones_like(t), torch.where(hit, torch.zeros_like(t), t))
    return _finish(out, back, None)


def poisson(x, peak: float = 30.0, *, clip: bool | None = None, seed=None):
    """Shot noise: a pixel of brightness ``x`` counts ``Poisson(peak * x)`` photons.

    ``peak`` is the photon count of a white pixel: smaller is noisier (the noise level grows
    with brightness, like a camera's at low light).
    """
    peak = _check_level("peak", peak)
    if peak == 0:
        raise ValueError("peak must be > 0 (the photon count of a white pixel), got 0.")
    t, back = _to_unit(x)
    rate = (t.float().clamp(min=0) * peak).cpu()
    counts = torch.poisson(rate, generator=_generator(seed)).to(t.device, t.dtype)
    return _finish(counts / peak, back, clip)


def poisson_gaussian(x, peak: float = 30.0, sigma: float = 10.0, *, scale: float = 255.0,
                     clip: bool | None = None, seed=None):
    """Camera noise: ``Poisson(peak * x) / peak`` photon (shot) noise plus Gaussian read noise.

    The noise of a raw camera pixel is signal-dependent: its variance is ``x / peak + s^2``
    (``s = sigma / scale``), so bright areas are noisier in absolute terms and dark ones in
    relative terms. ``peak`` is the photon count of a white pixel (smaller is noisier); ``sigma``
    the read noise on the same 0-255 scale as :func:`gaussian` (``scale=255``).

    Examples
    --------
    >>> import numpy as np
    >>> dark, bright = np.full((200, 200), 0.1), np.full((200, 200), 0.9)
    >>> noisy = [poisson_gaussian(x, 30, 10, seed=0) for x in (dark, bright)]
    >>> [round(float(n.std()), 2) for n in noisy]   # sqrt(x / 30 + (10 / 255)^2)
    [0.07, 0.18]
    """
    peak = _check_level("peak", peak)
    if peak == 0:
        raise ValueError("peak must be > 0 (the photon count of a white pixel), got 0.")
    sigma = _check_level("sigma", sigma)
    t, back = _to_unit(x)
    g = _generator(seed)
    rate = (t.float().clamp(min=0) * peak).cpu()
    counts = torch.poisson(rate, generator=g)
    read = torch.randn(t.shape, generator=g, dtype=torch.float32) * (sigma / float(scale))
    return _finish((counts / peak + read).to(t.device, t.dtype), back, clip)


def speckle(x, sigma: float = 0.1, *, clip: bool | None = None, seed=None):
    """Multiplicative noise ``x + x * N(0, sigma^2)`` (radar, ultrasound); ``sigma`` relative."""
    sigma = _check_level("sigma", sigma)
    t, back = _to_unit(x)
    noise = torch.randn(t.shape, generator=_generator(seed), dtype=torch.float32).to(t.device, t.dtype)
    return _finish(t + t * noise * sigma, back, clip)


def masking(x, fraction: float = 0.25, *, seed=None):
    """Set a random ``fraction`` of the values to 0: the masking noise of Vincent et al. (2008)."""
    fraction = _check_level("fraction", fraction, 1.0)
    t, back = _to_unit(x)
    keep = torch.rand(t.shape, generator=_generator(seed)).to(t.device) >= fraction
    return _finish(t * keep, back, None)


NOISE_KINDS = {
    "gaussian": gaussian,
    "salt_pepper": salt_pepper,
    "poisson": poisson,
    "poisson_gaussian": poisson_gaussian,
    "speckle": speckle,
    "masking": masking,
}


def add_noise(x, kind: str = "gaussian", level: float = 25.0, *, seed=None, **kwargs):
    """Apply the noise model ``kind`` with its main parameter ``level`` (see the module table).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros((100, 100), dtype=np.uint8)
    >>> float((add_noise(x, "salt_pepper", 0.1, seed=0) > 0).mean()) > 0.03
    True
    """
    try:
        fn = NOISE_KINDS[kind]
    except KeyError:
        raise ValueError(f"Unknown noise kind {kind!r}; choose one of {', '.join(NOISE_KINDS)}.") from None
    return fn(x, level, seed=seed, **kwargs)

"""The network of :class:`aekit.DenoisingAutoencoder`: an autoencoder that works in the data's units."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .registry import build, register_network, spec_of

__all__ = ["ScaledAutoencoder"]


@register_network
class ScaledAutoencoder(nn.Module):
    """An :class:`~aekit.blocks.Autoencoder` (or any network) that sees ``(x - center) / scale``
    and answers in the data's units, reshaping flat rows to ``image_chw`` images for a
    convolutional one (the output comes back in the input's shape).

    Examples
    --------
    >>> from aekit.blocks import Autoencoder, build, spec_of
    >>> net = ScaledAutoencoder(Autoencoder.conv(1, (4,)), center=0.5, scale=0.25, image_chw=(1, 2, 3))
    >>> net(torch.rand(5, 6)).shape
    torch.Size([5, 6])
    >>> type(build(spec_of(net)).net).__name__
    'Autoencoder'
    """

    def __init__(self, net: nn.Module, center: float, scale: float, image_chw: Sequence[int] | None = None):
        super().__init__()
        self.net = net
        self.center, self.scale = float(center), float(scale)
        self.image_chw = None if image_chw is None else tuple(int(s) for s in image_chw)

    @property
    def config(self) -> dict:
        """The inner network's spec and the scaling: ``build(spec_of(module))`` rebuilds it."""
        return {"net": spec_of(self.net), "center": self.center, "scale": self.scale,
                "image_chw": None if self.image_chw is None else list(self.image_chw)}

    @classmethod
    def from_config(cls, cfg: dict) -> ScaledAutoencoder:
        return cls(build(cfg["net"]), cfg["center"], cfg["scale"], cfg.get("image_chw"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = (x - self.center) / self.scale
        if self.image_chw is not None:
            h = h.reshape(x.shape[0], *self.image_chw)
        return self.net(h).reshape(x.shape) * self.scale + self.center

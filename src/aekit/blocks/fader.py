"""The network of :class:`aekit.AttributeEditor` (Fader Networks, with style codes).

It is rebuilt from its spec like every aekit network (:func:`aekit.blocks.build`); configs
saved before style codes existed (no ``style_slots``, ``style_dim``, ``judge_pool``) rebuild
with none.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .layers import ConditionalConvDecoder, ConvClassifier, ConvEncoder, pad_to_multiple
from .registry import register_network

__all__ = ["FaderNetwork"]

# A config's entries that files written before style codes lack: these values mean "none".
_BEFORE_STYLE_CODES = {"style_slots": (), "style_dim": 0, "judge_pool": 1}


@register_network
class FaderNetwork(nn.Module):
    """Encoder, attribute-conditioned decoder, latent discriminator and image attribute classifier.

    With ``condition_dim=0`` the decoder ignores attributes: a plain autoencoder of the same
    architecture (the latent-arithmetic baseline); the discriminator then only watches.

    ``style_slots`` (the condition columns of the binary attributes) and ``style_dim`` give each
    binary attribute a small *style code*: read from the image by the classifier's trunk and seen
    by the decoder multiplied by the attribute's value, so it counts only when the attribute is
    on. Why: to redraw *these* glasses (their shape, their colour) the decoder needs their look
    from somewhere. Without a style code the only place is the latent, and a latent that knows the
    glasses' look knows there are glasses: reconstruction then fights the discriminator, and the
    decoder learns to draw glasses from the latent whatever value it is given. With the code, the
    look travels beside the attribute and the latent has nothing about it worth keeping.

    Examples
    --------
    >>> net = FaderNetwork(3, (8, 16), condition_dim=2, n_logits=2, style_slots=[0, 1], style_dim=4).eval()
    >>> x = torch.rand(2, 3, 20, 24)
    >>> z = net.encode(x)
    >>> style = net.classify(x)[:, net.n_logits:]
    >>> net.decode(z, net.condition(torch.ones(2, 2), style), x.shape[-2:]).shape
    torch.Size([2, 3, 20, 24])
    >>> from aekit.blocks import build, spec_of
    >>> build(spec_of(net)).config == net.config
    True
    """

    def __init__(self, in_channels: int, channels, condition_dim: int, n_logits: int,
                 style_slots=(), style_dim: int = 0, judge_pool: int = 1):
        super().__init__()
        channels = [int(c) for c in channels]
        style_slots = [int(i) for i in style_slots] if style_dim else []
        self.config = dict(in_channels=int(in_channels), channels=channels,
                           condition_dim=int(condition_dim), n_logits=int(n_logits),
                           style_slots=style_slots, style_dim=int(style_dim) if style_slots else 0,
                           judge_pool=int(judge_pool))
        self.n_logits = int(n_logits)
        self.style_slots = style_slots
        self.style_dim = self.config["style_dim"]
        n_style = len(style_slots) * self.style_dim
        # Batch norm, as in Fader Networks: without it this plain ReLU stack (PyTorch's default
        # initialisation shrinks activations layer by layer) stalled at the mean image on MNIST.
        self.encoder = ConvEncoder(in_channels, channels, batch_norm=True)
        self.decoder = ConditionalConvDecoder(in_channels, channels, channels[-1],
                                              condition_dim + n_style if condition_dim else 0,
                                              batch_norm=True)
        self.discriminator = ConvClassifier(channels[-1], (channels[-1],), n_logits, pool=4)
        self.classifier = ConvClassifier(in_channels, channels[:3], n_logits + n_style)
        self.factor = self.encoder.factor
        # counts training steps (saved with the weights, so a resumed run keeps its ramp)
        self.register_buffer("step", torch.zeros((), dtype=torch.int64))

    @classmethod
    def from_config(cls, cfg: dict) -> FaderNetwork:
        """Rebuild from ``config``; one saved before style codes gets none (and a full-size judge)."""
        unknown = set(cfg) - {"in_channels", "channels", "condition_dim", "n_logits", *_BEFORE_STYLE_CODES}
        if unknown:
            raise ValueError(f"a FaderNetwork config has no entries {sorted(unknown)}")
        return cls(**{**_BEFORE_STYLE_CODES, **cfg})

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        x, _ = pad_to_multiple(x, self.factor)
        return self.encoder(x)

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """The attribute logits and, after them, the style codes (``len(style_slots) * style_dim``)."""
        return self.classifier(self.judge_input(x))

    def judge_input(self, x: torch.Tensor) -> torch.Tensor:
        """The classifier's view of an image: averaged over ``judge_pool`` x ``judge_pool`` blocks."""
        k = self.config["judge_pool"]
        if k > 1:
            x, _ = pad_to_multiple(x, k)
            x = F.avg_pool2d(x, k)
        return x

    def condition(self, c: torch.Tensor, style: torch.Tensor | None) -> torch.Tensor:
        """What the decoder sees: the attribute values, then each binary attribute's style code
        times its value (``style`` holds the codes, ``(n, len(style_slots) * style_dim)``)."""
        if not self.style_slots:
            return c
        gates = c[:, self.style_slots].to(style.dtype)
        gated = style.view(len(c), len(self.style_slots), self.style_dim) * gates[:, :, None]
        return torch.cat([c, gated.flatten(1).to(c.dtype)], dim=1)

    def decode(self, z: torch.Tensor, condition: torch.Tensor | None, size) -> torch.Tensor:
        h, w = size
        return self.decoder(z, condition)[..., :h, :w]  # a decoder with condition_dim=0 ignores it

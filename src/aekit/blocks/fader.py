"""The network of :class:`aekit.AttributeEditor` (Fader Networks, with style codes).

It is rebuilt from its spec like every aekit network (:func:`aekit.blocks.build`); configs
saved before style codes existed (no ``style_slots``, ``style_dim``, ``judge_pool``) or before the
context path (no ``context_channels``) rebuild without them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .layers import (
    ConditionalConvDecoder,
    ConvClassifier,
    ConvEncoder,
    _conv_block,
    pad_to_multiple,
)
from .registry import register_network

__all__ = ["FaderNetwork"]

# A config's entries that files written before style codes (or the context path) lack: these
# values mean "none".
_OLDER_DEFAULTS = {"style_slots": (), "style_dim": 0, "judge_pool": 1, "context_channels": 0}


class ContextEncoder(nn.Module):
    """Features of the image with some regions hidden, at each of the decoder's resolutions.

    Its input is the image times ``1 - mask`` and the mask itself, so it never sees what the
    mask hides: the decoder gets the surroundings of an edited region at full resolution (sharp)
    and nothing of the attribute being edited, which it must then draw from the latent and the
    attribute values. Features come fine to coarse: ``width`` maps at full size, ``2 * width`` at
    half size, and so on, ``levels`` in all.
    """

    def __init__(self, in_channels: int, width: int, levels: int):
        super().__init__()
        self.levels = nn.ModuleList()
        c_prev = in_channels + 1
        for i in range(levels):
            c = width * 2**i
            self.levels.append(nn.Sequential(*_conv_block(c_prev, c, 1 if i == 0 else 2, "relu", True),
                                             *_conv_block(c, c, 1, "relu", True)))
            c_prev = c

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> list[torch.Tensor]:
        mask = mask.to(x.dtype)
        h = torch.cat([x * (1 - mask), mask], dim=1)
        out = []
        for level in self.levels:
            h = level(h)
            out.append(h)
        return out


class JudgedMixin:
    """The image attribute classifier's two calls, shared by the editors' networks: they hold a
    ``classifier`` and a ``judge_pool`` entry in their ``config``."""

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


@register_network
class FaderNetwork(JudgedMixin, nn.Module):
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

    ``context_channels`` adds the context path (:class:`ContextEncoder`): the decoder also sees
    the input image with some regions hidden (:meth:`hide`), at every resolution up to the full
    one, like a U-Net's skip connections. Skips that saw the whole image would carry the glasses
    past the latent (AttGAN and STGAN measured that trade-off); these see nothing of the hidden
    regions, so there the decoder still draws from the latent and the attribute values, and
    everywhere else it keeps the input's detail. Why: an 8 x 8 latent alone reconstructs faces
    blurred (about 22 dB), and so does every edit drawn from it.

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
    >>> net = FaderNetwork(3, (8, 16), condition_dim=2, n_logits=2, context_channels=4).eval()
    >>> hidden = torch.zeros(2, 1, 20, 24)
    >>> hidden[:, :, 5:10] = 1  # the decoder must draw rows 5-9 itself
    >>> net.decode(net.encode(x), torch.ones(2, 2), x.shape[-2:], net.hide(x, hidden)).shape
    torch.Size([2, 3, 20, 24])
    """

    def __init__(self, in_channels: int, channels, condition_dim: int, n_logits: int,
                 style_slots=(), style_dim: int = 0, judge_pool: int = 1, context_channels: int = 0):
        super().__init__()
        channels = [int(c) for c in channels]
        style_slots = [int(i) for i in style_slots] if style_dim else []
        self.config = dict(in_channels=int(in_channels), channels=channels,
                           condition_dim=int(condition_dim), n_logits=int(n_logits),
                           style_slots=style_slots, style_dim=int(style_dim) if style_slots else 0,
                           judge_pool=int(judge_pool))
        if context_channels:  # configs written before the context path rebuild without the entry
            self.config["context_channels"] = int(context_channels)
        self.n_logits = int(n_logits)
        self.style_slots = style_slots
        self.style_dim = self.config["style_dim"]
        n_style = len(style_slots) * self.style_dim
        # Batch norm, as in Fader Networks: without it this plain ReLU stack (PyTorch's default
        # initialisation shrinks activations layer by layer) stalled at the mean image on MNIST.
        self.encoder = ConvEncoder(in_channels, channels, batch_norm=True)
        k = int(context_channels)
        # the context path (see ContextEncoder): the hidden image's features beside each decoder stage
        self.context = ContextEncoder(in_channels, k, len(channels)) if k else None
        self.decoder = ConditionalConvDecoder(in_channels, channels, channels[-1],
                                              condition_dim + n_style if condition_dim else 0,
                                              batch_norm=True,
                                              skip_channels=[k * 2**i for i in range(len(channels))] if k else ())
        self.discriminator = ConvClassifier(channels[-1], (channels[-1],), n_logits, pool=4)
        self.classifier = ConvClassifier(in_channels, channels[:3], n_logits + n_style)
        self.factor = self.encoder.factor
        # counts training steps (saved with the weights, so a resumed run keeps its ramp)
        self.register_buffer("step", torch.zeros((), dtype=torch.int64))

    @classmethod
    def from_config(cls, cfg: dict) -> FaderNetwork:
        """Rebuild from ``config``; one saved before style codes gets none (and a full-size judge)."""
        unknown = set(cfg) - {"in_channels", "channels", "condition_dim", "n_logits", *_OLDER_DEFAULTS}
        if unknown:
            raise ValueError(f"a FaderNetwork config has no entries {sorted(unknown)}")
        return cls(**{**_OLDER_DEFAULTS, **cfg})

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        x, _ = pad_to_multiple(x, self.factor)
        return self.encoder(x)

    def condition(self, c: torch.Tensor, style: torch.Tensor | None) -> torch.Tensor:
        """What the decoder sees: the attribute values, then each binary attribute's style code
        times its value (``style`` holds the codes, ``(n, len(style_slots) * style_dim)``)."""
        if not self.style_slots:
            return c
        gates = c[:, self.style_slots].to(style.dtype)
        gated = style.view(len(c), len(self.style_slots), self.style_dim) * gates[:, :, None]
        return torch.cat([c, gated.flatten(1).to(c.dtype)], dim=1)

    def hide(self, x: torch.Tensor, mask: torch.Tensor) -> list[torch.Tensor] | None:
        """The context the decoder gets of ``x`` with ``mask`` (``(n, 1, H, W)``, 1 = hidden)
        hidden; ``None`` for a network without the context path."""
        if self.context is None:
            return None
        x, _ = pad_to_multiple(x, self.factor)
        mask, _ = pad_to_multiple(mask, self.factor)
        return self.context(x, mask)

    def decode(self, z: torch.Tensor, condition: torch.Tensor | None, size, context=None) -> torch.Tensor:
        """The image of latent ``z`` with ``condition``; ``context`` (from :meth:`hide`) is what
        the decoder sees of the input around the hidden regions (a network with the context path
        needs it)."""
        h, w = size
        if self.context is not None and context is None:
            raise ValueError("this FaderNetwork decodes with context: pass hide(x, mask)")
        # a decoder with condition_dim=0 ignores the condition
        return self.decoder(z, condition, context or ())[..., :h, :w]

    def redraw(self, z: torch.Tensor, condition: torch.Tensor, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``x`` with the pixels under ``mask`` (``(n, 1, H, W)``, 1 = redraw) drawn by the
        decoder from ``z`` and ``condition``, seeing ``x`` everywhere else: a network with the
        context path never touches a pixel outside the mask."""
        out = self.decode(z, condition, x.shape[-2:], self.hide(x, mask))
        return x + mask * (out.to(x.dtype) - x)  # exactly x outside the mask

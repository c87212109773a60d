"""The network of :class:`aekit.AttributeEditor` with ``method="mask"``: a full-resolution U-Net
that draws an edit and predicts a soft mask saying where to use it (SaGAN, ECCV 2018), conditioned
on the attribute *difference* (STGAN, CVPR 2019), beside the same image attribute classifier as
:class:`aekit.blocks.FaderNetwork` (the judge, which also reads each binary attribute's style code)
and an optional patch discriminator.

Why a U-Net and a mask: a Fader decoder redraws an attribute's region from an 8 x 8 latent, so
what it redraws is blurred. A U-Net sees every input pixel at full resolution, and the composition
``x + mask * (drawn - x)`` keeps every pixel the mask leaves at 0 exactly as it was.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .fader import JudgedMixin
from .layers import ConvClassifier, pad_to_multiple
from .registry import register_network

__all__ = ["MaskEditNetwork"]


def _block(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, 1), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2, True))


def _patch_discriminator(in_channels: int) -> nn.Sequential:
    """Three strided 4 x 4 convolutions, then one logit per patch (pix2pix's PatchGAN, smaller)."""
    return nn.Sequential(nn.Conv2d(in_channels, 32, 4, 2, 1), nn.LeakyReLU(0.2, True),
                         nn.Conv2d(32, 64, 4, 2, 1), nn.LeakyReLU(0.2, True),
                         nn.Conv2d(64, 128, 4, 2, 1), nn.LeakyReLU(0.2, True),
                         nn.Conv2d(128, 1, 3, 1, 1))


@register_network
class MaskEditNetwork(JudgedMixin, nn.Module):
    """U-Net editor with a predicted mask, image attribute classifier and patch discriminator.

    The U-Net's encoder has a full-resolution stage of ``channels[0]`` features, then one strided
    stage per entry of ``channels`` and one more of ``channels[-1]`` (a bottleneck at
    ``H / 2**len(channels)``); the decoder comes back up with a skip connection at every scale. The
    condition (:meth:`condition`: the attribute difference, the target values and the target style
    codes) is broadcast beside the features at the bottleneck and at every scale but the full one,
    where the decoder only joins what it drew to the input's detail.

    ``condition_dim`` is the width of the attribute vector, ``n_logits`` the classifier's
    attribute logits, ``style_slots`` the condition columns of the binary attributes (each with a
    ``style_dim`` code, read by the classifier after its logits), ``judge_pool`` the block size
    the classifier averages an image over before it reads it.

    Examples
    --------
    >>> net = MaskEditNetwork(3, (8, 16), condition_dim=2, n_logits=2, style_slots=[0, 1], style_dim=4).eval()
    >>> x = torch.rand(2, 3, 20, 24)
    >>> style = net.classify(x)[:, net.n_logits:]
    >>> cond = net.condition(torch.zeros(2, 2), torch.tensor([[1.0, 0.0], [0.0, 1.0]]), style)
    >>> edited, mask = net.edit(x, cond)
    >>> edited.shape, mask.shape
    (torch.Size([2, 3, 20, 24]), torch.Size([2, 1, 20, 24]))
    >>> region = torch.zeros(2, 1, 20, 24)
    >>> bool((net.edit(x, cond, region)[0] == x).all())  # nothing outside the region changes
    True
    >>> from aekit.blocks import build, spec_of
    >>> build(spec_of(net)).config == net.config
    True
    """

    def __init__(self, in_channels: int, channels, condition_dim: int, n_logits: int, style_slots=(),
                 style_dim: int = 0, judge_pool: int = 1, patch_discriminator: bool = True):
        super().__init__()
        channels = [int(c) for c in channels]
        if not channels or min(channels) < 1:
            raise ValueError(f"channels must be positive integers, got {channels}")
        style_slots = [int(i) for i in style_slots] if style_dim else []
        self.config = dict(in_channels=int(in_channels), channels=channels, condition_dim=int(condition_dim),
                           n_logits=int(n_logits), style_slots=style_slots,
                           style_dim=int(style_dim) if style_slots else 0, judge_pool=int(judge_pool),
                           patch_discriminator=bool(patch_discriminator))
        self.n_logits = int(n_logits)
        self.style_slots = style_slots
        self.style_dim = self.config["style_dim"]
        n_style = len(style_slots) * self.style_dim
        cond = 2 * int(condition_dim) + n_style
        levels = [*channels, channels[-1]]
        self.factor = 2 ** len(channels)
        self.inp = _block(in_channels, levels[0])
        self.down = nn.ModuleList(_block(levels[i], levels[i + 1], 2) for i in range(len(channels)))
        self.middle = nn.Sequential(_block(levels[-1] + cond, levels[-1]), _block(levels[-1], levels[-1]))
        # up[i] joins the upsampled features to the skip at scale i (0 = full resolution)
        self.up = nn.ModuleList(_block(levels[i + 1] + levels[i] + (cond if i else 0), levels[i])
                                for i in range(len(channels)))
        self.out = nn.Conv2d(levels[0], in_channels + 1, 3, 1, 1)  # drawn image, then the mask's logit
        self.classifier = ConvClassifier(in_channels, channels[:3], n_logits + n_style)
        self.discriminator = _patch_discriminator(in_channels) if patch_discriminator else None
        # counts training steps (saved with the weights, so a resumed run keeps its ramp)
        self.register_buffer("step", torch.zeros((), dtype=torch.int64))

    def condition(self, current: torch.Tensor, target: torch.Tensor, style: torch.Tensor | None) -> torch.Tensor:
        """What the U-Net sees of an edit from attributes ``current`` to ``target``: their
        difference (what to change), the target values, and each binary attribute's style code
        (``style``, ``(n, len(style_slots) * style_dim)``) times its target value."""
        parts = [target - current, target]
        if self.style_slots:
            gates = target[:, self.style_slots].to(style.dtype)
            parts.append((style.view(len(target), len(self.style_slots), self.style_dim)
                          * gates[:, :, None]).flatten(1).to(target.dtype))
        return torch.cat(parts, dim=1)

    def _features(self, x: torch.Tensor) -> list[torch.Tensor]:
        feats = [self.inp(x)]
        for stage in self.down:
            feats.append(stage(feats[-1]))
        return feats

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The bottleneck features, ``(n, channels[-1], H / factor, W / factor)``."""
        x, _ = pad_to_multiple(x, self.factor)
        return self._features(x)[-1]

    def edit(self, x: torch.Tensor, condition: torch.Tensor, region: torch.Tensor | None = None):
        """``(edited, mask)``: ``x + mask * (drawn - x)``, with the mask (``(n, 1, H, W)`` in [0, 1])
        multiplied by ``region`` when given (1 = may change): exactly ``x`` where it is 0."""
        (h, w) = x.shape[-2:]
        xp, _ = pad_to_multiple(x, self.factor)

        def with_condition(f):
            return torch.cat([f, condition[:, :, None, None].expand(-1, -1, *f.shape[-2:]).to(f.dtype)], dim=1)

        feats = self._features(xp)
        f = self.middle(with_condition(feats[-1]))
        for i in reversed(range(len(self.up))):
            f = torch.cat([F.interpolate(f, scale_factor=2, mode="nearest"), feats[i]], dim=1)
            f = self.up[i](with_condition(f) if i else f)
        o = self.out(f).float()[..., :h, :w]
        c = x.shape[1]
        drawn, mask = torch.sigmoid(o[:, :c]), torch.sigmoid(o[:, c:])
        if region is not None:
            mask = mask * region.to(mask.dtype)
        return x + mask.to(x.dtype) * (drawn.to(x.dtype) - x), mask

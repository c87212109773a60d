"""The layers every aekit network is made of (re-exported by :mod:`aekit.blocks`)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .registry import build, register_network, spec_of

__all__ = [
    "ACTIVATIONS",
    "Autoencoder",
    "ConditionalConvDecoder",
    "ConvClassifier",
    "ConvDecoder",
    "ConvEncoder",
    "DenseDecoder",
    "DenseEncoder",
    "ImageEncoder",
    "UNet",
    "build_module",
    "dense_weight_count",
    "make_activation",
    "pad_to_multiple",
]

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "elu": nn.ELU,
    "selu": nn.SELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "identity": nn.Identity,
    None: nn.Identity,
}


def make_activation(name: str | None) -> nn.Module:
    """Return a fresh activation module by name (see ``ACTIVATIONS``)."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        names = ", ".join(repr(k) for k in ACTIVATIONS if k is not None)
        raise ValueError(f"Unknown activation {name!r}; choose one of {names}.") from None


def _check_sizes(name: str, sizes: Sequence[int]) -> list[int]:
    sizes = [int(s) for s in sizes]
    if any(s < 1 for s in sizes):
        raise ValueError(f"{name} must be positive integers, got {sizes}.")
    return sizes


def dense_weight_count(sizes: Sequence[int]) -> int:
    """Weights and biases of the dense layers ``sizes[0] -> sizes[1] -> ...``."""
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


class _DenseChain(nn.Module):
    """``Linear`` layers through ``sizes``; activation (+ batch norm, dropout) between layers."""

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "relu",
        batch_norm: bool = False,
        dropout: float = 0.0,
        output_activation: str | None = None,
    ):
        super().__init__()
        sizes = _check_sizes("layer sizes", sizes)
        if len(sizes) < 2:
            raise ValueError(f"A dense chain needs at least an input and an output size, got {sizes}.")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}.")
        self.config = dict(
            sizes=sizes,
            activation=activation,
            batch_norm=bool(batch_norm),
            dropout=float(dropout),
            output_activation=output_activation,
        )
        layers: list[nn.Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(n_in, n_out))
            if i < len(sizes) - 2:  # hidden layer
                if batch_norm:
                    layers.append(nn.BatchNorm1d(n_out))
                layers.append(make_activation(activation))
                if dropout:
                    layers.append(nn.Dropout(dropout))
        layers.append(make_activation(output_activation))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


@register_network
class DenseEncoder(_DenseChain):
    """A dense encoder: ``n_features`` -> ``hidden_layer_sizes`` -> ``n_components``.

    Examples
    --------
    >>> enc = DenseEncoder(784, (100, 50), 20)
    >>> enc(torch.zeros(3, 784)).shape
    torch.Size([3, 20])
    """

    def __init__(
        self,
        n_features: int,
        hidden_layer_sizes: Sequence[int] = (100, 50),
        n_components: int = 20,
        activation: str = "relu",
        batch_norm: bool = False,
        dropout: float = 0.0,
    ):
        super().__init__(
            [n_features, *hidden_layer_sizes, n_components], activation, batch_norm, dropout
        )

    @classmethod
    def from_config(cls, cfg: dict) -> DenseEncoder:
        sizes = cfg["sizes"]
        return cls(sizes[0], sizes[1:-1], sizes[-1], cfg["activation"], cfg["batch_norm"], cfg["dropout"])


@register_network
class DenseDecoder(_DenseChain):
    """The mirror of :class:`DenseEncoder`: ``n_components -> reversed(hidden) -> n_features``.

    ``hidden_layer_sizes`` are given in the *encoder's* order, so the same tuple builds both halves.
    """

    def __init__(
        self,
        n_components: int,
        hidden_layer_sizes: Sequence[int] = (100, 50),
        n_features: int = 784,
        activation: str = "relu",
        batch_norm: bool = False,
        dropout: float = 0.0,
        output_activation: str | None = None,
    ):
        super().__init__(
            [n_components, *reversed(list(hidden_layer_sizes)), n_features],
            activation,
            batch_norm,
            0.0 if dropout is None else dropout,
            output_activation,
        )

    @classmethod
    def from_config(cls, cfg: dict) -> DenseDecoder:
        sizes = cfg["sizes"]
        return cls(sizes[0], list(reversed(sizes[1:-1])), sizes[-1], cfg["activation"], cfg["batch_norm"],
                   cfg["dropout"], cfg["output_activation"])


def _conv_block(c_in, c_out, stride, activation, batch_norm):
    layers = [nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(c_out))
    layers.append(make_activation(activation))
    return layers


@register_network
class ConvEncoder(nn.Module):
    """Strided 3x3 convolutions; each stage halves H and W.

    With ``latent_dim=None`` the encoder is fully convolutional and accepts any ``H x W``
    (:class:`Autoencoder` pads to a multiple of ``2**len(channels)`` and crops back). With
    ``latent_dim`` set, ``input_size=(H, W)`` is required and the feature map is flattened into
    a latent vector.
    """

    def __init__(
        self,
        in_channels: int = 1,
        channels: Sequence[int] = (32, 64, 128),
        latent_dim: int | None = None,
        input_size: Sequence[int] | None = None,
        activation: str = "relu",
        batch_norm: bool = False,
    ):
        super().__init__()
        channels = _check_sizes("channels", channels)
        if latent_dim is not None and input_size is None:
            raise ValueError("A dense latent (latent_dim) needs input_size=(H, W).")
        self.config = dict(
            in_channels=int(in_channels),
            channels=channels,
            latent_dim=latent_dim,
            input_size=None if input_size is None else [int(s) for s in input_size],
            activation=activation,
            batch_norm=bool(batch_norm),
        )
        layers: list[nn.Module] = []
        c_prev = in_channels
        for c in channels:
            layers += _conv_block(c_prev, c, 2, activation, batch_norm)
            layers += _conv_block(c, c, 1, activation, batch_norm)
            c_prev = c
        self.features = nn.Sequential(*layers)
        self.factor = 2 ** len(channels)
        if latent_dim is not None:
            h, w = (_ceil_to(s, self.factor) // self.factor for s in input_size)
            self.feature_shape = (channels[-1], h, w)
            self.to_latent = nn.Linear(channels[-1] * h * w, latent_dim)
        else:
            self.to_latent = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.features(x)
        return z if self.to_latent is None else self.to_latent(z.flatten(1))


@register_network
class ConvDecoder(nn.Module):
    """The mirror of :class:`ConvEncoder`: each stage doubles H and W (nearest upsampling + conv,
    which avoids the checkerboard artefacts of transposed convolutions)."""

    def __init__(
        self,
        out_channels: int = 1,
        channels: Sequence[int] = (32, 64, 128),
        latent_dim: int | None = None,
        input_size: Sequence[int] | None = None,
        activation: str = "relu",
        batch_norm: bool = False,
        output_activation: str | None = None,
        extra_inputs: int = 0,
    ):
        super().__init__()
        channels = _check_sizes("channels", channels)
        if latent_dim is not None and input_size is None:
            raise ValueError("A dense latent (latent_dim) needs input_size=(H, W).")
        self.config = dict(
            out_channels=int(out_channels),
            channels=channels,
            latent_dim=latent_dim,
            input_size=None if input_size is None else [int(s) for s in input_size],
            activation=activation,
            batch_norm=bool(batch_norm),
            output_activation=output_activation,
            extra_inputs=int(extra_inputs),
        )
        factor = 2 ** len(channels)
        rev = list(reversed(channels))
        if latent_dim is not None:
            h, w = (_ceil_to(s, factor) // factor for s in input_size)
            self.feature_shape = (rev[0], h, w)
            self.from_latent = nn.Linear(latent_dim + extra_inputs, rev[0] * h * w)
        else:
            self.from_latent = None
        layers: list[nn.Module] = []
        c_prev = rev[0]
        for c in rev[1:] + [rev[-1]]:
            layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
            layers += _conv_block(c_prev, c, 1, activation, batch_norm)
            layers += _conv_block(c, c, 1, activation, batch_norm)
            c_prev = c
        layers.append(nn.Conv2d(c_prev, out_channels, 3, padding=1))
        layers.append(make_activation(output_activation))
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if self.from_latent is None:
            return self.net(z)
        z = self.from_latent(z).view(z.shape[0], *self.feature_shape)
        h, w = self.config["input_size"]
        return self.net(z)[..., :h, :w]  # the feature grid was rounded up; crop back


def _ceil_to(n: int, m: int) -> int:
    return -(-int(n) // m) * m


def pad_to_multiple(x: torch.Tensor, factor: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """Pad ``x`` at the bottom and right to a multiple of ``factor``; also return its ``(H, W)``."""
    h, w = x.shape[-2:]
    ph, pw = _ceil_to(h, factor) - h, _ceil_to(w, factor) - w
    if ph or pw:
        # reflect needs pad < size; replicate works for any size
        mode = "reflect" if ph < h and pw < w else "replicate"
        x = F.pad(x, (0, pw, 0, ph), mode=mode)
    return x, (h, w)


@register_network
class ImageEncoder(nn.Module):
    """Rows of flattened images -> codes: strided 3x3 convolutions, then dense layers.

    The rows hold ``image_shape`` images flattened as numpy does (``(H, W)``, or ``(H, W, C)``
    with the channels last), which is how image data arrives in a table; each convolution halves
    H and W. A convolution sees the same stroke wherever it is drawn, so held-out images land
    nearer their places than through dense layers alone (see :class:`aekit.AutoencoderReducer`'s
    ``encoder``).

    Examples
    --------
    >>> enc = ImageEncoder((28, 28), (16, 32), (32,), 2)
    >>> enc(torch.zeros(3, 784)).shape
    torch.Size([3, 2])
    """

    def __init__(
        self,
        image_shape: Sequence[int],
        channels: Sequence[int] = (16, 32),
        hidden_layer_sizes: Sequence[int] = (256,),
        n_components: int = 2,
        activation: str = "relu",
    ):
        super().__init__()
        shape = _check_sizes("image_shape", image_shape)
        if len(shape) not in (2, 3):
            raise ValueError(f"image_shape must be (H, W) or (H, W, C), got {tuple(shape)}.")
        channels = _check_sizes("channels", channels)
        self.config = dict(image_shape=shape, channels=channels,
                           hidden_layer_sizes=[int(s) for s in hidden_layer_sizes],
                           n_components=int(n_components), activation=activation)
        self.shape = (*shape, 1) if len(shape) == 2 else tuple(shape)
        h, w, c_prev = self.shape
        layers: list[nn.Module] = []
        for c in channels:
            layers += _conv_block(c_prev, c, 2, activation, batch_norm=False)
            c_prev, h, w = c, (h + 1) // 2, (w + 1) // 2
        self.features = nn.Sequential(*layers)
        self.head = DenseEncoder(c_prev * h * w, hidden_layer_sizes, n_components, activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w, c = self.shape
        images = x.reshape(-1, h, w, c).permute(0, 3, 1, 2)
        return self.head(self.features(images).flatten(1))


@register_network
class UNet(nn.Module):
    """A fully convolutional encoder-decoder with skip connections, for images of any ``H x W``.

    The encoder halves the resolution at each level (``channels[i]`` features at level ``i``),
    the decoder doubles it back and adds the encoder's features of the same level (the skip
    connections carry the fine detail the bottleneck cannot). Inputs are padded (reflect) to a
    multiple of ``2 ** (len(channels) - 1)`` and the output is cropped back.

    Parameters
    ----------
    in_channels : int
        Image channels (1 for grayscale).
    channels : sequence of int
        Features per level, fine to coarse.
    blocks_per_level : int
        3x3 convolutions (each followed by ReLU) at every level, on each side.
    condition_channels : int
        Extra input maps concatenated to the image (e.g. a noise-level map); not predicted.
    residual : bool
        Predict the *difference* to the input and return ``x - difference``. For denoising the
        difference is the noise, which is easier to learn than the image (DnCNN's observation).

    Examples
    --------
    >>> net = UNet(in_channels=1, channels=(8, 16, 32), condition_channels=1)
    >>> x, sigma = torch.rand(2, 1, 37, 50), torch.full((2, 1, 37, 50), 0.1)
    >>> net(x, sigma).shape
    torch.Size([2, 1, 37, 50])
    """

    def __init__(self, in_channels: int = 1, channels: Sequence[int] = (24, 48, 96, 192),
                 blocks_per_level: int = 2, condition_channels: int = 0, residual: bool = True):
        super().__init__()
        channels = _check_sizes("channels", channels)
        if blocks_per_level < 1:
            raise ValueError(f"blocks_per_level must be >= 1, got {blocks_per_level}.")
        self.config = dict(in_channels=int(in_channels), channels=channels,
                           blocks_per_level=int(blocks_per_level),
                           condition_channels=int(condition_channels), residual=bool(residual))
        self.factor = 2 ** (len(channels) - 1)

        def convs(c_in, c_out):
            layers = []
            for i in range(blocks_per_level):
                layers += [nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1), nn.ReLU(inplace=True)]
            return nn.Sequential(*layers)

        self.inc = convs(in_channels + condition_channels, channels[0])
        # 2x2 stride-2 convolutions down and transposed ones up: learned resampling that never
        # overlaps, so there are no checkerboard artefacts and the cost stays low.
        self.down = nn.ModuleList(nn.Conv2d(a, b, 2, stride=2) for a, b in zip(channels, channels[1:]))
        self.enc = nn.ModuleList(convs(b, b) for b in channels[1:])
        self.up = nn.ModuleList(nn.ConvTranspose2d(b, a, 2, stride=2)
                                for a, b in reversed(list(zip(channels, channels[1:]))))
        self.dec = nn.ModuleList(convs(a, a) for a in reversed(channels[:-1]))
        self.out = nn.Conv2d(channels[0], in_channels, 3, padding=1)

    def forward(self, x: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        inp = x if condition is None else torch.cat([x, condition.to(x.dtype)], dim=1)
        inp, (h, w) = pad_to_multiple(inp, self.factor)
        feat = self.inc(inp)
        skips = [feat]
        for down, enc in zip(self.down, self.enc):
            feat = enc(down(feat))
            skips.append(feat)
        skips.pop()  # the coarsest level is `feat` itself
        for up, dec in zip(self.up, self.dec):
            feat = dec(up(feat) + skips.pop())
        out = self.out(feat)[..., :h, :w]
        return x - out if self.config["residual"] else out


@register_network
class ConditionalConvDecoder(nn.Module):
    """Decode a spatial latent ``(latent_channels, h, w)`` into an image, given a condition vector.

    The condition (attribute values, one-hot classes) is broadcast to constant feature maps and
    concatenated to the input of *every* stage, not only the first: Fader Networks found that a
    decoder which sees the attributes at each resolution obeys them far more reliably than one
    that must carry them up from the bottleneck. Each stage doubles H and W (nearest upsampling +
    3x3 convolutions).

    Examples
    --------
    >>> dec = ConditionalConvDecoder(out_channels=3, channels=(16, 32), latent_channels=32,
    ...                              condition_dim=4)
    >>> dec(torch.rand(2, 32, 4, 4), torch.rand(2, 4)).shape
    torch.Size([2, 3, 16, 16])

    With features of each output resolution beside it (fine to coarse):

    >>> dec = ConditionalConvDecoder(3, (16, 32), latent_channels=32, condition_dim=4, skip_channels=(8, 12))
    >>> dec(torch.rand(2, 32, 4, 4), torch.rand(2, 4), [torch.rand(2, 8, 16, 16), torch.rand(2, 12, 8, 8)]).shape
    torch.Size([2, 3, 16, 16])
    """

    def __init__(self, out_channels: int = 3, channels: Sequence[int] = (32, 64, 128, 256),
                 latent_channels: int = 256, condition_dim: int = 0, activation: str = "relu",
                 batch_norm: bool = False, output_activation: str | None = None,
                 skip_channels: Sequence[int] = ()):
        super().__init__()
        channels = _check_sizes("channels", channels)
        skip_channels = [int(c) for c in skip_channels]
        if skip_channels and len(skip_channels) != len(channels):
            raise ValueError(f"skip_channels needs one entry per output resolution ({len(channels)}), "
                             f"got {len(skip_channels)}")
        self.config = dict(out_channels=int(out_channels), channels=channels,
                           latent_channels=int(latent_channels), condition_dim=int(condition_dim),
                           activation=activation, batch_norm=bool(batch_norm),
                           output_activation=output_activation)
        if skip_channels:  # configs written before skips rebuild without the entry
            self.config["skip_channels"] = skip_channels
        # The mirror of ConvEncoder's channel plan, one level finer at each stage (8x8 gets the
        # features the encoder had at 8x8). The last doubling is a sub-pixel convolution (a conv
        # to 4x the output channels at half resolution, then PixelShuffle): on the CPU a stage at
        # full resolution cost more than all the others together, and this one costs a quarter.
        # With ``skip_channels`` (fine to coarse: ``skip_channels[0]`` at full size, the next at
        # half size, ...) each stage also takes the features of its own output resolution, and
        # the sub-pixel convolution makes ``channels[0] // 2`` maps that two full-resolution
        # convolutions turn into the image beside the full-size skip: detail the skip holds is
        # then drawn at full resolution instead of through a 2 x 2 sub-pixel grid.
        rev = list(reversed(channels))
        skips = list(reversed(skip_channels[1:])) if skip_channels else [0] * (len(rev) - 1)
        self.stages = nn.ModuleList()
        c_prev = int(latent_channels)
        for c, c_skip in zip(rev[1:], skips):
            self.stages.append(nn.Sequential(
                nn.Upsample(scale_factor=2, mode="nearest"),
                *_conv_block(c_prev + condition_dim + c_skip, c, 1, activation, batch_norm),
                *_conv_block(c, c, 1, activation, batch_norm),
            ))
            c_prev = c
        if not skip_channels:
            self.out = nn.Sequential(nn.Conv2d(c_prev + condition_dim, 4 * out_channels, 3, padding=1),
                                     nn.PixelShuffle(2), make_activation(output_activation))
        else:
            hidden = max(8, channels[0] // 2)
            self.up = nn.Sequential(nn.Conv2d(c_prev + condition_dim, 4 * hidden, 3, padding=1),
                                    nn.PixelShuffle(2), make_activation(activation))
            self.out = nn.Sequential(*_conv_block(hidden + skip_channels[0], channels[0], 1, activation, False),
                                     nn.Conv2d(channels[0], out_channels, 3, padding=1),
                                     make_activation(output_activation))

    def forward(self, z: torch.Tensor, condition: torch.Tensor | None = None,
                skips: Sequence[torch.Tensor] = ()) -> torch.Tensor:
        """``skips``: with ``skip_channels``, one feature map per output resolution, fine to coarse
        (the full-size one first, as :class:`ConvEncoder`'s stages make them)."""
        def with_condition(h):
            if condition is None or self.config["condition_dim"] == 0:
                return h
            maps = condition.to(h.dtype)[:, :, None, None].expand(-1, -1, *h.shape[-2:])
            return torch.cat([h, maps], dim=1)

        coarse_first = list(reversed(skips))
        h = z
        for i, stage in enumerate(self.stages):
            if not coarse_first:
                h = stage(with_condition(h))
                continue
            h = stage[0](with_condition(h))  # upsample, then meet the skip of that size
            h = stage[1:](torch.cat([h, coarse_first[i].to(h.dtype)], dim=1))
        if not coarse_first:
            return self.out(with_condition(h))
        h = self.up(with_condition(h))
        return self.out(torch.cat([h, coarse_first[-1].to(h.dtype)], dim=1))


@register_network
class ConvClassifier(nn.Module):
    """Strided 3x3 convolutions, average pooling to a ``pool x pool`` grid, then a dense head with
    ``n_outputs`` logits.

    Used as Fader Networks' latent discriminator (on the encoder's feature maps) and as an image
    attribute classifier. The pooled grid keeps *where* a feature is: on 64 x 64 faces, global
    average pooling left smiling and glasses near chance after 3 epochs, a 4 x 4 grid got 0.88
    and 0.94. Dropout in the head keeps a discriminator from memorising the batch.

    Examples
    --------
    >>> ConvClassifier(in_channels=3, channels=(8, 16), n_outputs=5)(torch.rand(2, 3, 32, 32)).shape
    torch.Size([2, 5])
    """

    def __init__(self, in_channels: int = 3, channels: Sequence[int] = (32, 64), n_outputs: int = 1,
                 hidden: int = 256, dropout: float = 0.3, stride: int = 2, batch_norm: bool = True,
                 pool: int = 4):
        super().__init__()
        channels = _check_sizes("channels", channels)
        self.config = dict(in_channels=int(in_channels), channels=channels, n_outputs=int(n_outputs),
                           hidden=int(hidden), dropout=float(dropout), stride=int(stride),
                           batch_norm=bool(batch_norm), pool=int(pool))
        layers: list[nn.Module] = []
        c_prev = in_channels
        for c in channels:
            # batch norm: without it, these few strided layers learned glasses from 64 x 64 faces no
            # better than chance in 8 epochs (PyTorch's default init shrinks the signal each layer)
            layers += _conv_block(c_prev, c, stride, "leaky_relu", batch_norm)
            c_prev = c
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(pool), nn.Flatten())
        self.head = nn.Sequential(nn.Linear(c_prev * pool * pool, hidden), nn.LeakyReLU(0.2),
                                  nn.Dropout(dropout), nn.Linear(hidden, n_outputs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


_BLOCKS = ("DenseEncoder", "DenseDecoder", "ConvEncoder", "ConvDecoder", "ImageEncoder", "UNet",
           "ConditionalConvDecoder", "ConvClassifier")


def build_module(spec: dict) -> nn.Module:
    """Rebuild a block from ``{"type": name, "config": {...}}`` (the inverse of ``spec_of``).

    Only the blocks of this module can be built; :func:`aekit.blocks.build` also builds whole
    networks (an :class:`Autoencoder`, the tools' own networks).
    """
    if not isinstance(spec, dict) or spec.get("type") not in _BLOCKS:
        kind = spec.get("type") if isinstance(spec, dict) else spec
        raise ValueError(f"Unknown block type {kind!r}; known: {sorted(_BLOCKS)}.")
    return build(spec)


@register_network
class Autoencoder(nn.Module):
    """An encoder and a decoder: ``forward(x) == decode(encode(x))``.

    Convolutional autoencoders accept any ``H x W``: the input is padded (reflect) to a multiple
    of the encoder's downsampling factor and the output is cropped back.

    Examples
    --------
    >>> ae = Autoencoder.dense(784, (100, 50), 20)
    >>> x = torch.rand(4, 784)
    >>> ae.encode(x).shape, ae(x).shape
    (torch.Size([4, 20]), torch.Size([4, 784]))
    >>> conv = Autoencoder.conv(in_channels=3, channels=(8, 16))
    >>> conv(torch.rand(2, 3, 37, 50)).shape
    torch.Size([2, 3, 37, 50])
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.factor = getattr(encoder, "factor", 1)
        self._fully_conv = isinstance(encoder, ConvEncoder) and encoder.to_latent is None

    @classmethod
    def dense(
        cls,
        n_features: int,
        hidden_layer_sizes: Sequence[int] = (100, 50),
        n_components: int = 20,
        activation: str = "relu",
        batch_norm: bool = False,
        dropout: float = 0.0,
        output_activation: str | None = None,
    ) -> Autoencoder:
        """The classic dense autoencoder, the decoder mirroring the encoder."""
        return cls(
            DenseEncoder(n_features, hidden_layer_sizes, n_components, activation, batch_norm, dropout),
            DenseDecoder(
                n_components, hidden_layer_sizes, n_features, activation, batch_norm, dropout,
                output_activation,
            ),
        )

    @classmethod
    def conv(
        cls,
        in_channels: int = 1,
        channels: Sequence[int] = (32, 64, 128),
        latent_dim: int | None = None,
        input_size: Sequence[int] | None = None,
        activation: str = "relu",
        batch_norm: bool = False,
        output_activation: str | None = None,
    ) -> Autoencoder:
        """A convolutional autoencoder for ``in_channels x H x W`` images."""
        return cls(
            ConvEncoder(in_channels, channels, latent_dim, input_size, activation, batch_norm),
            ConvDecoder(
                in_channels, channels, latent_dim, input_size, activation, batch_norm,
                output_activation,
            ),
        )

    @property
    def config(self) -> dict:
        """The specs of the two halves: ``build(spec_of(autoencoder))`` rebuilds it."""
        return {"encoder": spec_of(self.encoder), "decoder": spec_of(self.decoder)}

    @classmethod
    def from_config(cls, cfg: dict) -> Autoencoder:
        return cls(build_module(cfg["encoder"]), build_module(cfg["decoder"]))

    @property
    def spec(self) -> dict:
        """JSON-able architecture (model files before aekit's network registry stored this)."""
        return self.config

    @classmethod
    def from_spec(cls, spec: dict) -> Autoencoder:
        """Rebuild from :attr:`spec`, or from a registry spec ``{"type": "Autoencoder", ...}``."""
        return build(spec) if "type" in spec else cls.from_config(spec)

    def _pad(self, x):
        return pad_to_multiple(x, self.factor)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        if self._fully_conv:
            x, _ = self._pad(x)
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self._fully_conv:
            x, (h, w) = self._pad(x)
            return self.decoder(self.encoder(x))[..., :h, :w]
        return self.decoder(self.encoder(x))

"""Every network aekit trains, in one place, each rebuilt from a JSON spec through one registry.

Everything here is a plain ``torch.nn.Module`` with a JSON-able ``config``; :func:`build` rebuilds
any registered network from ``{"type": name, "config": config}`` (:func:`spec_of`), which is what
lets model files be safetensors + JSON and never pickle, and what the model-file size guard
(:func:`check_spec_against_weights`) walks before anything is allocated.

Layers (:mod:`aekit.blocks.layers`):

- :class:`DenseEncoder` / :class:`DenseDecoder`: a chain of ``Linear`` layers, e.g. the classic
  ``784 -> 100 -> 50 -> 20`` and back, with a choice of activation, batch norm and dropout.
- :class:`ConvEncoder` / :class:`ConvDecoder`: strided convolutions for ``C x H x W`` images of any
  size, optionally squeezed through a dense latent vector.
- :class:`ImageEncoder`: strided convolutions then dense layers, for rows of flattened images.
- :class:`Autoencoder`: an encoder and a decoder with ``encode``, ``decode`` and ``forward``.
- :class:`UNet`: a fully convolutional encoder-decoder with skip connections for images of any
  size, optionally predicting the residual (``x - noise``) and conditioned on extra input maps.
- :class:`ConditionalConvDecoder`: a convolutional decoder that also sees a condition vector
  (attributes) at every stage, as Fader Networks' decoder does.
- :class:`ConvClassifier`: a small convolutional classifier, for latent feature maps (a latent
  discriminator) or for images.

Front end (:mod:`aekit.blocks.frontend`):

- :class:`PCAFrontEnd`: a dense autoencoder that works in a frozen PCA basis of its input
  (:func:`fit_pca_basis`, :func:`choose_n_basis`), starts as PCA and trains only upwards from it.

Editor (:mod:`aekit.blocks.mask_edit`):

- :class:`MaskEditNetwork`: a full-resolution U-Net editor that predicts where to draw (a soft
  mask), with an attribute classifier and a patch discriminator (``AttributeEditor(method="mask")``).

The tools' own networks live beside them in this package and are registered the same way.
"""

from .fader import FaderNetwork
from .frontend import PCAFrontEnd, choose_n_basis, fit_front_end_basis, fit_pca_basis
from .layers import (
    ACTIVATIONS,
    Autoencoder,
    ConditionalConvDecoder,
    ConvClassifier,
    ConvDecoder,
    ConvEncoder,
    DenseDecoder,
    DenseEncoder,
    ImageEncoder,
    UNet,
    build_module,
    dense_weight_count,
    make_activation,
    pad_to_multiple,
)
from .mask_edit import MaskEditNetwork
from .registry import (
    build,
    check_spec_against_weights,
    count_weights,
    register_network,
    registered_networks,
    spec_of,
)
from .scaled import ScaledAutoencoder
from .text import EmbeddingNet, TextAENet

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
    "EmbeddingNet",
    "FaderNetwork",
    "MaskEditNetwork",
    "PCAFrontEnd",
    "ScaledAutoencoder",
    "TextAENet",
    "UNet",
    "build",
    "build_module",
    "check_spec_against_weights",
    "choose_n_basis",
    "count_weights",
    "dense_weight_count",
    "fit_front_end_basis",
    "fit_pca_basis",
    "make_activation",
    "pad_to_multiple",
    "register_network",
    "registered_networks",
    "spec_of",
]

"""aekit: practical autoencoders.

- :class:`AutoencoderReducer` -- non-linear dimensionality reduction, a drop-in for PCA.
- :func:`load` / ``model.save(path)`` -- model files as safetensors + JSON, never pickle.
- :class:`AttributeEditor` -- edit image attributes through the latent space (Fader Networks);
  :class:`Translator` -- paired image-to-image translation.
- :class:`aekit.text.EmbeddingClassifier` -- word embeddings learned by classifying texts, with
  Keras-2-compatible text preprocessing in :mod:`aekit.text`.
- :class:`aekit.text.TextAutoencoder` -- document embeddings and word vectors learned without labels.
- :class:`OutlierDetector` -- anomaly detection (scikit-learn's outlier API, PyOD's attributes).
- :mod:`aekit.datasets` -- MNIST, Fashion-MNIST, movie reviews, digits and the swiss roll, offline.
- :mod:`aekit.training` -- the one training loop every tool shares.
"""

from . import datasets, metrics, noise, text, translate
from ._version import __version__
from .denoise import Denoiser, DenoisingAutoencoder
from .outliers import OutlierDetector
from .reduce import AutoencoderReducer
from .serialization import load, save
from .text import EmbeddingClassifier, TextAutoencoder
from .translate import AttributeEditor, Translator

__all__ = [
    "AttributeEditor",
    "AutoencoderReducer",
    "Denoiser",
    "DenoisingAutoencoder",
    "EmbeddingClassifier",
    "OutlierDetector",
    "TextAutoencoder",
    "Translator",
    "__version__",
    "datasets",
    "load",
    "metrics",
    "noise",
    "save",
    "text",
    "translate",
]

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

import importlib

from ._version import __version__

# The tools are imported on first use (PEP 562), so that ``import aekit`` and the CLI's start do
# not pay for every tool's imports; ``from aekit import AutoencoderReducer`` works as before.
_WHERE = {
    "AttributeEditor": "translate", "Translator": "translate",
    "AutoencoderReducer": "reduce",
    "Denoiser": "denoise", "DenoisingAutoencoder": "denoise",
    "EmbeddingClassifier": "text", "TextAutoencoder": "text",
    "OutlierDetector": "outliers",
    "load": "serialization", "save": "serialization",
}
_SUBMODULES = ("datasets", "metrics", "noise", "text", "translate")


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'aekit' has no attribute {name!r}")
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


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

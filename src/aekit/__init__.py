"""aekit: practical autoencoders.

- :class:`AutoencoderReducer` -- non-linear dimensionality reduction, a drop-in for PCA.
- :func:`load` / ``model.save(path)`` -- model files as safetensors + JSON, never pickle.
- :mod:`aekit.text` -- Keras-2-compatible text preprocessing (one_hot, pad_sequences, Tokenizer).
- :mod:`aekit.datasets` -- MNIST, Fashion-MNIST, movie reviews, digits and the swiss roll, offline.
- :mod:`aekit.training` -- the one training loop every tool shares.
"""

from . import datasets, metrics, text
from ._version import __version__
from .reduce import AutoencoderReducer
from .serialization import load, save

__all__ = ["AutoencoderReducer", "__version__", "datasets", "load", "metrics", "save", "text"]

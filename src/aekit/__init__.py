"""aekit: practical autoencoders.

- :class:`AutoencoderReducer` -- non-linear dimensionality reduction, a drop-in for PCA.
- :func:`load` / ``model.save(path)`` -- model files as safetensors + JSON, never pickle.
- :mod:`aekit.datasets` -- MNIST, Fashion-MNIST, digits and the swiss roll, offline.
- :mod:`aekit.training` -- the one training loop every tool shares.
"""

from . import datasets, metrics
from ._version import __version__
from .reduce import AutoencoderReducer
from .serialization import load, save

__all__ = ["AutoencoderReducer", "__version__", "datasets", "load", "metrics", "save"]

"""Text: Keras-2-compatible preprocessing and a word-embedding classifier.

- :mod:`aekit.text.preprocessing`: :func:`text_to_word_sequence`, :func:`hashing_trick`,
  :func:`one_hot`, :func:`pad_sequences` and :class:`Tokenizer` behave like their Keras 2
  namesakes (``keras.preprocessing.text`` and ``keras.preprocessing.sequence``), so code and
  tutorials written for Keras 2 port line by line. Where aekit differs, the docstring says so;
  the main difference is that :func:`one_hot` and :func:`hashing_trick` hash words with MD5 by
  default, so a word gets the same index in every run (Keras 2 used Python's ``hash``, which is
  salted per process).
- :mod:`aekit.text.classifier`: :class:`EmbeddingClassifier` is Keras'
  ``Embedding -> Flatten -> Dense(1, sigmoid)`` as a scikit-learn style estimator, trained by the
  shared loop :func:`aekit.training.train` and saved as safetensors + JSON.
  :meth:`EmbeddingClassifier.from_text_autoencoder` starts it from a :class:`TextAutoencoder`'s
  word vectors (semi-supervised: pre-train on unlabelled texts).
- :mod:`aekit.text.autoencoder`: :class:`TextAutoencoder` learns document embeddings (and word
  vectors) without labels by reconstructing each document's TF-IDF vector from a copy with
  words dropped.

Every name is importable from :mod:`aekit.text` itself:

>>> from aekit.text import Tokenizer, one_hot, pad_sequences
>>> pad_sequences([one_hot("very bad", 20)], maxlen=3)
array([[ 0, 19, 12]], dtype=int32)
"""

from ..blocks.text import POOLINGS as POOLINGS
from .autoencoder import LOSSES as LOSSES
from .autoencoder import TextAutoencoder
from .classifier import EmbeddingClassifier
from .preprocessing import (
    DEFAULT_FILTERS,
    Tokenizer,
    TokenizerNotFittedError,
    hashing_trick,
    one_hot,
    pad_sequences,
    text_to_word_sequence,
)

__all__ = [
    "DEFAULT_FILTERS",
    "EmbeddingClassifier",
    "TextAutoencoder",
    "Tokenizer",
    "TokenizerNotFittedError",
    "hashing_trick",
    "one_hot",
    "pad_sequences",
    "text_to_word_sequence",
]

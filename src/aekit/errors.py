"""aekit's exceptions. Each message says what is wrong and what to do about it.

They subclass the built-in exception a caller would expect (``ValueError``,
``FileNotFoundError``...), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "AekitError",
    "DatasetNotFoundError",
    "InsufficientMemoryError",
    "ModelFileError",
    "TokenizerNotFittedError",
    "TrainingDivergedError",
]


class AekitError(Exception):
    """Base class of every error aekit raises on purpose."""


class ModelFileError(AekitError, ValueError):
    """A model or checkpoint file is missing, corrupt, foreign or from a newer aekit."""


class DatasetNotFoundError(AekitError, FileNotFoundError):
    """An offline data set is not installed; the message says how to install it."""


class TrainingDivergedError(AekitError, FloatingPointError):
    """The loss became NaN or infinite during training."""


class InsufficientMemoryError(AekitError, MemoryError):
    """The work would need more memory than is available; refused before allocating it."""


class TokenizerNotFittedError(AekitError, RuntimeError):
    """A :class:`aekit.text.Tokenizer` was asked to convert texts before ``fit_on_texts``."""

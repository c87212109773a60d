"""Text: Keras-2-compatible preprocessing and a word-embedding classifier.

- :func:`text_to_word_sequence`, :func:`hashing_trick`, :func:`one_hot`, :func:`pad_sequences` and
  :class:`Tokenizer` behave like their Keras 2 namesakes (``keras.preprocessing.text`` and
  ``keras.preprocessing.sequence``), so code and tutorials written for Keras 2 port line by line.
  Where aekit differs, the docstring says so; the main difference is that :func:`one_hot` and
  :func:`hashing_trick` hash words with MD5 by default, so a word gets the same index in every
  run (Keras 2 used Python's ``hash``, which is salted per process).
- :class:`EmbeddingClassifier` is Keras' ``Embedding -> Flatten -> Dense(1, sigmoid)`` as a
  scikit-learn style estimator, trained by the shared loop :func:`aekit.training.train` and saved
  as safetensors + JSON. :meth:`EmbeddingClassifier.from_text_autoencoder` starts it from a
  :class:`TextAutoencoder`'s word vectors (semi-supervised: pre-train on unlabelled texts).
- :class:`TextAutoencoder` learns document embeddings (and word vectors) without labels by
  reconstructing each document's TF-IDF vector from a copy with words dropped.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._version import __version__
from .blocks import dense_weight_count
from .errors import ModelFileError, TokenizerNotFittedError
from .hardware import check_training_memory
from .serialization import register, write_json
from .serialization import save as _save
from .training import History, TrainConfig, predict_batches, train

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

#: Characters Keras 2 removes from text before splitting it into words.
DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


# --------------------------------------------------------------------------------------------
# Words and hashing
# --------------------------------------------------------------------------------------------


def _check_text(text, where: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"{where} expects a string of text, got {type(text).__name__}: {text!r:.60}. "
                        "Convert missing values to '' and other values with str() first.")
    return text


def text_to_word_sequence(text: str, filters: str = DEFAULT_FILTERS, lower: bool = True,
                          split: str = " ") -> list[str]:
    """Split a text into a list of words, exactly as Keras 2 does.

    The text is lower-cased (``lower=True``), every character of ``filters`` is replaced by
    ``split``, the result is split on ``split`` and empty strings are dropped.

    Parameters
    ----------
    text : str
    filters : str or list of str, default ``DEFAULT_FILTERS``
        Characters to remove: punctuation, tabs and line breaks.
    lower : bool, default True
    split : str, default " "
        Word separator.

    Returns
    -------
    list of str

    Examples
    --------
    >>> text_to_word_sequence("Beautifully done!  Well-made, really.")
    ['beautifully', 'done', 'well', 'made', 'really']
    """
    _check_text(text, "text_to_word_sequence")
    if not isinstance(split, str) or not split:
        raise ValueError(f"split must be a non-empty string, got {split!r}.")
    if not isinstance(filters, str):
        # Keras also takes a list of characters
        if not (isinstance(filters, (list, tuple, set, frozenset))
                and all(isinstance(c, str) and len(c) == 1 for c in filters)):
            raise TypeError(f"filters must be a string (or list) of characters to remove, got {filters!r:.60}.")
        filters = "".join(filters)
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans({c: split for c in filters}))
    return [w for w in text.split(split) if w]


def _md5_hash(word: str) -> int:
    # surrogatepass: a lone surrogate (e.g. from a file read with errors="surrogateescape") still
    # hashes; every other text is plain UTF-8, as in Keras.
    return int(hashlib.md5(word.encode("utf-8", "surrogatepass")).hexdigest(), 16)


def _resolve_hash(hash_function) -> Callable[[str], int]:
    if hash_function is None:
        return hash
    if isinstance(hash_function, str):
        if hash_function == "md5":
            return _md5_hash
        raise ValueError(
            f"hash_function must be 'md5', None (Python's hash) or a callable, got {hash_function!r}."
        )
    if callable(hash_function):
        return hash_function
    raise TypeError(
        f"hash_function must be 'md5', None (Python's hash) or a callable, got {hash_function!r}."
    )


def hashing_trick(text: str, n: int, hash_function="md5", filters: str = DEFAULT_FILTERS,
                  lower: bool = True, split: str = " ") -> list[int]:
    """Turn a text into a list of word indices in ``1 .. n-1`` by hashing each word.

    Index 0 is never produced: it is reserved for padding (see :func:`pad_sequences`). Each word
    ``w`` maps to ``hash_function(w) % (n - 1) + 1``, as in Keras 2. Different words can share
    an index (a collision); a larger ``n`` makes that rarer.

    Parameters
    ----------
    text : str
    n : int
        Size of the index space (use it as ``vocab_size``); at least 2.
    hash_function : "md5", None or callable, default "md5"
        ``"md5"`` is stable: a word gets the same index in every process and on every machine.
        It hashes the word's UTF-8 bytes, as Keras' ``"md5"`` did; a lone surrogate character,
        on which Keras failed, is encoded as UTF-8 would encode it (``surrogatepass``).
        ``None`` uses Python's ``hash``, as Keras 2 did by default; it is salted per process
        (``PYTHONHASHSEED``), so indices change from one run to the next and a model trained in
        one run does not understand texts encoded in another. A callable maps a word to an int.
    filters, lower, split
        As in :func:`text_to_word_sequence`.

    Returns
    -------
    list of int

    Examples
    --------
    >>> hashing_trick("Excellent work", 50)
    [6, 40]
    >>> hashing_trick("Excellent work", 50, hash_function=len)  # any word -> int callable
    [10, 5]
    """
    fn = _resolve_hash(hash_function)
    n = _check_n(n)
    words = text_to_word_sequence(_check_text(text, "hashing_trick"), filters=filters, lower=lower,
                                  split=split)
    out = []
    for w in words:
        h = fn(w)
        try:
            out.append(int(h) % (n - 1) + 1)
        except (TypeError, ValueError, OverflowError):
            raise TypeError(f"hash_function returned {h!r:.60} for the word {w!r:.60}; it must return an "
                            "integer.") from None
    return out


def _check_n(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(
            f"n must be an integer >= 2 (indices go from 1 to n - 1; 0 is kept for padding), got {n!r}."
        )
    return int(n)


def one_hot(text: str, n: int, filters: str = DEFAULT_FILTERS, lower: bool = True, split: str = " ",
            hash_function="md5") -> list[int]:
    """Encode a text as a list of word indices in ``1 .. n-1`` (Keras 2's ``one_hot``).

    Despite its name it returns integer indices, not one-hot vectors: it is
    :func:`hashing_trick` with the arguments in Keras' order.

    Unlike Keras 2, whose ``one_hot`` always used Python's salted ``hash`` (so the same word got
    a different index in each run), this one hashes with MD5 by default and is reproducible
    across processes and machines. Pass ``hash_function=None`` for Keras' behaviour.

    Examples
    --------
    >>> one_hot("Excellent work", 50)
    [6, 40]
    >>> one_hot("very bad", 20)
    [19, 12]
    """
    return hashing_trick(text, n, hash_function=hash_function, filters=filters, lower=lower, split=split)


# --------------------------------------------------------------------------------------------
# Padding
# --------------------------------------------------------------------------------------------


def pad_sequences(sequences, maxlen: int | None = None, dtype="int32", padding: str = "pre",
                  truncating: str = "pre", value=0.0) -> np.ndarray:
    """Pad (and truncate) sequences to one length: a 2-D array, as Keras 2's ``pad_sequences``.

    Parameters
    ----------
    sequences : list of sequences
        Lists or arrays of indices (or of equally-shaped sub-arrays, giving a 3-D or deeper
        result). Empty sequences become rows of ``value``.
    maxlen : int or None, default None
        Length of every row; ``None`` uses the longest sequence.
    dtype : dtype, default "int32"
        Of the result; use ``object`` or a string dtype to pad strings.
    padding : {"pre", "post"}, default "pre"
        Put the padding before or after each sequence.
    truncating : {"pre", "post"}, default "pre"
        Drop values from the start or the end of sequences longer than ``maxlen``.
    value : float or str, default 0.0
        The padding value.

    Returns
    -------
    ndarray of shape (len(sequences), maxlen, ...)

    Notes
    -----
    Keras raises an error for an empty list of sequences and for ``maxlen=0`` with
    ``truncating="pre"``; here they give an array with no rows or no columns. Bad ``padding``
    or ``truncating`` values are refused even when no sequence needs padding.

    Examples
    --------
    >>> pad_sequences([[1, 2, 3], [4], []], maxlen=2)
    array([[2, 3],
           [0, 4],
           [0, 0]], dtype=int32)
    >>> pad_sequences([[1, 2, 3], [4]], maxlen=2, padding="post", truncating="post")
    array([[1, 2],
           [4, 0]], dtype=int32)
    """
    if padding not in ("pre", "post"):
        raise ValueError(f"padding must be 'pre' or 'post', got {padding!r}.")
    if truncating not in ("pre", "post"):
        raise ValueError(f"truncating must be 'pre' or 'post', got {truncating!r}.")
    if isinstance(sequences, (str, bytes)) or not isinstance(sequences, Iterable):
        raise ValueError(f"sequences must be a list of sequences, got {type(sequences).__name__}.")
    if not hasattr(sequences, "__len__"):
        sequences = list(sequences)
    if maxlen is not None and (isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer))
                               or maxlen < 0):
        raise ValueError(f"maxlen must be None or an integer >= 0, got {maxlen!r}.")
    try:
        np_dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a numpy dtype such as 'int32', 'float32' or object, got {dtype!r}.") from None

    lengths = []
    sample_shape: tuple = ()
    found_shape = False
    # The shape of each step comes from the first non-empty sequence; the others must match.
    for pos, s in enumerate(sequences):
        try:
            if isinstance(s, (str, bytes)):
                raise TypeError
            lengths.append(len(s))
        except TypeError:
            raise ValueError(
                f"sequences must be a list of sequences (lists or arrays); item {pos} is {s!r:.60}."
            ) from None
        if not found_shape and len(s):
            try:
                sample_shape = np.asarray(s).shape[1:]
            except ValueError:  # ragged steps: [[1, 2], [3]]
                raise ValueError(f"sequences must hold numbers or equally-shaped steps; item {pos} is "
                                 f"{s!r:.60}.") from None
            found_shape = True
    if maxlen is None:
        maxlen = max(lengths, default=0)
    maxlen = int(maxlen)

    if isinstance(value, str) and np_dtype != np.dtype(object) and np_dtype.kind not in "SU":
        raise ValueError(
            f"dtype {dtype!r} cannot hold the padding value {value!r}; use dtype=object for "
            "variable-length strings."
        )
    if np_dtype.kind in "iub" and isinstance(value, (float, np.floating)) and not np.isfinite(value):
        raise ValueError(f"dtype {dtype!r} cannot hold the padding value {value!r}; use a float dtype.")
    try:
        x = np.full((len(sequences), maxlen) + tuple(sample_shape), value, dtype=np_dtype)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(f"dtype {dtype!r} cannot hold the padding value {value!r} ({exc}).") from None
    if maxlen == 0:
        return x
    for pos, s in enumerate(sequences):
        if not len(s):
            continue
        try:
            trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
            trunc = np.asarray(trunc, dtype=np_dtype)
        except (ValueError, TypeError, OverflowError) as exc:
            raise ValueError(f"sequence at position {pos} cannot be stored as dtype {dtype!r} "
                             f"({exc}): {s!r:.60}. Turn words into indices first (one_hot or "
                             "Tokenizer.texts_to_sequences), or pass dtype=object.") from None
        if trunc.shape[1:] != sample_shape:
            raise ValueError(
                f"Shape of sample {trunc.shape[1:]} of sequence at position {pos} is different "
                f"from expected shape {sample_shape}."
            )
        if padding == "post":
            x[pos, :len(trunc)] = trunc
        else:
            x[pos, -len(trunc):] = trunc
    return x


# --------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------

_TOKENIZER_FORMAT = "aekit-tokenizer"
_TOKENIZER_VERSION = 1


def _check_text_list(texts, where: str) -> None:
    """A collection of texts, not one text nor something that is not iterable."""
    if isinstance(texts, (str, bytes)):
        raise TypeError(f"{where} expects a list of texts, got a single string; wrap it in a list.")
    if not isinstance(texts, Iterable):
        raise TypeError(f"{where} expects a list of texts, got {type(texts).__name__}: {texts!r:.60}.")


class Tokenizer:
    """Learn a word index from texts and turn texts into index sequences (Keras 2's ``Tokenizer``).

    Words are ranked by how often they occur (most frequent first; ties keep the order in which
    the words first appeared) and numbered from 1; 0 is never a word, it is kept for padding.
    With ``oov_token`` set, that token gets index 1 and stands in for unknown words.

    Parameters
    ----------
    num_words : int or None, default None
        Keep only words with an index below ``num_words`` when converting texts (the
        ``num_words - 1`` most frequent). The full index is still learned.
    filters, lower, split
        As in :func:`text_to_word_sequence`.
    oov_token : str or None, default None
        Replaces words outside the index (or beyond ``num_words``); without it they are dropped.

    Attributes
    ----------
    word_index : dict of str -> int
    index_word : dict of int -> str
    word_counts : dict of str -> int
        Occurrences of each word, in order of first appearance.
    word_docs : dict of str -> int
        Number of texts each word occurs in.
    document_count : int
        Number of texts seen by :meth:`fit_on_texts`.

    Notes
    -----
    Differences from Keras 2: when ``oov_token`` also occurs as a word in the texts, it keeps
    index 1 (Keras gave it a second index and left index 1 unused); ``save`` / ``load`` write
    and read a JSON file (Keras: ``to_json`` / ``tokenizer_from_json``); converting texts before
    any ``fit_on_texts`` raises :class:`TokenizerNotFittedError` (a ``RuntimeError``) instead of
    returning empty lists. ``char_level``, ``texts_to_matrix`` and ``fit_on_sequences`` are not
    provided.

    Examples
    --------
    >>> tok = Tokenizer(oov_token="<OOV>")
    >>> tok.fit_on_texts(["the cat sat", "the dog sat down"])
    >>> tok.word_index
    {'<OOV>': 1, 'the': 2, 'sat': 3, 'cat': 4, 'dog': 5, 'down': 6}
    >>> tok.texts_to_sequences(["the bird sat"])
    [[2, 1, 3]]
    >>> tok.sequences_to_texts([[2, 4, 3]])
    ['the cat sat']
    """

    def __init__(self, num_words: int | None = None, filters: str = DEFAULT_FILTERS,
                 lower: bool = True, split: str = " ", oov_token: str | None = None):
        if num_words is not None and (isinstance(num_words, bool) or not isinstance(num_words, (int, np.integer))
                                      or num_words < 1):
            raise ValueError(f"num_words must be None or a positive integer, got {num_words!r}.")
        if oov_token is not None and not isinstance(oov_token, str):
            raise TypeError(f"oov_token must be a string or None, got {oov_token!r}.")
        self.num_words = None if num_words is None else int(num_words)
        self.filters = filters
        self.lower = bool(lower)
        self.split = split
        self.oov_token = oov_token
        self.document_count = 0
        self.word_counts: dict[str, int] = {}
        self.word_docs: dict[str, int] = {}
        self.word_index: dict[str, int] = {}
        self.index_word: dict[int, str] = {}
        self._fitted = False

    def __repr__(self) -> str:
        return (f"Tokenizer(num_words={self.num_words!r}, oov_token={self.oov_token!r}, "
                f"words={len(self.word_counts)}, documents={self.document_count})")

    def _words(self, text) -> list[str]:
        if isinstance(text, list):  # already split into words, as Keras allows
            if not all(isinstance(w, str) for w in text):
                raise TypeError(f"Tokenizer: a text split into words must be a list of strings, got {text!r:.60}.")
            return [w.lower() for w in text] if self.lower else list(text)
        return text_to_word_sequence(_check_text(text, "Tokenizer"), self.filters, self.lower, self.split)

    def fit_on_texts(self, texts: Iterable[str]) -> None:
        """Count the words of ``texts`` (strings, or lists of words) and rebuild the index.

        Calling it again adds to the counts, as in Keras.
        """
        _check_text_list(texts, "fit_on_texts")
        for text in texts:
            self.document_count += 1
            seq = self._words(text)
            for w in seq:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in dict.fromkeys(seq):
                self.word_docs[w] = self.word_docs.get(w, 0) + 1
        self._fitted = True  # even on no texts: converting then gives empty sequences, as in Keras
        self._build_index()

    def _build_index(self) -> None:
        # sorted() is stable: equal counts keep their order of first appearance.
        ranked = [w for w, _ in sorted(self.word_counts.items(), key=lambda wc: wc[1], reverse=True)]
        if self.oov_token is not None:
            ranked = [self.oov_token] + [w for w in ranked if w != self.oov_token]
        self.word_index = {w: i for i, w in enumerate(ranked, start=1)}
        self.index_word = {i: w for w, i in self.word_index.items()}

    @property
    def index_docs(self) -> dict[int, int]:
        """Number of texts each word index occurs in."""
        return {self.word_index[w]: c for w, c in self.word_docs.items()}

    def _check_fitted(self, what: str) -> None:
        if not (self._fitted or self.word_index or self.document_count):
            raise TokenizerNotFittedError(
                f"This Tokenizer has not been fitted; call fit_on_texts(texts) before {what}.")

    def texts_to_sequences(self, texts: Iterable[str]) -> list[list[int]]:
        """Each text as a list of word indices; unknown words become ``oov_token`` or are dropped."""
        self._check_fitted("texts_to_sequences")
        _check_text_list(texts, "texts_to_sequences")
        num_words, oov = self.num_words, self.word_index.get(self.oov_token)
        out = []
        for text in texts:
            vect = []
            for w in self._words(text):
                i = self.word_index.get(w)
                if i is not None and not (num_words and i >= num_words):
                    vect.append(i)
                elif oov is not None:
                    vect.append(oov)
            out.append(vect)
        return out

    def sequences_to_texts(self, sequences) -> list[str]:
        """Each sequence of indices as a text of words joined by single spaces.

        As in Keras, indices with no word (such as the padding index 0) are dropped, or become
        ``oov_token`` when it is set; so are indices at or beyond ``num_words``.
        """
        self._check_fitted("sequences_to_texts")
        if isinstance(sequences, (str, bytes)) or not isinstance(sequences, Iterable):
            raise TypeError(f"sequences_to_texts expects a list of sequences of word indices, got {sequences!r:.60}.")
        num_words, oov = self.num_words, self.word_index.get(self.oov_token)
        out = []
        for pos, seq in enumerate(sequences):
            vect = []
            if isinstance(seq, (str, bytes)) or not isinstance(seq, Iterable):
                raise TypeError(f"sequences_to_texts expects sequences of word indices; item {pos} is {seq!r:.60}.")
            for num in seq:
                try:
                    num = int(num)
                except (TypeError, ValueError, OverflowError):
                    raise ValueError(f"sequences_to_texts expects sequences of integer word indices; "
                                     f"sequence {pos} holds {num!r:.60}.") from None
                word = self.index_word.get(num)
                if word is not None and not (num_words and num >= num_words):
                    vect.append(word)
                elif oov is not None:
                    vect.append(self.index_word[oov])
            out.append(" ".join(vect))
        return out

    def get_config(self) -> dict:
        """Constructor arguments, as a dict."""
        return {"num_words": self.num_words, "filters": self.filters, "lower": self.lower,
                "split": self.split, "oov_token": self.oov_token}

    def save(self, path: str | os.PathLike) -> None:
        """Write the tokenizer to a JSON file (atomically); read it back with :meth:`load`."""
        write_json(path, {
            "format": _TOKENIZER_FORMAT,
            "format_version": _TOKENIZER_VERSION,
            "aekit_version": __version__,
            "config": self.get_config(),
            "document_count": self.document_count,
            # lists of pairs, not objects: the order of first appearance breaks ties in the index
            "word_counts": [[w, c] for w, c in self.word_counts.items()],
            "word_docs": [[w, c] for w, c in self.word_docs.items()],
        })

    @classmethod
    def load(cls, path: str | os.PathLike) -> Tokenizer:
        """Read a tokenizer written by :meth:`save`."""
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            raise FileNotFoundError(f"No tokenizer file at {path}.") from None
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise ModelFileError(f"{path} is not a tokenizer file: not valid JSON ({exc}).") from None
        if not isinstance(data, dict) or data.get("format") != _TOKENIZER_FORMAT:
            raise ModelFileError(f"{path} is not an aekit tokenizer file (no \"format\": \"{_TOKENIZER_FORMAT}\").")
        version = data.get("format_version")
        if not isinstance(version, int) or version > _TOKENIZER_VERSION:
            raise ModelFileError(
                f"{path} is tokenizer format {version!r}; this aekit ({__version__}) reads format "
                f"{_TOKENIZER_VERSION}. Upgrade aekit."
            )
        try:
            tok = cls(**data["config"])
            tok.document_count = int(data["document_count"])
            tok.word_counts = {str(w): int(c) for w, c in data["word_counts"]}
            tok.word_docs = {str(w): int(c) for w, c in data["word_docs"]}
        except (KeyError, TypeError, ValueError, OverflowError) as exc:  # OverflowError: int(Infinity)
            raise ModelFileError(f"{path} is a damaged tokenizer file ({exc!r}).") from None
        tok._build_index()
        tok._fitted = True
        return tok


# --------------------------------------------------------------------------------------------
# EmbeddingClassifier
# --------------------------------------------------------------------------------------------

POOLINGS = ("flatten", "mean")


class _EmbeddingNet(nn.Module):
    """Embedding -> Flatten (or masked mean) -> [Dropout] -> [Dense relu, Dropout]... -> Dense.

    Row 0 of the embedding is the padding vector: fixed at zero and never trained.
    """

    def __init__(self, vocab_size: int, embedding_dim: int, input_length: int | None, pooling: str,
                 hidden: Sequence[int], n_outputs: int, dropout: float):
        super().__init__()
        self.pooling = pooling
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        width = embedding_dim * input_length if pooling == "flatten" else embedding_dim
        layers: list[nn.Module] = []
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, n_outputs))
        self.head = nn.Sequential(*layers)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Keras' defaults: embeddings uniform in [-0.05, 0.05], Glorot-uniform dense weights,
        zero biases."""
        with torch.no_grad():
            nn.init.uniform_(self.embedding.weight, -0.05, 0.05)
            self.embedding.weight[0].zero_()
            for m in self.head:
                if isinstance(m, nn.Linear):
                    nn.init.xavier_uniform_(m.weight)
                    nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e = self.embedding(x)
        if self.pooling == "flatten":
            h = e.flatten(1)
        else:  # average over the real words; padding (index 0) does not count
            mask = (x != 0).unsqueeze(-1).to(e.dtype)
            h = (e * mask).sum(1) / mask.sum(1).clamp_min(1.0)
        return self.head(h)


def _check_training_memory(n_weights: int, what: str, smaller: str) -> None:
    check_training_memory(n_weights, f"Training {what} with {n_weights:,} weights", f"Use {smaller}.")


def _int_param(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


@register
class EmbeddingClassifier(BaseEstimator):
    """Classify sequences of word indices through a learned word embedding (Keras-style).

    The network is Keras' ``Embedding(vocab_size, embedding_dim) -> Flatten -> Dense(1, sigmoid)``
    with binary cross-entropy for two classes, or ``Dense(n_classes, softmax)`` with categorical
    cross-entropy for more. ``pooling="mean"`` averages the word vectors instead of flattening
    them (ignoring padding), which accepts sequences of any length; ``hidden`` adds ReLU layers.

    The API follows Keras more than scikit-learn: :meth:`fit` returns the training history,
    :meth:`predict` returns probabilities (use :meth:`predict_classes` for labels).

    Parameters
    ----------
    vocab_size : int
        Number of word indices: inputs are integers in ``[0, vocab_size)``, 0 being padding.
        With :func:`one_hot` use the same ``n``; with a :class:`Tokenizer`, ``len(word_index) + 1``
        (or its ``num_words``).
    embedding_dim : int, default 8
        Length of each word vector.
    input_length : int or None, default None
        Length of the padded sequences; ``None`` takes it from ``X`` in :meth:`fit`.
    pooling : {"flatten", "mean"}, default "flatten"
    hidden : tuple of int, default ()
        Widths of ReLU layers between the pooled embedding and the output.
    n_classes : int, default 2
        Labels are integers in ``[0, n_classes)``. Two classes use one sigmoid output.
    dropout : float, default 0.0
        Dropout rate after the pooled embedding and after each hidden layer.
    learning_rate : float, default 1e-2
        Adam's step size. Keras' default is 1e-3, but 50 epochs on a handful of texts are only
        50 Adam steps: with 1e-3 the classic eight-review example (``one_hot`` into 20 or 50,
        padded to 4) ends below 100% training accuracy for one seed in four or five in Keras'
        own network, and for about one in a hundred here (the padding row is fixed, see Notes),
        the others passing by a hair; with 1e-2 every one of 300 seeds reached 100% with a wide
        margin.
        On thousands of texts 1e-2 reaches its best validation accuracy within an epoch or two
        and then overfits: pass validation data with ``early_stopping=True``, or a lower rate.
    batch_size : int, default 32
        As in Keras.
    early_stopping : bool, default False
        Stop when ``val_loss`` (or ``loss`` without validation data) has not improved for
        ``patience`` epochs, and keep the best weights. Keras does not stop early by default.
    patience : int, default 10
    precision : {"fp32", "auto", "bf16"}, default "fp32"
        See :func:`aekit.hardware.resolve_precision`; these models are small, so fp32.
    device : str, default "auto"
    random_state : int, RandomState or None, default None
        Seeds the initial weights, the batch order and dropout: the same seed gives the same
        model.
    verbose : int, default 0
        0 silent, 1 a progress bar on a terminal, 2 also a line per epoch.
    init_embeddings : array-like of shape (vocab_size, embedding_dim) or None, default None
        Initial word vectors (row 0, padding, is set to zero); ``None`` draws them at random as
        Keras does. :meth:`from_text_autoencoder` sets them to a :class:`TextAutoencoder`'s word
        vectors: pre-training on unlabelled texts, then fine-tuning on the labelled ones. Model
        files do not keep this array (the trained weights are what a loaded model needs): a
        loaded model has ``init_embeddings=None``.

    Attributes
    ----------
    model_ : torch.nn.Module
        The trained network; it outputs logits.
    history_ : aekit.training.History
        What :meth:`fit` returned.
    input_length_ : int
        Sequence length the model was trained on.
    n_features_in_ : int
        Same as ``input_length_``.
    classes_ : ndarray
        ``arange(n_classes)``.
    embeddings_ : ndarray of shape (vocab_size, embedding_dim)
        The learned word vectors; row 0 (padding) is zero.

    Notes
    -----
    Besides the learning rate, one deliberate difference from Keras: the embedding row of the
    padding index 0 is fixed at zero and never trained (Keras trains it like any other row),
    so padding adds nothing to the prediction, whichever side it is on.

    Examples
    --------
    >>> docs = ["Beautifully done!", "Excellent work", "Admirable effort", "Satisfactory performance",
    ...         "very bad", "unacceptable results", "incompetent with poor skills", "not cool at all"]
    >>> labels = [1, 1, 1, 1, 0, 0, 0, 0]
    >>> X = pad_sequences([one_hot(d, 20) for d in docs], maxlen=4, padding="post")
    >>> clf = EmbeddingClassifier(vocab_size=20, embedding_dim=8, random_state=0)
    >>> history = clf.fit(X, labels, epochs=50)
    >>> history.history["accuracy"][-1], clf.evaluate(X, labels)[1]
    (1.0, 1.0)
    >>> clf.predict(X).shape, clf.predict_classes(X)
    ((8, 1), array([1, 1, 1, 1, 0, 0, 0, 0]))
    """

    def __init__(
        self,
        vocab_size,
        embedding_dim=8,
        input_length=None,
        pooling="flatten",
        hidden=(),
        n_classes=2,
        dropout=0.0,
        learning_rate=1e-2,
        batch_size=32,
        early_stopping=False,
        patience=10,
        precision="fp32",
        device="auto",
        random_state=None,
        verbose=0,
        init_embeddings=None,
    ):
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.input_length = input_length
        self.pooling = pooling
        self.hidden = hidden
        self.n_classes = n_classes
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.patience = patience
        self.precision = precision
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.init_embeddings = init_embeddings

    @classmethod
    def from_text_autoencoder(cls, tae, **params) -> EmbeddingClassifier:
        """A classifier whose word vectors start from a fitted :class:`TextAutoencoder`'s.

        Encode its texts with ``tae.texts_to_sequences(texts)``, which uses the autoencoder's
        vocabulary (index ``i + 1`` is ``tae.vocabulary_[i]``, 0 is padding). ``vocab_size``
        and ``embedding_dim`` come from the autoencoder; ``pooling`` defaults to ``"mean"``;
        any other parameter may be given.

        Examples
        --------
        >>> texts = ["a great fun film", "great acting and fun", "a dull boring film",
        ...          "boring and dull acting"] * 4
        >>> tae = TextAutoencoder(n_components=4, hidden=8, min_df=1, max_epochs=3,
        ...                       random_state=0).fit(texts)
        >>> clf = EmbeddingClassifier.from_text_autoencoder(tae, random_state=0)
        >>> X = tae.texts_to_sequences(texts)
        >>> _ = clf.fit(X, [1, 1, 0, 0] * 4, epochs=30)
        >>> clf.predict_classes(tae.texts_to_sequences(["fun and great", "dull"])).tolist()
        [1, 0]
        """
        check_is_fitted(tae, "model_")
        for name in ("vocab_size", "embedding_dim", "init_embeddings"):
            if name in params:
                raise TypeError(f"from_text_autoencoder sets {name} from the autoencoder; do not pass it.")
        W = tae.word_vectors_
        init = np.vstack([np.zeros((1, W.shape[1]), dtype=np.float32), W])
        params.setdefault("pooling", "mean")
        return cls(vocab_size=len(init), embedding_dim=W.shape[1], init_embeddings=init, **params)

    def _params_to_save(self, params: dict) -> dict:
        return {**params, "init_embeddings": None}

    def _check_init(self, vocab_size: int, embedding_dim: int) -> torch.Tensor | None:
        if self.init_embeddings is None:
            return None
        W = np.asarray(self.init_embeddings, dtype=np.float32)
        if W.shape != (vocab_size, embedding_dim):
            raise ValueError(
                f"init_embeddings has shape {W.shape}, but the embedding is (vocab_size, embedding_dim) "
                f"= ({vocab_size}, {embedding_dim})."
            )
        if not np.all(np.isfinite(W)):
            raise ValueError("init_embeddings holds NaN or infinite values.")
        return torch.from_numpy(W.copy())

    # -- checks ------------------------------------------------------------------------------

    def _check_params(self) -> dict:
        hidden = self.hidden
        if isinstance(hidden, (int, np.integer)):
            hidden = (hidden,)
        try:
            hidden = tuple(_int_param("hidden", h, 1) for h in hidden)
        except TypeError:
            raise ValueError(f"hidden must be a tuple of positive integers, got {self.hidden!r}.") from None
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be 'flatten' or 'mean', got {self.pooling!r}.")
        if not (isinstance(self.dropout, (int, float)) and 0.0 <= self.dropout < 1.0):
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}.")
        return dict(
            vocab_size=_int_param("vocab_size", self.vocab_size, 2),
            embedding_dim=_int_param("embedding_dim", self.embedding_dim, 1),
            input_length=None if self.input_length is None else _int_param("input_length", self.input_length, 1),
            pooling=self.pooling,
            hidden=hidden,
            n_outputs=1 if _int_param("n_classes", self.n_classes, 2) == 2 else int(self.n_classes),
            dropout=float(self.dropout),
        )

    def _check_X(self, X, vocab_size: int, input_length: int | None, name: str = "X") -> np.ndarray:
        if isinstance(X, torch.Tensor):
            X = X.detach().cpu().numpy()
        try:
            X = np.asarray(X)
        except ValueError:
            X = np.asarray(X, dtype=object)
        if X.dtype.kind in "USO" and any(isinstance(v, str) for v in X.ravel()[:1]):
            raise ValueError(
                f"{name} holds text; encode it as word indices first (one_hot(text, vocab_size) or "
                "Tokenizer.texts_to_sequences) and pad it with pad_sequences."
            )
        if X.dtype == object or X.ndim != 2:
            raise ValueError(
                f"{name} must be a 2-D array of word indices, one row per text, all rows the same "
                f"length; got {'ragged rows' if X.dtype == object else f'shape {X.shape}'}. "
                "Pad the sequences with aekit.text.pad_sequences."
            )
        if len(X) == 0:
            raise ValueError(f"{name} has 0 rows; at least one text is needed.")
        if X.shape[1] == 0:
            raise ValueError(f"{name} has 0 columns: the sequences are empty.")
        if X.dtype.kind == "f":
            if not np.all(np.isfinite(X)) or not np.all(X == np.round(X)):
                raise ValueError(f"{name} must hold integer word indices; it has non-integer values. Encode "
                                 "texts with one_hot or Tokenizer.texts_to_sequences, then pad_sequences.")
        elif X.dtype.kind not in "iu":
            raise ValueError(f"{name} must hold integer word indices, got dtype {X.dtype}.")
        bad = (X < 0) | (X >= vocab_size)
        if bad.any():
            r, c = (int(v) for v in np.argwhere(bad)[0])
            raise ValueError(
                f"{name} holds the index {X[r, c]:g} (row {r}, column {c}), but vocab_size is "
                f"{vocab_size}: every index must be in [0, {vocab_size}). Encode the texts with the "
                f"same vocabulary size (e.g. one_hot(text, {vocab_size})) or raise vocab_size."
            )
        if self.pooling == "flatten" and input_length is not None and X.shape[1] != input_length:
            raise ValueError(
                f"{name} has sequences of length {X.shape[1]}, but the model takes length {input_length} "
                f"(pooling='flatten'). Pad or truncate them with pad_sequences(..., maxlen={input_length})."
            )
        return X.astype(np.int64)

    def _check_y(self, y, n_rows: int, n_classes: int, name: str = "y") -> np.ndarray:
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(f"{name} must be a 1-D array of class labels, got shape {y.shape}.")
        if len(y) != n_rows:
            x_name = "X_val" if name == "y_val" else "X"
            raise ValueError(f"{name} has {len(y)} labels but {x_name} has {n_rows} rows; they must match.")
        if y.dtype.kind not in "biuf" or (y.dtype.kind == "f" and not np.all(y == np.round(y))):
            raise ValueError(f"{name} must hold integer class labels 0 .. {n_classes - 1}, got {y.dtype} values.")
        bad = (y < 0) | (y >= n_classes)
        if bad.any():
            raise ValueError(
                f"{name} holds the label {y[bad][0].item():g}, but n_classes={n_classes}: labels must be "
                f"integers in [0, {n_classes})."
            )
        return y.astype(np.int64)

    # -- fit ---------------------------------------------------------------------------------

    def _loss(self, model, batch):
        x, y = batch
        logits = model(x).float()
        if logits.shape[1] == 1:
            logits = logits[:, 0]
            loss = F.binary_cross_entropy_with_logits(logits, y.float())
            hits = (logits > 0).long() == y
        else:
            loss = F.cross_entropy(logits, y)
            hits = logits.argmax(1) == y
        return loss, {"accuracy": hits.float().mean()}

    def fit(self, X, y, epochs: int = 50, validation_split: float = 0.0, validation_data=None) -> History:
        """Train from scratch on ``X`` (padded index sequences) and labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_texts, sequence_length)
            Integer word indices in ``[0, vocab_size)``; see :func:`pad_sequences`.
        y : array-like of shape (n_texts,)
            Integer labels in ``[0, n_classes)``.
        epochs : int, default 50
        validation_split : float, default 0.0
            Fraction of the data held out to validate, taken from the *end* of ``X`` and ``y``
            (before any shuffling), as in Keras.
        validation_data : tuple (X_val, y_val), optional
            Used instead of ``validation_split``.

        Returns
        -------
        History
            ``history.history`` holds per-epoch ``loss`` and ``accuracy`` (and ``val_loss``,
            ``val_accuracy`` with validation data). Training loss and accuracy are averaged over
            the epoch's batches while the weights change, as Keras reports them.
        """
        spec = self._check_params()
        epochs = _int_param("epochs", epochs, 1)
        n_classes = int(self.n_classes)
        X = self._check_X(X, spec["vocab_size"], spec["input_length"])
        y = self._check_y(y, len(X), n_classes)
        if not (isinstance(validation_split, (int, float)) and 0.0 <= validation_split < 1.0):
            raise ValueError(f"validation_split must be in [0, 1), got {validation_split!r}.")
        input_length = X.shape[1]
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("validation_data must be a tuple (X_val, y_val).")
            Xv = self._check_X(validation_data[0], spec["vocab_size"], input_length, name="X_val")
            val = (Xv, self._check_y(validation_data[1], len(Xv), n_classes, name="y_val"))
        elif validation_split > 0:
            split_at = int(len(X) * (1.0 - validation_split))
            if split_at == 0 or split_at == len(X):
                raise ValueError(
                    f"validation_split={validation_split} leaves {split_at} of {len(X)} rows to train "
                    "on; use a different validation_split or more data."
                )
            X, y, val = X[:split_at], y[:split_at], (X[split_at:], y[split_at:])

        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        spec["input_length"] = input_length
        width = spec["embedding_dim"] * (input_length if spec["pooling"] == "flatten" else 1)
        sizes = [width, *spec["hidden"], spec["n_outputs"]]
        _check_training_memory(spec["vocab_size"] * spec["embedding_dim"] + dense_weight_count(sizes),
                               "an EmbeddingClassifier", "a smaller vocab_size, embedding_dim or input_length")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)  # initial weights
            self.model_ = _EmbeddingNet(**spec)
        init = self._check_init(spec["vocab_size"], spec["embedding_dim"])
        if init is not None:
            with torch.no_grad():
                self.model_.embedding.weight.copy_(init)
                self.model_.embedding.weight[0].zero_()
        self.input_length_ = self.n_features_in_ = input_length
        self.classes_ = np.arange(n_classes)
        config = TrainConfig(
            max_epochs=epochs, batch_size=self.batch_size, learning_rate=self.learning_rate,
            validation_split=0.0, early_stopping=bool(self.early_stopping), patience=self.patience,
            restore_best_weights=bool(self.early_stopping), precision=self.precision,
            device=self.device, random_state=seed, verbose=self.verbose, desc=type(self).__name__,
        )
        y_t = y.astype(np.float32) if spec["n_outputs"] == 1 else y
        val_t = None if val is None else (val[0], val[1].astype(np.float32) if spec["n_outputs"] == 1 else val[1])
        self.history_ = train(self.model_, self._loss, (X, y_t), config, validation_data=val_t)
        return self.history_

    # -- predict -----------------------------------------------------------------------------

    def _logits(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        X = self._check_X(X, int(self.vocab_size), self.input_length_)
        device = next(self.model_.parameters()).device
        return predict_batches(self.model_, X, device=device, precision=self.precision)

    def predict(self, X) -> np.ndarray:
        """Class probabilities, like Keras' ``predict``: shape (n, 1) holding P(class 1) for two
        classes, (n, n_classes) otherwise."""
        z = torch.from_numpy(self._logits(X))
        p = torch.sigmoid(z) if z.shape[1] == 1 else torch.softmax(z, dim=1)
        return p.numpy()

    def predict_proba(self, X) -> np.ndarray:
        """Probabilities of every class, shape (n, n_classes), as in scikit-learn."""
        p = self.predict(X)
        return np.hstack([1.0 - p, p]) if p.shape[1] == 1 else p

    def predict_classes(self, X) -> np.ndarray:
        """Predicted labels, shape (n,) (Keras 2 gave (n, 1) for two classes)."""
        z = self._logits(X)
        return (z[:, 0] > 0).astype(np.int64) if z.shape[1] == 1 else z.argmax(1).astype(np.int64)

    def evaluate(self, X, y) -> tuple[float, float]:
        """``(loss, accuracy)`` on ``X``, ``y`` with the trained weights, as Keras' ``evaluate``."""
        z = torch.from_numpy(self._logits(X))
        y = torch.from_numpy(self._check_y(y, len(z), int(self.n_classes)))
        if z.shape[1] == 1:
            loss = F.binary_cross_entropy_with_logits(z[:, 0], y.float())
            acc = ((z[:, 0] > 0).long() == y).float().mean()
        else:
            loss = F.cross_entropy(z, y)
            acc = (z.argmax(1) == y).float().mean()
        return float(loss), float(acc)

    def score(self, X, y) -> float:
        """Accuracy on ``X``, ``y`` (what scikit-learn's model selection maximises)."""
        return self.evaluate(X, y)[1]

    @property
    def embeddings_(self) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self.model_.embedding.weight.detach().cpu().numpy().copy()

    # -- summary -----------------------------------------------------------------------------

    def _layers(self) -> list[tuple[str, str, tuple, int]]:
        spec = self._check_params()
        length = getattr(self, "input_length_", spec["input_length"])
        if spec["pooling"] == "flatten" and length is None:
            raise ValueError(
                "The summary of a pooling='flatten' model needs the sequence length: set "
                "input_length or fit the model first."
            )
        d, counts = spec["embedding_dim"], {}

        def name(kind: str) -> str:
            k = counts.get(kind, 0)
            counts[kind] = k + 1
            return kind if k == 0 else f"{kind}_{k}"

        layers = [(name("embedding"), "Embedding", (None, length, d), spec["vocab_size"] * d)]
        if spec["pooling"] == "flatten":
            width = length * d
            layers.append((name("flatten"), "Flatten", (None, width), 0))
        else:
            width = d
            layers.append((name("global_average_pooling1d"), "GlobalAveragePooling1D", (None, width), 0))
        if spec["dropout"] > 0:
            layers.append((name("dropout"), "Dropout", (None, width), 0))
        for h in spec["hidden"]:
            layers.append((name("dense"), "Dense", (None, h), width * h + h))
            width = h
            if spec["dropout"] > 0:
                layers.append((name("dropout"), "Dropout", (None, width), 0))
        out = spec["n_outputs"]
        layers.append((name("dense"), "Dense", (None, out), width * out + out))
        return layers

    def summary(self, print_fn: Callable[[str], object] | None = print) -> str:
        """Print (with ``print_fn``; ``None`` prints nothing) and return a Keras-like table of
        the layers: name, type, output shape (``None`` is the batch size) and parameter count.

        Works before :meth:`fit` when the sequence length is known (``input_length``, or
        ``pooling="mean"``).

        Examples
        --------
        >>> _ = EmbeddingClassifier(vocab_size=20, input_length=4).summary()
        Model: "EmbeddingClassifier"
        _________________________________________________________________
         Layer (type)                Output Shape              Param #
        =================================================================
         embedding (Embedding)       (None, 4, 8)              160
        <BLANKLINE>
         flatten (Flatten)           (None, 32)                0
        <BLANKLINE>
         dense (Dense)               (None, 1)                 33
        <BLANKLINE>
        =================================================================
        Total params: 193
        Trainable params: 193
        Non-trainable params: 0
        _________________________________________________________________
        """
        layers = self._layers()
        width = 65
        lines = [f'Model: "{type(self).__name__}"', "_" * width,
                 f"{' Layer (type)':<29}{'Output Shape':<26}Param #", "=" * width]
        for lname, kind, shape, n in layers:
            shape_text = "(" + ", ".join(str(s) for s in shape) + ")"
            lines.append(f"{' ' + lname + ' (' + kind + ')':<29}{shape_text:<26}{n:,}".rstrip())
            lines.append("")
        total = sum(n for *_, n in layers)
        # Keras counts the padding row of the embedding as trainable too; so do we.
        lines += ["=" * width, f"Total params: {total:,}", f"Trainable params: {total:,}",
                  "Non-trainable params: 0", "_" * width]
        text = "\n".join(lines)
        if print_fn is not None:
            print_fn(text)
        return text

    # -- model files -------------------------------------------------------------------------

    def save(self, path):
        """Write the fitted model to the folder ``path`` (safetensors + JSON); see :func:`aekit.load`."""
        check_is_fitted(self, "model_")
        return _save(self, path)

    def _get_saved_state(self):
        state = {"input_length_": int(self.input_length_), "history": self.history_.to_dict()}
        tensors = {f"model.{k}": v for k, v in self.model_.state_dict().items()}
        return state, tensors

    @classmethod
    def _from_saved_state(cls, params, state, tensors):
        if isinstance(params.get("hidden"), list):
            params["hidden"] = tuple(params["hidden"])
        self = cls(**params)
        spec = self._check_params()
        spec["input_length"] = int(state["input_length_"])
        self.model_ = _EmbeddingNet(**spec)
        self.model_.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
        self.model_.eval()
        self.input_length_ = self.n_features_in_ = spec["input_length"]
        self.classes_ = np.arange(int(self.n_classes))
        self.history_ = History.from_dict(state["history"])
        return self


# --------------------------------------------------------------------------------------------
# TextAutoencoder
# --------------------------------------------------------------------------------------------

LOSSES = ("softmax", "cosine", "mse")
# Word vectors start at N(0, 0.1^2). On the movie reviews a 1/sqrt(3) start gave worse embeddings
# (0.66 against 0.70 logistic-regression accuracy, 25 epochs).
_WORD_INIT_STD = 0.1


def _check_texts(texts, where: str) -> list[str]:
    """A list of strings, or a clear error naming the first thing that is not one."""
    _check_text_list(texts, where)
    if isinstance(texts, np.ndarray) and texts.ndim != 1:
        raise ValueError(f"{where} expects a 1-D list of texts, got an array of shape {texts.shape}.")
    texts = list(texts)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(
                f"{where} expects texts (str), but item {i} is {type(t).__name__}: {t!r:.60}. "
                "Convert missing values to '' and numbers to strings first."
            )
    if not texts:
        raise ValueError(f"{where} got no texts: at least one is needed.")
    return texts


class _TextAENet(nn.Module):
    """Sparse TF-IDF row -> ReLU(x @ W1 + b1) -> Linear -> z -> Linear -> scores over the words.

    The first layer is ``nn.Linear(n_words, hidden)`` in maths, held as an ``EmbeddingBag``
    (row ``i`` of its weight is column ``i`` of the Linear's), so that a document costs as many
    rows as it has distinct words instead of a dense ``n_words``-wide product. With
    ``n_classes``, a linear ``label_head`` reads the labels from z (semi-supervised fitting).
    """

    def __init__(self, n_words: int, hidden: int, n_components: int, n_classes: int = 0):
        super().__init__()
        self.words = nn.EmbeddingBag(n_words, hidden, mode="sum")
        self.bias = nn.Parameter(torch.zeros(hidden))
        self.to_latent = nn.Linear(hidden, n_components)
        self.decoder = nn.Linear(n_components, n_words)
        self.label_head = nn.Linear(n_components, n_classes) if n_classes else None
        with torch.no_grad():
            nn.init.normal_(self.words.weight, 0.0, _WORD_INIT_STD)

    def encode(self, indices: torch.Tensor, offsets: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        h = self.words(indices, offsets, per_sample_weights=weights) + self.bias
        return self.to_latent(F.relu(h))


class _RowLookup:
    """Row ids -> the (indices, offsets, weights) triple of those CSR rows, on ``device``."""

    def __init__(self, X):
        self.X = X

    def __call__(self, rows: torch.Tensor, device):
        sub = self.X[rows.cpu().numpy()]
        return (torch.from_numpy(sub.indices.astype(np.int64)).to(device),
                torch.from_numpy(sub.indptr.astype(np.int64)).to(device),
                torch.from_numpy(sub.data.astype(np.float32)).to(device))


class _TextAELoss:
    """Denoising reconstruction loss over batches of ``(row ids, labels)`` of a CSR TF-IDF matrix.

    Input: the row with each word dropped with probability ``dropout`` (survivors scaled by
    ``1 / (1 - dropout)``; only while training). Target: the full row. ``"softmax"`` treats the
    row, divided by its sum, as a distribution over words and scores it by cross-entropy against
    ``softmax(scores)`` (the multinomial likelihood of topic models; it touches only the words
    present, so no dense target is built); ``"cosine"`` is ``1 - cos(scores, row)`` and ``"mse"``
    the squared error summed over words, both on the row made dense per batch.

    When the model has a ``label_head``, ``label_weight`` times the cross-entropy of the labels
    read from the embedding is added, over the rows of the batch that have one (label >= 0).
    """

    def __init__(self, X, dropout: float, loss: str, label_weight: float = 0.0):
        self.rows, self.dropout, self.loss = _RowLookup(X), float(dropout), loss
        self.label_weight = float(label_weight)

    def _reconstruction(self, scores, rows, indices, indptr, data):
        counts = indptr[1:] - indptr[:-1]
        owner = torch.repeat_interleave(torch.arange(len(rows), device=rows.device), counts)
        if self.loss == "softmax":
            total = torch.zeros(len(rows), device=rows.device).index_add_(0, owner, data)
            p = data / total[owner].clamp_min(1e-12)
            log_p_model = scores[owner, indices] - torch.logsumexp(scores, dim=1)[owner]
            return -(p * log_p_model).sum() / len(rows)
        target = torch.zeros_like(scores)
        target[owner, indices] = data
        if self.loss == "cosine":
            return (1.0 - F.cosine_similarity(scores, target, dim=1, eps=1e-8)).mean()
        return (scores - target).pow(2).sum(1).mean()

    def __call__(self, model, batch):
        rows, labels = batch
        device = rows.device
        indices, indptr, data = self.rows(rows, device)
        weights = data
        if model.training and self.dropout > 0:
            keep = torch.rand(len(data), device=device) >= self.dropout
            weights = data * keep / (1.0 - self.dropout)
        z = model.encode(indices, indptr[:-1], weights)
        reconstruction = self._reconstruction(model.decoder(z).float(), rows, indices, indptr, data)
        if model.label_head is None:
            return reconstruction
        # The label term reads the same word-dropped input, so it also learns from partial texts.
        labelled = labels >= 0
        logits = model.label_head(z).float()
        # A batch without labels still routes the head into the graph (times 0): under
        # DistributedDataParallel every rank must produce a gradient for every parameter.
        label_loss = (F.cross_entropy(logits[labelled], labels[labelled]) if labelled.any()
                      else 0.0 * logits.sum())
        return (reconstruction + self.label_weight * label_loss,
                {"reconstruction": reconstruction.detach(), "label_loss": label_loss.detach()})


def _is_unlabelled(value) -> bool:
    if value is None:
        return True
    if isinstance(value, (float, np.floating)) and np.isnan(value):
        return True
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
        and value == -1


def _semi_supervised_labels(y, n_texts: int) -> tuple[np.ndarray | None, np.ndarray]:
    """``(classes, codes)``: codes index ``classes`` for labelled texts and are -1 elsewhere.

    Without labels ``classes`` is None and every code is -1.
    """
    if y is None:
        return None, np.full(n_texts, -1, dtype=np.int64)
    if isinstance(y, str) or not hasattr(y, "__len__"):
        raise TypeError(f"y must be a list or array of labels, one per text, got {type(y).__name__}.")
    values = np.asarray(y, dtype=object)
    if values.ndim != 1 or len(values) != n_texts:
        raise ValueError(f"y must hold one label per text: got shape {values.shape} for {n_texts} texts.")
    unlabelled = np.array([_is_unlabelled(v) for v in values], dtype=bool)
    known = values[~unlabelled]
    if len({isinstance(v, str) for v in known}) > 1:  # np.unique would turn the numbers into strings
        raise TypeError("y mixes labels of different kinds (numbers and strings); use one kind.")
    try:
        classes, codes = np.unique(known.tolist(), return_inverse=True)
    except TypeError:
        raise TypeError("y mixes labels of different kinds that cannot be sorted; use one kind.") from None
    if len(classes) < 2:
        raise ValueError(
            f"y has {len(known)} labelled texts in {len(classes)} class(es); a semi-supervised fit needs "
            "two or more classes (mark unlabelled texts -1, None or NaN). For a purely unsupervised "
            "embedding, call fit(texts) without y."
        )
    out = np.full(n_texts, -1, dtype=np.int64)
    out[~unlabelled] = codes.ravel()
    return classes, out


@register
class TextAutoencoder(BaseEstimator):
    """Document embeddings learned by reconstructing each document's words (denoising).

    Each text becomes its TF-IDF vector (scikit-learn's ``TfidfVectorizer``: sublinear term
    frequency, L2-normalised). The encoder maps it through a wide ReLU layer to
    ``n_components`` numbers, the embedding; a linear decoder maps the embedding back to a
    score for every word of the vocabulary. Training drops each word of the input with
    probability ``input_dropout`` and asks for the whole document back, so the embedding must
    capture which words go together rather than copy them.

    The first layer holds one ``hidden``-long vector per vocabulary word (the columns of its
    weight matrix): those are the word vectors of :meth:`most_similar`, :meth:`save_word2vec`
    and :meth:`save_projector`, and the initial embeddings of
    :meth:`EmbeddingClassifier.from_text_autoencoder`.

    Parameters
    ----------
    n_components : int, default 64
        Length of the document embedding.
    max_features : int or None, default 20000
        Keep the most frequent words (n-grams) only.
    min_df : int or float, default 2
        Ignore words found in fewer documents (a fraction when float), as ``TfidfVectorizer``.
    ngram_range : tuple (int, int), default (1, 1)
        Word n-grams of the vocabulary; ``(1, 2)`` adds pairs of words. Pairs then also become
        tokens of :meth:`texts_to_sequences`: on the movie reviews an
        :class:`EmbeddingClassifier` on 1-3-gram tokens reached 0.80 accuracy, against 0.78 on
        single words (see ``benchmarks/text.py``).
    hidden : int, default 512
        Width of the encoder's hidden layer, and the length of the word vectors.
    input_dropout : float, default 0.75
        Probability of dropping each word from the input while training (0 disables denoising).
        Heavy dropout makes the embedding predict the words a document *would* use from the
        few it keeps; on the movie reviews 0.75 gave better embeddings than 0.5.
    loss : {"softmax", "cosine", "mse"}, default "softmax"
        Reconstruction loss: cross-entropy between the document's TF-IDF weights (as a
        distribution over words) and the softmax of the decoder's scores; ``1 - cosine``
        between scores and TF-IDF vector; or squared error. On the movie reviews (15 epochs,
        64-d, logistic regression on the embeddings) they reached 0.69, 0.67 and 0.58 accuracy:
        squared error on sparse TF-IDF rows learns little more than the average document.
    label_weight : float, default 1.0
        Weight of the label term when :meth:`fit` is given labels (semi-supervised). On the
        movie reviews (64-d, labels of the 80% training split, ``benchmarks/text.py``) a
        logistic regression on the embeddings reached 0.78 accuracy, against 0.69 without
        labels; weights from 0.3 to 3 gave much the same.
    max_epochs : int, default 30
    batch_size : int, default 256
    learning_rate : float, default 2e-3
        Adam's step size, constant (on the movie reviews a cosine decay over 30 epochs gave
        worse embeddings: they keep improving after the reconstruction loss levels off).
    validation_split : float, default 0.1
        Fraction of the texts held out to stop early (no hold-out with fewer than 20 texts).
    early_stopping : bool, default True
    patience : int, default 5
    device : str, default "auto"
    random_state : int, RandomState or None, default None
        Seeds the initial weights, the batches and the word dropout.
    verbose : int, default 0
        0 silent, 1 a progress bar on a terminal, 2 also a line per epoch.

    Attributes
    ----------
    vocabulary_ : list of str
        The words (n-grams), in the order of the word vectors.
    idf_ : ndarray of shape (n_words,)
        Inverse document frequencies learned from the fitted texts.
    vectorizer_ : sklearn.feature_extraction.text.TfidfVectorizer
        Turns texts into the network's input; rebuilt from ``vocabulary_`` and ``idf_`` on load.
    model_ : torch.nn.Module
        The trained network.
    word_vectors_ : ndarray of shape (n_words, hidden)
        One vector per word of ``vocabulary_``.
    embedding_ : ndarray of shape (n_texts, n_components)
        The embeddings of the fitted texts (what :meth:`similar_documents` searches).
    classes_ : ndarray or None
        The labels seen by a semi-supervised :meth:`fit`; None when fitted without labels.
    history_ : aekit.training.History
        With labels it also logs ``reconstruction`` and ``label_loss`` per epoch.
    n_iter_ : int
        Epochs trained.

    See Also
    --------
    sklearn.decomposition.TruncatedSVD : LSA, the linear baseline on the same TF-IDF matrix.
    EmbeddingClassifier.from_text_autoencoder : a classifier that starts from these word vectors.

    Examples
    --------
    >>> from aekit.text import TextAutoencoder
    >>> texts = ["the cat sat on the mat", "a dog chased the cat", "stocks fell on monday",
    ...          "the market rallied as stocks rose", "my dog and my cat", "bond prices and the market"]
    >>> tae = TextAutoencoder(n_components=2, hidden=16, min_df=1, max_epochs=5, random_state=0)
    >>> tae.fit(texts).transform(["the cat and the dog"]).shape
    (1, 2)
    >>> len(tae.most_similar("cat", topn=3)), tae.word_vectors_.shape
    (3, (18, 16))

    Semi-supervised: labels for some texts (None marks the unlabelled ones) shape the embedding.

    >>> topics = ["pets", "pets", "money", None, None, "money"]
    >>> semi = TextAutoencoder(n_components=2, hidden=16, min_df=1, max_epochs=5, random_state=0)
    >>> semi.fit(texts, topics).classes_.tolist()
    ['money', 'pets']
    """

    def __init__(
        self,
        n_components=64,
        max_features=20000,
        min_df=2,
        ngram_range=(1, 1),
        hidden=512,
        input_dropout=0.75,
        loss="softmax",
        label_weight=1.0,
        max_epochs=30,
        batch_size=256,
        learning_rate=2e-3,
        validation_split=0.1,
        early_stopping=True,
        patience=5,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.max_features = max_features
        self.min_df = min_df
        self.ngram_range = ngram_range
        self.hidden = hidden
        self.input_dropout = input_dropout
        self.loss = loss
        self.label_weight = label_weight
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.patience = patience
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # -- checks ------------------------------------------------------------------------------

    def _check_params(self) -> None:
        _int_param("n_components", self.n_components, 1)
        _int_param("hidden", self.hidden, 1)
        if self.max_features is not None:
            _int_param("max_features", self.max_features, 1)
        if not (isinstance(self.input_dropout, (int, float)) and 0.0 <= self.input_dropout < 1.0):
            raise ValueError(f"input_dropout must be in [0, 1), got {self.input_dropout!r}.")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(map(repr, LOSSES))}, got {self.loss!r}.")
        if isinstance(self.label_weight, bool) or not isinstance(self.label_weight, (int, float)) \
                or not 0.0 <= self.label_weight < float("inf"):
            raise ValueError(f"label_weight must be a number >= 0, got {self.label_weight!r}.")
        ngram = tuple(self.ngram_range) if isinstance(self.ngram_range, (list, tuple)) else ()
        if len(ngram) != 2 or not all(isinstance(n, (int, np.integer)) and n >= 1 for n in ngram) \
                or ngram[0] > ngram[1]:
            raise ValueError(f"ngram_range must be a pair (min_n, max_n) with 1 <= min_n <= max_n, "
                             f"got {self.ngram_range!r}.")

    def _vectorizer(self, **kw):
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(sublinear_tf=True, ngram_range=tuple(int(n) for n in self.ngram_range),
                               dtype=np.float32, **kw)

    def _tfidf(self, texts):
        X = self.vectorizer_.transform(texts).tocsr()
        X.sort_indices()
        return X

    # -- fit / transform ---------------------------------------------------------------------

    def fit(self, texts, y=None):
        """Learn the vocabulary, the IDF weights and the autoencoder from ``texts``.

        Parameters
        ----------
        texts : list of str
        y : array-like of shape (n_texts,), optional
            Labels, for a semi-supervised embedding. Without them (the default) the embedding
            is learned from the words alone. With them, a linear head must also read each
            labelled text's label from its embedding (``label_weight`` times its cross-entropy
            is added to the reconstruction loss), so the embedding keeps what tells the classes
            apart. Unlabelled texts are marked ``-1`` (scikit-learn's convention for
            semi-supervised learning), ``None`` or NaN; they are still reconstructed.

        Returns
        -------
        self
        """
        self._check_params()
        texts = _check_texts(texts, "TextAutoencoder.fit")
        classes, labels = _semi_supervised_labels(y, len(texts))
        vec = self._vectorizer(min_df=self.min_df, max_features=self.max_features)
        try:
            vec.fit(texts)
        except ValueError as exc:
            raise ValueError(
                f"No vocabulary could be learned from the {len(texts)} texts ({exc}). They need words "
                "of two or more letters; with few texts, lower min_df (now "
                f"{self.min_df!r})."
            ) from None
        self.vectorizer_ = vec
        self.vocabulary_ = [str(w) for w in vec.get_feature_names_out()]
        self._index = {w: i for i, w in enumerate(self.vocabulary_)}
        self.idf_ = vec.idf_.astype(np.float32)
        X = self._tfidf(texts)
        if X.nnz == 0:
            raise ValueError("None of the texts has a word of the vocabulary.")

        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        n_words, hidden, k = len(self.vocabulary_), int(self.hidden), int(self.n_components)
        n_classes = len(classes) if classes is not None else 0
        _check_training_memory(n_words * hidden + hidden + hidden * k + k + k * n_words + n_words,
                               "a TextAutoencoder", "a smaller n_components (--dims), hidden or max_features")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.model_ = _TextAENet(n_words, hidden, k, n_classes)
        split = float(self.validation_split) if len(texts) >= 20 else 0.0
        config = TrainConfig(
            max_epochs=self.max_epochs, batch_size=self.batch_size, learning_rate=self.learning_rate,
            lr_schedule="constant", validation_split=split,
            early_stopping=bool(self.early_stopping) and split > 0, patience=self.patience,
            restore_best_weights=split > 0, precision="fp32", device=self.device, random_state=seed,
            verbose=self.verbose, desc=type(self).__name__,
        )
        loss = _TextAELoss(X, float(self.input_dropout), self.loss, float(self.label_weight))
        self.history_ = train(self.model_, loss, (torch.arange(X.shape[0]), torch.from_numpy(labels)), config)
        self.n_iter_ = len(self.history_.epoch)
        self.classes_ = classes
        self.embedding_ = self._encode(X)
        return self

    def fit_transform(self, texts, y=None) -> np.ndarray:
        """Fit (with labels ``y`` if given), then return the embeddings of ``texts`` (``embedding_``)."""
        return self.fit(texts, y).embedding_.copy()

    def _encode(self, X) -> np.ndarray:
        device = next(self.model_.parameters()).device
        lookup = _RowLookup(X)

        def fn(rows):
            return self.model_.encode(*_offsets(lookup(rows, device)))

        return predict_batches(fn, np.arange(X.shape[0]), device=device, precision="fp32")

    def transform(self, texts) -> np.ndarray:
        """Embed ``texts``: an array of shape (n_texts, n_components), float32.

        Words outside the vocabulary are ignored; a text with none of its words in the
        vocabulary gets the embedding of the empty text.
        """
        check_is_fitted(self, "model_")
        return self._encode(self._tfidf(_check_texts(texts, "TextAutoencoder.transform")))

    # -- words -------------------------------------------------------------------------------

    @property
    def word_vectors_(self) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self.model_.words.weight.detach().cpu().numpy().copy()

    def _word_id(self, word) -> int:
        check_is_fitted(self, "model_")
        if not isinstance(word, str):
            raise TypeError(f"word must be a string, got {type(word).__name__}: {word!r:.60}.")
        i = self._index.get(word, self._index.get(word.lower()))
        if i is None:
            raise KeyError(f"{word!r} is not in the vocabulary ({len(self.vocabulary_):,} words "
                           f"seen in at least min_df={self.min_df!r} of the fitted texts).")
        return i

    def most_similar(self, word: str, topn: int = 10) -> list[tuple[str, float]]:
        """The ``topn`` words whose vectors are closest to ``word``'s (cosine similarity).

        Returns
        -------
        list of (str, float)
            Most similar first; ``word`` itself is left out.

        Raises
        ------
        KeyError
            When ``word`` is not in the vocabulary.
        """
        i = self._word_id(word)
        topn = _int_param("topn", topn, 1)
        W = self.word_vectors_
        W = W / np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1e-12)
        sims = W @ W[i]
        sims[i] = -np.inf
        order = np.argsort(-sims, kind="stable")[: min(topn, len(sims) - 1)]
        return [(self.vocabulary_[j], float(sims[j])) for j in order]

    def similar_documents(self, text: str, topn: int = 10) -> list[tuple[int, float]]:
        """The fitted texts whose embeddings are closest to ``text``'s (cosine similarity).

        Returns
        -------
        list of (int, float)
            ``(position in the texts passed to fit, cosine)``, most similar first. The model
            keeps the fitted texts' embeddings, not the texts themselves.
        """
        check_is_fitted(self, "model_")
        _check_text(text, "similar_documents")
        topn = _int_param("topn", topn, 1)
        q = self.transform([text])[0]
        E = self.embedding_
        sims = E @ q / np.maximum(np.linalg.norm(E, axis=1) * np.linalg.norm(q), 1e-12)
        order = np.argsort(-sims, kind="stable")[:topn]
        return [(int(j), float(sims[j])) for j in order]

    def save_word2vec(self, path) -> None:
        """Write the word vectors in word2vec's text format (atomically).

        The first line is ``n_words dim``; then one line per word: the word and its numbers,
        separated by single spaces. Spaces inside n-grams become ``_``. gensim reads it with
        ``KeyedVectors.load_word2vec_format(path, binary=False)``.
        """
        W = self.word_vectors_
        lines = [f"{W.shape[0]} {W.shape[1]}"]
        lines += [w.replace(" ", "_") + " " + " ".join(f"{v:.6g}" for v in row)
                  for w, row in zip(self.vocabulary_, W)]
        _write_text(path, "\n".join(lines) + "\n")

    def save_projector(self, vectors_tsv, metadata_tsv) -> None:
        """Write the two files TensorFlow's Embedding Projector loads (atomically).

        ``vectors_tsv`` holds one word vector per line, tab-separated, no header;
        ``metadata_tsv`` the matching word on each line (one column, so no header).
        """
        W = self.word_vectors_
        _write_text(vectors_tsv, "".join("\t".join(f"{v:.6g}" for v in row) + "\n" for row in W))
        _write_text(metadata_tsv, "".join(w + "\n" for w in self.vocabulary_))

    def texts_to_sequences(self, texts, maxlen: int | None = None) -> np.ndarray:
        """Texts as padded sequences of word indices for an :class:`EmbeddingClassifier` built
        with :meth:`EmbeddingClassifier.from_text_autoencoder`.

        Words are split as for the TF-IDF vectors; index ``i + 1`` is ``vocabulary_[i]`` (0 is
        padding); words outside the vocabulary are dropped. Sequences are padded at the end, and
        truncated to ``maxlen`` (default: the longest) from the end.
        """
        check_is_fitted(self, "model_")
        texts = _check_texts(texts, "texts_to_sequences")
        analyzer = self.vectorizer_.build_analyzer()
        seqs = [[self._index[w] + 1 for w in analyzer(t) if w in self._index] for t in texts]
        if maxlen is None:
            maxlen = max(1, max(len(s) for s in seqs))
        return pad_sequences(seqs, maxlen=maxlen, padding="post", truncating="post", dtype="int64")

    # -- model files -------------------------------------------------------------------------

    def save(self, path):
        """Write the fitted model to the folder ``path`` (safetensors + JSON); see :func:`aekit.load`.

        The vocabulary and IDF weights are stored as JSON and numbers: loading never unpickles.
        """
        check_is_fitted(self, "model_")
        return _save(self, path)

    def _get_saved_state(self):
        state = {"vocabulary": self.vocabulary_, "history": self.history_.to_dict(),
                 "n_iter": int(self.n_iter_),
                 "classes": None if self.classes_ is None else self.classes_.tolist()}
        tensors = {f"model.{k}": v for k, v in self.model_.state_dict().items()}
        tensors["idf"] = torch.from_numpy(np.asarray(self.idf_, dtype=np.float32))
        tensors["embedding"] = torch.from_numpy(np.asarray(self.embedding_, dtype=np.float32))
        return state, tensors

    @classmethod
    def _from_saved_state(cls, params, state, tensors):
        if isinstance(params.get("ngram_range"), list):
            params["ngram_range"] = tuple(params["ngram_range"])
        self = cls(**params)
        self._check_params()
        vocab = [str(w) for w in state["vocabulary"]]
        idf = tensors["idf"].numpy().astype(np.float32)
        if len(idf) != len(vocab):
            raise ValueError(f"{len(vocab)} words but {len(idf)} IDF weights")
        self.vectorizer_ = self._vectorizer(vocabulary={w: i for i, w in enumerate(vocab)})
        self.vectorizer_.idf_ = idf
        self.vocabulary_, self.idf_ = vocab, idf
        self._index = {w: i for i, w in enumerate(vocab)}
        classes = state.get("classes")
        if classes is not None and (not isinstance(classes, list) or len(classes) < 2
                                    or not all(isinstance(c, (str, int, float, bool)) for c in classes)):
            raise ValueError("'classes' must be a list of two or more labels")
        self.classes_ = None if classes is None else np.asarray(classes)
        self.model_ = _TextAENet(len(vocab), int(self.hidden), int(self.n_components),
                                 0 if classes is None else len(classes))
        self.model_.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
        self.model_.eval()
        self.embedding_ = tensors["embedding"].numpy().copy()
        self.history_ = History.from_dict(state["history"])
        self.n_iter_ = int(state["n_iter"])
        return self


def _offsets(triple):
    indices, indptr, data = triple
    return indices, indptr[:-1], data


def _write_text(path, text: str) -> None:
    from .serialization import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")

"""Keras-2-compatible text preprocessing: words, hashing, padding and the Tokenizer.

:func:`text_to_word_sequence`, :func:`hashing_trick`, :func:`one_hot`, :func:`pad_sequences` and
:class:`Tokenizer` behave like their Keras 2 namesakes (``keras.preprocessing.text`` and
``keras.preprocessing.sequence``), so code and tutorials written for Keras 2 port line by line.
Where aekit differs, the docstring says so; the main difference is that :func:`one_hot` and
:func:`hashing_trick` hash words with MD5 by default, so a word gets the same index in every run
(Keras 2 used Python's ``hash``, which is salted per process).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable

import numpy as np

from .._validation import Interval
from .._version import __version__
from ..errors import ModelFileError, TokenizerNotFittedError
from ..serialization import write_json

__all__ = [
    "DEFAULT_FILTERS",
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
    """Turn a text into a list of word indices from 1 to ``n - 1`` by hashing each word.

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
    """Encode a text as a list of word indices from 1 to ``n - 1`` (Keras 2's ``one_hot``).

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
# Argument checks shared by the estimators
# --------------------------------------------------------------------------------------------


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


def _positive_int(name: str, value) -> int:
    """A function argument (not a hyper-parameter) that must be an integer >= 1, as an int."""
    if not Interval(int, 1, None).is_satisfied_by(value):
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}.")
    return int(value)

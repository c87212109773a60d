"""Input checks shared by every aekit estimator: each message names the problem and the fix.

Two kinds of check live here, once each:

- **Parameter constraints.** An estimator declares ``_parameter_constraints``, a table from each
  hyper-parameter's name to the values it accepts (scikit-learn's idea, written here rather than
  imported from scikit-learn's private ``_param_validation``). :func:`validate_params` checks the
  table; :class:`aekit._base.AekitEstimator` calls it at the start of every ``fit``.
- **Data checks.** :func:`check_finite` (NaN and infinite values), :func:`check_array_stack`
  (same-size arrays: tables and image stacks) and :func:`check_numeric_columns`.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Sequence

import numpy as np

__all__ = [
    "Interval",
    "IntSequence",
    "Options",
    "check_array_stack",
    "check_finite",
    "check_numeric_columns",
    "validate_params",
]


# --------------------------------------------------------------------------------------------
# Parameter constraints
# --------------------------------------------------------------------------------------------


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)


class Interval:
    """A number in ``[low, high]`` (``closed`` says which ends belong), integer or real.

    >>> Interval(int, 1, None).is_satisfied_by(3), str(Interval(int, 1, None))
    (True, 'a positive integer')
    >>> str(Interval(float, 0, 1, closed="left"))
    'a number in [0, 1)'
    """

    def __init__(self, kind: type, low=None, high=None, closed: str = "both"):
        if kind not in (int, float):
            raise TypeError("Interval kind is int or float")
        self.kind, self.low, self.high, self.closed = kind, low, high, closed

    def is_satisfied_by(self, value) -> bool:
        if not (_is_int(value) if self.kind is int else _is_real(value)):
            return False
        lo_ok = self.low is None or (value >= self.low if self.closed in ("both", "left") else value > self.low)
        hi_ok = self.high is None or (value <= self.high if self.closed in ("both", "right") else value < self.high)
        return bool(lo_ok and hi_ok)

    def __str__(self) -> str:
        what = "an integer" if self.kind is int else "a number"
        if self.high is None:
            if self.low is None:
                return what
            if self.kind is int and self.low == 1 and self.closed in ("both", "left"):
                return "a positive integer"
            return f"{what} {'>=' if self.closed in ('both', 'left') else '>'} {self.low:g}"
        if self.low is None:
            return f"{what} {'<=' if self.closed in ('both', 'right') else '<'} {self.high:g}"
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        return f"{what} in {left}{self.low:g}, {self.high:g}{right}"


class Options:
    """One of a few values, e.g. ``Options("fader", "vector")``."""

    def __init__(self, *values):
        self.values = values

    def is_satisfied_by(self, value) -> bool:
        return any(value is v or (type(value) is type(v) and value == v) for v in self.values)

    def __str__(self) -> str:
        names = [repr(v) for v in self.values]
        return "one of " + ", ".join(names) if len(names) > 2 else " or ".join(names)


class IntSequence:
    """A tuple or list of integers ``>= low`` with ``min_len`` to ``max_len`` items (or one
    integer, read as a 1-tuple, when ``allow_int``)."""

    def __init__(self, low: int = 1, min_len: int = 0, max_len: int | None = None, allow_int: bool = True):
        self.low, self.min_len, self.max_len, self.allow_int = low, min_len, max_len, allow_int

    def is_satisfied_by(self, value) -> bool:
        if _is_int(value) and self.allow_int:
            value = (value,)
        if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
            return False
        if len(value) < self.min_len or (self.max_len is not None and len(value) > self.max_len):
            return False
        return all(_is_int(v) and v >= self.low for v in value)

    def __str__(self) -> str:
        count = "" if self.max_len is None and self.min_len <= 1 else (
            f" ({self.min_len} to {self.max_len} of them)" if self.max_len is not None
            else f" (at least {self.min_len})")
        return f"a tuple of integers >= {self.low}{count}"


_NAMED = {
    "boolean": (lambda v: isinstance(v, (bool, np.bool_)), "True or False"),
    "random_state": (lambda v: v is None or _is_int(v) or isinstance(v, np.random.RandomState),
                     "None, an integer or a numpy RandomState"),
    "path": (lambda v: isinstance(v, (str, os.PathLike)), "a file path"),
    "verbose": (lambda v: _is_int(v) and v >= 0 or isinstance(v, bool), "an integer >= 0"),
}


def _satisfies(constraint, value) -> bool:
    if constraint is None:
        return value is None
    if isinstance(constraint, str):
        return bool(_NAMED[constraint][0](value))
    return constraint.is_satisfied_by(value)


def _describe(constraint) -> str:
    if constraint is None:
        return "None"
    if isinstance(constraint, str):
        return _NAMED[constraint][1]
    return str(constraint)


def validate_params(estimator) -> None:
    """Check every parameter listed in ``type(estimator)._parameter_constraints``.

    Each entry maps a parameter name to a list of constraints; the value must satisfy one of
    them. A constraint is ``None`` (the value None), an :class:`Interval`, :class:`Options`,
    :class:`IntSequence`, or one of the names ``"boolean"``, ``"random_state"``, ``"path"``,
    ``"verbose"``. Raises ``ValueError("<name> must be <what>, got <value>.")``.

    >>> from aekit import AutoencoderReducer
    >>> validate_params(AutoencoderReducer(n_components=0))
    Traceback (most recent call last):
    ...
    ValueError: n_components must be a positive integer, got 0.
    """
    for name, constraints in getattr(type(estimator), "_parameter_constraints", {}).items():
        value = getattr(estimator, name)
        if not any(_satisfies(c, value) for c in constraints):
            options = [_describe(c) for c in constraints]
            what = options[0] if len(options) == 1 else ", ".join(options[:-1]) + " or " + options[-1]
            raise ValueError(f"{name} must be {what}, got {value!r}.")


# --------------------------------------------------------------------------------------------
# Data checks
# --------------------------------------------------------------------------------------------

IMPUTE = ("Impute them (e.g. sklearn.impute.SimpleImputer in a Pipeline) or drop those rows first.")


def check_finite(X, what: str = "X", *, columns: Sequence | None = None, row_offset: int = 0,
                 fix: str = IMPUTE) -> None:
    """Refuse NaN and infinite values, saying how many there are, where the first is, and ``fix``.

    ``columns`` names the columns (the first bad one is then named, not numbered);
    ``row_offset`` is added to the row number (a block read from the middle of a file, or 1 for
    the line numbers a person reads in a CSV file).

    >>> check_finite(np.array([[0.0, 1.0], [np.nan, np.inf]]))
    Traceback (most recent call last):
    ...
    ValueError: X contains 1 NaN and 1 infinite values (the first at row 1, column 0). Impute them (e.g. sklearn.impute.SimpleImputer in a Pipeline) or drop those rows first.
    """
    X = np.asarray(X)
    if X.dtype.kind not in "fc":
        return  # integers and booleans are always finite
    bad = ~np.isfinite(X)
    if not bad.any():
        return
    first = np.argwhere(bad)[0]
    n_nan = int(np.isnan(X).sum())
    where = f"row {int(first[0]) + row_offset:,}" if X.ndim else "the value"
    if X.ndim >= 2:
        col = int(first[1])
        where += f", column {columns[col]!r}" if columns is not None else f", column {col}"
    raise ValueError(f"{what} contains {n_nan:,} NaN and {int(bad.sum()) - n_nan:,} infinite values "
                     f"(the first at {where}). {fix}")


def check_array_stack(X, what: str = "X", *, ndims: Sequence[int] = (2, 3, 4), shape_hint: str = "",
                      sizes_hint: str = "Crop or resize them to one size first.") -> np.ndarray:
    """``X`` (an array, or a list of same-shape arrays) as one numeric numpy array, not yet
    converted: a table ``(n, features)`` or a stack of images ``(n, H, W[, C])``.

    Refuses a list of arrays of different shapes (``sizes_hint`` says what to do), a dtype that is
    not numbers or booleans, a number of dimensions not in ``ndims`` (``shape_hint`` is appended)
    and an empty stack. NaN and infinite values are left to :func:`check_finite`.
    """
    if isinstance(X, (list, tuple)) and X and all(hasattr(x, "shape") for x in X):
        shapes = sorted({tuple(np.shape(x)) for x in X})
        if len(shapes) > 1:
            raise ValueError(f"{what} holds arrays of different shapes ({', '.join(map(str, shapes[:4]))}). "
                             f"{sizes_hint}")
    a = np.asarray(X)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise ValueError(f"{what} must be numeric, got dtype {a.dtype}.")
    if a.ndim not in tuple(ndims):
        shapes = {2: "(n_samples, n_features)", 3: "(n, H, W)", 4: "(n, H, W, C)"}
        allowed = " or ".join(shapes[d] for d in ndims if d in shapes)
        raise ValueError(f"{what} must be {allowed}; got shape {a.shape}.{' ' + shape_hint if shape_hint else ''}")
    if len(a) == 0:
        raise ValueError(f"{what} holds 0 samples.")
    return a


def check_numeric_columns(X) -> None:
    """Name the columns that are not numbers (scikit-learn would only say a string cannot
    become a float)."""
    dtypes = getattr(X, "dtypes", None)
    if dtypes is not None and hasattr(dtypes, "items"):  # a DataFrame
        from pandas.api.types import (  # X is a DataFrame: pandas is there
            is_bool_dtype,
            is_numeric_dtype,
        )

        bad = [str(c) for c, t in dtypes.items() if not (is_numeric_dtype(t) or is_bool_dtype(t))]
        if bad:
            raise ValueError(f"X has non-numeric columns {bad[:10]}. Drop them, or encode them as numbers "
                             "(e.g. sklearn.preprocessing.OneHotEncoder) before fitting.")
    elif isinstance(X, np.ndarray) and X.dtype.kind in "OUSV":
        if X.dtype.kind == "O":  # numbers held as Python objects are fine
            try:
                X.astype(np.float64)
                return
            except TypeError:  # e.g. a dict in a cell: scikit-learn's own TypeError says so
                return
            except ValueError:  # text in a cell
                pass
        raise ValueError(f"X has dtype {X.dtype}, not numbers. Convert it with X.astype(float), or drop or "
                         "encode the text columns (e.g. sklearn.preprocessing.OneHotEncoder) first.")


def _is_unlabelled(value) -> bool:
    if value is None:
        return True
    if isinstance(value, (float, np.floating)) and np.isnan(value):
        return True
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
        and value == -1


def semi_supervised_labels(y, n_rows: int, noun: str = "row", unsupervised_call: str = "fit(X)",
                           min_classes: int = 2) -> tuple[np.ndarray | None, np.ndarray]:
    """``(classes, codes)``: codes index ``classes`` for labelled rows and are -1 elsewhere;
    ``-1``, None and NaN mark unlabelled rows (``noun`` names a row in the messages).

    Without labels ``classes`` is None and every code is -1.
    """
    if y is None:
        return None, np.full(n_rows, -1, dtype=np.int64)
    if hasattr(y, "__array__") and not hasattr(y, "__len__"):  # array-likes such as scikit-learn's test wrappers
        y = np.asarray(y)
    if isinstance(y, str) or not hasattr(y, "__len__"):
        raise TypeError(f"y must be a list or array of labels, one per {noun}, got {type(y).__name__}.")
    values = np.asarray(y, dtype=object)
    if values.ndim != 1 or len(values) != n_rows:
        raise ValueError(f"y must hold one label per {noun}: got shape {values.shape} for {n_rows} {noun}s.")
    unlabelled = np.array([_is_unlabelled(v) for v in values], dtype=bool)
    known = values[~unlabelled]
    if len({isinstance(v, str) for v in known}) > 1:  # np.unique would turn the numbers into strings
        raise TypeError("y mixes labels of different kinds (numbers and strings); use one kind.")
    try:
        classes, codes = np.unique(known.tolist(), return_inverse=True)
    except TypeError:
        raise TypeError("y mixes labels of different kinds that cannot be sorted; use one kind.") from None
    if len(classes) < min_classes:
        raise ValueError(
            f"y has {len(known)} labelled {noun}s in {len(classes)} class(es); a semi-supervised fit needs "
            f"two or more classes (mark unlabelled {noun}s -1, None or NaN). For a purely unsupervised "
            f"embedding, call {unsupervised_call} without y."
        )
    out = np.full(n_rows, -1, dtype=np.int64)
    out[~unlabelled] = codes.ravel()
    return classes, out

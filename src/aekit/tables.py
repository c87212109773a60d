"""Reading and writing the numeric tables the command line works on: CSV, Parquet, .npy, .npz.

Outputs are written atomically and never over an input.
"""

from __future__ import annotations

import os
import tokenize
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .serialization import atomic_path, refuse_overwrite

__all__ = ["NpyShards", "ParquetRows", "Table", "check_output_path", "read_table", "write_table"]

FORMATS = (".csv", ".parquet", ".npy", ".npz")


@dataclass
class Table:
    """A numeric matrix read from a file, with its column names and an optional label column."""

    X: np.ndarray
    columns: list[str]
    labels: np.ndarray | None = None
    label_name: str | None = None


def _suffix(path: Path) -> str:
    s = path.suffix.lower()
    if s not in FORMATS:
        raise ValueError(f"{path}: unsupported file type {s or '(none)'!r}; use one of {', '.join(FORMATS)}.")
    return s


def _pandas():
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is in the dev and io extras
        raise ImportError("Reading CSV or Parquet needs pandas: pip install 'aekit[io]'.") from None
    return pd


def read_table(path: str | os.PathLike, labels: str | None = None) -> Table:
    """Read a numeric table. ``labels`` names a column (CSV/Parquet) or array (.npz) to set aside."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file.")
    suffix = _suffix(path)
    stream = _plan_read(path, suffix)
    if labels is not None and not isinstance(labels, str):
        raise TypeError(f"labels must be a column name (a string) or None, got {labels!r}.")
    if suffix in (".csv", ".parquet"):
        pd = _pandas()
        try:
            df = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
        except ImportError:
            raise ImportError("Reading Parquet needs pyarrow: pip install 'aekit[io]'.") from None
        except Exception as exc:  # noqa: BLE001 - parser errors come in many types
            raise ValueError(f"{path}: cannot be read as {suffix[1:].upper()} ({exc}).") from None
        if df.shape[0] == 0:
            raise ValueError(f"{path}: has no data rows (columns {[str(c) for c in df.columns][:20]}).")
        y = None
        if labels is not None:
            if labels not in df.columns:
                raise ValueError(f"{path}: no column {labels!r} for --labels; columns are {list(df.columns)[:20]}.")
            y = df.pop(labels).to_numpy()
        bad = [str(c) for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
        if bad:
            raise ValueError(
                f"{path}: columns {bad[:10]} are not numeric. Drop them, or name a label column with --labels."
            )
        return Table(df.to_numpy(dtype=np.float64, na_value=np.nan), [str(c) for c in df.columns], y, labels)
    try:
        if suffix == ".npy":
            # a large .npy is memory-mapped: aekit then streams it a block of rows at a time
            X = np.load(path, allow_pickle=False, mmap_mode="r" if stream else None)
            y = None
            if not isinstance(X, np.ndarray):  # np.load opens any zip archive as an .npz, whatever its name
                X.close()
                raise ValueError(f"{path}: is an .npz archive, not a .npy array; rename it to .npz.")
            if labels is not None:
                raise ValueError(f"{path}: a .npy file holds one array; --labels needs a CSV, Parquet or .npz file.")
        else:
            z = np.load(path, allow_pickle=False)
            if not isinstance(z, np.lib.npyio.NpzFile):
                raise ValueError(f"{path}: is a single .npy array, not an .npz archive; rename it to .npy.")
            with z:
                names = list(z.files)
                if labels is not None and labels not in names:
                    raise ValueError(f"{path}: no array {labels!r} for --labels; arrays are {names}.")
                data_names = [n for n in names if n != labels]
                key = "X" if "X" in data_names else (data_names[0] if data_names else None)
                if key is None:
                    raise ValueError(f"{path}: the .npz file holds no data array.")
                X = z[key]
                y = z[labels] if labels is not None else None
            for name, a in ((key, X), (labels, y)):
                if a is not None and not isinstance(a, np.ndarray):  # a member that is not a .npy
                    raise ValueError(f"{path}: member {name!r} of the .npz archive is not a numpy array.")
            if y is not None and (y.ndim != 1 or len(y) != len(X)):
                raise ValueError(f"{path}: the labels {labels!r} have shape {y.shape} but the data has "
                                 f"{len(X)} rows; labels need one value per row.")
    except ValueError as exc:
        if "pickled" in str(exc) or "Object arrays" in str(exc):
            raise ValueError(f"{path}: holds Python objects; aekit only reads numeric arrays (no pickle).") from None
        if str(path) in str(exc):
            raise
        raise ValueError(f"{path}: cannot be read as {suffix[1:]} ({exc}).") from None
    except (OSError, EOFError, SyntaxError, tokenize.TokenError, zipfile.BadZipFile, zlib.error,
            NotImplementedError, RuntimeError) as exc:
        # numpy's header parser: SyntaxError, TokenError; zipfile: corrupt archive, bad CRC,
        # unsupported compression or encrypted member
        raise ValueError(f"{path}: cannot be read as {suffix[1:]} ({exc}); the file may be truncated or corrupt.") from None
    except MemoryError as exc:
        raise ValueError(f"{path}: declares an array too large to load ({exc}); the file may be corrupt.") from None
    if X.ndim == 0:
        raise ValueError(f"{path}: holds a single number, not a table (rows x features).")
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"{path}: expected a 2-D array (rows x features), got shape {X.shape}.")
    if not np.issubdtype(X.dtype, np.number):
        raise ValueError(f"{path}: the array has dtype {X.dtype}, not numbers.")
    return Table(X, [f"x{i}" for i in range(X.shape[1])], y, labels)


def check_output_path(path: str | os.PathLike, inputs=(), overwrite: bool = False) -> Path:
    """Refuse to write over an input, or over an existing file unless ``overwrite``."""
    path = Path(path)
    _suffix(path)
    refuse_overwrite(path, inputs, overwrite)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give a file name such as {path / 'out.csv'}.")
    return path


def write_table(path: str | os.PathLike, X: np.ndarray, columns: list[str],
                labels: np.ndarray | None = None, label_name: str | None = None) -> Path:
    """Write ``X`` (plus an optional label column) atomically in the format of ``path``'s suffix."""
    path = Path(path)
    suffix = _suffix(path)
    with atomic_path(path) as tmp:
        if suffix in (".csv", ".parquet"):
            pd = _pandas()
            df = pd.DataFrame(X, columns=columns)
            if labels is not None:
                df.insert(0, label_name or "label", labels)
            if suffix == ".csv":
                df.to_csv(tmp, index=False)
            else:
                df.to_parquet(tmp, index=False)
        elif suffix == ".npy":
            with open(tmp, "wb") as f:
                np.save(f, X)
        else:
            arrays = {"X": X}
            if labels is not None:
                arrays[label_name or "labels"] = np.asarray(labels)
            with open(tmp, "wb") as f:
                np.savez(f, **arrays)
    return path


def _plan_read(path: Path, suffix: str) -> bool:
    """From the file's header, before reading: True to memory-map a .npy larger than a quarter of
    the memory available (aekit then streams it); otherwise refuse a table that would not fit in
    memory (as float64, as it is used), or return False to read it whole."""
    from .hardware import available_memory, check_memory

    try:
        if suffix == ".npy":
            from .images import npy_header

            shape, dtype = npy_header(path)
            n_values = int(np.prod(shape, dtype=np.float64))
            avail = available_memory()
            if avail is not None and len(shape) == 2 and n_values * dtype.itemsize > avail / 4:
                return True
            needed = n_values * max(dtype.itemsize, 8)
        elif suffix == ".npz":
            with zipfile.ZipFile(path) as z:
                needed = sum(info.file_size for info in z.infolist())
        elif suffix == ".parquet":
            import pyarrow.parquet as pq

            meta = pq.ParquetFile(path).metadata
            needed = meta.num_rows * meta.num_columns * 8
        else:  # CSV: a number takes at least a few characters, a float64 takes 8 bytes
            needed = path.stat().st_size * 2
    except Exception:  # noqa: BLE001 - an unreadable header is reported by the reader itself
        return False
    check_memory(needed, f"Reading {path}", "Use a smaller file: a random subset of the rows is enough to fit "
                 "a model, and `aekit transform` can then be run on the rest in parts.")
    return False


# --------------------------------------------------------------------------------------------
# Tables larger than memory: read a block of rows at a time
# --------------------------------------------------------------------------------------------


def _rows_across(ends: np.ndarray, start: int, stop: int, read, width: int, dtype) -> np.ndarray:
    """Rows ``[start, stop)`` of a table kept in consecutive segments (shards, row groups) whose
    last rows end at ``ends``; ``read(i, a, b)`` returns rows ``a:b`` of segment ``i``."""
    stop = min(int(ends[-1]) if len(ends) else 0, stop)
    start = min(max(0, start), stop)
    parts, i = [], int(np.searchsorted(ends, start, side="right"))
    while start < stop:
        begin = int(ends[i - 1]) if i else 0
        end = min(stop, int(ends[i]))
        parts.append(read(i, start - begin, end - begin))
        start, i = end, i + 1
    return np.concatenate(parts) if parts else np.empty((0, width), dtype)


class NpyShards:
    """A folder of ``.npy`` files (same width, same dtype) seen as one tall table, read from disk.

    Pass it to ``fit`` / ``transform`` like an array: batches are read a block of rows at a time,
    so memory stays bounded whatever the total size. Shards are taken in file-name order.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> np.save(d / "part-0.npy", np.zeros((3, 2), np.float32))
    >>> np.save(d / "part-1.npy", np.ones((2, 2), np.float32))
    >>> shards = NpyShards(d)
    >>> shards.shape, shards.read_rows(2, 4).tolist()
    ((5, 2), [[0.0, 0.0], [1.0, 1.0]])
    """

    def __init__(self, folder: str | os.PathLike):
        folder = Path(folder)
        if not folder.is_dir():
            raise NotADirectoryError(f"{folder} is not a folder of .npy shards.")
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".npy" and not p.name.startswith("."))
        if not files:
            raise ValueError(f"{folder} holds no .npy files; save each shard with np.save(folder / 'part-0.npy', X).")
        self.files = files
        self._arrays = []
        for f in files:
            try:
                a = np.load(f, mmap_mode="r", allow_pickle=False)  # headers only: nothing is read yet
            except (ValueError, OSError, EOFError, SyntaxError, tokenize.TokenError) as exc:
                raise ValueError(f"{f}: cannot be read as .npy ({exc}).") from None
            if a.ndim != 2 or not np.issubdtype(a.dtype, np.number):
                raise ValueError(f"{f}: a shard must be a 2-D numeric array (rows x features); got shape "
                                 f"{a.shape}, dtype {a.dtype}.")
            self._arrays.append(a)
        widths = {a.shape[1] for a in self._arrays}
        dtypes = {a.dtype for a in self._arrays}
        if len(widths) > 1 or len(dtypes) > 1:
            raise ValueError(f"{folder}: shards differ in width {sorted(widths)} or dtype {sorted(map(str, dtypes))}; "
                             "every shard needs the same columns and dtype.")
        self.dtype = self._arrays[0].dtype
        self._ends = np.cumsum([len(a) for a in self._arrays])
        self.shape = (int(self._ends[-1]), self._arrays[0].shape[1])
        self.ndim = 2

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        return f"NpyShards({len(self.files)} files, shape={self.shape}, dtype={self.dtype})"

    def read_rows(self, start: int, stop: int) -> np.ndarray:
        from .training import read_rows

        return _rows_across(self._ends, start, stop, lambda i, a, b: read_rows(self._arrays[i], a, b),
                            self.shape[1], self.dtype)


class ParquetRows:
    """A Parquet file's numeric columns seen as a tall table, decoded one row group at a time.

    Memory holds one row group (write big files with row groups of about 100k rows). Pass it to
    ``fit`` / ``transform`` like an array.
    """

    def __init__(self, path: str | os.PathLike, columns: list[str] | None = None):
        try:
            import pyarrow.parquet as pq
        except ImportError:  # pragma: no cover - pyarrow is in the io and dev extras
            raise ImportError("Reading Parquet needs pyarrow: pip install 'aekit[io]'.") from None
        import pyarrow.types as pat

        self.path = Path(path)
        try:
            self._file = pq.ParquetFile(self.path)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
            raise ValueError(f"{self.path}: cannot be read as PARQUET ({exc}).") from None
        schema = self._file.schema_arrow
        names = list(schema.names) if columns is None else list(columns)
        missing = [c for c in names if c not in schema.names]
        if missing:
            raise ValueError(f"{self.path}: no columns {missing}; the columns are {schema.names[:20]}.")
        bad = [c for c in names if not (pat.is_integer(schema.field(c).type) or pat.is_floating(schema.field(c).type))]
        if bad:
            raise ValueError(f"{self.path}: columns {bad[:10]} are not numeric; pass columns=[...] without them.")
        self.columns = names
        meta = self._file.metadata
        self._ends = np.cumsum([meta.row_group(i).num_rows for i in range(meta.num_row_groups)])
        self.shape = (int(self._ends[-1]) if len(self._ends) else 0, len(names))
        self.ndim, self.dtype = 2, np.dtype(np.float32)
        self._cached: tuple[int, np.ndarray] | None = None

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        return f"ParquetRows({str(self.path)!r}, shape={self.shape})"

    def _group(self, i: int) -> np.ndarray:
        if self._cached is None or self._cached[0] != i:
            table = self._file.read_row_group(i, columns=self.columns)
            block = np.empty((table.num_rows, len(self.columns)), np.float32)
            for j, col in enumerate(table.columns):
                block[:, j] = col.to_numpy(zero_copy_only=False)  # nulls become NaN
            self._cached = (i, block)
        return self._cached[1]

    def read_rows(self, start: int, stop: int) -> np.ndarray:
        return _rows_across(self._ends, start, stop, lambda i, a, b: self._group(i)[a:b], self.shape[1], self.dtype)

"""Model files: a folder with ``model.safetensors`` (tensors) and ``config.json`` (everything else).

Never pickle: loading a model reads numbers and JSON, and rebuilds only classes that aekit itself
registered (:func:`register`), so a model file someone sent you cannot run code.

Every file is written atomically (a temporary name in the same folder, then ``os.replace``), so a
crash or a full disk never leaves a half-written model behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ._version import __version__
from .errors import ModelFileError

__all__ = ["FORMAT_VERSION", "atomic_path", "load", "read_model_dir", "refuse_overwrite", "register", "save",
           "write_model_dir"]

FORMAT_NAME = "aekit"
FORMAT_VERSION = 1
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
_CONFIG_KEYS = {"format", "format_version", "aekit_version", "class", "params", "state"}
_REGISTRY: dict[str, type] = {}


def register(cls: type) -> type:
    """Class decorator: let :func:`load` rebuild ``cls`` from a model folder.

    The class implements ``_get_saved_state() -> (state: dict, tensors: dict)`` and the
    classmethod ``_from_saved_state(params, state, tensors)``.
    """
    _REGISTRY[cls.__name__] = cls
    return cls


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path beside ``path``; on success it is renamed onto ``path``.

    On any error the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file normal permissions
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def refuse_overwrite(outputs, inputs=(), overwrite: bool = False) -> None:
    """Refuse to write over an input ever, or over an existing file unless ``overwrite``.

    ``outputs`` is one path or several; everything is checked before any work is done.
    """
    outputs = [Path(outputs)] if isinstance(outputs, (str, os.PathLike)) else [Path(p) for p in outputs]
    sources = {Path(p).resolve() for p in inputs if Path(p).exists()}
    for path in outputs:
        if path.exists() and path.resolve() in sources:
            raise ValueError(f"{path} is also an input; aekit never overwrites its input. Choose another output.")
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} already exists; pass --overwrite to replace it, or choose another name.")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(path: str | os.PathLike, obj) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")


def _safe_tensors(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    # safetensors wants contiguous CPU tensors that share no memory
    return {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}


def write_tensors(path: str | os.PathLike, tensors: dict[str, torch.Tensor], metadata=None) -> None:
    with atomic_path(path) as tmp:
        save_file(_safe_tensors(tensors), str(tmp), metadata=metadata)
        os.chmod(tmp, 0o666 & ~_umask())  # safetensors recreates the file as 0600


def write_model_dir(path: str | os.PathLike, class_name: str, params: dict, state: dict,
                    tensors: dict[str, torch.Tensor]) -> Path:
    """Write a model folder; each of its two files atomically."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise FileExistsError(f"{path} exists and is not a folder; choose a folder path for the model.")
    config = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "aekit_version": __version__,
        "class": class_name,
        "params": params,
        "state": state,
    }
    # Serialise first: a value JSON cannot hold must fail before either file is replaced, or the
    # folder would pair new weights with an old config.
    text = json.dumps(config, indent=2, sort_keys=True) + "\n"
    path.mkdir(parents=True, exist_ok=True)
    write_tensors(path / WEIGHTS_FILE, tensors)
    with atomic_path(path / CONFIG_FILE) as tmp:
        tmp.write_text(text)
    return path


def _describe_foreign(path: Path) -> str:
    try:
        head = path.read_bytes()[:4]
    except OSError:
        return ""
    if head[:1] == b"\x80":
        return " It looks like a Python pickle, which aekit never loads because unpickling can run code."
    if head[:2] == b"PK":
        return " It looks like a torch.save (zip + pickle) file, which aekit never loads because unpickling can run code."
    return ""


def read_model_dir(path: str | os.PathLike) -> tuple[dict, dict[str, torch.Tensor]]:
    """Read and check a model folder; return ``(config, tensors)``."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No model at {path}: expected a folder with {CONFIG_FILE} and {WEIGHTS_FILE}.")
    if not path.is_dir():
        raise ModelFileError(
            f"{path} is a file, but an aekit model is a folder with {CONFIG_FILE} and {WEIGHTS_FILE}."
            + _describe_foreign(path)
        )
    cfg_path, w_path = path / CONFIG_FILE, path / WEIGHTS_FILE
    for p in (cfg_path, w_path):
        if not p.is_file():
            raise ModelFileError(f"{path} is not an aekit model folder: {p.name} is missing.")
    try:
        config = json.loads(cfg_path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{cfg_path} is not valid JSON ({exc}); the model folder is corrupt.") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{cfg_path} is not an aekit model config (no \"format\": \"aekit\").")
    unknown = set(config) - _CONFIG_KEYS
    if unknown:
        raise ModelFileError(
            f"{cfg_path} has unknown fields {sorted(unknown)}; it was not written by this version of aekit."
        )
    version = config.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ModelFileError(f"{cfg_path} has an invalid format_version {version!r}.")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path} was written by aekit {config.get('aekit_version', '?')} in model format {version}; "
            f"this aekit ({__version__}) reads format {FORMAT_VERSION} at most. Upgrade aekit: pip install -U aekit."
        )
    if config.get("class") not in _REGISTRY:
        raise ModelFileError(
            f"{cfg_path} names class {config.get('class')!r}, which is not an aekit model "
            f"(known: {sorted(_REGISTRY)})."
        )
    try:
        tensors = load_file(str(w_path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(
            f"{w_path} is not a valid safetensors file ({exc})." + _describe_foreign(w_path)
        ) from None
    return config, tensors


def save(model, path: str | os.PathLike) -> Path:
    """Save a fitted aekit model into the folder ``path`` (created if missing)."""
    if type(model).__name__ not in _REGISTRY:
        raise TypeError(f"{type(model).__name__} is not an aekit model that can be saved.")
    state, tensors = model._get_saved_state()
    params = model.get_params(deep=False)
    if hasattr(model, "_params_to_save"):  # e.g. drop an initial-weights array the fitted model no longer needs
        params = model._params_to_save(params)
    params = {k: _jsonable_param(k, v) for k, v in params.items()}
    return write_model_dir(path, type(model).__name__, params, state, tensors)


def _jsonable_param(name: str, value):
    """Hyper-parameters as JSON values; anything JSON cannot hold is refused with a clear message."""
    import numpy as np

    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list, np.ndarray)):
        return [_jsonable_param(name, v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(
        f"Cannot save parameter {name}={value!r}: model files hold plain values only. "
        f"Set {name} to a number, string or None (e.g. random_state=0) before saving."
    )


def load(path: str | os.PathLike):
    """Load a model saved with ``save``: the same class, parameters and fitted state.

    Examples
    --------
    >>> import numpy as np, tempfile, aekit
    >>> X = np.random.default_rng(0).random((64, 5))
    >>> model = aekit.AutoencoderReducer(n_components=2, max_epochs=2, random_state=0).fit(X)
    >>> folder = tempfile.mkdtemp()
    >>> _ = model.save(folder)
    >>> np.allclose(aekit.load(folder).transform(X), model.transform(X))
    True
    """
    config, tensors = read_model_dir(path)
    cls = _REGISTRY[config["class"]]
    try:
        return cls._from_saved_state(config.get("params", {}), config.get("state", {}), tensors)
    except ModelFileError:
        raise
    except (AttributeError, KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ModelFileError(
            f"{path} does not match a {config['class']} (missing or mis-shaped entry: {exc})."
        ) from None

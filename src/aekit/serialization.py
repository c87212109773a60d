"""Model files: a folder with ``model.safetensors`` (tensors) and ``config.json`` (everything else).

Never pickle: loading a model reads numbers and JSON, and rebuilds only classes that aekit itself
registered (:func:`register`), so a model file someone sent you cannot run code.

Every file is written atomically (a temporary name in the same folder, then ``os.replace``), so a
crash or a full disk never leaves a half-written model behind.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import tempfile
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ._version import __version__
from .errors import ModelFileError

__all__ = ["FORMAT_VERSION", "atomic_path", "check_writable", "load", "read_model_dir", "refuse_overwrite", "register",
           "registered_classes", "remove_stale_temporaries", "save", "write_model_dir"]

FORMAT_NAME = "aekit"
FORMAT_VERSION = 2  # 2: the network is saved as a registry spec, state["network"] (format 1 files still load)
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
_CONFIG_KEYS = {"format", "format_version", "aekit_version", "class", "params", "state"}
_REGISTRY: dict[str, type] = {}
_MAX_CONFIG_BYTES = 64 * 2**20  # a real config is kilobytes (a vocabulary of a million words: ~20 MB)


#: The modules whose classes register themselves; :func:`load` imports them on first use, so that
#: ``import aekit`` itself stays light (the package imports its tools lazily).
ESTIMATOR_MODULES = ("aekit.reduce", "aekit.denoise", "aekit.outliers", "aekit.text", "aekit.translate")


def _registry() -> dict[str, type]:
    import importlib

    for name in ESTIMATOR_MODULES:
        importlib.import_module(name)
    return _REGISTRY


def register(cls: type) -> type:
    """Class decorator: let :func:`load` rebuild ``cls`` from a model folder.

    The class implements ``_get_saved_state() -> (state: dict, tensors: dict)`` and the
    classmethods ``_saved_network_spec(params, state)`` (the spec the size guard checks before
    anything is built) and ``_from_saved_state(params, state, tensors)``;
    :class:`aekit._base.AekitEstimator` provides all three.
    """
    _REGISTRY[cls.__name__] = cls
    return cls


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path beside ``path``; on success it is renamed onto ``path``.

    On any error the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path, fresh=False)
        # The writer's PID is in the name, so a later write can tell a SIGKILLed writer's leftover
        # (its process is gone) from a file another live process is still writing.
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file normal permissions
    try:
        yield Path(tmp)
        _fsync(tmp)  # the bytes reach the disk before the name does: no empty file after a power cut
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise OSError(exc.errno, f"Writing {path} failed: {exc.strerror or exc}. Nothing was written "
                          f"and any earlier {path.name} is unchanged; free some space or write to another "
                          "disk.") from None
        raise


def _nearest_existing_parent(path: Path) -> Path:
    """The folder (or file) that a write of ``path`` would create its missing folders in."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return parent


def _cannot_write(path: Path, exc: OSError) -> OSError:
    """An OSError that names the output the user asked for, not a temporary file or a parent."""
    parent = _nearest_existing_parent(path)
    if parent.exists() and not parent.is_dir():
        why = f"{parent} is a file, not a folder"
    elif isinstance(exc, PermissionError):
        why = f"no permission to write in {parent}"
    else:
        why = exc.strerror or str(exc)
    err = type(exc)(f"Cannot write {path}: {why}. Choose an output path in a folder you can write to.")
    err.errno = exc.errno
    return err


def check_writable(path: str | os.PathLike) -> None:
    """Fail now, before any work, if ``path`` could not be written later (its folder is a file, is
    read-only, or does not exist and cannot be made). Creates nothing."""
    path = Path(path)
    parent = _nearest_existing_parent(path)
    try:
        if not parent.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
        fd, probe = tempfile.mkstemp(prefix=".aekit-write-check-", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise _cannot_write(path, exc) from None


def remove_stale_temporaries(path: str | os.PathLike, *, fresh: bool = True) -> list[Path]:
    """Delete the temporary files that killed writers of ``path`` left beside it; return them.

    A process killed outright (SIGKILL, power loss) between creating its temporary file and the
    rename cannot clean up. ``path`` itself was never touched, so only the leftovers need removing;
    :func:`atomic_path` calls this before every write, so they never pile up. With
    ``fresh=False`` the folder's listing from earlier in this process is used.
    """
    path = Path(path)
    removed = []
    for entry in _leftovers(path.parent, fresh).pop(path.name, []):
        with contextlib.suppress(OSError):
            entry.unlink()
            removed.append(entry)
    return removed


_TEMPORARY = re.compile(r"\.(.+)\.(\d+)-[^.]+\.tmp")  # .NAME.PID-RANDOM.tmp, as atomic_path makes them
_LEFTOVERS: dict[Path, dict[str, list[Path]]] = {}  # folder -> {file name: its killed writers' temporaries}


def _leftovers(folder: Path, fresh: bool) -> dict[str, list[Path]]:
    """The temporaries of killed writers in ``folder``, by the file they were for.

    Listed once per process unless ``fresh``: writing 10,000 images into one folder must not list
    it 10,000 times (measured: 3,000 writes took 8.8 s with a listing each, 1.2 s without).
    """
    key = folder.absolute()
    if fresh or key not in _LEFTOVERS:
        found: dict[str, list[Path]] = {}
        with contextlib.suppress(OSError):
            for entry in folder.iterdir():
                m = _TEMPORARY.fullmatch(entry.name)
                if m and not _process_alive(int(m.group(2))):
                    found.setdefault(m.group(1), []).append(entry)
        _LEFTOVERS[key] = found
    return _LEFTOVERS[key]


def _process_alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":
        return True  # this very process; on Windows signal 0 is not a probe, so never guess
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: it exists but belongs to someone else
        return True
    return True


def refuse_overwrite(outputs, inputs=(), overwrite: bool = False) -> None:
    """Refuse to write over an input ever, or over an existing file unless ``overwrite``.

    ``outputs`` is one path or several; everything is checked before any work is done.
    """
    outputs = [Path(outputs)] if isinstance(outputs, (str, os.PathLike)) else [Path(p) for p in outputs]
    sources = {Path(p).resolve() for p in inputs if Path(p).exists()}
    for path in outputs:
        check_writable(path)
        if path.exists() and path.resolve() in sources:
            raise ValueError(f"{path} is also an input; aekit never overwrites its input. Choose another output.")
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} already exists; pass --overwrite to replace it, or choose another name.")


def _fsync(path) -> None:
    with contextlib.suppress(OSError):  # e.g. a file system without fsync; the rename still applies
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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
    if cfg_path.stat().st_size > _MAX_CONFIG_BYTES:
        raise ModelFileError(f"{cfg_path} is {cfg_path.stat().st_size / 1e6:,.0f} MB; an aekit config is a few "
                             "kilobytes, so this is not an aekit model folder.")
    from .hardware import check_memory

    check_memory(2 * w_path.stat().st_size, f"Loading {w_path}",
                 "Load it on a machine with more memory, or free some first.")
    try:
        config = json.loads(cfg_path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:  # RecursionError: [[[[...
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
    if not isinstance(config.get("class"), str) or config["class"] not in _registry():
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


def registered_classes() -> list[str]:
    """The names of the model classes :func:`load` rebuilds."""
    return sorted(_registry())


def save(model, path: str | os.PathLike, *, half: bool = False) -> Path:
    """Save a fitted aekit model into the folder ``path`` (created if missing); ``half`` stores
    its floating-point weights as fp16."""
    if type(model).__name__ not in _REGISTRY:
        raise TypeError(f"{type(model).__name__} is not an aekit model that can be saved.")
    state, tensors = model._get_saved_state(half=half)
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


def _check_sizes_against_weights(path, cls, config: dict, tensors: dict) -> None:
    """Refuse a config whose network could not come from the weights beside it, before building it.

    The class says where its network's spec is (``_saved_network_spec``); the registry's guard
    (:func:`aekit.blocks.check_spec_against_weights`) walks it and counts its weights on the meta
    device. An edited config.json asking for 10**30 blocks, or two widths whose product is huge,
    is refused before anything is allocated.
    """
    from .blocks import check_spec_against_weights

    params, state = config.get("params", {}), config.get("state", {})
    if not isinstance(params, dict) or not isinstance(state, dict):
        raise ModelFileError(f"{path} does not match a {config['class']} (config.json's params and state must be "
                             "objects); the folder is corrupt.")
    try:
        spec = cls._saved_network_spec(dict(params), state)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ModelFileError(f"{path} does not match a {config['class']} (missing or mis-shaped entry: {exc}).") from None
    n_weights, n_tensors = sum(t.numel() for t in tensors.values()), len(tensors)
    check_spec_against_weights(spec, n_weights, n_tensors, where=str(path))


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
    _check_sizes_against_weights(path, cls, config, tensors)
    try:
        return cls._from_saved_state(config.get("params", {}), config.get("state", {}), tensors)
    except ModelFileError:
        raise
    except (AttributeError, KeyError, TypeError, ValueError, RuntimeError, IndexError, OverflowError) as exc:
        raise ModelFileError(
            f"{path} does not match a {config['class']} (missing or mis-shaped entry: {exc})."
        ) from None

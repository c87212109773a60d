"""The one registry of aekit's networks: every network is rebuilt from a JSON spec, here.

A *spec* is ``{"type": name, "config": {...}}``. ``type`` names a class registered with
:func:`register_network` (so a model file can never name arbitrary code), ``config`` is that
module's ``config`` attribute; a composite network holds its parts' specs in its config.

:func:`check_spec_against_weights` is the model-file size guard: before a network is built
for real, it is built on PyTorch's ``meta`` device (shapes, no memory) and its weights are
counted, so no config of any class can make :func:`aekit.load` allocate more than the weights
file beside it justifies.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import ModelFileError

__all__ = ["build", "check_spec_against_weights", "count_weights", "register_network", "registered_networks",
           "spec_of"]

_NETWORKS: dict[str, type] = {}


def register_network(cls: type) -> type:
    """Class decorator: let :func:`build` rebuild ``cls`` from ``{"type": cls.__name__, "config": ...}``.

    The class keeps a JSON-able ``config`` attribute (or property) and is rebuilt by
    ``cls.from_config(config)`` when it defines one, else ``cls(**config)``.
    """
    _NETWORKS[cls.__name__] = cls
    return cls


def registered_networks() -> list[str]:
    """The names of the networks :func:`build` knows."""
    return sorted(_NETWORKS)


def spec_of(module: nn.Module) -> dict:
    """JSON-able description of a network, rebuilt by :func:`build`."""
    return {"type": type(module).__name__, "config": module.config}


def build(spec: dict) -> nn.Module:
    """Rebuild a network from its spec (the inverse of :func:`spec_of`).

    >>> from aekit.blocks import Autoencoder
    >>> net = build(spec_of(Autoencoder.dense(10, (8,), 2)))
    >>> type(net).__name__, net.encode(torch.zeros(1, 10)).shape
    ('Autoencoder', torch.Size([1, 2]))
    """
    if not isinstance(spec, dict):
        raise ValueError(f"A network spec is a dict {{'type': ..., 'config': ...}}, got {type(spec).__name__}.")
    kind = spec.get("type")
    if kind not in _NETWORKS:
        raise ValueError(f"Unknown block type {kind!r}; known: {registered_networks()}.")
    cls = _NETWORKS[kind]
    cfg = spec.get("config", {})
    if not isinstance(cfg, dict):
        raise ValueError(f"The config of a {kind} spec must be a dict, got {type(cfg).__name__}.")
    builder = getattr(cls, "from_config", None)
    return builder(dict(cfg)) if builder is not None else cls(**cfg)


def count_weights(spec: dict) -> int:
    """Numbers the network of ``spec`` holds (parameters and buffers), without allocating them."""
    with torch.device("meta"):
        module = build(spec)
    return sum(t.numel() for t in module.state_dict().values())


_COUNT_WORDS = ("blocks", "layers", "levels")


def check_spec_against_weights(spec, n_weights: int, n_tensors: int, where: str = "the model") -> int:
    """Refuse a spec that could not come from ``n_weights`` numbers in ``n_tensors`` tensors.

    Two steps. First a walk of the spec, so that building it cannot itself run away: a layer of
    width n holds at least n weights and n layers or blocks at least n tensors, so no integer may
    exceed ``n_weights`` and no list length or count (``blocks_per_level``, ...) ``n_tensors``.
    Then the network is built on the meta device and its weights counted; more than the file holds
    is refused (a width can be small and the product of two widths huge). Returns the count.
    Raises :class:`aekit.errors.ModelFileError` naming the entry.
    """
    def refuse(entry, value, bound, what):
        raise ModelFileError(
            f"{where}: config.json sets {entry.lstrip('.')} = {value:,}, but the network holds only {bound:,} "
            f"{what}; the config was edited or belongs to other weights. Save the model again."
        )

    def walk(value, entry):
        is_count = any(word in entry.rsplit(".", 1)[-1] for word in _COUNT_WORDS)
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{entry}.{k}")
        elif isinstance(value, list):
            if len(value) > max(n_tensors, 1):
                refuse(f"{entry} (a list of length)", len(value), n_tensors, "weight tensors")
            for i, v in enumerate(value):
                walk(v, f"{entry}[{i}]")
        elif isinstance(value, int) and not isinstance(value, bool):
            if is_count and value > max(n_tensors, 1):
                refuse(entry, value, n_tensors, "weight tensors")
            if value > max(n_weights, 1):
                refuse(entry, value, n_weights, "weights")

    walk(spec, "network")
    try:
        count = count_weights(spec)
    except (TypeError, ValueError, RuntimeError, KeyError, OverflowError, IndexError) as exc:
        raise ModelFileError(f"{where}: config.json describes a network that cannot be built ({exc}); "
                             "the model folder is corrupt. Save the model again.") from None
    if count > n_weights:
        raise ModelFileError(
            f"{where}: config.json describes a {spec.get('type')} of {count:,} weights, but model.safetensors "
            f"holds only {n_weights:,}; the config was edited or belongs to other weights. Save the model again."
        )
    return count

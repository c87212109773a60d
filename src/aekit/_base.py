"""The base every aekit estimator stands on: seeding, building, training, saving, loading.

A new estimator is its ``__init__`` (the hyper-parameters, listed as scikit-learn requires),
a ``_parameter_constraints`` table, its network (a spec that :func:`aekit.blocks.build` knows)
and its loss. Everything else is inherited from :class:`AekitEstimator`:

- ``_validate_params()`` checks the constraint table (:func:`aekit._validation.validate_params`);
- ``_draw_seed()`` draws the run's seed from ``random_state``;
- ``_build_network(spec, seed)`` refuses a network that cannot fit in memory *before* allocating
  it (the weights are counted on PyTorch's meta device), then builds it from the seed without
  touching the global RNG;
- ``_fit_network(network, loss_fn, data, seed)`` runs :func:`aekit.training.train` with a
  :class:`~aekit.training.TrainConfig` made from the estimator's own parameters (whichever of
  ``max_epochs``, ``batch_size``, ``checkpoint``... it has) and sets ``model_``, ``history_`` and
  ``n_iter_``; a ``checkpoint`` parameter makes ``fit(..., resume=True)`` continue a killed run;
- ``save(path, half=False)`` and :func:`aekit.load` write and read the network's spec, its
  weights, the history and the parameters; an estimator adds its own fitted state through two
  small hooks, ``_extra_saved_state()`` and ``_set_saved_state(state, tensors)``.

Model files written before this base existed keep loading: an estimator whose old files kept
their network elsewhere says where in ``_saved_network_spec`` and ``_saved_network_tensors``.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import ClassVar

import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._validation import Interval, IntSequence, Options, validate_params
from .blocks import build, spec_of
from .hardware import check_training_memory
from .training import History, TrainConfig, train

__all__ = ["AekitEstimator", "training_constraints"]

# The accepted values of the training parameters, shared by every estimator that has them.
_TRAINING_CONSTRAINTS = {
    "max_epochs": [Interval(int, 1, None)],
    "batch_size": [Interval(int, 1, None)],
    "learning_rate": [Interval(float, 0, None, closed="neither")],
    "weight_decay": [Interval(float, 0, None)],
    "lr_schedule": [Options("onecycle", "cosine", "constant")],
    "max_time": [None, Interval(float, 0, None, closed="neither")],
    "validation_split": [Interval(float, 0, 1, closed="left")],
    "early_stopping": ["boolean"],
    "patience": [Interval(int, 0, None)],
    "precision": [Options("auto", "bf16", "fp32")],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
    "checkpoint": [None, "path"],
}


def training_constraints(*names: str) -> dict:
    """The constraints of the named training parameters, for a ``_parameter_constraints`` table."""
    return {name: _TRAINING_CONSTRAINTS[name] for name in names}


_CONFIG_FIELDS = {f.name for f in dataclasses.fields(TrainConfig)}
# TrainConfig fields that are never the estimator's own parameters, whatever it names them
_NOT_FROM_PARAMS = {"random_state", "resume", "desc"}


class AekitEstimator(BaseEstimator):
    """Seeding, the network, the training run, model files: what every aekit estimator shares.

    Subclasses set ``_parameter_constraints`` (parameter name -> accepted values, see
    :mod:`aekit._validation`) and, where some parameters must not travel in a model file (a
    checkpoint path, an initial-weights array), ``_unsaved_params`` (name -> value saved instead).
    """

    _parameter_constraints: ClassVar[dict] = {}
    _unsaved_params: ClassVar[dict] = {}
    # TrainConfig settings this estimator fixes whatever its parameters say (e.g. a cosine schedule)
    _train_defaults: ClassVar[dict] = {}

    # -- fitting -----------------------------------------------------------------------------

    def _validate_params(self) -> None:
        validate_params(self)

    def _draw_seed(self) -> int:
        """The run's seed: weights, shuffling, noise and dropout all derive from it."""
        return int(check_random_state(self.random_state).randint(2**31 - 1))

    def _check_network_memory(self, make_network, data_bytes: float = 0, fix: str | None = None,
                              what: str | None = None) -> int:
        """Refuse, before allocating anything, a network (plus ``data_bytes`` of data copies) that
        cannot be trained in this machine's memory; return its number of weights.

        ``make_network()`` builds the network; here it runs on PyTorch's meta device, which
        records shapes and allocates nothing, so even an absurd width is refused, not attempted.
        ``what`` names the work in the message (default: "Training <class>").
        """
        with torch.device("meta"):
            n_weights = sum(t.numel() for t in make_network().state_dict().values())
        check_training_memory(
            n_weights, f"{what or 'Training ' + type(self).__name__} ({n_weights:,} weights)",
            fix or "Use smaller layers, or fit on a subset of the data.", data_bytes=data_bytes)
        return n_weights

    def _build_network(self, make_network, seed: int, *, data_bytes: float = 0, fix: str | None = None,
                       what: str | None = None):
        """``make_network()``, after :meth:`_check_network_memory`, its initial weights drawn from
        ``seed`` (the global RNG is left as it was: fitting never moves a user's random stream)."""
        self._check_network_memory(make_network, data_bytes, fix, what)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return make_network()

    def _train_config(self, seed: int, resume: bool = False, **overrides) -> TrainConfig:
        """A TrainConfig from the estimator's parameters named like its fields, then
        ``_train_defaults``, then ``overrides``."""
        params = self.get_params(deep=False)
        settings = {k: v for k, v in params.items() if k in _CONFIG_FIELDS and k not in _NOT_FROM_PARAMS}
        settings.setdefault("verbose", 0)
        settings.update(self._train_defaults)
        settings.update(random_state=seed, resume=resume, desc=type(self).__name__)
        settings.update(overrides)
        return TrainConfig(**settings)

    def _fit_network(self, network, loss_fn, data, seed: int, *, resume: bool = False,
                     validation_data=None, **overrides):
        """Train ``network`` on ``data`` with ``loss_fn`` (see :func:`aekit.training.train`); set
        ``model_`` (in eval mode), ``history_`` and ``n_iter_``; return ``self``."""
        config = self._train_config(seed, resume, **overrides)
        self.history_ = train(network, loss_fn, data, config, validation_data=validation_data)
        self.model_ = network.eval()
        self.n_iter_ = len(self.history_.epoch)
        return self

    # -- model files -------------------------------------------------------------------------

    def save(self, path, *, half: bool = False):
        """Write the fitted model to the folder ``path`` (safetensors + JSON); see :func:`aekit.load`.

        ``half=True`` stores the floating-point weights as fp16 (half the size; they are read
        back into fp32).
        """
        from .serialization import save

        check_is_fitted(self)
        return save(self, path, half=half)

    def _params_to_save(self, params: dict) -> dict:
        return {**params, **self._unsaved_params}

    def _get_saved_state(self, half: bool = False) -> tuple[dict, dict]:
        state = {"network": spec_of(self.model_), "history": self.history_.to_dict()}
        tensors = {f"model.{k}": v.detach().to(torch.float16) if half and v.is_floating_point() else v
                   for k, v in self.model_.state_dict().items()}
        extra_state, extra_tensors = self._extra_saved_state()
        state.update(extra_state)
        tensors.update(extra_tensors)
        return state, tensors

    def _extra_saved_state(self) -> tuple[dict, dict]:
        """Hook: the fitted state particular to this estimator, as ``(JSON dict, tensors)``."""
        return {}, {}

    def _set_saved_state(self, state: dict, tensors: dict) -> None:
        """Hook: restore what :meth:`_extra_saved_state` wrote (``model_`` and ``history_`` are set)."""

    @classmethod
    def _params_from_json(cls, params: dict) -> dict:
        """JSON has no tuples: give back a tuple wherever the parameter's default is one or its
        constraints take a sequence of integers."""
        defaults = {name: p.default for name, p in inspect.signature(cls.__init__).parameters.items()}
        constraints = getattr(cls, "_parameter_constraints", {})

        def is_tuple(k):
            return isinstance(defaults.get(k), tuple) or any(
                isinstance(c, IntSequence) for c in constraints.get(k, ()))

        return {k: tuple(v) if isinstance(v, list) and is_tuple(k) else v for k, v in params.items()}

    @classmethod
    def _saved_network_spec(cls, params: dict, state: dict) -> dict:
        """The saved network's spec (``serialization.load`` checks it against the weights first).
        Override to read files written before the network registry."""
        return state["network"]

    @classmethod
    def _saved_network_tensors(cls, state: dict, tensors: dict) -> dict:
        """The network's own tensors, under the names of its ``state_dict``."""
        return {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}

    @classmethod
    def _from_saved_state(cls, params: dict, state: dict, tensors: dict):
        self = cls(**cls._params_from_json(params))
        model = build(cls._saved_network_spec(params, state))
        model.load_state_dict(cls._saved_network_tensors(state, tensors))  # fp16 is read into fp32
        self.model_ = model.eval()
        self.history_ = History.from_dict(state["history"])
        self.n_iter_ = len(self.history_.epoch)
        self._set_saved_state(state, tensors)
        return self

    # -- inference -----------------------------------------------------------------------------

    def _model_device(self) -> torch.device:
        return next(self.model_.parameters()).device


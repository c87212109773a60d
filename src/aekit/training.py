"""The one training loop every aekit tool uses.

Read :func:`train` top to bottom: it is the whole loop. Each tool only supplies a model and a
``loss_fn(model, batch) -> loss`` (optionally ``(loss, {"metric": value})``); the loop owns
batching, precision, validation, early stopping, progress, checkpoints and resume.

Design notes (the *why*):

- Mini-batches are sliced straight out of in-memory tensors. A per-sample ``DataLoader`` costs
  more Python time than a small dense model spends computing.
- Arrays bigger than memory (``np.memmap``, ``np.load(..., mmap_mode="r")``) are read in
  contiguous blocks, visited in random order and shuffled inside a buffer of a few blocks:
  sequential reads, bounded memory, and still well-mixed batches.
- bf16 autocast covers the forward pass only; weights, optimizer state and the loss stay fp32.
- Shuffling uses a generator seeded by ``(seed, epoch)`` and the global RNG state (dropout,
  noise) is saved in every checkpoint, so a killed run that resumes from its last checkpoint
  ends with the same weights as one that was never interrupted.
- Under ``torch.distributed`` (``torchrun``) the loop trains with ``DistributedDataParallel``:
  every rank draws the same global batch and takes its own slice of it, so N processes with
  ``batch_size`` B follow the same trajectory as one process with B. The loss function itself
  runs inside the DDP wrapper, because aekit's losses call ``model.encode`` / ``model.decode``,
  which a plain DDP-wrapped model would not synchronise. Rank 0 alone writes checkpoints and
  shows progress; logged losses are averaged over all ranks, so every rank stops together.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from .distributed import rank_and_world
from .errors import ModelFileError, TrainingDivergedError
from .hardware import resolve_device, resolve_precision
from .serialization import remove_stale_temporaries, write_tensors

__all__ = [
    "ArrayBatches",
    "History",
    "MemmapBatches",
    "TrainConfig",
    "as_batches",
    "checkpoint_epochs",
    "is_out_of_core",
    "predict_batches",
    "read_rows",
    "train",
]

LossFn = Callable[[torch.nn.Module, tuple], "torch.Tensor | tuple[torch.Tensor, dict]"]


# --------------------------------------------------------------------------------------------
# Configuration and history
# --------------------------------------------------------------------------------------------


@dataclass
class TrainConfig:
    """Everything the loop needs to know besides the model, the loss and the data."""

    max_epochs: int = 100
    batch_size: int = 256
    learning_rate: float = 1e-3
    optimizer: str = "adam"  # "adam" or "adamw"
    weight_decay: float = 0.0
    betas: tuple = (0.9, 0.999)  # Adam's; a two-player game (a judge, a discriminator) often wants 0.5 first
    # "constant"; "cosine" (per epoch, decays to 5% at max_epochs); or "onecycle": per step, a
    # linear warm-up over the first `warmup` of the run, then a cosine to zero at its end. The end
    # is max_epochs, or max_time when that comes first: the schedule follows whichever budget binds.
    lr_schedule: str = "constant"
    warmup: float = 0.05  # fraction of the run spent warming up ("onecycle" only)
    max_time: float | None = None  # seconds of training; the run ends on time (mid-epoch if need be)
    clip_grad_norm: float | None = None
    validation_split: float = 0.1
    early_stopping: bool = True
    patience: int = 10
    min_delta: float = 0.0  # relative improvement of val_loss needed to reset patience
    restore_best_weights: bool = True
    precision: str = "auto"  # "auto", "bf16" or "fp32" (see hardware.resolve_precision)
    device: str = "auto"
    random_state: int | None = None
    verbose: int = 1  # 0 silent; 1 progress bar on a terminal; 2 also one line per epoch
    checkpoint: str | None = None  # file written (atomically) at the end of every epoch
    resume: bool = False  # continue from `checkpoint` if it exists
    desc: str = "training"

    def __post_init__(self):
        if int(self.max_epochs) < 1:
            raise ValueError(f"max_epochs must be >= 1, got {self.max_epochs}.")
        if int(self.batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}.")
        if not (self.learning_rate > 0 and math.isfinite(self.learning_rate)):
            raise ValueError(f"learning_rate must be a positive number, got {self.learning_rate}.")
        if self.optimizer not in ("adam", "adamw"):
            raise ValueError(f"optimizer must be 'adam' or 'adamw', got {self.optimizer!r}.")
        if len(self.betas) != 2 or not all(0.0 <= float(b) < 1.0 for b in self.betas):
            raise ValueError(f"betas must be two numbers in [0, 1), got {self.betas!r}.")
        if self.lr_schedule not in ("constant", "cosine", "onecycle"):
            raise ValueError(f"lr_schedule must be 'constant', 'cosine' or 'onecycle', got {self.lr_schedule!r}.")
        if not 0.0 <= self.warmup < 1.0:
            raise ValueError(f"warmup must be in [0, 1), got {self.warmup}.")
        if self.max_time is not None and not (self.max_time > 0 and math.isfinite(self.max_time)):
            raise ValueError(f"max_time must be a positive number of seconds or None, got {self.max_time}.")
        if not 0.0 <= self.validation_split < 1.0:
            raise ValueError(f"validation_split must be in [0, 1), got {self.validation_split}.")
        if self.resume and not self.checkpoint:
            raise ValueError("resume=True needs a checkpoint path to resume from.")


@dataclass
class History:
    """What happened during training, Keras-style: ``history.history["loss"][epoch]``.

    Attributes
    ----------
    history : dict of lists
        Per-epoch ``loss`` (training), ``val_loss`` when there is validation data, and any extra
        metric the loss function reports (``val_`` prefixed for validation).
    epoch : list of int
        Epoch indices, starting at 0.
    best_epoch : int or None
        Epoch with the lowest ``val_loss`` (or ``loss`` without validation).
    stopped_early : bool
        True when early stopping ended training before ``max_epochs``.
    stopped_on_time : bool
        True when ``max_time`` ended training.
    seconds : float
        Wall-clock training time, summed over resumed segments.
    params : dict
        The training configuration.
    """

    history: dict[str, list[float]] = field(default_factory=dict)
    epoch: list[int] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    stopped_on_time: bool = False
    seconds: float = 0.0
    params: dict = field(default_factory=dict)

    def log(self, epoch: int, values: dict[str, float]) -> None:
        self.epoch.append(epoch)
        for k, v in values.items():
            self.history.setdefault(k, []).append(float(v))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> History:
        return cls(**d)

    def __repr__(self) -> str:
        last = {k: round(v[-1], 6) for k, v in self.history.items() if v}
        return f"History(epochs={len(self.epoch)}, best_epoch={self.best_epoch}, last={last})"


# --------------------------------------------------------------------------------------------
# Batches
# --------------------------------------------------------------------------------------------


def _as_tensor(a) -> torch.Tensor:
    if isinstance(a, torch.Tensor):
        return a
    a = np.asarray(a)
    if a.dtype == np.float64:
        a = a.astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(a))


class ArrayBatches:
    """Mini-batches from arrays held in memory (numpy or torch, same first dimension)."""

    def __init__(self, *arrays, indices: torch.Tensor | None = None):
        self.tensors = tuple(_as_tensor(a) for a in arrays)
        n = len(self.tensors[0])
        if any(len(t) != n for t in self.tensors):
            raise ValueError(f"All arrays must have the same number of rows, got {[len(t) for t in self.tensors]}.")
        self.indices = torch.arange(n) if indices is None else indices

    def __len__(self) -> int:
        return len(self.indices)

    def split(self, fraction: float, generator: torch.Generator):
        """Random ``(train, validation)`` split; the validation part has ``fraction`` of the rows."""
        perm = self.indices[torch.randperm(len(self), generator=generator)]
        n_val = int(round(len(self) * fraction))
        return (ArrayBatches(*self.tensors, indices=perm[n_val:]),
                ArrayBatches(*self.tensors, indices=perm[:n_val]))

    def __iter__(self):
        return self.iter_batches(4096, shuffle=False)

    def iter_batches(self, batch_size: int, shuffle: bool = True,
                     generator: torch.Generator | None = None) -> Iterator[tuple[torch.Tensor, ...]]:
        idx = self.indices
        if shuffle:
            idx = idx[torch.randperm(len(idx), generator=generator)]
        contiguous = not shuffle and len(idx) > 0 and bool(
            (idx[-1] - idx[0] == len(idx) - 1) and (len(idx) == 1 or torch.all(idx[1:] > idx[:-1]))
        )
        for start in range(0, len(idx), batch_size):
            if contiguous:  # views, no copy
                a = int(idx[start])
                b = a + min(batch_size, len(idx) - start)
                yield tuple(t[a:b] for t in self.tensors)
            else:
                sel = idx[start:start + batch_size]
                yield tuple(t[sel] for t in self.tensors)


class MemmapBatches:
    """Mini-batches from arrays too big for memory (``np.memmap`` or anything sliceable).

    Rows ``[start, stop)`` are read ``block_rows`` at a time in random block order; a buffer of
    ``buffer_blocks`` blocks is shuffled before it is cut into batches. Peak memory is about
    ``buffer_blocks * block_rows`` rows, whatever the size of the array.
    """

    def __init__(self, *arrays, start: int = 0, stop: int | None = None,
                 block_rows: int | None = None, buffer_blocks: int = 4):
        self.arrays = arrays
        n = len(arrays[0])
        if any(len(a) != n for a in arrays):
            raise ValueError(f"All arrays must have the same number of rows, got {[len(a) for a in arrays]}.")
        self.start, self.stop = start, n if stop is None else stop
        if block_rows is None:  # about 32 MiB per block
            row_bytes = sum(int(np.prod(a.shape[1:], dtype=np.int64)) * 4 for a in arrays) or 4
            block_rows = max(1024, (32 << 20) // row_bytes)
        self.block_rows, self.buffer_blocks = int(block_rows), int(buffer_blocks)

    def __len__(self) -> int:
        return self.stop - self.start

    def split(self, fraction: float, generator: torch.Generator):
        """The last ``fraction`` of the rows validates: one contiguous read, no random I/O."""
        n_val = int(round(len(self) * fraction))
        cut = self.stop - n_val
        kw = dict(block_rows=self.block_rows, buffer_blocks=self.buffer_blocks)
        return (MemmapBatches(*self.arrays, start=self.start, stop=cut, **kw),
                MemmapBatches(*self.arrays, start=cut, stop=self.stop, **kw))

    def _read(self, a: int, b: int) -> tuple[torch.Tensor, ...]:
        out = []
        for arr in self.arrays:
            block = read_rows(arr, a, b)
            if block.dtype == np.float64:
                block = block.astype(np.float32)
            out.append(torch.from_numpy(np.ascontiguousarray(block)))
        return tuple(out)

    def __iter__(self):
        return self.iter_batches(4096, shuffle=False)

    def iter_batches(self, batch_size: int, shuffle: bool = True,
                     generator: torch.Generator | None = None) -> Iterator[tuple[torch.Tensor, ...]]:
        starts = torch.arange(self.start, self.stop, self.block_rows)
        if shuffle:
            starts = starts[torch.randperm(len(starts), generator=generator)]
        group = self.buffer_blocks if shuffle else 1
        carry: tuple[torch.Tensor, ...] | None = None
        for g in range(0, len(starts), group):
            blocks = [self._read(int(s), min(int(s) + self.block_rows, self.stop)) for s in starts[g:g + group]]
            buf = tuple(torch.cat(parts) for parts in zip(*blocks))
            if carry is not None:  # rows left over from the previous buffer: no short batches mid-epoch
                buf = tuple(torch.cat([c, b]) for c, b in zip(carry, buf))
                carry = None
            if shuffle:
                perm = torch.randperm(len(buf[0]), generator=generator)
                buf = tuple(t[perm] for t in buf)
            n_full = (len(buf[0]) // batch_size) * batch_size
            last = g + group >= len(starts)
            end = len(buf[0]) if last else n_full
            for s in range(0, end, batch_size):
                yield tuple(t[s:s + batch_size] for t in buf)
            if not last and n_full < len(buf[0]):
                carry = tuple(t[n_full:] for t in buf)


def _is_memmap(a) -> bool:
    return isinstance(a, np.memmap) or (isinstance(a, np.ndarray) and isinstance(a.base, np.memmap))


def is_out_of_core(a) -> bool:
    """True for data read from disk as needed: a memory-mapped array, or a source with ``read_rows``
    (:class:`aekit.tables.NpyShards`, :class:`aekit.tables.ParquetRows`)."""
    return _is_memmap(a) or hasattr(a, "read_rows")


def _file_rows(a) -> tuple[str, int, int] | None:
    """``(file, byte offset of row 0, bytes per row)`` of a C-ordered memory-mapped array."""
    if not isinstance(a, np.ndarray) or not a.flags.c_contiguous or a.ndim == 0:
        return None
    base = a  # the array that owns the mapping: a slice of a memmap is a memmap with a stale offset
    while isinstance(base.base, np.ndarray):
        base = base.base
    if not isinstance(base, np.memmap) or base.filename is None:
        return None
    delta = a.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    return base.filename, base.offset + delta, a.itemsize * int(np.prod(a.shape[1:], dtype=np.int64))


def read_rows(a, start: int, stop: int) -> np.ndarray:
    """Rows ``[start, stop)`` of ``a`` as a new in-memory array.

    A memory-mapped array is read with plain file reads rather than through its mapping: pages
    touched through a mapping count in the process's resident memory until the kernel drops them,
    so streaming a file larger than RAM that way looks (and, under cgroup limits, acts) like
    holding all of it. A file read leaves only the page cache, which is not the process's.
    """
    if hasattr(a, "read_rows"):
        return a.read_rows(start, stop)
    stop = min(len(a), stop)
    start = min(max(0, start), stop)
    src = _file_rows(a)
    if src is None:
        return np.array(a[start:stop])
    filename, offset, row_bytes = src
    count = (stop - start) * (row_bytes // a.itemsize)
    block = np.fromfile(filename, dtype=a.dtype, count=count, offset=offset + start * row_bytes)
    return block.reshape((stop - start, *a.shape[1:]))


def as_batches(*arrays) -> ArrayBatches | MemmapBatches:
    """Wrap arrays as a batch source: data on disk streams in blocks, the rest stays in memory."""
    if len(arrays) == 1 and isinstance(arrays[0], (ArrayBatches, MemmapBatches)):
        return arrays[0]
    if any(is_out_of_core(a) for a in arrays):
        return MemmapBatches(*arrays)
    return ArrayBatches(*arrays)


# --------------------------------------------------------------------------------------------
# Checkpoints (safetensors + JSON metadata in one file, written atomically)
# --------------------------------------------------------------------------------------------


def _fingerprint(model: torch.nn.Module, n_train: int, config: TrainConfig) -> str:
    shapes = [(k, list(v.shape)) for k, v in model.state_dict().items()]
    return json.dumps({"shapes": shapes, "n_train": n_train, "batch_size": config.batch_size})


def _save_checkpoint(path, model, optimizer, best_state, history, epoch, seed, wait, best_score, fingerprint,
                     anneal=None):
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    if best_state is not None:
        tensors.update({f"best.{k}": v for k, v in best_state.items()})
    opt = optimizer.state_dict()
    for pid, pstate in opt["state"].items():
        for key, val in pstate.items():
            tensors[f"optim.{pid}.{key}"] = val if torch.is_tensor(val) else torch.tensor(val)
    tensors["rng.cpu"] = torch.get_rng_state()
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        tensors["rng.cuda"] = torch.cuda.get_rng_state()
    meta = {
        "epoch": epoch, "seed": seed, "wait": wait, "best_score": best_score,
        "history": history.to_dict(), "param_groups": opt["param_groups"],
        "fingerprint": fingerprint, "has_best": best_state is not None,
        "anneal": None if anneal is None else list(anneal),
    }
    write_tensors(path, tensors, metadata={"aekit_checkpoint": json.dumps(meta)})


def _load_checkpoint(path, model, optimizer, fingerprint):
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            meta = json.loads((f.metadata() or {})["aekit_checkpoint"])
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:  # noqa: BLE001 - any failure means the file is unusable
        raise ModelFileError(
            f"Checkpoint {path} cannot be read ({exc}). Delete it to start training afresh."
        ) from None
    if meta.get("fingerprint") != fingerprint:
        raise ModelFileError(
            f"Checkpoint {path} was written for a different model or data set; delete it or pass "
            "another checkpoint path to start afresh."
        )
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    state: dict = {}
    for k, v in tensors.items():
        if k.startswith("optim."):
            _, pid, key = k.split(".", 2)
            state.setdefault(int(pid), {})[key] = v
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    best = {k[5:]: v for k, v in tensors.items() if k.startswith("best.")} if meta["has_best"] else None
    torch.set_rng_state(tensors["rng.cpu"])
    if "rng.cuda" in tensors and torch.cuda.is_available():
        torch.cuda.set_rng_state(tensors["rng.cuda"])
    return meta, best


# --------------------------------------------------------------------------------------------
# The loop
# --------------------------------------------------------------------------------------------


def _show_progress(verbose: int) -> bool:
    return verbose > 0 and sys.stderr.isatty()


def _make_optimizer(model, config: TrainConfig) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    cls = torch.optim.AdamW if config.optimizer == "adamw" else torch.optim.Adam
    # fused: the whole Adam update in one pass over each parameter, on CPU and CUDA alike. Profiled
    # on the 784-512-256-32 autoencoder (2 CPU cores) the step took 19% of training time with
    # foreach kernels (one op after another: sqrt, div, addcdiv...) and 8% fused.
    fused = all(p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in params)
    kind = {"fused": True} if fused else {"foreach": True}
    return cls(params, lr=config.learning_rate, betas=tuple(config.betas), weight_decay=config.weight_decay, **kind)


def _lr_at(epoch: int, config: TrainConfig) -> float:
    """The learning rate of an epoch ("constant" and "cosine"; "onecycle" is per step)."""
    if config.lr_schedule == "cosine":
        t = epoch / max(1, config.max_epochs - 1)
        return config.learning_rate * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * t)))
    return config.learning_rate


def onecycle_lr(progress: float, peak: float, warmup: float) -> float:
    """The "onecycle" learning rate at ``progress`` (0 to 1) of the run: a linear rise to ``peak``
    over the first ``warmup`` of it, then half a cosine down to zero at its end.

    Why this shape: Adam's first steps are its largest relative to the weights, so a high peak
    needs the warm-up to start without blowing up; and the annealing to zero is what turns a
    noisy high-rate trajectory into a low loss in one or two epochs (Smith and Topin's
    "super-convergence"), where a constant rate stops wherever it happens to be.

    >>> [round(onecycle_lr(t, 1.0, 0.1), 3) for t in (0.0, 0.05, 0.1, 0.55, 1.0)]
    [0.0, 0.5, 1.0, 0.5, 0.0]
    """
    progress = min(max(progress, 0.0), 1.0)
    if progress < warmup:
        return peak * progress / warmup
    return peak * 0.5 * (1.0 + math.cos(math.pi * (progress - warmup) / (1.0 - warmup)))


class _Schedule:
    """Where a run stands in its budget, and the learning rate there.

    ``progress`` is the larger of the fraction of planned steps done and the fraction of
    ``max_time`` used, so a time budget ends the run on time with its learning rate annealed.
    Early stopping under "onecycle" does not stop at a high learning rate: when patience runs out
    the rest of the cycle is compressed into one last epoch (``anneal``), from the rate of the
    moment down to zero, and the run ends after it.
    """

    def __init__(self, config: TrainConfig, steps_per_epoch: int, seconds_before: float, world: int = 1,
                 device=None):
        self.config, self.steps_per_epoch = config, max(1, steps_per_epoch)
        self.total_steps = config.max_epochs * self.steps_per_epoch
        self.seconds_before, self.t0 = seconds_before, time.perf_counter()
        self.anneal: tuple[int, float] | None = None  # (first step, learning rate then)
        self.world, self.device, self._synced = world, device, seconds_before

    def elapsed(self) -> float:
        if self.world > 1:  # every rank must see the same clock, or their learning rates would differ
            return self._synced
        return self.seconds_before + time.perf_counter() - self.t0

    def sync(self, step: int) -> None:
        """Under torch.distributed, agree on the elapsed time (the slowest rank's) every 16 steps."""
        if self.world > 1 and self.config.max_time is not None and step % 16 == 0:
            t = torch.tensor([self.seconds_before + time.perf_counter() - self.t0], device=self.device)
            torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.MAX)
            self._synced = float(t)

    def progress(self, step: int) -> float:
        p = step / self.total_steps
        if self.config.max_time is not None:
            p = max(p, self.elapsed() / self.config.max_time)
        return p

    def out_of_time(self) -> bool:
        return self.config.max_time is not None and self.elapsed() >= self.config.max_time

    def lr(self, epoch: int, step: int) -> float:
        c = self.config
        if self.anneal is not None:
            start, rate = self.anneal
            t = min(1.0, (step - start) / self.steps_per_epoch)
            return rate * 0.5 * (1.0 + math.cos(math.pi * t))
        if c.lr_schedule == "onecycle":
            return onecycle_lr(self.progress(step), c.learning_rate, c.warmup)
        return _lr_at(epoch, c)

    def start_anneal(self, step: int, epoch: int) -> bool:
        """Patience ran out after ``step`` steps: anneal over one more epoch if the rate is still
        high (True), or stop now (False)."""
        if self.config.lr_schedule != "onecycle" or self.anneal is not None:
            return False
        rate = self.lr(epoch, step)
        if rate <= 0.1 * self.config.learning_rate:
            return False
        self.anneal = (step, rate)
        return True

    def annealed(self, step: int) -> bool:
        """True once the annealing epoch that :meth:`start_anneal` began is over."""
        return self.anneal is not None and step >= self.anneal[0] + self.steps_per_epoch


def _split_loss(out) -> tuple[torch.Tensor, dict]:
    return out if isinstance(out, tuple) else (out, {})


def _diverged(epoch: int, step: int, config: TrainConfig, autocast_dtype) -> TrainingDivergedError:
    hints = [f"a lower learning_rate (now {config.learning_rate:g})",
             "scaling the input (e.g. StandardScaler) and checking it for NaN/inf"]
    if config.clip_grad_norm is None:
        hints.append("clip_grad_norm=1.0")
    if autocast_dtype is not None:
        hints.append("precision='fp32'")
    return TrainingDivergedError(
        f"Training diverged: the loss became NaN or infinite in epoch {epoch + 1}, near batch {step + 1}. "
        f"Try {', '.join(hints[:-1])} or {hints[-1]}."
    )


class _LossModule(torch.nn.Module):
    """``loss_fn(model, batch)`` as a module, so DistributedDataParallel sees every parameter
    the loss touches (``model.encode``, ``model.decode``...), not only ``model.forward``."""

    def __init__(self, model: torch.nn.Module, loss_fn):
        super().__init__()
        self.model = model
        self.loss_fn = loss_fn

    def forward(self, *batch):
        return self.loss_fn(self.model, batch)


def _rank_slice(batch: tuple, rank: int, world: int) -> tuple:
    """This rank's contiguous share of a global batch."""
    n = len(batch[0])
    a, b = rank * n // world, (rank + 1) * n // world
    return tuple(t[a:b] for t in batch)


def train(
    model: torch.nn.Module,
    loss_fn: LossFn,
    data,
    config: TrainConfig | None = None,
    validation_data=None,
) -> History:
    """Train ``model`` in place to minimise ``loss_fn`` over ``data``; return the :class:`History`.

    Parameters
    ----------
    model : torch.nn.Module
        Moved to the configured device.
    loss_fn : callable
        ``loss_fn(model, batch) -> loss`` or ``(loss, {"name": value})`` where ``batch`` is the
        tuple of tensors sliced from ``data``. It should return an fp32 loss (cast outputs with
        ``.float()``): autocast only covers the forward pass.
    data : array, tuple of arrays, ArrayBatches or MemmapBatches
        Training data; a tuple is sliced row-wise in step.
    config : TrainConfig
    validation_data : same kinds as ``data``, optional
        Used instead of ``config.validation_split``.

    Examples
    --------
    >>> from aekit.blocks import Autoencoder
    >>> X = torch.rand(512, 16)
    >>> ae = Autoencoder.dense(16, (8,), 2)
    >>> mse = lambda m, batch: torch.nn.functional.mse_loss(m(batch[0]).float(), batch[0])
    >>> h = train(ae, mse, X, TrainConfig(max_epochs=3, verbose=0, random_state=0))
    >>> len(h.history["loss"]), "val_loss" in h.history
    (3, True)
    """
    config = config or TrainConfig()
    device = resolve_device(config.device)
    autocast_dtype = resolve_precision(config.precision, device)
    source = as_batches(*data) if isinstance(data, (tuple, list)) else as_batches(data)
    if len(source) == 0:
        raise ValueError("No training data: the input has 0 rows.")

    seed = config.random_state if config.random_state is not None else secrets.randbits(31)
    rank, world = rank_and_world()
    if world > 1:
        if config.batch_size < world:
            raise ValueError(f"batch_size={config.batch_size} is the global batch and must be at least "
                             f"the number of processes ({world}).")
        seed_t = torch.tensor([seed], dtype=torch.int64, device=device)
        torch.distributed.broadcast(seed_t, src=0)  # one seed: same split and batches on every rank
        seed = int(seed_t)
    ckpt = Path(config.checkpoint) if config.checkpoint else None
    if ckpt is not None and rank == 0:
        remove_stale_temporaries(ckpt)  # a SIGKILLed run's half-written checkpoint, never loaded
    resuming = bool(config.resume and ckpt is not None and ckpt.exists())

    # The loop owns the global RNG while it runs (dropout, noise), then gives it back untouched.
    with torch.random.fork_rng(devices=[]):
        if resuming:  # the seed of the interrupted run decides the validation split
            seed = _read_checkpoint_seed(ckpt)
        torch.manual_seed(seed)
        if validation_data is not None:
            train_src = source
            val_src = as_batches(*validation_data) if isinstance(validation_data, (tuple, list)) \
                else as_batches(validation_data)
        elif config.validation_split > 0 and len(source) >= 2:
            train_src, val_src = source.split(config.validation_split, torch.Generator().manual_seed(seed))
            if len(val_src) == 0:
                val_src = None
        else:
            train_src, val_src = source, None
        if len(train_src) == 0:
            raise ValueError(
                f"validation_split={config.validation_split} leaves none of the {len(source)} rows "
                "to train on; use a smaller validation_split or more data."
            )

        model.to(device)
        optimizer = _make_optimizer(model, config)
        # as JSON will hold them (a tuple comes back a list), so a History equals its round trip
        params = {k: list(v) if isinstance(v, tuple) else v
                  for k, v in dataclasses.asdict(config).items() if k not in ("checkpoint", "resume")}
        history = History(params=params)
        fingerprint = _fingerprint(model, len(train_src), config)
        start_epoch, wait, best_score, best_state = 0, 0, math.inf, None
        if resuming:
            meta, best_state = _load_checkpoint(ckpt, model, optimizer, fingerprint)
            history = History.from_dict(meta["history"])
            history.params = params  # this run's settings (e.g. a larger max_epochs)
            start_epoch, wait, best_score = meta["epoch"] + 1, meta["wait"], meta["best_score"]
            if history.stopped_early or history.stopped_on_time:
                start_epoch = config.max_epochs  # that run had finished
        steps_per_epoch = math.ceil(len(train_src) / config.batch_size)
        schedule = _Schedule(config, steps_per_epoch, history.seconds, world, device)
        if resuming and meta.get("anneal") is not None:
            schedule.anneal = (int(meta["anneal"][0]), float(meta["anneal"][1]))
        per_step_lr = config.lr_schedule == "onecycle"

        step_module: torch.nn.Module = _LossModule(model, loss_fn)
        if world > 1:
            # Broadcasts rank 0's weights now, then averages gradients in every backward pass.
            step_module = torch.nn.parallel.DistributedDataParallel(
                step_module, device_ids=[device.index] if device.type == "cuda" else None)
        bar = tqdm(total=config.max_epochs, initial=start_epoch, desc=config.desc, unit="epoch",
                   disable=rank != 0 or not _show_progress(config.verbose), leave=False, dynamic_ncols=True)
        autocast = (torch.autocast(device.type, dtype=autocast_dtype) if autocast_dtype is not None
                    else contextlib.nullcontext())

        def run_epoch(src, epoch: int, training: bool) -> dict[str, float]:
            step_module.train(training)
            totals: dict[str, torch.Tensor] = {}
            count = 0
            gen = torch.Generator().manual_seed(seed * 100_003 + epoch)  # same batches on resume
            batches = src.iter_batches(config.batch_size, shuffle=training, generator=gen)
            with torch.set_grad_enabled(training):
                for step, batch in enumerate(batches):
                    if training:
                        global_step = epoch * steps_per_epoch + step
                        schedule.sync(global_step)
                        if schedule.out_of_time():
                            break
                        if per_step_lr or schedule.anneal is not None:
                            for group in optimizer.param_groups:
                                group["lr"] = schedule.lr(epoch, global_step)
                    if world > 1:
                        if len(batch[0]) < world:  # every rank needs rows, or DDP would wait forever
                            continue
                        batch = _rank_slice(batch, rank, world)
                    batch = tuple(t.to(device, non_blocking=True) for t in batch)
                    with autocast:
                        loss, extras = _split_loss(step_module(*batch))
                    if training:
                        loss.backward()
                        if config.clip_grad_norm is not None:
                            torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip_grad_norm)
                        optimizer.step()
                        optimizer.zero_grad(set_to_none=True)
                    n = len(batch[0])
                    count += n
                    for k, v in {"loss": loss, **extras}.items():
                        v = v.detach().float() * n if torch.is_tensor(v) else torch.tensor(float(v) * n)
                        totals[k] = totals[k] + v if k in totals else v
                    # A sync every 32 steps keeps the NaN check cheap on GPUs. (With several
                    # ranks the check waits for the epoch's all-reduce, so all ranks stop together.)
                    if world == 1 and step % 32 == 0 and not torch.isfinite(totals["loss"]):
                        raise _diverged(epoch, step, config, autocast_dtype)
            if world > 1 and totals:
                keys = sorted(totals)
                packed = torch.stack([totals[k].float().cpu() for k in keys] + [torch.tensor(float(count))])
                packed = packed.to(device)
                torch.distributed.all_reduce(packed)
                packed = packed.cpu()
                totals, count = dict(zip(keys, packed[:-1])), int(packed[-1])
            if count == 0:
                return {}
            out = {k: float(v) / count for k, v in totals.items()}
            if not math.isfinite(out["loss"]):
                raise _diverged(epoch, step, config, autocast_dtype)
            return out

        t0 = time.perf_counter()
        try:
            for epoch in range(start_epoch, config.max_epochs):
                if schedule.out_of_time():
                    history.stopped_on_time = True
                    break
                for group in optimizer.param_groups:
                    group["lr"] = schedule.lr(epoch, epoch * steps_per_epoch)
                if world > 1:  # each rank its own, reproducible random stream (noise, dropout)
                    torch.manual_seed((seed * 1_000_003 + epoch) * 4099 + rank)
                logs = run_epoch(train_src, epoch, training=True)
                if not logs:  # the time ran out before this epoch's first step
                    history.stopped_on_time = True
                    break
                if val_src is not None:
                    logs.update({f"val_{k}": v for k, v in run_epoch(val_src, epoch, training=False).items()})
                history.log(epoch, logs)
                score = logs.get("val_loss", logs["loss"])
                # best_epoch, not best_state: best_state stays None when restore_best_weights=False.
                # abs(): a relative margin must also work for negative losses.
                if history.best_epoch is None or score < best_score - config.min_delta * abs(best_score):
                    best_score, wait, history.best_epoch = score, 0, epoch
                    if config.restore_best_weights:
                        best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                else:
                    wait += 1
                stop = config.early_stopping and wait >= config.patience
                if stop and schedule.start_anneal((epoch + 1) * steps_per_epoch, epoch):
                    stop = False  # first one more epoch, annealing the learning rate to zero
                elif schedule.annealed((epoch + 1) * steps_per_epoch):
                    stop = True  # the annealing epoch after patience ran out
                history.stopped_early = stop
                if schedule.out_of_time():
                    history.stopped_on_time = True
                    stop = True
                history.seconds += time.perf_counter() - t0
                t0 = time.perf_counter()
                if ckpt is not None and rank == 0:
                    _save_checkpoint(ckpt, model, optimizer, best_state, history, epoch, seed, wait,
                                     best_score, fingerprint, schedule.anneal)
                bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()}, refresh=False)
                bar.update(1)
                if config.verbose >= 2 and rank == 0:
                    tqdm.write(f"{config.desc} epoch {epoch + 1}/{config.max_epochs} "
                               + " ".join(f"{k}={v:.5g}" for k, v in logs.items()), file=sys.stderr)
                if stop:
                    break
        finally:
            bar.close()
        if config.restore_best_weights and best_state is not None:
            model.load_state_dict(best_state)
    model.eval()
    return history


def checkpoint_epochs(path) -> int:
    """How many epochs the training checkpoint at ``path`` holds: a run resumed from it starts
    with the next one. Raises :class:`~aekit.errors.ModelFileError` if the file cannot be read."""
    return _checkpoint_meta(path)["epoch"] + 1


def _read_checkpoint_seed(path: Path) -> int:
    return _checkpoint_meta(path)["seed"]


def _checkpoint_meta(path) -> dict:
    """A checkpoint's bookkeeping (epoch, seed, history, ...), without loading its tensors."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            meta = json.loads((f.metadata() or {})["aekit_checkpoint"])
            return {**meta, "epoch": int(meta["epoch"]), "seed": int(meta["seed"])}
    except Exception as exc:  # noqa: BLE001 - any failure means the file is unusable
        raise ModelFileError(
            f"Checkpoint {path} cannot be read ({exc}). Delete it to start training afresh."
        ) from None


@torch.inference_mode()
def predict_batches(fn: Callable[[torch.Tensor], torch.Tensor], X, batch_size: int = 4096,
                    device: str | torch.device = "auto", precision: str = "auto",
                    out: np.ndarray | None = None) -> np.ndarray:
    """Apply ``fn`` to ``X`` in chunks and return (or fill ``out`` with) a float32 numpy array.

    Chunks keep memory bounded, so ``X`` may be a memory-mapped array and ``out`` one too.
    """
    device = resolve_device(device)
    dtype = resolve_precision(precision, device)
    autocast = torch.autocast(device.type, dtype=dtype) if dtype is not None else contextlib.nullcontext()
    n = len(X)
    chunks = []
    for start in range(0, n, batch_size):
        if torch.is_tensor(X):
            xb = X[start:start + batch_size]
        elif is_out_of_core(X):
            xb = read_rows(X, start, start + batch_size)
        else:
            xb = np.asarray(X[start:start + batch_size])
            if not xb.flags.writeable and xb.dtype != np.float64:  # torch warns on read-only memory
                xb = xb.copy()
        xb = _as_tensor(xb)
        with autocast:
            yb = fn(xb.to(device)).float().cpu().numpy()
        if out is not None:
            out[start:start + len(yb)] = yb
        else:
            chunks.append(yb)
    if out is not None:
        return out
    if not chunks:
        raise ValueError("No data to transform: the input has 0 rows.")
    return np.concatenate(chunks)


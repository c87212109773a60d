"""Multi-process training on ``torch.distributed``, launched with ``torchrun``.

The shared training loop (:func:`aekit.training.train`) switches to DistributedDataParallel by
itself whenever a process group is initialised; this module only starts that group from the
environment ``torchrun`` sets up (``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``...).

One machine, 4 processes::

    torchrun --standalone --nproc_per_node=4 -m aekit reduce data.npy -o z.npy --dims 2

Two machines (run on each, ``--node_rank`` 0 and 1)::

    torchrun --nnodes=2 --node_rank=0 --nproc_per_node=8 \\
        --rdzv_backend=c10d --rdzv_endpoint=HOST0:29500 -m aekit reduce data.npy -o z.npy

From Python, call :func:`init_from_env` at the top of a script started by ``torchrun``, then fit
as usual; ``batch_size`` is the global batch, split evenly across the processes. Set
``random_state``: every process must prepare the same data the same way.
"""

from __future__ import annotations

import atexit
import datetime
import gc
import os
import sys

import torch

__all__ = ["init_from_env", "is_main_process", "leave_group", "rank_and_world"]


def init_from_env() -> tuple[int, int]:
    """Join the process group ``torchrun`` describes in the environment; return ``(rank, world)``.

    Does nothing (and returns ``(0, 1)``) outside ``torchrun`` or with a single process. The
    backend is NCCL when CUDA is available and gloo on CPUs.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1 or not torch.distributed.is_available():
        return 0, 1
    if not torch.distributed.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        torch.distributed.init_process_group(backend=backend)
        # Leave the group before the interpreter tears down: a gloo group still alive at exit
        # can abort the process ("terminate called without an active exception") after the
        # script's work is done. The CLI's entry point calls it too.
        _watch_for_crash()
        atexit.register(lambda: leave_group(wait_for_peers=not _crashed))
    return rank_and_world()


_crashed = False


def _watch_for_crash() -> None:
    """Note an uncaught exception, so that leaving the group does not wait for peers that will
    never come (torchrun stops them once this process exits)."""
    previous = sys.excepthook

    def hook(*exc_info):
        global _crashed
        _crashed = True
        previous(*exc_info)

    sys.excepthook = hook


def leave_group(wait_for_peers: bool = True, timeout: float = 60.0) -> None:
    """Destroy the process group, if one is initialised (a no-op otherwise).

    With ``wait_for_peers`` every rank first meets the others at a barrier (for at most
    ``timeout`` seconds), so that no rank closes its connections while a peer still uses them:
    a rank that tears down gloo early can abort a slower one at exit. Pass ``False`` when this
    rank is leaving on an error.
    """
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return
    gc.collect()  # free any DistributedDataParallel wrapper while the interpreter is whole
    if wait_for_peers:
        try:
            if torch.distributed.get_backend() == "gloo":
                torch.distributed.monitored_barrier(timeout=datetime.timedelta(seconds=timeout))
            else:
                torch.distributed.barrier()
        except RuntimeError:
            pass  # a peer is gone: leave anyway
    torch.distributed.destroy_process_group()


def rank_and_world() -> tuple[int, int]:
    """``(rank, world_size)`` of the current process group; ``(0, 1)`` without one."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def is_main_process() -> bool:
    """True on rank 0 (and without a process group): the process that writes files."""
    return rank_and_world()[0] == 0

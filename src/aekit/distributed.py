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
import os

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
        atexit.register(leave_group)
    return rank_and_world()


def leave_group() -> None:
    """Destroy the process group, if one is initialised (a no-op otherwise)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


def rank_and_world() -> tuple[int, int]:
    """``(rank, world_size)`` of the current process group; ``(0, 1)`` without one."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def is_main_process() -> bool:
    """True on rank 0 (and without a process group): the process that writes files."""
    return rank_and_world()[0] == 0

"""Where and in which precision to compute.

bf16 autocast is aekit's main speed lever on CPUs with AMX or AVX512-BF16 (bf16 matmuls several
times faster than fp32). On CPUs without them bf16 is *emulated* and can be a hundred times
slower, so ``precision="auto"`` turns it on only where the hardware has it.
"""

from __future__ import annotations

import functools
import os

import torch

__all__ = ["available_memory", "check_memory", "check_training_memory", "cpu_has_fast_bf16", "describe_machine", "resolve_device",
           "resolve_precision"]


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` -> CUDA when present, else CPU; anything else is passed to ``torch.device``."""
    if isinstance(device, torch.device):
        return device
    if device in (None, "auto"):
        if not torch.cuda.is_available():
            return torch.device("cpu")
        # Under torchrun every process gets its own GPU, named by LOCAL_RANK.
        local = int(os.environ.get("LOCAL_RANK", "0")) % torch.cuda.device_count()
        return torch.device("cuda", local)
    try:
        dev = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"Unknown device {device!r}: use 'auto', 'cpu' or 'cuda[:N]'.") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was asked for but CUDA is not available; use 'auto' or 'cpu'.")
    return dev


@functools.lru_cache(maxsize=1)
def cpu_has_fast_bf16() -> bool:
    """True when this CPU runs bf16 matmuls natively (AMX tiles or AVX512-BF16)."""
    checks = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    for name in checks:
        fn = getattr(torch.cpu, name, None)
        if fn is not None:
            try:
                if fn():
                    return True
            except Exception:  # pragma: no cover - private API changed
                pass
    if all(getattr(torch.cpu, name, None) is not None for name in checks):
        return False
    try:  # older torch: read the flags ourselves
        with open("/proc/cpuinfo") as f:
            flags = f.read()
        return "amx_bf16" in flags or "avx512_bf16" in flags
    except OSError:  # pragma: no cover - not Linux
        return False


def resolve_precision(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``precision`` on ``device``, or ``None`` for plain fp32.

    ``"auto"``: bf16 on CUDA cards that support it and on CPUs with AMX / AVX512-BF16; fp32
    elsewhere. ``"bf16"`` forces bf16 autocast (weights, optimizer state and loss stay fp32);
    ``"fp32"`` turns autocast off. The environment variable ``AEKIT_PRECISION`` overrides
    ``"auto"``.
    """
    if precision == "auto":
        precision = os.environ.get("AEKIT_PRECISION", "auto")
    if precision == "fp32":
        return None
    if precision == "bf16":
        return torch.bfloat16
    if precision != "auto":
        raise ValueError(f"precision must be 'auto', 'bf16' or 'fp32', got {precision!r}.")
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    if device.type == "cpu":
        return torch.bfloat16 if cpu_has_fast_bf16() else None
    return None


def describe_machine() -> dict:
    """Facts recorded next to every benchmark figure."""
    import platform

    info = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "cpu_fast_bf16": cpu_has_fast_bf16(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:  # pragma: no cover
        pass
    try:
        with open("/proc/meminfo") as f:
            info["mem_total_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):  # pragma: no cover
        pass
    return info


def available_memory() -> int | None:
    """Bytes of memory this process can still use without swapping, or None if unknown.

    Linux's ``MemAvailable`` (free memory plus caches it can drop), capped by a cgroup (container)
    limit when there is one; elsewhere the free physical pages.
    """
    avail = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            return None
    try:  # a container's own limit can be far below the machine's free memory
        with open("/sys/fs/cgroup/memory.max") as f:
            limit = f.read().strip()
        with open("/sys/fs/cgroup/memory.current") as f:
            used = int(f.read().strip())
        with open("/sys/fs/cgroup/memory.stat") as f:  # page cache counts in "current" but can be dropped
            cache = next((int(line.split()[1]) for line in f if line.startswith("file ")), 0)
        if limit != "max":
            room = int(limit) - used + cache
            avail = min(avail, room) if avail is not None else room
    except (OSError, ValueError):
        pass
    return avail


def _gb(n: float) -> str:
    return f"{n / 1e9:,.1f} GB" if n >= 1e8 else f"{n / 1e6:,.1f} MB"


def check_memory(needed: float, what: str, fix: str) -> None:
    """Refuse work that would exhaust memory, before allocating any of it.

    ``needed`` is an estimate in bytes; ``what`` says what needs it and ``fix`` what to do instead.
    Raises :class:`aekit.errors.InsufficientMemoryError` (a ``MemoryError``) when ``needed``
    exceeds the memory available now. Nothing is refused when the available memory is unknown.
    """
    from .errors import InsufficientMemoryError

    avail = available_memory()
    if avail is not None and needed > avail:
        raise InsufficientMemoryError(
            f"{what} needs about {_gb(needed)} of memory, but only {_gb(max(avail, 0))} is available. {fix}"
        )


def check_training_memory(n_weights: int, what: str, fix: str, data_bytes: float = 0) -> None:
    """:func:`check_memory` for training a network of ``n_weights`` float32 weights: the weights,
    their gradients and Adam's two moments (16 bytes a weight), plus ``data_bytes`` of data copies."""
    check_memory(data_bytes + 16 * n_weights, what, fix)

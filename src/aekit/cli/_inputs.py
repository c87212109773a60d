"""Inputs several commands read: stacks of same-size images (``translate``, ``outliers``)."""

from __future__ import annotations

import click
import numpy as np


def stack_same_size(images: list, where) -> np.ndarray:
    shapes = sorted({im.shape for im in images})
    if len(shapes) > 1:
        raise ValueError(f"{where}: the images differ in size ({', '.join(map(str, shapes[:4]))}); "
                         "resize or crop them to one size first.")
    return np.stack(images)


def read_image_stack(path, what: str):
    """``(images, names)`` from a .npy stack ``(n, H, W[, C])`` (names None) or a folder of images
    of one size (names relative to the folder, sorted)."""
    from pathlib import Path

    from ..images import find_images, load_npy, read_image

    p = Path(path)
    if p.is_file() and p.suffix.lower() == ".npy":
        from ..hardware import check_memory
        from ..images import npy_header

        try:
            shape, dtype = npy_header(p)
        except Exception:  # noqa: BLE001 - a damaged header is reported by load_npy below
            pass
        else:
            check_memory(2 * int(np.prod(shape)) * max(4, dtype.itemsize), f"Reading {path}",
                         "Split the stack into smaller files.")
        stack = load_npy(p)
        if stack.ndim not in (3, 4):
            raise ValueError(f"{path}: a .npy of images must be (n, H, W) or (n, H, W, C); it is {stack.shape}.")
        return stack, None
    if not p.is_dir():
        raise click.UsageError(f"{what} {path}: give a folder of images or a .npy stack of shape (n, H, W[, C]).")
    found = find_images([p])
    return stack_same_size([read_image(src) for src, _ in found], path), [str(rel) for _, rel in found]

"""Inputs several commands read and check: tables (``reduce``, ``transform``, ``outliers``), stacks of
same-size images (``translate``, ``outliers``), and the PNG a plot goes to."""

from __future__ import annotations

import click
import numpy as np

#: What to do about NaN and infinite values in a table, said in the error.
FILL_OR_DROP = "Fill them in or drop those rows first, e.g. with pandas' df.dropna() or df.fillna(df.median())."


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


def check_rows(table, path) -> None:
    """Clear words, before training, for data an autoencoder cannot learn from."""
    if len(table.X) < 2:
        raise ValueError(f"{path} has {len(table.X)} data row; fitting needs at least 2 (in practice hundreds).")
    check_finite_table(table, path)


def check_finite_table(table, path) -> None:
    """NaN and infinite values, named by row (counted from 1, as a person reads the file) and column."""
    from .._validation import check_finite

    check_finite(table.X, what=str(path), columns=table.columns, row_offset=1, fix=FILL_OR_DROP)


def check_png(path, input, overwrite):
    from pathlib import Path

    from ..serialization import refuse_overwrite

    p = Path(path)
    if p.suffix.lower() != ".png":
        raise click.BadParameter(f"{path}: the plot is written as PNG; use a .png name.", param_hint="--plot")
    refuse_overwrite(p, [input], overwrite)

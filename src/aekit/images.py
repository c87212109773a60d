"""Reading and writing image files for the CLI: PNG, JPEG, TIFF and ``.npy``.

Images come back as numpy arrays, ``(H, W)`` for grayscale and ``(H, W, 3|4)`` for colour,
uint8 (or uint16 for 16-bit files, float32 for float TIFFs and whatever a ``.npy`` holds).
Palette, bilevel and CMYK files are converted to RGB / grayscale on reading. Writing is atomic
(a temporary file, then a rename), so an interrupted run never leaves half an image.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .errors import AekitError
from .serialization import atomic_path

__all__ = ["IMAGE_SUFFIXES", "ImageFileError", "find_images", "from_unit_float", "read_image",
           "to_unit_float", "write_image"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".npy")


class ImageFileError(AekitError, ValueError):
    """An image file is missing, unreadable, corrupt or of an unsupported kind."""


def to_unit_float(image, dtype=np.float32) -> np.ndarray:
    """An image on the [0, 1] scale: uint8 / uint16 divided by their maximum, bool as 0 / 1,
    floats (already on that scale) only cast to ``dtype``."""
    a = np.asarray(image)
    if a.dtype == np.uint8 or a.dtype == np.uint16:
        return a.astype(dtype) / np.iinfo(a.dtype).max
    return a.astype(dtype, copy=False)


def from_unit_float(image: np.ndarray, dtype) -> np.ndarray:
    """The inverse of :func:`to_unit_float`: integers clipped and rounded, bool thresholded at
    0.5, floats cast (not clipped)."""
    dtype = np.dtype(dtype)
    if dtype == np.uint8 or dtype == np.uint16:
        return np.round(np.clip(image, 0, 1) * np.iinfo(dtype).max).astype(dtype)
    if dtype == np.bool_:
        return image >= 0.5
    return image.astype(dtype, copy=False)


def find_images(inputs) -> list[tuple[Path, Path]]:
    """Expand files and folders into ``(path, relative name)`` pairs, folders recursively.

    The relative name is what the output is called inside the output folder: a file's own name,
    or its path below the folder that was given.
    """
    found: list[tuple[Path, Path]] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES
                           and not f.name.startswith("."))
            if not files:
                raise ImageFileError(f"{p} contains no images ({', '.join(IMAGE_SUFFIXES)}).")
            found += [(f, f.relative_to(p)) for f in files]
        elif p.is_file():
            if p.suffix.lower() not in IMAGE_SUFFIXES:
                raise ImageFileError(f"{p}: unsupported file type {p.suffix!r}; use one of {', '.join(IMAGE_SUFFIXES)}.")
            found.append((p, Path(p.name)))
        else:
            raise FileNotFoundError(f"{p} does not exist.")
    names = [str(rel) for _, rel in found]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ImageFileError(f"Several inputs would be written to the same output name: {dupes[:5]}. Rename them or run them separately.")
    return found


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file into a numpy array (see the module notes for modes and dtypes)."""
    path = Path(path)
    if path.suffix.lower() == ".npy":
        try:
            image = np.load(path, allow_pickle=False)  # never unpickle: a file must not run code
        except (ValueError, OSError, EOFError) as exc:
            raise ImageFileError(f"{path} is not a readable .npy array ({exc}).") from None
        if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (1, 3, 4))):
            raise ImageFileError(f"{path} holds an array of shape {image.shape}; an image is (H, W) or (H, W, 1|3|4).")
        return image
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im.load()
            mode = im.mode
            if mode == "P":
                im = im.convert("RGBA" if "transparency" in im.info else "RGB")
            elif mode == "1":
                im = im.convert("L")
            elif mode == "LA":
                im = im.convert("RGBA")
            elif mode in ("CMYK", "YCbCr", "LAB", "HSV"):
                im = im.convert("RGB")
            elif mode in ("I;16", "I;16B", "I;16L"):
                return np.asarray(im, dtype=np.uint16).copy()
            elif mode == "I":
                a = np.asarray(im)
                if a.min() < 0 or a.max() > 65535:
                    raise ImageFileError(f"{path} is a 32-bit integer image with values outside 0-65535; convert it to 16-bit.")
                return a.astype(np.uint16)
            elif mode == "F":
                return np.asarray(im, dtype=np.float32).copy()
            return np.asarray(im).copy()
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} does not exist.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageFileError):
            raise
        raise ImageFileError(f"{path} is not a readable image ({exc}); it may be truncated or corrupt.") from None


def write_image(path: str | os.PathLike, image: np.ndarray) -> Path:
    """Write ``image`` atomically in the format of ``path``'s suffix.

    JPEG holds uint8 grayscale or RGB; PNG and TIFF also hold RGBA and 16-bit; float arrays go to
    ``.npy`` (or a single-channel float TIFF).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise ImageFileError(f"{path}: cannot write {suffix!r} files; use one of {', '.join(IMAGE_SUFFIXES)}.")
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if suffix == ".npy":
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.save(f, image, allow_pickle=False)
        return path
    from PIL import Image

    fmt = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF", ".tiff": "TIFF"}[suffix]
    if image.dtype == np.uint16 and image.ndim == 2 and fmt != "JPEG":
        im = Image.fromarray(image)
    elif np.issubdtype(image.dtype, np.floating) and image.ndim == 2 and fmt == "TIFF":
        im = Image.fromarray(image.astype(np.float32), mode="F")
    elif image.dtype == np.uint8 and (image.ndim == 2 or image.shape[2] in (3, 4)):
        if fmt == "JPEG" and image.ndim == 3 and image.shape[2] == 4:
            raise ImageFileError(f"{path}: JPEG has no alpha channel; write a .png instead.")
        im = Image.fromarray(image)
    else:
        raise ImageFileError(
            f"{path}: a {image.dtype} image of shape {image.shape} cannot be written as {fmt}; "
            "use .npy (any array), .png / .tif (uint8, uint16 grayscale) or .tif (float grayscale)."
        )
    options = {"quality": 95} if fmt == "JPEG" else {}
    with atomic_path(path) as tmp:
        im.save(tmp, format=fmt, **options)
    return path

"""Reading and writing image files for the CLI: PNG, JPEG, TIFF and ``.npy``.

Images come back as numpy arrays, ``(H, W)`` for grayscale and ``(H, W, 3|4)`` for colour,
uint8 (or uint16 for 16-bit files, float32 for float TIFFs and whatever a ``.npy`` holds).
Palette, bilevel and CMYK files are converted to RGB / grayscale on reading. Writing is atomic
(a temporary file, then a rename), so an interrupted run never leaves half an image.
"""

from __future__ import annotations

import os
import tokenize
import zipfile
from pathlib import Path

import numpy as np

from .errors import AekitError, InsufficientMemoryError
from .serialization import atomic_path

__all__ = ["IMAGE_SUFFIXES", "ImageFileError", "find_images", "from_unit_float", "load_npy", "read_image",
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


def npy_header(path: str | os.PathLike) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype a ``.npy`` file declares, read from its header without loading the data."""
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read(f)
    return shape, dtype


_MEMORY_FIX = "Crop or downscale it first, or cut it into tiles and process them one by one."


def _check_image_memory(path: Path, width: int, height: int, channels: int, itemsize: int) -> None:
    from .hardware import check_memory

    # the decoded pixels plus one working copy (conversion to the output dtype or to float)
    check_memory(2 * width * height * channels * itemsize,
                 f"Decoding {path} ({width:,} x {height:,} pixels, {channels} channel(s))", _MEMORY_FIX)


def load_npy(path: str | os.PathLike) -> np.ndarray:
    """A ``.npy`` array, never unpickled; a pickle, an ``.npz`` or a damaged file raises
    :class:`ImageFileError` naming the file. The caller checks the shape (and, from
    :func:`npy_header`, the memory) it needs."""
    path = Path(path)
    try:
        array = np.load(path, allow_pickle=False)  # never unpickle: a file must not run code
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} does not exist.") from None
    except (ValueError, OSError, EOFError, SyntaxError, tokenize.TokenError, zipfile.BadZipFile) as exc:
        # a damaged header fails in numpy's header parser (SyntaxError, TokenError); a file
        # starting like a zip archive in zipfile
        if "pickled" in str(exc) or "Object arrays" in str(exc):
            raise ImageFileError(f"{path} holds Python objects (a pickle), which aekit never loads because "
                                 "unpickling can run code; save images as numeric arrays.") from None
        raise ImageFileError(f"{path} is not a readable .npy array ({exc}).") from None
    except MemoryError as exc:
        raise ImageFileError(f"{path} declares an array too large to load ({exc}); the file may be "
                             "corrupt.") from None
    if not isinstance(array, np.ndarray):  # np.load opens a zip archive (.npz) whatever its name
        array.close()
        raise ImageFileError(f"{path} is an .npz archive, not a .npy array; save arrays with np.save.")
    return array


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file into a numpy array (see the module notes for modes and dtypes).

    An image too large for the memory available is refused from its header, before decoding.
    """
    path = Path(path)
    if path.suffix.lower() == ".npy":
        try:
            shape, dtype = npy_header(path)
        except Exception:  # noqa: BLE001 - a damaged header is reported by np.load below
            pass
        else:
            if len(shape) in (2, 3):
                _check_image_memory(path, shape[1], shape[0], shape[2] if len(shape) == 3 else 1, dtype.itemsize)
        image = load_npy(path)
        if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (1, 3, 4))):
            raise ImageFileError(f"{path} holds an array of shape {image.shape}; an image is (H, W) or (H, W, 1|3|4).")
        if image.dtype.kind not in "biuf" or image.size == 0:
            raise ImageFileError(f"{path} holds an array of dtype {image.dtype} and shape {image.shape}; "
                                 "an image is a non-empty array of numbers (uint8, uint16, float or bool).")
        return image
    from PIL import Image

    try:
        with Image.open(path) as im:
            bands, depth = len(im.getbands()), 4 if im.mode in ("I", "F", "RGBX") else 2 if "16" in im.mode else 1
            _check_image_memory(path, im.width, im.height, max(bands, 3 if im.mode == "P" else 1), depth)
            im.load()
            mode = im.mode
            if mode == "P":
                im = im.convert("RGBA" if "transparency" in im.info else "RGB")
            elif mode == "1":
                im = im.convert("L")
            elif mode in ("LA", "La", "PA", "RGBa"):  # 2-channel and premultiplied modes
                im = im.convert("RGBA")
            elif mode in ("CMYK", "YCbCr", "LAB", "HSV", "RGBX"):
                im = im.convert("RGB")
            if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
                a = np.asarray(im, dtype=np.uint16).copy()
            elif mode == "I":
                a = np.asarray(im)
                if a.size and (a.min() < 0 or a.max() > 65535):
                    raise ImageFileError(f"{path} is a 32-bit integer image with values outside 0-65535; convert it to 16-bit.")
                a = a.astype(np.uint16)
            elif mode == "F":
                a = np.asarray(im, dtype=np.float32).copy()
            else:
                a = np.asarray(im).copy()
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} does not exist.") from None
    except (ImageFileError, InsufficientMemoryError):
        raise
    except MemoryError:  # the header passed the check, but the decoder still ran out
        raise ImageFileError(f"{path} ran out of memory while decoding; it may be corrupt (a header that "
                             "lies about its size), or too large for this machine. " + _MEMORY_FIX) from None
    except Image.DecompressionBombError as exc:
        raise ImageFileError(f"{path} is too large to read safely ({exc}). If you trust the file, raise "
                             "PIL.Image.MAX_IMAGE_PIXELS before reading it.") from None
    except Exception as exc:  # noqa: BLE001 - PIL's decoders fail on corrupt files with many types
        raise ImageFileError(f"{path} is not a readable image ({exc}); it may be truncated or corrupt.") from None
    if a.size == 0 or a.dtype.kind not in "biuf" or not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (3, 4))):
        raise ImageFileError(f"{path} decodes to an array of dtype {a.dtype} and shape {a.shape} (mode "
                             f"{mode}), not an image aekit can use; convert it to an 8-bit or 16-bit PNG.")
    return a


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

"""Fuzz aekit's input handling with random and mutated inputs; writes benchmarks/results/fuzz.json.

Case kinds: the text utilities (random unicode, parameters valid and invalid), pad_sequences
(ragged, empty, huge values, wrong types), the image loader (random bytes, mutated and truncated
PNG / JPEG / TIFF / .npy files), the table loader (mutated CSV, Parquet, .npy and .npz), the
model-file loaders (mutated config.json and model.safetensors, tokenizer JSON) and the command line
(random argument lists through ``aekit.cli.main``).

A case passes when it returns a well-formed result or raises a *handled* error: an
``aekit.errors.AekitError``, or a ``ValueError`` / ``TypeError`` / ``FileNotFoundError`` /
``KeyError`` whose raising frame (the last traceback frame) is in aekit's own source, not in a
library underneath. A command-line case passes with exit code 0, 1 or 2 and no traceback on
stderr. Everything else is *unhandled* and is recorded with its seed, parameters and traceback
tail; the script then exits 1. A mutated pickle that gets executed, or a result of the wrong
shape, counts as unhandled too.

Not run in CI (a few minutes); tests/test_properties.py holds the fast property tests.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/fuzz.py                     # 10,000 cases
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/fuzz.py --replay image:1234   # rerun one case
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as _dt
import io
import json
import math
import os
import random
import resource
import shutil
import string
import sys
import tempfile
import time
import traceback
import warnings
import zlib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
KIND_SHARES = {"text": 0.22, "pad": 0.18, "image": 0.22, "table": 0.16, "model": 0.14, "cli": 0.08}
HANDLED_BUILTINS = (ValueError, TypeError, FileNotFoundError, KeyError)
MEMORY_LIMIT_GIB = 4  # address-space cap: a mutated "huge shape" fails instead of exhausting the machine
SLOW_SECONDS = 10  # a case slower than this is listed (a file that makes aekit work that long is a finding)


# --------------------------------------------------------------------------------------------
# Random inputs
# --------------------------------------------------------------------------------------------

FILTER_CHARS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
ODD_CHARS = ["\u0130", "\u00df", "\ufb01", "\u03a3", "\u03c2", "\u0301", "\u200b", "\u00a0", "\u2028",
             "\r", "\x00", "\ufeff", "\U0001f600", "\U0001f469\u200d\U0001f467", "\ud800", "\udfff",
             "\U0010ffff", "\u01c5", "\u0390", "\u1e9e", "\u2126", "\u212a"]


def rand_text(rng: random.Random, maxlen: int = 40) -> str:
    out = []
    for _ in range(rng.randint(0, maxlen)):
        r = rng.random()
        if r < 0.35:
            out.append(rng.choice(string.ascii_letters))
        elif r < 0.5:
            out.append(" ")
        elif r < 0.65:
            out.append(rng.choice(FILTER_CHARS))
        elif r < 0.8:
            out.append(rng.choice(ODD_CHARS))
        else:
            out.append(chr(rng.randint(0, 0x10FFFF)))  # surrogates included
    return "".join(out)


def mutate_bytes(data: bytes, rng: random.Random, in_place: bool = False, keep: int = 0) -> bytes:
    """1-4 random edits: bit flips, byte stores, 32-bit stores, insertions, deletions, cuts.

    ``in_place`` keeps every offset valid (no insertions or deletions), so the edits reach past a
    format's directory into its decoders; ``keep`` bytes at each end stay as they were (magic
    numbers, footers)."""
    if keep and len(data) > 2 * keep + 4:
        return data[:keep] + mutate_bytes(data[keep:-keep], rng, in_place) + data[-keep:]
    b = bytearray(data)
    ops = ["flip", "flip", "byte", "int32"] + ([] if in_place else ["insert", "delete", "dup", "truncate"])
    for _ in range(rng.randint(1, 4)):
        op = rng.choice(ops)
        n = len(b)
        if op == "flip" and n:
            i = rng.randrange(n)
            b[i] ^= 1 << rng.randrange(8)
        elif op == "byte" and n:
            b[rng.randrange(n)] = rng.choice([0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)])
        elif op == "int32" and n >= 4:
            i = rng.randrange(n - 3)
            v = rng.choice([0, 1, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFF, 0x10000, rng.getrandbits(32)])
            b[i:i + 4] = v.to_bytes(4, rng.choice(["little", "big"]))
        elif op == "insert":
            i = rng.randint(0, n)
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif op == "delete" and n:
            i = rng.randrange(n)
            del b[i:i + rng.randint(1, 16)]
        elif op == "dup" and n:
            i = rng.randrange(n)
            b[i:i] = b[i:i + rng.randint(1, 64)]
        elif op == "truncate" and n:
            del b[rng.randrange(n):]
    return bytes(b)


def fix_png_crcs(data: bytes) -> bytes:
    """Recompute every chunk CRC, so a mutated PNG gets past the checksum into the decoders."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return data
    b, pos = bytearray(data), 8
    while pos + 8 <= len(b):
        length = int.from_bytes(b[pos:pos + 4], "big")
        end = pos + 8 + length
        if end + 4 > len(b):
            break
        b[end:end + 4] = zlib.crc32(bytes(b[pos + 4:end])).to_bytes(4, "big")
        pos = end + 4
    return bytes(b)


def rand_json_value(rng: random.Random):
    return rng.choice([
        None, True, False, 0, -1, 1, 3, 2**31, 2**63, 10**30, -10**30, 0.5, -0.0, 1e308, math.inf,
        math.nan, "", "x", "relu", "auto", "\x00", [], {}, [1, 2], [[1]], {"a": 1}, [None, None],
        10**6, 7, "7", [64, 32], {"type": "UNet"},
    ])


def json_slots(o) -> list:
    """Every (container, key) of a JSON tree."""
    out = []
    if isinstance(o, dict):
        for k in list(o):
            out += [(o, k)] + json_slots(o[k])
    elif isinstance(o, list):
        for i in range(len(o)):
            out += [(o, i)] + json_slots(o[i])
    return out


def mutate_json_tree(obj, rng: random.Random):
    for _ in range(rng.randint(1, 3)):
        slots = json_slots(obj)
        if not slots:
            return rand_json_value(rng)
        container, key = rng.choice(slots)
        op = rng.random()
        if op < 0.6:
            container[key] = rand_json_value(rng)
        elif op < 0.75:
            del container[key]
        elif op < 0.9 and isinstance(container, dict):
            container[rng.choice(["extra", "n_components", "hidden", "type", "__metadata__", "config"])] = \
                rand_json_value(rng)
        elif isinstance(container[key], list):
            container[key] = container[key] * rng.choice([0, 2, 50])
        else:
            container[key] = [container[key]]
    return obj


def mutate_json_text(text: bytes, rng: random.Random) -> bytes:
    r = rng.random()
    if r < 0.15:
        return b"[" * rng.choice([100, 5000, 200000]) + b"1" + b"]" * rng.choice([0, 5000])
    if r < 0.25:
        return rng.choice([b"", b"null", b"[]", b"\"aekit\"", b"NaN", b"\xef\xbb\xbf{}", b"\xff\xfe{\x00}\x00",
                           b"{\"format\": \"aekit\"}", text[: len(text) // 2]])
    return mutate_bytes(text, rng)


def mutate_safetensors(data: bytes, rng: random.Random) -> bytes:
    """Edit the JSON header (dtype, shape, offsets, names) and re-encode it."""
    n = int.from_bytes(data[:8], "little")
    header, body = json.loads(data[8:8 + n]), data[8 + n:]
    names = [k for k in header if k != "__metadata__"]
    name = rng.choice(names)
    field = rng.choice(["dtype", "shape", "shape", "offsets", "name", "drop", "meta", "tree"])
    info = header[name]
    if field == "dtype":
        info["dtype"] = rng.choice(["F16", "BF16", "F64", "I64", "I32", "I8", "U8", "BOOL", "F8_E4M3",
                                    "C64", "XYZ", 5, None, ""])
    elif field == "shape":
        shape = info["shape"]
        info["shape"] = rng.choice([[], [0], [-1], [2**40], [10**6, 10**6], ["a"], shape[::-1],
                                    shape + [1], shape[:-1], [2**63], [2**64], [3.5], None])
    elif field == "offsets":
        lo, hi = info["data_offsets"]
        info["data_offsets"] = rng.choice([[0, 2**63], [hi, lo], [lo, len(body) + 1], ["a", 1], [lo],
                                           [0, 0], [-1, hi], [lo + 1, hi + 1], [0, 2**64]])
    elif field == "name":
        header[rng.choice(["", "model.", "x" * 300, "\x00", name + ".extra"])] = header.pop(name)
    elif field == "drop":
        del header[name]
    elif field == "meta":
        header["__metadata__"] = rand_json_value(rng)
    else:
        header = mutate_json_tree(header, rng)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    length = len(raw)
    if rng.random() < 0.15:
        length = rng.choice([0, 1, length - 1, length + 8, 2**32, 2**63, 2**64 - 1])
    return length.to_bytes(8, "little") + raw + body


# --------------------------------------------------------------------------------------------
# Seed files
# --------------------------------------------------------------------------------------------


def _pil_bytes(im, fmt, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _png_raw(width, height, depth, color_type, rows: bytes) -> bytes:
    """A PNG written by hand, for the kinds PIL does not write (16-bit colour, 2-bit grey...)."""
    def chunk(tag, data):
        return len(data).to_bytes(4, "big") + tag + data + zlib.crc32(tag + data).to_bytes(4, "big")
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([depth, color_type, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def _npy_bytes(a, version=None, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    if version is None:
        np.save(buf, a, allow_pickle=allow_pickle)
    else:
        np.lib.format.write_array(buf, a, version=version, allow_pickle=allow_pickle)
    return buf.getvalue()


def _npz_bytes(compressed=False, **arrays) -> bytes:
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **arrays)
    return buf.getvalue()


class _Pickled:
    """Unpickling this runs ``os.mkdir(marker)``: the loaders must never get that far."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def image_seeds(marker) -> dict[str, tuple[bytes, str]]:
    from PIL import Image

    rs = np.random.default_rng(0)
    gray = rs.integers(0, 256, (7, 9), dtype=np.uint8)
    rgb = rs.integers(0, 256, (6, 5, 3), dtype=np.uint8)
    rgba = rs.integers(0, 256, (5, 6, 4), dtype=np.uint8)
    g16 = rs.integers(0, 65536, (8, 7), dtype=np.uint16)
    f = rs.random((6, 6)).astype(np.float32)
    pal = Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    pal_t = pal.copy()
    pal_t.info["transparency"] = 0
    seeds = {
        "png_gray": (_pil_bytes(Image.fromarray(gray), "PNG"), ".png"),
        "png_rgb": (_pil_bytes(Image.fromarray(rgb), "PNG"), ".png"),
        "png_rgba": (_pil_bytes(Image.fromarray(rgba), "PNG"), ".png"),
        "png_16": (_pil_bytes(Image.fromarray(g16), "PNG"), ".png"),
        "png_palette": (_pil_bytes(pal, "PNG"), ".png"),
        "png_palette_trns": (_pil_bytes(pal_t, "PNG", transparency=0), ".png"),
        "png_1bit": (_pil_bytes(Image.fromarray(gray).convert("1"), "PNG"), ".png"),
        "png_LA": (_pil_bytes(Image.fromarray(rgba).convert("LA"), "PNG"), ".png"),
        "jpeg_gray": (_pil_bytes(Image.fromarray(gray), "JPEG", quality=90), ".jpg"),
        "jpeg_rgb": (_pil_bytes(Image.fromarray(rgb), "JPEG", quality=90), ".jpeg"),
        "jpeg_progressive": (_pil_bytes(Image.fromarray(rgb), "JPEG", progressive=True), ".jpg"),
        "jpeg_cmyk": (_pil_bytes(Image.fromarray(rgb).convert("CMYK"), "JPEG"), ".jpg"),
        "tiff_gray": (_pil_bytes(Image.fromarray(gray), "TIFF"), ".tif"),
        "tiff_rgb": (_pil_bytes(Image.fromarray(rgb), "TIFF"), ".tiff"),
        "tiff_rgba": (_pil_bytes(Image.fromarray(rgba), "TIFF"), ".tif"),
        "tiff_16": (_pil_bytes(Image.fromarray(g16), "TIFF"), ".tif"),
        "tiff_float": (_pil_bytes(Image.fromarray(f, mode="F"), "TIFF"), ".tif"),
        "tiff_int32": (_pil_bytes(Image.fromarray(g16.astype(np.int32)), "TIFF"), ".tif"),
        "tiff_lzw": (_pil_bytes(Image.fromarray(rgb), "TIFF", compression="tiff_lzw"), ".tif"),
        "tiff_deflate": (_pil_bytes(Image.fromarray(gray), "TIFF", compression="tiff_adobe_deflate"), ".tif"),
        "tiff_packbits": (_pil_bytes(Image.fromarray(gray), "TIFF", compression="packbits"), ".tif"),
        "tiff_multipage": (_pil_bytes(Image.fromarray(gray), "TIFF", save_all=True,
                                      append_images=[Image.fromarray(gray)]), ".tif"),
        "tiff_cmyk": (_pil_bytes(Image.fromarray(rgb).convert("CMYK"), "TIFF"), ".tif"),
        "tiff_jpeg": (_pil_bytes(Image.fromarray(rgb), "TIFF", compression="jpeg"), ".tif"),
        "tiff_group4": (_pil_bytes(Image.fromarray(gray).convert("1"), "TIFF", compression="group4"), ".tif"),
        "tiff_LA": (_pil_bytes(Image.fromarray(rgba).convert("LA"), "TIFF"), ".tif"),
        "tiff_PA": (_pil_bytes(Image.fromarray(rgba).convert("PA"), "TIFF"), ".tif"),
        "tiff_palette": (_pil_bytes(pal, "TIFF"), ".tif"),
        "tiff_YCbCr": (_pil_bytes(Image.fromarray(rgb).convert("YCbCr"), "TIFF"), ".tif"),
        "tiff_16_big_endian": (_pil_bytes(Image.fromarray(g16).convert("I;16B"), "TIFF"), ".tif"),
        "png_rgb16": (_png_raw(3, 2, 16, 2, (b"\x00" + bytes(range(18))) * 2), ".png"),
        "png_la16": (_png_raw(3, 2, 16, 4, (b"\x00" + bytes(range(12))) * 2), ".png"),
        "png_gray2": (_png_raw(8, 2, 2, 0, b"\x00\x1b\xe4" * 2), ".png"),
        "webp_as_png": (_pil_bytes(Image.fromarray(rgb), "WEBP"), ".png"),
        "ico_as_png": (_pil_bytes(Image.fromarray(rgb), "ICO"), ".png"),
        "ppm16_as_tif": (_pil_bytes(Image.fromarray(g16), "PPM"), ".tif"),
        "jpeg2000_as_jpg": (_pil_bytes(Image.fromarray(rgb), "JPEG2000"), ".jpg"),
        "gif_as_png": (_pil_bytes(Image.fromarray(rgb), "GIF"), ".png"),
        "bmp_as_tif": (_pil_bytes(Image.fromarray(rgb), "BMP"), ".tif"),
        "npy_gray": (_npy_bytes(gray), ".npy"),
        "npy_rgb_float": (_npy_bytes(rgb / 255.0), ".npy"),
        "npy_16": (_npy_bytes(g16), ".npy"),
        "npy_bool": (_npy_bytes(gray > 128), ".npy"),
        "npy_fortran": (_npy_bytes(np.asfortranarray(rgba)), ".npy"),
        "npy_big_endian": (_npy_bytes(f.astype(">f8")), ".npy"),
        "npy_v2": (_npy_bytes(gray, version=(2, 0)), ".npy"),
        "npy_hw1": (_npy_bytes(gray[..., None]), ".npy"),
        "npy_4d": (_npy_bytes(np.zeros((2, 2, 2, 2))), ".npy"),
        "npy_str": (_npy_bytes(np.array([["a", "b"], ["c", "d"]])), ".npy"),
        "npy_empty": (_npy_bytes(np.zeros((0, 3))), ".npy"),
        "npy_pickled": (_npy_bytes(np.array([[_Pickled(marker)]], dtype=object), allow_pickle=True), ".npy"),
        "npz_as_npy": (_npz_bytes(X=gray), ".npy"),
    }
    return seeds


def table_seeds(marker) -> dict[str, tuple[bytes, str]]:
    import pandas as pd

    rs = np.random.default_rng(1)
    X = rs.normal(size=(12, 3))
    csv = "a,b,c\n" + "".join(f"{r[0]:.4g},{r[1]:.4g},{r[2]:.4g}\n" for r in X)
    labelled = "y,a,b\n" + "".join(f"{'cat' if i % 2 else 'dog'},{i},{i * 0.5}\n" for i in range(10))

    def parquet(df) -> bytes:
        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        return buf.getvalue()

    seeds = {
        "csv": (csv.encode(), ".csv"),
        "csv_labels": (labelled.encode(), ".csv"),
        "csv_nan_inf": (b"a,b\nnan,1\ninf,-inf\nNaN,\nNA,1e400\n-0,2\n", ".csv"),
        "csv_ragged": (b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n", ".csv"),
        "csv_text": (b"a,name\n1,x\n2,y\n", ".csv"),
        "csv_header_only": (b"a,b,c\n", ".csv"),
        "csv_empty": (b"", ".csv"),
        "csv_quoted": (b'"a","b"\n"1","2"\n"3,5","4"\n', ".csv"),
        "csv_semicolon": (b"a;b\n1;2\n3;4\n", ".csv"),
        "csv_latin1": ("a,b\n1,2\n\u00e9,3\n".encode("latin-1"), ".csv"),
        "csv_utf16": ("a,b\n1,2\n3,4\n".encode("utf-16"), ".csv"),
        "csv_bom": ("a,b\n1,2\n".encode("utf-8-sig"), ".csv"),
        "csv_dup_header": (b"a,a,b\n1,2,3\n4,5,6\n", ".csv"),
        "csv_junk": (bytes(range(256)) * 2, ".csv"),
        "parquet": (parquet(pd.DataFrame(X, columns=["a", "b", "c"])), ".parquet"),
        "parquet_labels": (parquet(pd.DataFrame({"y": ["a", "b", "a"], "x": [1.0, 2.0, 3.0]})), ".parquet"),
        "parquet_int_na": (parquet(pd.DataFrame({"x": pd.array([1, None, 3], dtype="Int64"),
                                                 "z": [1.0, 2.0, 3.0]})), ".parquet"),
        "parquet_str": (parquet(pd.DataFrame({"s": ["a", "b"]})), ".parquet"),
        "parquet_empty": (parquet(pd.DataFrame({"a": np.zeros(0)})), ".parquet"),
        "parquet_dates": (parquet(pd.DataFrame({"d": pd.date_range("2020", periods=3)})), ".parquet"),
        "parquet_bool": (parquet(pd.DataFrame({"b": [True, False, None]})), ".parquet"),
        "npy": (_npy_bytes(X), ".npy"),
        "npy_1d": (_npy_bytes(X[:, 0]), ".npy"),
        "npy_0d": (_npy_bytes(np.float64(3.0)), ".npy"),
        "npy_3d": (_npy_bytes(np.zeros((2, 2, 2))), ".npy"),
        "npy_str": (_npy_bytes(np.array([["a"]])), ".npy"),
        "npy_complex": (_npy_bytes(X.astype(complex)), ".npy"),
        "npy_pickled": (_npy_bytes(np.array([[_Pickled(marker)]], dtype=object), allow_pickle=True), ".npy"),
        "npz": (_npz_bytes(X=X), ".npz"),
        "npz_labels": (_npz_bytes(X=X, y=np.arange(12)), ".npz"),
        "npz_compressed": (_npz_bytes(True, X=X, labels=np.arange(12)), ".npz"),
        "npz_other_names": (_npz_bytes(data=X, extra=X[:2]), ".npz"),
        "npz_label_mismatch": (_npz_bytes(X=X, y=np.arange(5)), ".npz"),
        "npz_nothing": (_npz_bytes(), ".npz"),
        "npz_pickled": (_npz_bytes(X=np.array([_Pickled(marker)], dtype=object)), ".npz"),
    }
    return seeds


def mutate_text_table(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        tok = rng.choice([b",", b'"', b"\n", b"nan", b"inf", b"abc", b"\x00", b";", b"1e999", b"\r",
                          b"-", b"\xff", b"#", b"y", b"  "])
        i = rng.randint(0, len(b))
        if rng.random() < 0.7:
            b[i:i] = tok
        else:
            del b[i:i + rng.randint(1, 8)]
    return bytes(b)


def model_seeds(root: Path) -> dict[str, Path]:
    """Tiny fitted models of each registered class (plus the bundled denoiser), saved once."""
    import aekit
    from aekit.denoise import DenoisingAutoencoder
    from aekit.faces import make_faces
    from aekit.text import EmbeddingClassifier, TextAutoencoder

    rs = np.random.default_rng(2)
    out = {}
    X = rs.normal(size=(24, 4)).astype(np.float32)
    out["reducer"] = aekit.AutoencoderReducer(n_components=2, hidden_layer_sizes=(8,), max_epochs=1,
                                              random_state=0).fit(X).save(root / "reducer")
    out["dae"] = DenoisingAutoencoder(hidden_layer_sizes=(8,), n_components=2, max_epochs=1,
                                      random_state=0).fit(rs.random((24, 6))).save(root / "dae")
    texts = ["the cat sat", "a dog ran", "the dog sat down", "cats and dogs", "the end"] * 3
    out["tae"] = TextAutoencoder(n_components=2, hidden=4, min_df=1, max_epochs=1,
                                 random_state=0).fit(texts).save(root / "tae")
    emb = EmbeddingClassifier(vocab_size=10, embedding_dim=2, input_length=3, random_state=0)
    emb.fit(rs.integers(0, 10, (16, 3)), np.arange(16) % 2, epochs=1)
    out["embedding"] = emb.save(root / "embedding")
    faces = make_faces(12, size=16, random_state=0)
    out["editor"] = aekit.AttributeEditor(channels=(4, 8), style_dim=2, max_epochs=1, random_state=0).fit(
        faces.images, faces.attributes).save(root / "editor")
    out["translator"] = aekit.Translator(channels=(4, 8), blocks_per_level=1, max_epochs=1, random_state=0).fit(
        faces.images, faces.images[:, ::-1]).save(root / "translator")
    out["outliers"] = aekit.OutlierDetector(hidden_layer_sizes=(8,), n_components=2, max_epochs=1,
                                            random_state=0).fit(X).save(root / "outliers")
    src = Path(aekit.__file__).parent / "weights" / "denoiser"
    shutil.copytree(src, root / "denoiser")
    out["denoiser"] = root / "denoiser"
    # every class load() knows has a seed file here, so the fuzzer mutates each of them
    from aekit.serialization import registered_classes

    seeded = {json.loads((Path(v) / "config.json").read_text())["class"] for v in out.values()}
    assert seeded >= set(registered_classes()), set(registered_classes()) - seeded
    return {k: Path(v) for k, v in out.items()}


# --------------------------------------------------------------------------------------------
# Case generators: each returns (params for the report, the call, a check of its result)
# --------------------------------------------------------------------------------------------


def _hash_str(w):
    return "not a number"


def _hash_float(w):
    return len(w) * 1.5


def _hash_huge(w):
    return -(2**200) - len(w)


def gen_text(rng, ctx, case_dir):
    from aekit import text as T

    fn = rng.choice(["t2ws", "hashing", "one_hot", "tokenizer", "tokenizer"])
    text = rand_text(rng) if rng.random() < 0.92 else rng.choice(
        [None, 5, b"bytes", ["a", "list"], 3.5, np.str_("numpy str"), np.array(["x"])])
    kw = {}
    if rng.random() < 0.3:
        kw["filters"] = rng.choice(["", "abc", rand_text(rng, 8), None, 5, ["a", "b"], ("!",), "\u00e9"])
    if rng.random() < 0.3:
        kw["lower"] = rng.choice([True, False, 0, 1, None, "no"])
    if rng.random() < 0.3:
        kw["split"] = rng.choice([" ", ",", "ab", "\n", "", None, 5, rand_text(rng, 3) or "x"])
    params = {"fn": fn, "text": text, **kw}
    if fn == "t2ws":
        def check(words):
            assert isinstance(words, list) and all(isinstance(w, str) and w for w in words), words
        return params, lambda: T.text_to_word_sequence(text, **kw), check
    if fn in ("hashing", "one_hot"):
        n = rng.choice([2, 3, 10, 1000, 2**31, 2**64 + 1, np.int64(50), np.uint8(7), 0, 1, -3, 2.5, "10",
                        True, None, np.float64(10)])
        if rng.random() < 0.35:
            kw["hash_function"] = rng.choice(["md5", None, len, "sha1", 5, _hash_str, _hash_float,
                                              _hash_huge, "MD5"])
        params.update(n=n, **kw)
        f = T.hashing_trick if fn == "hashing" else T.one_hot

        def check(idx):
            assert isinstance(idx, list) and all(type(i) is int and 1 <= i <= int(n) - 1 for i in idx), idx
        return params, lambda: f(text, n, **kw), check

    num_words = rng.choice([None, None, 1, 2, 5, 100, 0, -1, 2.5, True, "5"])
    oov = rng.choice([None, None, "<OOV>", "", 5, "the"])
    texts = [rand_text(rng, 30) for _ in range(rng.randint(0, 5))]
    texts += [rand_text(rng, 10).split() or ["w"]] if rng.random() < 0.2 else []
    if rng.random() < 0.1:
        texts.append(rng.choice([None, 5, b"bytes", [1, 2]]))
    if rng.random() < 0.05:
        texts = rng.choice(["a single string", None, 5])
    seqs = [[rng.choice([0, 1, 2, 3, 7, -1, 2**70, 10**6, 1.0, 2.7, math.nan, "3", None])
             for _ in range(rng.randint(0, 5))] for _ in range(rng.randint(0, 3))]
    params.update(num_words=num_words, oov_token=oov, texts=texts, seqs=seqs)
    fit_first = rng.random() < 0.93

    def call():
        tok = T.Tokenizer(num_words=num_words, oov_token=oov, **kw)
        if fit_first:
            tok.fit_on_texts(texts)
        out = tok.texts_to_sequences(texts)
        back = tok.sequences_to_texts(seqs)
        return tok, out, back

    def check(res):
        tok, out, back = res
        assert sorted(tok.word_index.values()) == list(range(1, len(tok.word_index) + 1))
        for s in out:
            assert all(1 <= i <= len(tok.word_index) for i in s), s
        assert all(isinstance(t, str) for t in back)
    return params, call, check


def rand_sequence(rng):
    L = rng.choice([0, 0, 1, 2, 3, 5, 8, 13])
    r = rng.random()
    if r < 0.45:
        return [rng.randint(-5, 1000) for _ in range(L)]
    if r < 0.55:
        return [rng.choice([0.5, -1.25, math.nan, math.inf, 3.0]) for _ in range(L)]
    if r < 0.65:
        dt = rng.choice(["int8", "int64", "uint16", "float32", "bool"])
        return np.arange(L).astype(dt)
    if r < 0.7:
        return tuple(range(L))
    if r < 0.75:
        return [rng.choice([2**40, -(2**70), 2**63, 2**31]) for _ in range(max(L, 1))]
    if r < 0.8:
        step = [rng.randint(0, 9) for _ in range(rng.randint(1, 3))]
        return [list(step) for _ in range(L)]
    if r < 0.83:
        return [[1, 2], [3]][: max(L, 2)]
    if r < 0.86:
        return [rng.choice(["a", "bb", ""]) for _ in range(L)]
    if r < 0.9:
        return range(L)
    return rng.choice([5, None, "str", b"by", 3.5, {1, 2}, {"a": 1}, np.int64(3), np.array(4), object])


def gen_pad(rng, ctx, case_dir):
    from aekit.text import pad_sequences

    seqs = [rand_sequence(rng) for _ in range(rng.randint(0, 6))]
    if rng.random() < 0.06:
        seqs = rng.choice(["a string", 5, None, np.arange(6).reshape(2, 3), tuple(seqs), b"xy",
                           np.zeros((2, 0)), iter([[1, 2], [3]])])
    kw = {}
    if rng.random() < 0.7:
        kw["maxlen"] = rng.choice([None, 0, 1, 2, 3, 5, 10, 1000, 100000, -1, 2.5, "3", True, np.int64(4)])
    if rng.random() < 0.5:
        kw["dtype"] = rng.choice(["int32", "int64", "float32", "float64", "uint8", "bool", object, "U5",
                                  "S3", "foo", 5, None, "complex64", "datetime64[s]", "V4", np.int16,
                                  "i4,i8", "(2)i4"])
    for name in ("padding", "truncating"):
        if rng.random() < 0.5:
            kw[name] = rng.choice(["pre", "post", "pre", "post", "middle", None, "PRE", 0])
    if rng.random() < 0.4:
        kw["value"] = rng.choice([0, 0.0, -1, 1.5, math.nan, math.inf, "x", 2**70, None, True, -(2**40),
                                  np.float32(2), 1j])
    params = {"sequences": seqs, **kw}
    try:
        lengths = [len(s) for s in seqs] if isinstance(seqs, list) else None
    except TypeError:  # an item that is not a sequence: the call must refuse it
        lengths = None

    def check(x):
        assert isinstance(x, np.ndarray) and x.ndim >= 2, x
        if lengths is not None:
            assert x.shape[0] == len(lengths), x.shape
            want = kw.get("maxlen")
            want = max(lengths, default=0) if want is None else int(want)
            assert x.shape[1] == want, (x.shape, want)
    return params, lambda: pad_sequences(seqs, **kw), check


def _write_case_file(case_dir: Path, name: str, data: bytes) -> Path:
    p = case_dir / name
    p.write_bytes(data)
    return p


def gen_image(rng, ctx, case_dir):
    from aekit.images import IMAGE_SUFFIXES, read_image

    seeds = ctx["image_seeds"]
    r = rng.random()
    seed_name = rng.choice(sorted(seeds))
    data, suffix = seeds[seed_name]
    if r < 0.1:
        seed_name, data = "random", bytes(rng.randrange(256) for _ in range(rng.randint(0, 400)))
        suffix = rng.choice(IMAGE_SUFFIXES)
    elif r < 0.2:
        data = data[: rng.randint(0, len(data))]
        seed_name += "/truncated"
    elif r < 0.25:
        data = data[:rng.randint(4, 40)] + bytes(rng.randrange(256) for _ in range(rng.randint(0, 200)))
        seed_name += "/header+junk"
    else:
        in_place = rng.random() < 0.6
        data = mutate_bytes(data, rng, in_place=in_place)
        if rng.random() < 0.6:
            data = fix_png_crcs(data)
        seed_name += "/mutated" + ("-in-place" if in_place else "")
    if rng.random() < 0.1:
        suffix = rng.choice(IMAGE_SUFFIXES + (".PNG", ".Tif"))
    path = _write_case_file(case_dir, "image" + suffix, data)
    params = {"seed_file": seed_name, "suffix": suffix, "size": len(data), "bytes_head": data[:48].hex()}

    def check(a):
        assert isinstance(a, np.ndarray) and a.size > 0 and a.dtype.kind in "biuf", (type(a), getattr(a, "dtype", None))
        assert a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (1, 3, 4)), a.shape
    return params, lambda: read_image(path), check


def gen_table(rng, ctx, case_dir):
    from aekit.tables import read_table

    seeds = ctx["table_seeds"]
    seed_name = rng.choice(sorted(seeds))
    data, suffix = seeds[seed_name]
    r = rng.random()
    if r < 0.08:
        seed_name, data = "random", bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
    elif r < 0.18:
        data = data[: rng.randint(0, len(data))]
        seed_name += "/truncated"
    elif r < 0.55 and suffix == ".csv":
        data = mutate_text_table(data, rng)
        seed_name += "/text-mutated"
    elif r < 0.85:
        keep = 8 if suffix in (".parquet", ".npz") and rng.random() < 0.6 else 0  # PAR1 / zip directory
        data = mutate_bytes(data, rng, in_place=rng.random() < 0.5, keep=keep)
        seed_name += "/mutated" + ("-inner" if keep else "")
    if rng.random() < 0.08:
        suffix = rng.choice([".csv", ".parquet", ".npy", ".npz", ".CSV", ".txt", ""])
    labels = None if rng.random() < 0.7 else rng.choice(["y", "labels", "X", "a", "zzz", "", 5])
    path = _write_case_file(case_dir, "table" + suffix, data)
    params = {"seed_file": seed_name, "suffix": suffix, "labels": labels, "size": len(data),
              "bytes_head": data[:48].hex()}

    def check(t):
        X = t.X
        assert isinstance(X, np.ndarray) and X.ndim == 2 and np.issubdtype(X.dtype, np.number), X
        assert len(t.columns) == X.shape[1]
        assert t.labels is None or len(t.labels) == X.shape[0], (t.labels, X.shape)
    return params, lambda: read_table(path, labels=labels), check


def gen_model(rng, ctx, case_dir):
    import aekit
    from aekit.serialization import registered_classes
    from aekit.text import Tokenizer

    r = rng.random()
    if r < 0.07:  # tokenizer files
        raw = ctx["tokenizer_json"]
        if rng.random() < 0.6:
            raw = json.dumps(mutate_json_tree(json.loads(raw), rng)).encode()
        else:
            raw = mutate_json_text(raw, rng)
        path = _write_case_file(case_dir, "tok.json", raw)
        params = {"target": "tokenizer", "json_head": raw[:200].decode("utf-8", "replace")}

        def check_tok(t):
            assert isinstance(t, Tokenizer)
        return params, lambda: Tokenizer.load(path), check_tok

    name = rng.choice(sorted(ctx["model_dirs"]))
    src = ctx["model_dirs"][name]
    folder = case_dir / "model"
    folder.mkdir()
    config = (src / "config.json").read_bytes()
    weights = (src / "model.safetensors").read_bytes()
    what = []
    if r < 0.45 or 0.8 <= r < 0.87:
        if rng.random() < 0.65:
            obj = json.loads(config)
            if rng.random() < 0.2:
                obj["class"] = rng.choice(registered_classes() + ["Tokenizer", "", "os.system"])
                what.append(f"class={obj['class']}")
            else:
                obj = mutate_json_tree(obj, rng)
                what.append("config tree")
            config = json.dumps(obj).encode()
        else:
            config = mutate_json_text(config, rng)
            what.append("config bytes")
    if 0.45 <= r < 0.87:
        if rng.random() < 0.6:
            weights = mutate_safetensors(weights, rng)
            what.append("safetensors header")
        else:
            weights = mutate_bytes(weights, rng) if rng.random() < 0.7 else weights[: rng.randint(0, len(weights))]
            what.append("safetensors bytes")
    (folder / "config.json").write_bytes(config)
    (folder / "model.safetensors").write_bytes(weights)
    path = folder
    if r >= 0.87:
        layout = rng.choice(["no config", "no weights", "config dir", "file", "pickle file", "zip file",
                             "empty folder", "missing"])
        what.append(layout)
        if layout == "no config":
            (folder / "config.json").unlink()
        elif layout == "no weights":
            (folder / "model.safetensors").unlink()
        elif layout == "config dir":
            (folder / "config.json").unlink()
            (folder / "config.json").mkdir()
        elif layout == "empty folder":
            shutil.rmtree(folder)
            folder.mkdir()
        elif layout == "missing":
            path = case_dir / "no-such-model"
        else:
            head = {"file": b"", "pickle file": b"\x80\x04\x95", "zip file": b"PK\x03\x04"}[layout]
            path = _write_case_file(case_dir, "model.bin", head + bytes(rng.randrange(256) for _ in range(64)))
    params = {"target": name, "mutated": what, "config_head": config[:300].decode("utf-8", "replace"),
              "weights_head": weights[:8 + 200].hex()}

    def check(m):
        assert type(m).__name__ in registered_classes(), type(m)
    return params, lambda: aekit.load(path), check


CLI_COMMANDS = {"reduce": 4, "transform": 3, "denoise": 3, "noise": 3, "text fit": 3, "text embed": 3,
                "text neighbours": 2, "demo": 0.3, "bogus": 0.3, "": 0.2, "--version": 0.1, "--help": 0.1}


def gen_cli(rng, ctx, case_dir):
    from aekit.cli import main

    fx = ctx["cli_files"]

    def out(*suffixes):
        if rng.random() < 0.1:
            return rng.choice([str(fx["table_csv"]), str(fx["existing_out"]), str(case_dir), ""])
        return str(case_dir / ("out" + rng.choice(suffixes or (".csv",))))

    def table():
        return str(rng.choice([fx["table_csv"], fx["table_csv"], fx["table_npy"], fx["table_npz"],
                               fx["junk"], fx["missing"], case_dir, fx["image_png"], fx["corpus_txt"]]))

    def image():
        return str(rng.choice([fx["image_png"], fx["image_png"], fx["image_jpg"], fx["image_npy"],
                               fx["junk_png"], fx["image_dir"], fx["missing"], fx["table_csv"]]))

    def model():
        return str(rng.choice([fx["reducer"], fx["tae"], fx["denoiser"], fx["embedding"], fx["missing"],
                               fx["junk"], case_dir, fx["broken_model"]]))

    def corpus():
        return str(rng.choice([fx["corpus_txt"], fx["corpus_csv"], fx["corpus_csv"], fx["table_npy"],
                               fx["missing"], fx["junk"], fx["latin1_txt"]]))

    def number(*good):
        if rng.random() < 0.8:
            return rng.choice(good)
        return rng.choice(["abc", "-1", "0", "1e999", "nan", "", "99999999999999999999", "2.5", "inf",
                           "\u0661"])

    cmd = rng.choices(list(CLI_COMMANDS), weights=list(CLI_COMMANDS.values()))[0]
    argv = cmd.split() if cmd else []
    opts: list[list[str]] = []
    if cmd == "reduce":
        argv.append(table())
        opts = [["-o", out(".csv", ".npy", ".npz", ".parquet", ".txt", "")], ["--epochs", number("1", "2")],
                ["--dims", number("1", "2", "3")], ["--labels", rng.choice(["y", "a", "zzz", "", "X"])],
                ["--plot", out(".png", ".jpg")], ["--save-model", out("_model")], ["--seed", number("0", "7")],
                ["--checkpoint", out(".ckpt")], ["--overwrite"], ["-q"]]
        weights = [0.95, 0.97, 0.4, 0.25, 0.1, 0.1, 0.2, 0.05, 0.2, 0.8]
    elif cmd == "transform":
        argv += [model(), table()]
        opts = [["-o", out(".csv", ".npy", ".parquet", ".bin")], ["--labels", rng.choice(["y", "zzz"])],
                ["--overwrite"]]
        weights = [0.95, 0.2, 0.2]
    elif cmd == "denoise":
        argv += [image() for _ in range(rng.randint(1, 2))]
        opts = [["-o", out("_dir")], ["--sigma", number("10", "0", "25")], ["--model", model()],
                ["--tile-size", number("128", "256")], ["--self-ensemble", rng.choice(["1", "2", "3", "x"])],
                ["--overwrite"], ["-q"]]
        weights = [0.95, 0.5, 0.15, 0.15, 0.15, 0.2, 0.7]
    elif cmd == "noise":
        argv.append(image())
        kind = rng.choice(["--gaussian", "--salt-pepper", "--poisson", "--speckle", "--masking"])
        opts = [["-o", out(".png", ".npy", ".jpg", ".tif", ".bmp")], [kind, number("0.1", "10", "0.5")],
                [rng.choice(["--gaussian", "--masking"]), number("0.2")], ["--seed", number("1")],
                ["--overwrite"]]
        weights = [0.95, 0.9, 0.1, 0.3, 0.2]
    elif cmd == "text fit":
        argv.append(corpus())
        opts = [["--text-column", rng.choice(["text", "label", "zzz", ""])], ["-o", out("_model")],
                ["--epochs", number("1", "2")], ["--dims", number("2", "4")], ["--min-df", number("1", "2")],
                ["--label-column", rng.choice(["label", "text", "zzz"])], ["--seed", number("0")],
                ["--overwrite"], ["-q"]]
        weights = [0.6, 0.95, 0.97, 0.6, 0.4, 0.2, 0.2, 0.2, 0.8]
    elif cmd == "text embed":
        argv += [model(), corpus()]
        opts = [["--text-column", rng.choice(["text", "zzz"])], ["-o", out(".csv", ".npy", ".txt")],
                ["--label-column", rng.choice(["label", "zzz"])], ["--overwrite"]]
        weights = [0.6, 0.95, 0.2, 0.2]
    elif cmd == "text neighbours":
        argv += [model(), rng.choice(["cat", "dog", "zzz", "", "CAT", rand_text(rng, 6) or "x"])]
        opts = [["--topn", number("1", "3", "100")]]
        weights = [0.5]
    elif cmd == "demo":  # the real demo trains for minutes: only broken invocations
        opts = [["--bogus"], ["-o"]]
        weights = [1.0, 0.5]
    else:
        weights = []
    for opt, w in zip(opts, weights):
        if rng.random() < w:
            argv += opt
    # perturbations: unknown options, lost values, duplicates, shuffles, junk
    for _ in range(rng.choice([0, 0, 0, 0, 0, 1, 2])):
        op = rng.choice(["unknown", "drop", "dup", "shuffle", "junk", "sep"])
        if op == "unknown":
            argv.insert(rng.randint(0, len(argv)), rng.choice(["--bogus", "-z", "--dims=", "--epochs=x", "--"]))
        elif op == "drop" and argv:
            del argv[rng.randrange(len(argv))]
        elif op == "dup" and argv:
            i = rng.randrange(len(argv))
            argv[i:i] = argv[i:i + 2]
        elif op == "shuffle" and len(argv) > 2:
            tail = argv[1:]
            rng.shuffle(tail)
            argv[1:] = tail
        elif op == "junk":
            argv.insert(rng.randint(0, len(argv)), rand_text(rng, 8).replace("\x00", "") or "-")
        elif op == "sep":
            argv.insert(rng.randint(0, len(argv)), "--")
    # Never start the real demo (minutes of training): an unknown option right after every "demo"
    # (an option, not a value: "demo" itself is never an option) makes any such call exit 2.
    for i in reversed([i for i, a in enumerate(argv) if a == "demo"]):
        argv.insert(i + 1, "--no-demo-in-the-fuzz")
    if "--debug" in argv:
        argv.remove("--debug")
    params = {"argv": argv}

    def call():
        stdout, stderr = io.StringIO(), io.StringIO()
        cwd = os.getcwd()
        os.chdir(case_dir)  # `-o ""` means the current folder: keep such outputs in the case folder
        try:
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code = main(argv)
        finally:
            os.chdir(cwd)
        return code, stdout.getvalue(), stderr.getvalue()

    def check(res):
        code, _, err = res
        assert code in (0, 1, 2), f"exit code {code!r}; stderr: {err[-800:]}"
        assert "Traceback (most recent call last)" not in err, err[-2000:]
    return params, call, check


GENERATORS = {"text": gen_text, "pad": gen_pad, "image": gen_image, "table": gen_table, "model": gen_model,
              "cli": gen_cli}


# --------------------------------------------------------------------------------------------
# Setup, running, classifying
# --------------------------------------------------------------------------------------------


def setup(root: Path) -> dict:
    from PIL import Image

    from aekit.text import Tokenizer

    marker = root / "PICKLE-EXECUTED"
    ctx = {"marker": marker, "image_seeds": image_seeds(marker), "table_seeds": table_seeds(marker)}
    ctx["model_dirs"] = model_seeds(root / "models")
    tok = Tokenizer(num_words=5, oov_token="<OOV>")
    tok.fit_on_texts(["the cat sat", "the dog sat down"])
    tok.save(root / "tok.json")
    ctx["tokenizer_json"] = (root / "tok.json").read_bytes()

    d = root / "cli"
    (d / "images").mkdir(parents=True)
    rs = np.random.default_rng(3)
    fx = {"table_csv": d / "table.csv", "table_npy": d / "table.npy", "table_npz": d / "table.npz",
          "image_png": d / "images" / "img.png", "image_jpg": d / "img.jpg", "image_npy": d / "img.npy",
          "image_dir": d / "images", "junk": d / "junk.csv", "junk_png": d / "junk.png",
          "missing": d / "missing.csv", "existing_out": d / "existing.csv", "corpus_txt": d / "corpus.txt",
          "corpus_csv": d / "corpus.csv", "latin1_txt": d / "latin1.txt", "broken_model": d / "broken_model"}
    X = rs.normal(size=(24, 4))
    fx["table_csv"].write_text("y,a,b,c,d\n" + "".join(f"{i % 3},{r[0]},{r[1]},{r[2]},{r[3]}\n"
                                                        for i, r in enumerate(X)))
    np.save(fx["table_npy"], X)
    np.savez(fx["table_npz"], X=X, y=np.arange(24) % 3)
    Image.fromarray(rs.integers(0, 256, (16, 16), dtype=np.uint8)).save(fx["image_png"])
    Image.fromarray(rs.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(fx["image_jpg"])
    np.save(fx["image_npy"], rs.random((16, 16)))
    fx["junk"].write_bytes(bytes(range(256)))
    fx["junk_png"].write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    fx["existing_out"].write_text("a\n1\n")
    words = ["cat", "dog", "sat", "ran", "the", "mat", "big", "red", "sun", "sky"]
    lines = [" ".join(rs.choice(words, 4)) for _ in range(30)]
    fx["corpus_txt"].write_text("\n".join(lines) + "\n")
    fx["corpus_csv"].write_text("text,label\n" + "".join(f"{t},{i % 2}\n" for i, t in enumerate(lines)))
    fx["latin1_txt"].write_bytes("caf\u00e9 cr\u00e8me\n".encode("latin-1"))
    shutil.copytree(ctx["model_dirs"]["reducer"], fx["broken_model"])
    (fx["broken_model"] / "model.safetensors").write_bytes(b"\x00" * 16)
    fx.update({k: ctx["model_dirs"][k] for k in ("reducer", "tae", "denoiser", "embedding")})
    ctx["cli_files"] = fx
    return ctx


def _short(obj, limit=300) -> str:
    try:
        s = repr(obj)
    except Exception as exc:  # noqa: BLE001
        s = f"<unrepresentable {type(exc).__name__}>"
    return s if len(s) <= limit else s[:limit] + f"... ({len(s)} chars)"


def _in_aekit(exc: BaseException, aekit_dir: str) -> bool:
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and os.path.realpath(frames[-1].filename).startswith(aekit_dir)


def run_case(kind: str, case_seed: int, ctx: dict, work: Path, aekit_dir: str) -> dict:
    from aekit.errors import AekitError

    rng = random.Random(case_seed)
    case_dir = work / f"{kind}-{case_seed}"
    case_dir.mkdir()
    t0 = time.perf_counter()
    outcome = {"kind": kind, "case_seed": case_seed}
    try:
        params, call, check = GENERATORS[kind](rng, ctx, case_dir)
        outcome["params"] = {k: _short(v) for k, v in params.items()}
        try:
            result = call()
        except Exception as exc:  # noqa: BLE001 - classifying every exception is the point
            if isinstance(exc, AekitError) or (isinstance(exc, HANDLED_BUILTINS) and _in_aekit(exc, aekit_dir)):
                outcome.update(status="handled", error=type(exc).__name__,
                               message=str(exc).replace(str(case_dir), "<case>")[:160])
            else:
                frames = traceback.extract_tb(exc.__traceback__)
                where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno} in {frames[-1].name}" if frames else "?"
                outcome.update(status="unhandled", error=type(exc).__name__, where=where, message=str(exc)[:500],
                               traceback="".join(traceback.format_exception(exc)[-6:])[-3000:])
        else:
            if kind == "cli":
                outcome["exit_code"] = result[0]
            try:
                check(result)
                outcome["status"] = "ok"
            except AssertionError as exc:
                outcome.update(status="unhandled", error="WrongResult", message=str(exc)[:2000])
        if ctx["marker"].exists():
            outcome.update(status="unhandled", error="PickleExecuted",
                           message="a loader unpickled a file and ran the code inside it")
            ctx["marker"].rmdir()
    finally:
        outcome["seconds"] = time.perf_counter() - t0
        shutil.rmtree(case_dir, ignore_errors=True)
    return outcome


def plan(cases: int, seed: int, kinds: list[str]) -> list[tuple[str, int]]:
    shares = {k: KIND_SHARES[k] for k in kinds}
    total = sum(shares.values())
    counts = {k: int(cases * s / total) for k, s in shares.items()}
    for k in list(counts)[: cases - sum(counts.values())]:
        counts[k] += 1
    order = [k for k, c in counts.items() for _ in range(c)]
    random.Random(seed).shuffle(order)
    return [(k, seed * 10**7 + i) for i, k in enumerate(order)]


def machine_info() -> dict:
    import PIL

    from aekit.hardware import describe_machine

    info = {**describe_machine(), "numpy": np.__version__, "pillow": PIL.__version__,
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS")}
    for mod in ("pandas", "pyarrow", "safetensors", "click"):
        with contextlib.suppress(ImportError):
            info[mod] = __import__(mod).__version__
    return info


def write_json_atomic(path: Path, payload: dict) -> None:
    from aekit.serialization import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, indent=2, default=str) + "\n")


@contextlib.contextmanager
def _c_stderr_silenced():
    """Point file descriptor 2 at /dev/null; yield a stream on the real stderr."""
    sys.stderr.flush()
    saved = os.dup(2)
    real = os.fdopen(os.dup(saved), "w")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield real
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        for fd in (saved, devnull):
            os.close(fd)
        real.close()


def limit_memory(gib: float) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = int(gib * 2**30)
    if hard == resource.RLIM_INFINITY or want < hard:
        resource.setrlimit(resource.RLIMIT_AS, (want, hard))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=10000, help="number of cases (default 10000)")
    ap.add_argument("--seed", type=int, default=0, help="base seed; case i gets seed*10**7 + i")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "fuzz.json", help="JSON report")
    ap.add_argument("--kinds", default=",".join(KIND_SHARES), help="comma-separated subset of " + ", ".join(KIND_SHARES))
    ap.add_argument("--messages", type=int, default=15, help="most common handled messages kept per kind")
    ap.add_argument("--replay", metavar="KIND:CASE_SEED", help="rerun one case and print its outcome")
    args = ap.parse_args(argv)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = sorted(set(kinds) - set(KIND_SHARES))
    if unknown:
        ap.error(f"unknown kinds {unknown}")
    out = args.out.resolve()

    warnings.simplefilter("ignore")  # decompression-bomb and cast warnings are expected here
    from tqdm.auto import tqdm

    import aekit
    import aekit.cli  # noqa: F401 - import before the memory cap

    aekit_dir = os.path.realpath(Path(aekit.__file__).parent)
    t_setup = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="aekit-fuzz-") as tmp:
        root = Path(tmp)
        ctx = setup(root)
        work = root / "cases"
        work.mkdir()
        limit_memory(MEMORY_LIMIT_GIB)
        setup_seconds = time.perf_counter() - t_setup
        if args.replay:
            kind, seed = args.replay.split(":")
            res = run_case(kind, int(seed), ctx, work, aekit_dir)
            print(json.dumps(res, indent=2))
            return 1 if res["status"] == "unhandled" else 0

        todo = plan(args.cases, args.seed, kinds)
        per_kind = collections.defaultdict(collections.Counter)
        handled = collections.defaultdict(collections.Counter)
        messages = collections.defaultdict(collections.Counter)
        exit_codes = collections.Counter()
        seconds = collections.Counter()
        unhandled, slowest, slow = [], [], []
        t0 = time.perf_counter()
        show = sys.stderr.isatty()
        with _c_stderr_silenced() as err:  # libtiff & co. print their complaints straight to fd 2
            bar = tqdm(todo, desc="fuzz", unit="case", disable=not show, mininterval=1.0, file=err)
            for kind, case_seed in bar:
                res = run_case(kind, case_seed, ctx, work, aekit_dir)
                per_kind[kind][res["status"]] += 1
                seconds[kind] += res["seconds"]
                if res["status"] == "handled":
                    handled[kind][res["error"]] += 1
                    messages[kind][f"{res['error']}: {res['message'][:100]}"] += 1
                elif res["status"] == "unhandled":
                    res["reproduce"] = (f"OMP_NUM_THREADS=1 .venv/bin/python benchmarks/fuzz.py "
                                        f"--replay {kind}:{case_seed}")
                    unhandled.append(res)
                    bar.set_postfix(unhandled=len(unhandled))
                if "exit_code" in res:
                    exit_codes[str(res["exit_code"])] += 1
                slowest = sorted(slowest + [res], key=lambda r: -r["seconds"])[:10]
                if res["seconds"] > SLOW_SECONDS:
                    slow.append({k: res.get(k) for k in ("kind", "case_seed", "seconds", "status", "error", "message",
                                                         "params")})
                    slow[-1]["reproduce"] = (f"OMP_NUM_THREADS=1 .venv/bin/python benchmarks/fuzz.py "
                                             f"--replay {kind}:{case_seed}")
            bar.close()
        total = time.perf_counter() - t0

    signatures = collections.Counter((r["kind"], r["error"], r.get("where", "")) for r in unhandled)
    payload = {
        "benchmark": "fuzz",
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["benchmarks/fuzz.py", *(argv if argv is not None else sys.argv[1:])]),
        "seed": args.seed,
        "cases": len(todo),
        "seconds": round(total, 1),
        "setup_seconds": round(setup_seconds, 1),
        "cases_per_kind": {k: sum(c.values()) for k, c in per_kind.items()},
        "outcomes_per_kind": {k: dict(c) for k, c in per_kind.items()},
        "seconds_per_kind": {k: round(v, 1) for k, v in seconds.items()},
        "handled_errors": {k: dict(c.most_common()) for k, c in handled.items()},
        "top_handled_messages": {k: dict(c.most_common(args.messages)) for k, c in messages.items()},
        "cli_exit_codes": dict(exit_codes.most_common()),
        "unhandled_count": len(unhandled),
        "unhandled_signatures": [{"kind": k, "error": e, "where": w, "count": n}
                                 for (k, e, w), n in signatures.most_common()],
        "unhandled": unhandled[:200],
        f"cases_over_{SLOW_SECONDS}_s": slow,
        "slowest_cases": [{k: r.get(k) for k in ("kind", "case_seed", "seconds", "status", "params")}
                          for r in slowest],
        "definition": "handled = aekit.errors.AekitError, or ValueError/TypeError/FileNotFoundError/"
                      "KeyError raised in src/aekit; CLI: exit code 0/1/2 and no traceback",
        "memory_limit_gib": MEMORY_LIMIT_GIB,
        "machine": machine_info(),
    }
    write_json_atomic(out, payload)
    print(f"{len(todo):,} cases in {total:.0f} s: {len(unhandled)} unhandled; report in {out}")
    for s in payload["unhandled_signatures"][:20]:
        print(f"  {s['count']:5d}  {s['kind']:6s} {s['error']}: {s['where']}")
    return 1 if unhandled else 0


if __name__ == "__main__":
    sys.exit(main())

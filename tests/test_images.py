"""aekit.images: the CLI's image files round-trip, odd modes are converted, bad files are named."""

import numpy as np
import pytest
from PIL import Image

from aekit.images import ImageFileError, find_images, read_image, write_image

rng = np.random.default_rng(0)
GRAY = rng.integers(0, 256, (20, 30), dtype=np.uint8)
RGB = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
RGBA = rng.integers(0, 256, (20, 30, 4), dtype=np.uint8)


@pytest.mark.parametrize("name,image", [
    ("g.png", GRAY), ("c.png", RGB), ("a.png", RGBA), ("g.tif", GRAY), ("c.tiff", RGB),
    ("g16.png", (GRAY.astype(np.uint16) * 257)), ("f.tif", GRAY / 255.0), ("f.npy", RGB / 255.0),
])
def test_lossless_round_trip(tmp_path, name, image):
    path = write_image(tmp_path / name, image)
    back = read_image(path)
    assert back.shape == image.shape
    assert np.allclose(back, image, atol=1e-6)
    assert back.dtype == (np.float32 if name == "f.tif" else image.dtype)


def test_jpeg_round_trip_is_close(tmp_path):
    smooth = np.tile(np.linspace(0, 255, 64, dtype=np.uint8), (64, 1))
    back = read_image(write_image(tmp_path / "s.jpg", smooth))
    assert back.shape == smooth.shape and back.dtype == np.uint8
    assert np.abs(back.astype(int) - smooth).mean() < 3


def test_palette_and_bilevel_images_are_converted(tmp_path):
    Image.fromarray(RGB).convert("P").save(tmp_path / "p.png")
    Image.fromarray(GRAY).convert("1").save(tmp_path / "b.png")
    assert read_image(tmp_path / "p.png").shape == (20, 30, 3)
    b = read_image(tmp_path / "b.png")
    assert b.shape == (20, 30) and b.dtype == np.uint8


def test_corrupt_and_truncated_files_are_named(tmp_path):
    (tmp_path / "junk.png").write_bytes(b"not an image")
    with pytest.raises(ImageFileError, match="junk.png.*corrupt"):
        read_image(tmp_path / "junk.png")
    good = write_image(tmp_path / "full.png", RGB).read_bytes()
    (tmp_path / "cut.png").write_bytes(good[: len(good) // 2])
    with pytest.raises(ImageFileError, match="cut.png"):
        read_image(tmp_path / "cut.png")
    np.save(tmp_path / "cube.npy", np.zeros((2, 3, 4, 5)))
    with pytest.raises(ImageFileError, match=r"shape \(2, 3, 4, 5\)"):
        read_image(tmp_path / "cube.npy")


def test_pickled_npy_is_never_loaded(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ImageFileError, match="obj.npy"):
        read_image(tmp_path / "obj.npy")


def test_unwritable_combinations_say_what_to_use(tmp_path):
    with pytest.raises(ImageFileError, match="alpha.*png"):
        write_image(tmp_path / "a.jpg", RGBA)
    with pytest.raises(ImageFileError, match=".npy"):
        write_image(tmp_path / "f.png", RGB / 255.0)
    with pytest.raises(ImageFileError, match="'.bmp'"):
        write_image(tmp_path / "x.bmp", GRAY)
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())  # nothing half-written


def test_find_images_walks_folders_and_refuses_name_clashes(tmp_path):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    write_image(tmp_path / "in" / "a.png", GRAY)
    write_image(tmp_path / "in" / "sub" / "b.jpg", RGB)
    (tmp_path / "in" / "notes.txt").write_text("skip me")
    found = find_images([tmp_path / "in"])
    assert [str(rel) for _, rel in found] == ["a.png", "sub/b.jpg"]
    with pytest.raises(ImageFileError, match="same output name"):
        find_images([tmp_path / "in" / "a.png", tmp_path / "in" / "a.png"])
    with pytest.raises(ImageFileError, match="unsupported file type '.txt'"):
        find_images([tmp_path / "in" / "notes.txt"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ImageFileError, match="contains no images"):
        find_images([tmp_path / "empty"])

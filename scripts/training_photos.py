"""The photographs the pretrained denoiser (v2) learns from: fetched from Debian packages, never committed.

    python scripts/training_photos.py            # fetch, downscale and cache them; print the list

Each photo is named below with its package, author and licence (from the package's
``debian/copyright``). ``apt-get download`` fetches the package (no root, nothing installed),
``dpkg -x`` unpacks it into a temporary folder, and each listed photo is downscaled by an integer
factor of 2-4 with area filtering (PIL's box ``reduce``: every output pixel is the mean of a
``f x f`` block), which averages JPEG artefacts and sensor noise away and leaves about one
megapixel of sharp detail. Only the listed files are used; the packages' renders and drawings
(gradients, vector art, 3-D scenes) are not.

Photographs scikit-image and scikit-learn ship are added by name (``BUNDLED``); the four held-out
benchmark photos (``aekit.datasets.DENOISING_TEST_IMAGES``: camera, astronaut, coffee, chelsea)
are never read, and neither is any copy of them (``pywt.data.camera`` is skimage's camera).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

CACHE = Path.home() / ".cache" / "aekit" / "photos"

# package -> [(path inside the package, author, licence)]
PHOTOS: dict[str, list[tuple[str, str, str]]] = {
    "lomiri-wallpapers-16.04": [
        (f"usr/share/backgrounds/{name}.jpg", author, lic) for name, author, lic in [
            ("aitzgorri_by_Aitzol_Berasategi", "Aitzol Berasategi", "CC-BY-4.0"),
            ("analogpattern_by_Peter_Nerlich", "Peter Nerlich", "CC-BY-SA-4.0"),
            ("Bridge_by_Sander_Klootwijk", "Sander Klootwijk", "CC-BY-SA-4.0"),
            ("Dragonfly_by_Bolly", "Bolly", "CC-BY-SA-4.0"),
            ("free_by_Peter_Nerlich", "Peter Nerlich", "CC-BY-SA-4.0"),
            ("friends_by_Aitzol_Berasategi", "Aitzol Berasategi", "CC-BY-4.0"),
            ("greentock_by_Peter_Nerlich", "Peter Nerlich", "CC-BY-SA-4.0"),
            ("life_by_Aitzol_Berasategi", "Aitzol Berasategi", "CC-BY-4.0"),
            ("picosdeeuropa_by_Aitzol_Berasategi", "Aitzol Berasategi", "CC-BY-4.0"),
            ("Picture_0B_by_freespace", "Trevor 'Freespace'", "CC-BY-4.0"),
            ("Picture_1A_by_freespace", "Trevor 'Freespace'", "CC-BY-4.0"),
            ("seeding_by_Clements_Engelhardt", "Clemens Engelhardt", "CC0-1.0"),
            ("sunset_by_Aitzol_Berasategi", "Aitzol Berasategi", "CC-BY-4.0"),
            ("Wine_by_Jakkub_Mede", "Jakkub Mede", "CC-BY-SA-4.0"),
        ]
    ],
    "lomiri-wallpapers-20.04": [
        ("usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg", "Lukas Baubkus", "CC-BY-SA-4.0"),
    ],
    "mate-backgrounds": [
        (f"usr/share/backgrounds/mate/nature/{name}.jpg", author, "GPL-2+") for name, author in [
            ("Aqua", "Charles Barbin"), ("Blinds", "Lennart Poettering, Andrea Cimitan"),
            ("Dune", "Marco Cogoni, Hylke Bons"), ("FreshFlower", "Jens Ansorg"),
            ("Garden", "MATE artwork contributors"), ("GreenMeadow", "Timothy Schellhase, Lapo Calamandrei"),
            ("LadyBird", "Charles Barbin"), ("RainDrops", "blackcombwhistler07"),
            ("Storm", "Sergey Nazarov"), ("TwoWings", "Charles Barbin, Hylke Bons"),
            ("Wood", "Jean-Francois Fortin Tam"), ("YellowFlower", "MATE artwork contributors"),
        ]
    ],
    "plasma-workspace-wallpapers": [
        (f"usr/share/wallpapers/{name}/contents/images/2560x1600.jpg", "KDE Visual Design Group contributors",
         "GPL-2+") for name in [
            "BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow", "FallenLeaf",
            "Grey", "Kite", "OneStandsOut", "Path", "summer_1am",
        ]
    ],
}

# Photographs bundled with scikit-image / scikit-learn (read through aekit.datasets).
BUNDLED = ("brick", "grass", "gravel", "coins", "clock", "moon", "motorcycle", "rocket", "china", "flower")

# Held out from training to choose the recipe and watch the run (never the benchmark's test photos).
VALIDATION = ("Kleiber_by_Lukas_Baubkus", "LadyBird", "ColorfulCups", "Path")


def photo_name(path: str) -> str:
    """``usr/share/wallpapers/Kite/contents/images/2560x1600.jpg`` -> ``Kite``; else the file's stem."""
    parts = Path(path).parts
    return parts[parts.index("wallpapers") + 1] if "wallpapers" in parts else Path(path).stem


def reduction_factor(width: int, height: int) -> int:
    """2 below 4 MP, 3 below 12 MP, else 4: about a megapixel or more remains."""
    mp = width * height / 1e6
    return 2 if mp < 4 else 3 if mp < 12 else 4


def _fetch_package(package: str, into: Path) -> Path:
    """Download ``package`` with apt-get (no root needed) and unpack it under ``into``."""
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        raise SystemExit("apt-get and dpkg are needed to fetch the training photographs (a Debian/Ubuntu system).")
    subprocess.run(["apt-get", "download", package], cwd=into, check=True, capture_output=True)
    deb = next(into.glob(f"{package}_*.deb"))
    root = into / package
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    return root


def fetch(cache: Path = CACHE, verbose: bool = True) -> dict[str, Path]:
    """Every listed photograph, downscaled and cached as PNG: ``{name: path}``."""
    from PIL import Image

    cache.mkdir(parents=True, exist_ok=True)
    out = {}
    for package, photos in PHOTOS.items():
        wanted = {photo_name(p): p for p, _, _ in photos}
        if all((cache / f"{n}.png").is_file() for n in wanted):
            out.update({n: cache / f"{n}.png" for n in wanted})
            continue
        with tempfile.TemporaryDirectory() as tmp:
            if verbose:
                print(f"fetching {package}", file=sys.stderr)
            root = _fetch_package(package, Path(tmp))
            for name, path in wanted.items():
                image = Image.open(root / path).convert("RGB")
                f = reduction_factor(*image.size)
                small = image.reduce(f)  # box filter: the exact area average of f x f blocks
                target = cache / f"{name}.png"
                small.save(target.with_suffix(".tmp.png"))
                target.with_suffix(".tmp.png").replace(target)
                out[name] = target
    return out


def load(split: str = "train", cache: Path = CACHE) -> dict[str, np.ndarray]:
    """The training (``"train"``) or validation (``"val"``) photographs as ``{name: uint8 array}``."""
    from PIL import Image

    from aekit.datasets import DENOISING_TEST_IMAGES, _bundled_image

    assert not set(BUNDLED) & set(DENOISING_TEST_IMAGES)
    paths = fetch(cache)
    images = {n: np.asarray(Image.open(p).convert("RGB")) for n, p in paths.items()
              if (n in VALIDATION) == (split == "val")}
    if split == "train":
        images.update({n: _bundled_image(n) for n in BUNDLED})
    return images


if __name__ == "__main__":
    for split in ("train", "val"):
        images = load(split)
        mp = sum(im.shape[0] * im.shape[1] for im in images.values()) / 1e6
        print(f"{split}: {len(images)} photographs, {mp:.1f} megapixels")
        for n, im in images.items():
            print(f"  {n:36s} {im.shape}")

"""`aekit noise` and `aekit denoise`: files and folders, formats kept, inputs never overwritten."""

import numpy as np
import pytest
import skimage.data

from aekit.images import read_image, write_image
from aekit.metrics import psnr


@pytest.fixture
def clean_files(tmp_path):
    folder = tmp_path / "clean"
    write_image(folder / "cam.png", skimage.data.camera()[:96, :128])
    write_image(folder / "sub" / "astro.jpg", skimage.data.astronaut()[:64, :80])
    return folder


def test_noise_then_denoise_a_folder(clean_files, tmp_path, run):
    noisy = tmp_path / "noisy"
    for rel in ("cam.png", "sub/astro.jpg"):
        r = run("noise", clean_files / rel, "-o", noisy / rel.replace(".jpg", ".png"), "--gaussian", 25)
        assert r.exit_code == 0, r.output
    before = {p: p.read_bytes() for p in noisy.rglob("*.png")}
    out = tmp_path / "out"
    r = run("denoise", noisy, "-o", out, "--sigma", 25)
    assert r.exit_code == 0, r.output
    assert "Denoised 2 images" in r.output
    cam_clean = read_image(clean_files / "cam.png")
    cam_out = read_image(out / "cam.png")
    assert cam_out.shape == cam_clean.shape and cam_out.dtype == np.uint8
    assert psnr(cam_clean, cam_out) > psnr(cam_clean, read_image(noisy / "cam.png")) + 4
    assert read_image(out / "sub" / "astro.png").shape == (64, 80, 3)
    assert {p: p.read_bytes() for p in noisy.rglob("*.png")} == before  # inputs untouched


def test_npy_noise_keeps_unclipped_floats_and_blind_denoise_reads_it(clean_files, tmp_path, run):
    r = run("noise", clean_files / "cam.png", "-o", tmp_path / "n.npy", "--gaussian", 50, "--seed", 3)
    assert r.exit_code == 0, r.output
    y = np.load(tmp_path / "n.npy")
    assert y.dtype == np.float32 and y.max() > 1  # not clipped at white
    r = run("denoise", tmp_path / "n.npy", "-o", tmp_path / "out")
    assert r.exit_code == 0, r.output
    assert "sigma estimated" in r.output
    assert np.load(tmp_path / "out" / "n.npy").dtype == np.float32


def test_camera_noise_then_blind_camera_denoise(clean_files, tmp_path, run):
    r = run("noise", clean_files / "cam.png", "-o", tmp_path / "n.npy", "--camera", 20, "--read-noise", 5)
    assert r.exit_code == 0 and "camera noise: peak 20 photons, read noise 5" in r.output, r.output
    r = run("denoise", tmp_path / "n.npy", "-o", tmp_path / "out", "--camera")
    assert r.exit_code == 0, r.output
    assert "camera noise, estimated: peak" in r.output
    clean = read_image(clean_files / "cam.png")
    out, noisy = np.load(tmp_path / "out" / "n.npy"), np.load(tmp_path / "n.npy")
    assert psnr(clean / 255.0, np.clip(out, 0, 1)) > psnr(clean / 255.0, np.clip(noisy, 0, 1)) + 4


def test_denoise_refuses_to_overwrite_without_asking(clean_files, tmp_path, run):
    out = tmp_path / "out"
    assert run("denoise", clean_files / "cam.png", "-o", out, "-q").exit_code == 0
    first = (out / "cam.png").read_bytes()
    r = run("denoise", clean_files / "cam.png", "-o", out, "-q")
    assert r.exit_code == 1 and "already exists" in r.output and "--overwrite" in r.output
    assert run("denoise", clean_files / "cam.png", "-o", out, "-q", "--overwrite").exit_code == 0
    assert (out / "cam.png").read_bytes() == first  # deterministic
    r = run("denoise", clean_files / "cam.png", "-o", clean_files, "--overwrite")
    assert r.exit_code == 1 and "never overwrites its input" in r.output


def test_one_corrupt_file_does_not_stop_the_folder(clean_files, tmp_path, run):
    (clean_files / "broken.png").write_bytes(b"\x89PNG garbage")
    r = run("denoise", clean_files, "-o", tmp_path / "out", "--sigma", 10)
    assert r.exit_code == 1
    assert "broken.png" in r.output and "Denoised 2 images" in r.output
    assert (tmp_path / "out" / "cam.png").is_file() and not (tmp_path / "out" / "broken.png").exists()
    assert "Traceback" not in r.output


@pytest.mark.parametrize("args,code,text", [
    (["denoise", "missing.png", "-o", "out"], 2, "does not exist"),
    (["denoise", "IN", "-o", "out", "--sigma", "-5"], 2, "sigma"),
    (["noise", "IN", "-o", "x.png"], 2, "exactly one"),
    (["noise", "IN", "-o", "x.png", "--gaussian", "5", "--masking", "0.1"], 2, "exactly one"),
    (["noise", "IN", "-o", "x.bmp", "--gaussian", "5"], 1, "'.bmp'"),
    (["denoise", "IN", "-o", "out", "--model", "MODEL"], 1, "not a Denoiser"),
    (["denoise", "IN", "-o", "out", "--peak", "30"], 2, "add --camera"),
])
def test_bad_usage_is_one_clear_line(clean_files, tmp_path, args, code, text, run):
    from aekit import AutoencoderReducer

    AutoencoderReducer(max_epochs=1, random_state=0).fit(np.random.rand(20, 3)).save(tmp_path / "reducer")
    args = [str(clean_files / "cam.png") if a == "IN" else str(tmp_path / "reducer") if a == "MODEL"
            else str(tmp_path / a) if a in ("out", "x.png", "x.bmp") else a for a in args]
    r = run(*args)
    assert r.exit_code == code, r.output
    assert text in r.output and "Traceback" not in r.output

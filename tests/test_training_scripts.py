"""The training scripts of shipped weights (scripts/): their schedules and noise, without the long
runs (and without the photographs, which are fetched from Debian packages, never in tests)."""

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import train_denoiser  # noqa: E402
import train_face_editor  # noqa: E402
import training_photos  # noqa: E402


def test_schedule_warms_up_decays_and_moves_to_larger_patches_late():
    s = train_denoiser.Schedule(steps=1000, warmup=100)
    assert s.lr_at(0) < s.lr_at(99) <= s.lr
    assert abs(s.lr_at(999) - s.lr * s.final_lr_fraction) < 1e-5
    assert s.patch_and_batch(0) == (64, 16)
    size, batch = s.patch_and_batch(900)
    assert size == 128 and batch * size**2 == 16 * 64**2  # the same pixels per step


def test_noise_levels_and_the_camera_map_carry_no_clean_detail():
    s = train_denoiser.Schedule(camera_fraction=0.5, clip_fraction=0.0)
    gen = torch.Generator().manual_seed(0)
    clean = torch.rand(64, 1, 32, 32)
    noisy, level = train_denoiser.corrupt(clean, s, gen)
    assert noisy.shape == level.shape == clean.shape
    flat = level.flatten(1)
    gaussian = (flat.max(1).values - flat.min(1).values) < 1e-7  # one level per Gaussian patch
    assert 0.2 < gaussian.float().mean() < 0.8 and float(level.max()) <= 1.5
    # camera patches: the map follows the smoothed brightness, not the pixels
    cam = ~gaussian
    corr = np.corrcoef(level[cam].flatten().numpy(), clean[cam].flatten().numpy())[0, 1]
    assert corr < 0.6
    # the residual noise is as large as the map says
    ratio = ((noisy - clean)[cam] / level[cam]).std()
    assert 0.8 < float(ratio) < 1.25


def test_the_camera_map_is_computed_from_the_noisy_patch_as_at_inference():
    from aekit.denoise import smooth_for_level_map

    s = train_denoiser.Schedule(camera_fraction=1.0, clip_fraction=0.5)
    yy, xx = torch.meshgrid(torch.linspace(0, 1, 32), torch.linspace(0, 1, 32), indexing="ij")
    clean = (0.2 + 0.6 * xx * yy).expand(16, 1, 32, 32).contiguous()  # a smooth ramp: clean != noisy smoothed
    for from_noisy in (True, False):
        noisy, level = train_denoiser.corrupt(clean, s, torch.Generator().manual_seed(1), map_from_noisy=from_noisy)
        # level^2 = brightness / peak + read^2 per patch: an exact line in the brightness it came from
        brightness = smooth_for_level_map(noisy).flatten(1).double()
        var = (level**2).flatten(1).double()
        residual = []
        for b, v in zip(brightness, var):
            design = torch.stack([b, torch.ones_like(b)], 1)
            fit = torch.linalg.lstsq(design, v[:, None]).solution
            residual.append(float((design @ fit - v[:, None]).abs().max() / v.mean()))
        assert (max(residual) < 1e-4) == from_noisy  # from the noisy patch exactly, from the clean one not


def test_every_training_photo_names_its_licence_and_the_test_photos_stay_out():
    from aekit.datasets import DENOISING_TEST_IMAGES

    for photos in training_photos.PHOTOS.values():
        for path, author, licence in photos:
            assert author and licence.startswith(("CC", "GPL")), path
    names = {training_photos.photo_name(p) for photos in training_photos.PHOTOS.values() for p, _, _ in photos}
    assert set(training_photos.VALIDATION) <= names
    assert not (set(training_photos.BUNDLED) | names) & set(DENOISING_TEST_IMAGES)
    assert training_photos.reduction_factor(1600, 1200) == 2 and training_photos.reduction_factor(6000, 4000) == 4


def test_the_face_editor_script_records_its_run_and_resumes(tmp_path, monkeypatch, capsys):
    import json

    from aekit import AttributeEditor, load

    out, ckpt = tmp_path / "editor", tmp_path / "editor.ckpt"
    argv = ["train_face_editor.py", "--faces", "160", "--epochs", "1", "--out", str(out), "--checkpoint", str(ckpt)]
    monkeypatch.setattr(sys, "argv", argv)
    train_face_editor.main()
    info = json.loads((out / "training.json").read_text())
    assert info["params"]["method"] == "mask" and info["data"]["n"] == 160 and not info["resumed"]
    assert info["recipe"]["MASK_TRAINING"]["lr_schedule"] == "onecycle"  # the module's settings too
    editor = load(out)
    assert isinstance(editor, AttributeEditor) and editor.n_iter_ == 1
    assert ckpt.is_file()
    capsys.readouterr()
    train_face_editor.main()  # the same command again continues from the checkpoint: nothing left to do
    assert "1 of 1 epochs done, nothing left to train" in capsys.readouterr().out
    again = json.loads((out / "training.json").read_text())
    assert again["resumed"] and again["history"] == info["history"]

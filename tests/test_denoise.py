"""aekit.Denoiser (pretrained, any image) and aekit.DenoisingAutoencoder (scikit-learn style)."""

import json

import numpy as np
import pytest
import skimage.data
import torch

import aekit
from aekit import Denoiser, DenoisingAutoencoder
from aekit.blocks import UNet
from aekit.datasets import DENOISING_TEST_IMAGES, DENOISING_TRAIN_IMAGES, load_digits
from aekit.denoise import estimate_noise_model, estimate_noise_sigma
from aekit.metrics import psnr
from aekit.noise import gaussian, poisson_gaussian


@pytest.fixture(scope="module")
def pretrained():
    return Denoiser.pretrained()


@pytest.fixture(scope="module")
def camera_crop():
    return skimage.data.camera()[100:228, 150:278]


def test_unet_keeps_any_shape_and_is_residual():
    net = UNet(1, (8, 16, 32), condition_channels=1)
    for h, w in ((37, 50), (8, 8), (5, 3)):
        x = torch.rand(2, 1, h, w)
        assert net(x, torch.zeros(2, 1, h, w)).shape == x.shape
    torch.nn.init.zeros_(net.out.weight)
    torch.nn.init.zeros_(net.out.bias)
    x = torch.rand(1, 1, 16, 16)
    assert torch.equal(net(x, torch.zeros_like(x)), x)  # predicts the noise; zero noise -> identity


def test_pretrained_removes_most_of_the_noise(pretrained, camera_crop):
    noisy = gaussian(camera_crop, 25, seed=0)
    out = pretrained.denoise(noisy, sigma=25)
    assert out.shape == camera_crop.shape and out.dtype == np.uint8
    assert psnr(camera_crop, out) > psnr(camera_crop, noisy) + 6


def test_blind_is_close_to_known_sigma(pretrained, camera_crop):
    noisy = gaussian(camera_crop.astype(np.float32) / 255, 25, seed=1)
    known, blind = pretrained.denoise(noisy, sigma=25), pretrained.denoise(noisy)
    assert known.dtype == np.float32
    clean = camera_crop / 255.0
    assert psnr(clean, blind) > psnr(clean, known) - 0.5
    assert 20 < estimate_noise_sigma(noisy) < 30


@pytest.mark.parametrize("shape", [(33, 47), (33, 47, 1), (33, 47, 3), (33, 47, 4), (6, 9)])
def test_any_shape_and_channels_come_back_as_given(pretrained, shape):
    image = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    out = pretrained.denoise(image, sigma=10)
    assert out.shape == image.shape and out.dtype == np.uint8
    if len(shape) == 3 and shape[2] == 4:
        assert np.array_equal(out[..., 3], image[..., 3])  # alpha passes through untouched


def test_uint16_and_float64_keep_their_dtype(pretrained, camera_crop):
    assert pretrained.denoise(camera_crop.astype(np.uint16) * 257, sigma=5).dtype == np.uint16
    assert pretrained.denoise(camera_crop / 255.0, sigma=5).dtype == np.float64


def test_colour_denoising_beats_the_noisy_image(pretrained):
    clean = skimage.data.astronaut()[:96, 200:296]
    noisy = gaussian(clean, 25, seed=0)
    out = pretrained.denoise(noisy, sigma=25)
    assert out.shape == clean.shape
    assert psnr(clean, out) > psnr(clean, noisy) + 5


def test_tiled_inference_matches_the_whole_image():
    # copies of their own: the shared `pretrained` fixture is never modified
    image = gaussian(skimage.data.camera()[:300, :260] / np.float32(255), 25, seed=0)
    whole = Denoiser.pretrained(tile_size=1024).denoise(image, sigma=25)
    tiled = Denoiser.pretrained(tile_size=160).denoise(image, sigma=25)
    assert np.abs(whole - tiled).max() < 1e-4


@pytest.mark.parametrize("bad,match", [
    (np.zeros((3, 8, 8), np.uint8).transpose(1, 2, 0)[..., :2], "shape"),
    (np.zeros((4, 5, 6, 7)), "shape"),
    (np.full((8, 8), 200.0), "Divide by 255"),
    (np.full((8, 8), np.nan), "NaN"),
    (np.zeros((8, 8), np.int32), "dtype"),
])
def test_bad_images_are_refused_with_the_fix(pretrained, bad, match):
    with pytest.raises(ValueError, match=match):
        pretrained.denoise(bad)


def test_bad_sigma_is_refused(pretrained):
    with pytest.raises(ValueError, match="sigma"):
        pretrained.denoise(np.zeros((8, 8), np.uint8), sigma=-3)


def test_training_lowers_the_loss_and_save_load_round_trips(tmp_path):
    images = [skimage.data.camera()[:96, :96], skimage.data.astronaut()[:80, :80]]
    model = Denoiser(channels=(8, 16), n_patches=256, patch_size=32, max_epochs=4, batch_size=16,
                     learning_rate=3e-3, random_state=0, verbose=0).fit(images)
    loss = model.history_.history["loss"]
    assert loss[-1] < loss[0] and model.n_iter_ == 4
    x = gaussian(images[0], 25, seed=0)
    for half in (False, True):
        model.save(tmp_path / f"m{half}", half=half)
        back = aekit.load(tmp_path / f"m{half}")
        assert isinstance(back, Denoiser) and back.channels == (8, 16) and back.n_iter_ == 4
        assert back.model_.out.weight.is_contiguous(memory_format=torch.channels_last)
        diff = np.abs(back.denoise(x, sigma=25).astype(int) - model.denoise(x, sigma=25)).max()
        assert diff <= (1 if half else 0)


def test_fit_checks_its_parameters():
    with pytest.raises(ValueError, match="patch_size must be a multiple of 4"):
        Denoiser(channels=(8, 16, 32), patch_size=30).fit([np.zeros((64, 64), np.uint8)])
    with pytest.raises(ValueError, match="smaller than patch_size"):
        Denoiser(channels=(8, 16), patch_size=64, n_patches=4).fit([np.zeros((40, 40), np.uint8)])
    with pytest.raises(ValueError, match=r"sigma_range must be \(low, high\) with 0 <= low <= high <= 255"):
        Denoiser(sigma_range=(60, 10)).fit([np.zeros((64, 64), np.uint8)])
    assert Denoiser().verbose == 0  # silent by default, as every aekit estimator


def test_noise_model_estimate_finds_camera_noise_and_gaussian_noise():
    camera = skimage.data.camera()
    peak, sigma = estimate_noise_model(poisson_gaussian(camera / 255.0, peak=30, sigma=10, seed=0))
    assert 25 < peak < 35 and 5 < sigma < 12
    peak, sigma = estimate_noise_model(gaussian(camera, 20, seed=0))
    assert peak > 500 and 17 < sigma < 23  # no signal dependence: a huge photon count
    with pytest.raises(ValueError, match="too small to estimate its noise.*peak and sigma"):
        estimate_noise_model(np.zeros((8, 8), np.uint8))


@pytest.mark.parametrize("colour", [False, True])
def test_camera_noise_is_denoised_with_a_level_map(pretrained, colour):
    clean = skimage.data.astronaut()[100:228, 150:278] if colour else skimage.data.camera()[100:228, 150:278]
    clean = clean.astype(np.float32) / 255
    noisy = poisson_gaussian(clean, peak=20, sigma=5, seed=0)
    told = pretrained.denoise(noisy, 5, noise="poisson_gaussian", peak=20)
    blind = pretrained.denoise(noisy, noise="poisson_gaussian")
    assert told.shape == clean.shape and told.dtype == np.float32
    assert psnr(clean, told) > psnr(clean, noisy) + 6
    assert psnr(clean, blind) > psnr(clean, told) - 1.0


def test_camera_noise_options_are_checked(pretrained):
    image = np.zeros((16, 16), np.uint8)
    with pytest.raises(ValueError, match="noise must be 'gaussian' or 'poisson_gaussian'"):
        pretrained.denoise(image, noise="speckle")
    with pytest.raises(ValueError, match="pass noise='poisson_gaussian'"):
        pretrained.denoise(image, peak=30)
    with pytest.raises(ValueError, match="peak must be > 0"):
        pretrained.denoise(image, 5, noise="poisson_gaussian", peak=0)
    with pytest.raises(ValueError, match="peak must be a number >= 0"):
        pretrained.denoise(image, 5, noise="poisson_gaussian", peak="many")


def test_held_out_images_are_not_training_images():
    assert not set(DENOISING_TEST_IMAGES) & set(DENOISING_TRAIN_IMAGES)
    assert "camera" in DENOISING_TEST_IMAGES


# -- DenoisingAutoencoder --------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    X, _ = load_digits()
    noisy = np.clip(X + 0.3 * np.random.default_rng(0).normal(size=X.shape), 0, 1).astype(np.float32)
    return X, noisy


def test_dense_dae_cleans_better_than_the_noisy_input(digits):
    X, noisy = digits
    dae = DenoisingAutoencoder(noise_level=0.3, architecture="dense", max_epochs=15, random_state=0).fit(X)
    out = dae.transform(noisy)
    assert out.shape == X.shape and out.min() >= 0 and out.max() <= 1
    assert ((out - X) ** 2).mean() < 0.8 * ((noisy - X) ** 2).mean()
    h = dae.history_.history["loss"]
    assert h[-1] < h[0]


@pytest.mark.parametrize("kind", ["salt_pepper", "masking", "speckle", "poisson"])
def test_other_noise_models_train(digits, kind):
    X, _ = digits
    level = {"poisson": 20.0}.get(kind, 0.2)
    dae = DenoisingAutoencoder(noise=kind, noise_level=level, architecture="dense", max_epochs=3,
                               random_state=0).fit(X[:300])
    assert dae.transform(X[:5]).shape == (5, 64)


def test_conv_dae_takes_images_and_round_trips(digits, tmp_path):
    X, noisy = digits
    images = X[:400].reshape(-1, 8, 8, 1)
    dae = DenoisingAutoencoder(noise_level=0.3, channels=(8,), max_epochs=2, random_state=0).fit(images)
    out = dae.transform(noisy[:10].reshape(-1, 8, 8, 1))
    assert out.shape == (10, 8, 8, 1)
    dae.save(tmp_path / "dae")
    saved = json.loads((tmp_path / "dae" / "config.json").read_text())["state"]["network"]
    assert saved["type"] == "ScaledAutoencoder" and saved["config"]["image_chw"] == [1, 8, 8]
    np.testing.assert_allclose(aekit.load(tmp_path / "dae").transform(noisy[:10].reshape(-1, 8, 8, 1)), out,
                               atol=1e-6)
    flat = DenoisingAutoencoder(image_shape=(8, 8), channels=(8,), max_epochs=1, random_state=0).fit(X[:100])
    assert flat.transform(X[:3]).shape == (3, 64)
    flat.save(tmp_path / "flat")
    assert aekit.load(tmp_path / "flat").image_shape == (8, 8)  # a tuple again, as passed


def test_dae_errors_name_the_problem(digits):
    X, _ = digits
    dae = DenoisingAutoencoder(architecture="dense", max_epochs=1, random_state=0).fit(X[:50])
    with pytest.raises(ValueError, match=r"shape \(10,\).*fitted on \(64,\)"):
        dae.transform(np.zeros((3, 10)))
    with pytest.raises(ValueError, match=r"noise must be one of 'gaussian', .* got 'blur'"):
        DenoisingAutoencoder(noise="blur").fit(X)
    with pytest.raises(ValueError, match="needs images"):
        DenoisingAutoencoder(architecture="conv").fit(X)
    with pytest.raises(ValueError, match="NaN"):
        DenoisingAutoencoder().fit(np.full((4, 3), np.nan))


def test_self_ensemble_averages_the_symmetries(pretrained, camera_crop):
    noisy = gaussian(camera_crop[:64, :96] / np.float32(255), 25, seed=0)
    one = pretrained.denoise(noisy, sigma=25)
    eight = Denoiser.pretrained(self_ensemble=8).denoise(noisy, sigma=25)  # a copy: the fixture is shared
    assert pretrained.self_ensemble == 1
    assert eight.shape == one.shape == noisy.shape
    assert 0 < np.abs(eight - one).mean() < 0.02  # a small correction, not a different image
    with pytest.raises(ValueError, match="self_ensemble must be 1, 2, 4 or 8"):
        Denoiser.pretrained(self_ensemble=3).denoise(noisy)


def test_pretrained_versions_are_named_and_unknown_ones_refused():
    from aekit.denoise import PRETRAINED_DIR, PRETRAINED_VERSIONS

    assert PRETRAINED_DIR == list(PRETRAINED_VERSIONS.values())[-1]
    for folder in PRETRAINED_VERSIONS.values():
        assert (folder / "training.json").is_file()  # every shipped model records its schedule
    assert isinstance(Denoiser.pretrained("v1"), Denoiser)
    with pytest.raises(ValueError, match="Unknown pretrained denoiser version 'v0'.*v1"):
        Denoiser.pretrained("v0")


def test_level_map_brightness_is_smoothed_the_same_way_in_training_and_inference():
    from aekit.denoise import smooth_for_level_map

    x = torch.rand(2, 3, 40, 30)
    s = smooth_for_level_map(x)
    assert s.shape == x.shape
    assert torch.allclose(smooth_for_level_map(torch.full((1, 1, 9, 9), 0.3)), torch.full((1, 1, 9, 9), 0.3))
    assert s.std() < 0.5 * x.std()  # the detail is gone: the map tells the level, not the image
    # the denoiser's camera levels come from the same smoothing
    levels = Denoiser._camera_levels(x[0, :1].numpy(), 1 / 30, 0.0, rgb=False)
    np.testing.assert_allclose(levels, np.sqrt(s[0, :1].numpy() / 30), rtol=1e-5)

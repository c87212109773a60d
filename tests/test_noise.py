"""aekit.noise: each model does what its name says, reproducibly, keeping type, shape and dtype."""

import numpy as np
import pytest
import torch

from aekit.noise import (
    NOISE_KINDS,
    add_noise,
    gaussian,
    masking,
    poisson,
    poisson_gaussian,
    salt_pepper,
    speckle,
)


@pytest.fixture
def gray():
    return np.full((200, 200), 0.5, dtype=np.float32)


def test_gaussian_level_is_on_the_0_255_scale_by_default(gray):
    y = gaussian(gray, 25, seed=0)
    assert y.dtype == np.float32 and y.shape == gray.shape
    assert abs((y - gray).std() * 255 - 25) < 0.5
    assert abs((y - gray).mean()) < 0.01
    # scale=1: the Keras tutorial's "noise factor" in the data's own units
    assert abs((gaussian(gray, 0.1, scale=1, seed=0) - gray).std() - 0.1) < 0.002


def test_gaussian_same_seed_same_noise_other_seed_other_noise(gray):
    assert np.array_equal(gaussian(gray, 25, seed=3), gaussian(gray, 25, seed=3))
    assert not np.array_equal(gaussian(gray, 25, seed=3), gaussian(gray, 25, seed=4))
    rng_a, rng_b = np.random.default_rng(7), np.random.default_rng(7)
    assert np.array_equal(gaussian(gray, 25, seed=rng_a), gaussian(gray, 25, seed=rng_b))


def test_uint8_stays_uint8_and_is_clipped():
    x = np.array([[0, 128, 255]] * 50, dtype=np.uint8)
    y = gaussian(x, 50, seed=0)
    assert y.dtype == np.uint8 and y.shape == x.shape
    assert y.min() == 0 and y.max() == 255  # clipped at black and white, not wrapped around
    noise = y[:, 1].astype(float) - 128
    assert 40 < noise.std() < 60


def test_float_is_clipped_only_on_request(gray):
    assert gaussian(gray, 200, seed=0).max() > 1
    assert gaussian(gray, 200, seed=0, clip=True).max() <= 1


def test_tensors_in_tensors_out():
    x = torch.full((4, 1, 16, 16), 0.5)
    y = gaussian(x, 25, seed=0)
    assert isinstance(y, torch.Tensor) and y.shape == x.shape and y.dtype == x.dtype
    with pytest.raises(TypeError, match="floating point"):
        gaussian(torch.zeros(3, dtype=torch.int64), 25)


def test_salt_pepper_hits_the_requested_fraction(gray):
    y = salt_pepper(gray, 0.2, seed=0)
    hit = (y == 0) | (y == 1)
    assert abs(hit.mean() - 0.2) < 0.01
    assert abs((y == 1).sum() / hit.sum() - 0.5) < 0.05
    assert np.all(y[~hit] == 0.5)


def test_poisson_keeps_the_mean_and_has_shot_noise_variance(gray):
    y = poisson(gray, peak=30, seed=0)
    assert abs(y.mean() - 0.5) < 0.01
    assert abs(y.var() - 0.5 / 30) < 0.002  # Var(Poisson(30 x) / 30) = x / 30
    with pytest.raises(ValueError, match="peak"):
        poisson(gray, 0)


def test_speckle_is_multiplicative():
    x = np.zeros((50, 50), np.float32)
    x[:, 25:] = 0.8
    y = speckle(x, 0.1, seed=0)
    assert np.all(y[:, :25] == 0)
    assert abs((y[:, 25:] / 0.8 - 1).std() - 0.1) < 0.01


def test_poisson_gaussian_variance_follows_the_signal():
    x = np.repeat(np.array([0.1, 0.5, 0.9], np.float32), 20000).reshape(3, -1)
    y = poisson_gaussian(x, peak=30, sigma=10, seed=0)
    assert np.allclose(y.mean(axis=1), x[:, 0], atol=0.005)
    assert np.allclose(y.var(axis=1), x[:, 0] / 30 + (10 / 255) ** 2, rtol=0.05)
    assert np.array_equal(y, poisson_gaussian(x, peak=30, sigma=10, seed=0))
    u8 = poisson_gaussian(np.full((8, 8), 128, np.uint8), seed=0)
    assert u8.dtype == np.uint8
    with pytest.raises(ValueError, match="peak must be > 0"):
        poisson_gaussian(x, peak=0)


def test_masking_zeroes_a_fraction(gray):
    y = masking(gray, 0.3, seed=0)
    assert abs((y == 0).mean() - 0.3) < 0.01
    assert np.all((y == 0) | (y == 0.5))


def test_add_noise_dispatches_and_names_unknown_kinds(gray):
    for kind in NOISE_KINDS:
        assert add_noise(gray, kind, 0.1, seed=0).shape == gray.shape
    with pytest.raises(ValueError, match="Unknown noise kind 'blur'.*gaussian"):
        add_noise(gray, "blur", 1)


@pytest.mark.parametrize("call", [
    lambda x: gaussian(x, -1), lambda x: gaussian(x, float("nan")), lambda x: salt_pepper(x, 1.5),
    lambda x: masking(x, -0.1), lambda x: speckle(x, "big"),
])
def test_bad_levels_are_refused_with_the_parameter_name(gray, call):
    with pytest.raises((ValueError, TypeError), match="sigma|amount|fraction"):
        call(gray)


def test_bad_dtype_is_refused():
    with pytest.raises(TypeError, match="dtype"):
        gaussian(np.array(["a", "b"]), 25)

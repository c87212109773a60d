"""OutlierDetector: scikit-learn's outlier contract, PyOD's attributes, images, scores, files."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

import aekit
from aekit import OutlierDetector
from aekit.errors import ModelFileError

FAST = dict(max_epochs=3, hidden_layer_sizes=(16,), n_components=4, random_state=0)


def _blobs(n=300, n_out=6, seed=0):
    """Normal rows near a curved 2-D sheet in 6 dimensions, and ``n_out`` rows well off it."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(-1, 1, (n, 2))
    X = np.column_stack([t, t[:, 0] ** 2, np.sin(2 * t[:, 1]), t[:, 0] * t[:, 1], 0.5 * t[:, 0] - t[:, 1]])
    X += 0.02 * rng.normal(size=X.shape)
    X[:n_out] += rng.choice([-1, 1], (n_out, X.shape[1])) * 1.5
    return X


@parametrize_with_checks(
    [OutlierDetector(max_epochs=2, hidden_layer_sizes=(8,), n_components=2, random_state=0)],
    expected_failed_checks=lambda est: {
        # it reads the (0, 0.5] bound from scikit-learn's private Interval class only; aekit
        # declares the same bound with its own (tests/test_outliers.py checks it)
        "check_outlier_contamination": "contamination is bounded to (0, 0.5] by aekit's own constraint",
    },
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_contamination_is_bounded_to_half():
    for bad in (0, 0.0, 0.6, -0.1, "high"):
        with pytest.raises(ValueError, match=r"contamination must be 'auto' or a number in \(0, 0.5\]"):
            OutlierDetector(contamination=bad, **FAST).fit(_blobs())


@pytest.mark.parametrize("method", ["reconstruction", "latent", "features", "combined"])
def test_each_score_finds_the_rows_off_the_sheet(method):
    X = _blobs()
    det = OutlierDetector(method=method, contamination=6 / 300, **{**FAST, "max_epochs": 10}).fit(X)
    assert det.method_ == method
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(np.r_[np.ones(6), np.zeros(294)], det.decision_scores_) > 0.95
    # a code (or hidden layer) can land among normal ones although its row is off the sheet;
    # the scores that read the reconstruction error see those
    if method not in ("latent", "features"):
        flagged = set(np.flatnonzero(det.labels_))
        assert len(flagged & set(range(6))) >= 5, (method, sorted(flagged))


def test_sign_conventions_and_pyod_attributes():
    X = _blobs()
    det = OutlierDetector(contamination=0.05, **FAST).fit(X)
    s = det.score_samples(X)
    np.testing.assert_allclose(det.decision_scores_, -s, rtol=1e-6, atol=1e-9)
    assert det.threshold_ == -det.offset_
    np.testing.assert_allclose(det.decision_function(X), s - det.offset_)
    assert set(np.unique(det.predict(X))) == {-1, 1}
    np.testing.assert_array_equal(det.labels_, (det.predict(X) == -1).astype(int))
    np.testing.assert_array_equal(det.fit_predict(X), det.predict(X))
    assert det.labels_.sum() == 15  # 5% of 300
    assert det.n_iter_ == len(det.history_.epoch) >= 1


def test_auto_threshold_is_tukeys_fence_of_the_log_scores():
    X = _blobs()
    det = OutlierDetector(**FAST).fit(X)
    q1, q3 = np.percentile(np.log(det.decision_scores_), [25, 75])
    assert det.threshold_ == pytest.approx(np.exp(q3 + 1.5 * (q3 - q1)))
    assert 0 < det.labels_.mean() < 0.1


@pytest.mark.parametrize("method", ["latent", "features"])
def test_a_training_row_is_not_its_own_neighbour(method):
    X = _blobs()
    det = OutlierDetector(method=method, **FAST).fit(X)
    assert np.all(det.decision_scores_ > 0)
    # a new copy of a training row is scored like that row: against the others
    np.testing.assert_allclose(-det.score_samples(X[:10]), det.decision_scores_[:10], rtol=1e-5)


def test_images_use_a_convolutional_network_and_find_the_odd_ones():
    from aekit.datasets import load_digits

    X, y = load_digits()
    images = X.reshape(-1, 8, 8)
    zeros, others = images[y == 0], images[y == 1][:20]
    det = OutlierDetector(channels=(8, 16), n_components=8, max_epochs=25, random_state=0).fit(zeros)
    assert det.image_chw_ == (1, 8, 8) and type(det.model_.encoder).__name__ == "ConvEncoder"
    from sklearn.metrics import roc_auc_score

    scores = -det.score_samples(np.concatenate([zeros[:40], others]))
    assert roc_auc_score(np.r_[np.zeros(40), np.ones(20)], scores) > 0.9
    with pytest.raises(ValueError, match=r"images of shape \(4, 4\).*fitted on \(8, 8\)"):
        det.score_samples(np.zeros((3, 4, 4)))
    # uint8 images and flat rows with image_shape give the same network input
    flat = OutlierDetector(image_shape=(8, 8), channels=(8, 16), n_components=8, max_epochs=1,
                           random_state=0).fit(zeros.reshape(len(zeros), -1))
    assert flat.image_chw_ == (1, 8, 8)


def test_save_and_load_give_the_same_scores(tmp_path):
    X = _blobs()
    det = OutlierDetector(contamination=0.03, **FAST).fit(X)
    det.save(tmp_path / "det")
    back = aekit.load(tmp_path / "det")
    np.testing.assert_allclose(back.score_samples(X), det.score_samples(X), rtol=1e-6)
    np.testing.assert_array_equal(back.labels_, det.labels_)
    assert back.threshold_ == det.threshold_ and back.method_ == det.method_


def test_a_damaged_memory_is_refused(tmp_path):
    from safetensors.torch import load_file, save_file

    det = OutlierDetector(**FAST).fit(_blobs())
    det.save(tmp_path / "det")
    tensors = load_file(str(tmp_path / "det" / "model.safetensors"))
    tensors["memory"] = tensors["memory"][:, :2].contiguous()
    save_file(tensors, str(tmp_path / "det" / "model.safetensors"))
    with pytest.raises(ModelFileError, match="does not match a OutlierDetector"):
        aekit.load(tmp_path / "det")


def test_fit_is_reproducible_and_resumes(tmp_path):
    X = _blobs()
    a = OutlierDetector(**FAST).fit(X).score_samples(X)
    b = OutlierDetector(**FAST).fit(X).score_samples(X)
    np.testing.assert_array_equal(a, b)
    ckpt = str(tmp_path / "ckpt")
    full = OutlierDetector(**FAST, checkpoint=ckpt).fit(X)
    # a fresh detector, even with another seed, continues from the checkpoint: here the run was
    # complete, so it trains no further and ends with the same network, memory and threshold
    resumed = OutlierDetector(**{**FAST, "random_state": 7}, checkpoint=ckpt).fit(X, resume=True)
    np.testing.assert_array_equal(resumed.score_samples(X), full.score_samples(X))
    assert resumed.threshold_ == full.threshold_


@pytest.mark.parametrize("bad, message", [
    (np.full((10, 3), np.nan), r"X contains 30 NaN"),
    (np.zeros((1, 3)), r"minimum of 2"),
    (np.zeros((5, 8, 8, 7)), r"7 channels"),
    ([np.zeros((8, 8)), np.zeros((9, 9))], r"different shapes"),
])
def test_bad_input_is_named(bad, message):
    with pytest.raises(ValueError, match=message):
        OutlierDetector(**FAST).fit(bad)


def test_conv_needs_images():
    with pytest.raises(ValueError, match="needs images"):
        OutlierDetector(architecture="conv", **FAST).fit(_blobs())


def test_an_image_detector_keeps_its_ensemble_memory_through_a_model_file(tmp_path):
    from safetensors.torch import load_file, save_file

    from aekit.datasets import load_digits

    X, y = load_digits()
    images = X.reshape(-1, 8, 8)[y == 3]
    det = OutlierDetector(channels=(8, 16), n_components=8, max_epochs=2, random_state=0).fit(images)
    assert det.method_ == "ensemble"  # "auto" for images
    assert det.memory_.shape == (len(images), 16 * 2 * 2)  # the last feature map, flattened
    np.testing.assert_allclose(np.linalg.norm(det.directions_, axis=1), 1.0, rtol=1e-5)
    det.save(tmp_path / "det")
    back = aekit.load(tmp_path / "det")
    np.testing.assert_allclose(back.score_samples(images[:20]), det.score_samples(images[:20]), rtol=1e-6)
    tensors = load_file(str(tmp_path / "det" / "model.safetensors"))
    del tensors["directions"]
    save_file(tensors, str(tmp_path / "det" / "model.safetensors"))
    with pytest.raises(ModelFileError, match="directions is missing"):
        aekit.load(tmp_path / "det")


def test_the_feature_memory_of_large_images_is_pooled_to_a_small_grid():
    rng = np.random.default_rng(0)
    images = rng.random((40, 64, 48)).astype(np.float32)
    det = OutlierDetector(channels=(4, 8), n_components=4, max_epochs=1, random_state=0).fit(images)
    # a 16 x 12 map of 8 channels is kept as 7 x 7: the memory grows with channels, not pixels
    assert det.memory_.shape == (40, 8 * 7 * 7) == (40, det._memory_width(det.model_.encoder))
    assert np.isfinite(det.score_samples(images[:5])).all()

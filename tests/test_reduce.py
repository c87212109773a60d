"""AutoencoderReducer: the scikit-learn contract, shapes, pipelines, outputs, input checks, and
that it beats PCA where a non-linear map should."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from aekit import AutoencoderReducer


def _fast(**kw) -> AutoencoderReducer:
    params = dict(n_components=2, hidden_layer_sizes=(16,), max_epochs=3, batch_size=64,
                  learning_rate=5e-3, layout_epochs=20, random_state=0)
    params.update(kw)
    return AutoencoderReducer(**params)


def _manifold(n=200, d=6, seed=0) -> np.ndarray:
    """Points near a 2-D curved sheet in ``d`` dimensions, in mixed units."""
    rng = np.random.default_rng(seed)
    z = rng.uniform(-1, 1, size=(n, 2))
    w = rng.normal(size=(2, d))
    X = np.tanh(z @ w) + 0.01 * rng.normal(size=(n, d))
    return X * np.arange(1, d + 1)


# --------------------------------------------------------------------------------------------
# The scikit-learn contract
# --------------------------------------------------------------------------------------------


@parametrize_with_checks(
    # the defaults, so the structure term is checked too; a short layout keeps it fast
    [AutoencoderReducer(max_epochs=2, hidden_layer_sizes=(8,), batch_size=32, layout_epochs=20, random_state=0)]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------------------------
# fit / transform / inverse_transform
# --------------------------------------------------------------------------------------------


def test_fit_transform_inverse_transform_shapes_and_dtypes():
    X = _manifold()
    r = _fast().fit(X)
    Z = r.transform(X)
    assert Z.shape == (200, 2) and Z.dtype == np.float64
    X_hat = r.inverse_transform(Z)
    assert X_hat.shape == (200, 6) and X_hat.dtype == np.float64
    np.testing.assert_allclose(r.reconstruct(X), X_hat, rtol=1e-5, atol=1e-5)
    assert r.n_features_in_ == 6
    assert 1 <= r.n_iter_ <= 3
    assert r.n_iter_ == len(r.history_.epoch)
    assert list(r.get_feature_names_out()) == ["autoencoderreducer0", "autoencoderreducer1"]
    # float32 in, float32 out
    X32 = X.astype(np.float32)
    assert r.transform(X32).dtype == np.float32
    assert r.inverse_transform(Z.astype(np.float32)).dtype == np.float32
    assert r.reconstruct(X32).dtype == np.float32


def test_fit_transform_equals_fit_then_transform():
    X = _manifold()
    Z1 = _fast().fit_transform(X)
    Z2 = _fast().fit(X).transform(X)
    np.testing.assert_array_equal(Z1, Z2)
    Z3 = _fast(random_state=1).fit_transform(X)
    assert not np.allclose(Z1, Z3)


def test_fit_does_not_change_params_and_refit_resets():
    X = _manifold()
    r = _fast()
    params = r.get_params()
    r.fit(X)
    assert r.get_params() == params
    r.fit(X[:, :4])
    assert r.n_features_in_ == 4
    assert r.transform(X[:, :4]).shape == (200, 2)


def test_training_improves_the_reconstruction():
    X = _manifold(400)
    short = _fast(max_epochs=1, learning_rate=1e-3).fit(X)
    longer = _fast(max_epochs=10, learning_rate=1e-2).fit(X)
    err_short = short.reconstruction_error(X).mean()
    err_long = longer.reconstruction_error(X).mean()
    assert err_long < 0.7 * err_short
    assert longer.history_.history["loss"][-1] < longer.history_.history["loss"][0]


@pytest.mark.parametrize("scaling", ["standard", "global", "minmax", None, "auto"])
def test_scaling_options(scaling):
    X = _manifold(60) + 5.0
    r = _fast(scaling=scaling, max_epochs=1).fit(X)
    if scaling in ("standard", "auto"):  # auto: data outside [0, 1] -> standard
        np.testing.assert_allclose(r.center_, X.mean(axis=0), rtol=1e-5)
        np.testing.assert_allclose(r.scale_, X.std(axis=0), rtol=1e-5)
    elif scaling == "global":
        np.testing.assert_allclose(r.center_, X.mean(axis=0), rtol=1e-5)
        assert np.all(r.scale_ == r.scale_[0])
        np.testing.assert_allclose(r.scale_[0], np.sqrt(np.mean((X - X.mean(axis=0)) ** 2)), rtol=1e-5)
    elif scaling == "minmax":
        np.testing.assert_allclose(r.center_, X.min(axis=0), rtol=1e-6)
        np.testing.assert_allclose(r.scale_, X.max(axis=0) - X.min(axis=0), rtol=1e-5)
    else:
        np.testing.assert_array_equal(r.center_, 0)
        np.testing.assert_array_equal(r.scale_, 1)
    # the network sees (X - center_) / scale_, and reconstructions are mapped back
    Xs = torch.from_numpy(((X - r.center_) / r.scale_).astype(np.float32))
    with torch.no_grad():
        Z = r.model_.encode(Xs).numpy()
        out = r.model_(Xs).numpy()
    np.testing.assert_allclose(r.transform(X), Z, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(r.reconstruct(X), out * r.scale_ + r.center_, rtol=1e-5, atol=1e-5)


def test_auto_scaling_picks_global_for_unit_interval_data():
    X = np.random.default_rng(0).random((50, 4))
    r = _fast(max_epochs=1).fit(X)
    assert np.all(r.scale_ == r.scale_[0])


def test_constant_feature_does_not_divide_by_zero():
    X = _manifold(60)
    X[:, 2] = 3.0
    r = _fast(scaling="standard", max_epochs=2).fit(X)
    assert r.scale_[2] == 1.0
    assert np.isfinite(r.transform(X)).all()


# --------------------------------------------------------------------------------------------
# scikit-learn tooling
# --------------------------------------------------------------------------------------------


def test_in_a_pipeline():
    X = _manifold(200)
    y = (X[:, 0] > np.median(X[:, 0])).astype(int)
    pipe = make_pipeline(StandardScaler(), _fast(max_epochs=5), LogisticRegression())
    pipe.fit(X, y)
    pred = pipe.predict(X)
    assert pred.shape == (200,)
    assert set(np.unique(pred)) <= {0, 1}
    assert pipe.score(X, y) > 0.8  # the 2-D code keeps what the label depends on
    assert pipe[:-1].transform(X).shape == (200, 2)


def test_in_grid_search():
    X = _manifold(120)
    search = GridSearchCV(_fast(max_epochs=2), {"n_components": [1, 2]}, cv=2)
    search.fit(X)
    assert search.best_params_["n_components"] in (1, 2)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and np.all(scores <= 0)  # negative reconstruction error
    assert search.best_estimator_.transform(X).shape[1] == search.best_params_["n_components"]


def test_set_output_pandas():
    pd = pytest.importorskip("pandas")
    X = _manifold(50)
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)], index=np.arange(100, 150))
    r = _fast(n_components=3, max_epochs=1).set_output(transform="pandas")
    out = r.fit_transform(df)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["autoencoderreducer0", "autoencoderreducer1", "autoencoderreducer2"]
    assert list(out.index) == list(range(100, 150))
    np.testing.assert_array_equal(r.feature_names_in_, df.columns)
    np.testing.assert_allclose(out.to_numpy(), r.set_output(transform="default").transform(df))
    # the pandas output decodes back
    assert r.inverse_transform(out).shape == (50, 6)


def test_score_samples_flags_an_obvious_outlier():
    X = _manifold(300)
    r = _fast(max_epochs=8).fit(X)
    outlier = X[:1] + 20 * X.std(axis=0)
    s_in = r.score_samples(X)
    s_out = r.score_samples(outlier)
    assert s_in.shape == (300,)
    assert s_out[0] < s_in.min()
    np.testing.assert_allclose(r.reconstruction_error(X), -s_in)
    assert r.score(X) == pytest.approx(float(np.mean(s_in)))


def test_resume_from_a_checkpoint_through_fit(tmp_path):
    X = _manifold(100)
    ckpt = str(tmp_path / "reducer.ckpt")
    first = _fast(max_epochs=3, checkpoint=ckpt).fit(X)
    # The same settings resumed from a finished run train nothing and end with the same model.
    again = clone(first).fit(X, resume=True)
    np.testing.assert_array_equal(again.transform(X), first.transform(X))
    assert again.history_.history == first.history_.history
    with pytest.raises(ValueError, match="checkpoint"):
        _fast().fit(X, resume=True)


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted():
    return _fast(max_epochs=1).fit(_manifold(40, 3))


def _bad_inputs():
    good = _manifold(10, 3)
    nan, inf = good.copy(), good.copy()
    nan[2, 1] = np.nan
    inf[3, 0] = np.inf
    return [
        (nan, "1 NaN and 0 infinite values"),
        (inf, "0 NaN and 1 infinite values"),
        (np.zeros((0, 3)), "0 sample"),
        (good[:, :2], "2 features, but AutoencoderReducer is expecting 3"),
        (good[0], "Expected 2D array"),
        (np.array([["a", "b", "c"]] * 4), "not numbers"),
    ]


@pytest.mark.parametrize("X, match", _bad_inputs(), ids=["nan", "inf", "empty", "n_features", "1d", "strings"])
@pytest.mark.parametrize("method", ["transform", "reconstruct", "score_samples"])
def test_bad_input_at_transform_time(fitted, method, X, match):
    with pytest.raises(ValueError, match=match):
        getattr(fitted, method)(X)


@pytest.mark.parametrize(
    "X, match",
    [(X, m) for X, m in _bad_inputs() if "features" not in m] + [(np.zeros((1, 3)), "minimum of 2")],
    ids=["nan", "inf", "empty", "1d", "strings", "one-row"],
)
def test_bad_input_at_fit_time(X, match):
    with pytest.raises(ValueError, match=match):
        _fast(max_epochs=1).fit(X)


def test_inverse_transform_checks_its_input(fitted):
    with pytest.raises(ValueError, match="expects 2 columns"):
        fitted.inverse_transform(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="NaN"):
        fitted.inverse_transform(np.full((4, 2), np.nan))


def test_unfitted_model_raises_not_fitted():
    r = _fast()
    for method in ("transform", "inverse_transform", "reconstruct", "score_samples"):
        with pytest.raises(NotFittedError):
            getattr(r, method)(np.zeros((3, 2)))


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(n_components=0), "n_components"),
        (dict(n_components=1.5), "n_components"),
        (dict(hidden_layer_sizes=(8, 0)), "hidden_layer_sizes"),
        (dict(hidden_layer_sizes=("8",)), "hidden_layer_sizes"),
        (dict(scaling="robust"), "scaling"),
        (dict(activation="swish"), "activation"),
        (dict(learning_rate=-1.0), "learning_rate"),
        (dict(max_epochs=0), "max_epochs"),
        (dict(precision="fp16"), "precision"),
    ],
)
def test_bad_parameters_raise_at_fit(params, match):
    with pytest.raises(ValueError, match=match):
        _fast(**params).fit(_manifold(20, 3))


def test_integer_hidden_layer_size_is_accepted():
    r = _fast(hidden_layer_sizes=5, max_epochs=1, pca_components=None).fit(_manifold(20, 3))
    assert r.model_.encoder.config["sizes"] == [3, 5, 2]
    r = _fast(hidden_layer_sizes=5, max_epochs=1).fit(_manifold(20, 3))  # in the PCA front end
    assert r.model_.net.encoder.config["sizes"] == [r.n_basis_, 5, 2]


# --------------------------------------------------------------------------------------------
# Quality
# --------------------------------------------------------------------------------------------


def test_beats_pca_reconstruction_on_digits():
    X = load_digits().data / 16.0  # all 1797 samples
    pca = PCA(n_components=2).fit(X)
    mse_pca = np.mean((pca.inverse_transform(pca.transform(X)) - X) ** 2)
    # large batches: few optimizer steps keep this quick even on a busy CPU
    ae = AutoencoderReducer(n_components=2, hidden_layer_sizes=(128, 64), max_epochs=12,
                            learning_rate=2e-2, batch_size=512, layout_epochs=100, random_state=0).fit(X)
    mse_ae = np.mean((ae.inverse_transform(ae.transform(X)) - X) ** 2)
    assert mse_ae < mse_pca


# --------------------------------------------------------------------------------------------
# The PCA front end and the schedule
# --------------------------------------------------------------------------------------------


def test_front_end_is_chosen_by_the_rule_and_can_be_turned_off():
    from aekit.blocks import Autoencoder, PCAFrontEnd, choose_n_basis, fit_pca_basis

    X = load_digits().data[:600] / 16.0
    r = AutoencoderReducer(n_components=8, hidden_layer_sizes=(32,), max_epochs=1, random_state=0).fit(X)
    assert isinstance(r.model_, PCAFrontEnd) and r.model_.pca_start
    _, _, var, total = fit_pca_basis(r._scale(X), 0)
    assert abs(r.n_basis_ - choose_n_basis(var, 8, total)) <= 1  # the rule (the seed draws the sample)
    assert 8 <= r.n_basis_ < 64
    fixed = AutoencoderReducer(n_components=8, hidden_layer_sizes=(32,), max_epochs=1, pca_components=500,
                               random_state=0).fit(X)
    assert fixed.n_basis_ == 64  # at most n_features
    off = AutoencoderReducer(n_components=8, hidden_layer_sizes=(32,), max_epochs=1, pca_components=None,
                             random_state=0).fit(X)
    assert type(off.model_) is Autoencoder and off.n_basis_ is None


def test_front_end_starts_at_pca_and_trains_below_it():
    X = load_digits().data / 16.0
    pca = PCA(n_components=4).fit(X)
    mse_pca = np.mean((pca.inverse_transform(pca.transform(X)) - X) ** 2)
    untrained = AutoencoderReducer(n_components=4, hidden_layer_sizes=(64,), max_epochs=1, learning_rate=1e-9,
                                   random_state=0).fit(X)
    assert np.mean((untrained.reconstruct(X) - X) ** 2) == pytest.approx(mse_pca, rel=0.02)
    trained = AutoencoderReducer(n_components=4, hidden_layer_sizes=(64,), max_epochs=8, random_state=0).fit(X)
    assert np.mean((trained.reconstruct(X) - X) ** 2) < 0.9 * mse_pca  # measured: 0.82


def test_the_structure_term_does_not_start_at_pca():
    r = _fast(max_epochs=1).fit(_manifold(100))
    assert r.structure_weight_ > 0 and not r.model_.pca_start


def test_fit_on_a_time_budget_ends_on_time_and_says_so():
    r = _fast(max_epochs=10**6, max_time=1.0, structure_weight=0, early_stopping=False).fit(_manifold(400))
    assert r.history_.stopped_on_time and 1 <= r.n_iter_ < 10**6
    assert set(r.timings_) == {"scaling", "basis", "network"}
    assert r.timings_["network"] < 30  # ended near its budget, not after a million epochs


def test_front_end_model_saves_and_loads_to_the_same_outputs(tmp_path):
    import aekit

    X = load_digits().data[:300] / 16.0
    r = AutoencoderReducer(n_components=3, hidden_layer_sizes=(16,), max_epochs=2, structure_weight=0,
                           random_state=0).fit(X)
    r.save(tmp_path / "m")
    back = aekit.load(tmp_path / "m")
    assert back.n_basis_ == r.n_basis_
    np.testing.assert_array_equal(back.transform(X), r.transform(X))
    np.testing.assert_array_equal(back.reconstruct(X), r.reconstruct(X))


def test_auto_network_is_deep_for_maps_and_two_layers_without_the_structure_term():
    from aekit.reduce import PLAIN_EPOCHS, PLAIN_HIDDEN, STRUCTURE_EPOCHS, STRUCTURE_HIDDEN

    kw = dict(batch_size=64, layout_epochs=5, early_stopping=False, random_state=0)
    X = _manifold(60)
    mapped = AutoencoderReducer(2, **kw).fit(X)  # structure term on: the deep encoder, fewer epochs
    assert mapped.model_.net.encoder.config["sizes"] == [mapped.n_basis_, *STRUCTURE_HIDDEN, 2]
    assert mapped.n_iter_ == STRUCTURE_EPOCHS
    plain = AutoencoderReducer(2, structure_weight=0, **kw).fit(X)
    assert plain.model_.net.encoder.config["sizes"] == [plain.n_basis_, *PLAIN_HIDDEN, 2]
    assert plain.n_iter_ == PLAIN_EPOCHS
    # data on disk is fitted without the structure term, so it gets the plain network
    assert AutoencoderReducer(2, **kw)._hidden(0.0) == PLAIN_HIDDEN


# --------------------------------------------------------------------------------------------
# Images: the structure term also learns from rows moved by a pixel
# --------------------------------------------------------------------------------------------


def test_shift_moves_each_image_by_at_most_a_pixel_and_repeats_its_edge():
    from aekit.reduce import _shift_images

    torch.manual_seed(0)
    img = torch.zeros(5, 5)
    img[2, 2] = 1.0  # one bright pixel in the middle
    img[:, 0] = 0.5  # and a grey left column, which a move to the right repeats
    x = img.flatten().repeat(400, 1)
    moved = _shift_images(x, (5, 5), 1).view(400, 5, 5)
    assert moved.shape == (400, 5, 5)
    offsets = set()
    for m in moved:
        (r, c), = torch.nonzero(m == 1.0).tolist()  # the pixel survives, whole, once
        assert abs(r - 2) <= 1 and abs(c - 2) <= 1
        offsets.add((r - 2, c - 2))
        assert torch.all(m[:, 0] == 0.5) or c == 1  # the grey edge stays, unless it moved left
    assert len(offsets) == 9  # every move of up to a pixel, the identity included


def test_shift_moves_the_channels_of_a_colour_image_together():
    from aekit.reduce import _shift_images

    torch.manual_seed(1)
    rgb = torch.rand(64, 6, 7, 3)
    moved = _shift_images(rgb.reshape(64, -1), (6, 7, 3), 1).view(64, 6, 7, 3)
    for a, b in zip(rgb, moved):
        # some move of up to a pixel maps the interior of one onto the other, in all channels at once
        assert any(torch.equal(b[1:5, 1:6], a[1 + dy:5 + dy, 1 + dx:6 + dx])
                   for dy in (-1, 0, 1) for dx in (-1, 0, 1))


def _small_images(n=300, seed=0):
    """Bars of two orientations on an 8 x 8 grid, at random places: rows of flattened images."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n, 8, 8), dtype=np.float32)
    y = rng.integers(0, 2, n)
    for i, (k, at) in enumerate(zip(y, rng.integers(1, 7, n))):
        if k:
            X[i, at, 1:7] = 1.0
        else:
            X[i, 1:7, at] = 1.0
    return X.reshape(n, 64) + 0.05 * rng.random((n, 64), dtype=np.float32), y


def test_image_shape_trains_on_moved_copies_reproducibly_and_saves(tmp_path):
    X, _ = _small_images()
    a = _fast(image_shape=(8, 8), encoder="dense").fit(X)
    b = _fast(image_shape=(8, 8), encoder="dense").fit(X)
    plain = _fast().fit(X)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))  # seeded: the same moves
    assert not np.allclose(a.transform(X), plain.transform(X))  # the moves changed the training
    assert a.history_.history["loss"][-1] < a.history_.history["loss"][0]
    a.save(tmp_path / "m")
    from aekit import load

    back = load(tmp_path / "m")
    assert back.image_shape == (8, 8)
    np.testing.assert_allclose(back.transform(X), a.transform(X), rtol=1e-5, atol=1e-5)


def test_image_shape_without_a_front_end_and_in_colour():
    X, _ = _small_images(120)
    rgb = np.repeat(X.reshape(120, 8, 8, 1), 3, axis=3).reshape(120, -1)
    r = _fast(image_shape=(8, 8, 3), pca_components=None, encoder="dense").fit(rgb)
    assert r.transform(rgb).shape == (120, 2) and np.isfinite(r.transform(rgb)).all()


def test_auto_encoder_is_convolutional_for_maps_of_images_only():
    from aekit.blocks import ImageEncoder

    X, _ = _small_images(60)
    assert isinstance(_fast(image_shape=(8, 8)).fit(X).model_.net.encoder, ImageEncoder)
    assert not isinstance(_fast().fit(X).model_.net.encoder, ImageEncoder)
    # the plain autoencoder (no structure term: a reconstruction) keeps the dense encoder
    plain = _fast(image_shape=(8, 8), structure_weight=0.0).fit(X)
    assert not isinstance(plain.model_.net.encoder, ImageEncoder) and plain.n_iter_ == 3


def test_conv_encoder_reads_the_rows_as_images_trains_and_saves(tmp_path):
    from aekit import load
    from aekit.blocks import ImageEncoder, PCAFrontEnd

    X, _ = _small_images()
    a = _fast(image_shape=(8, 8), encoder="conv").fit(X)
    assert isinstance(a.model_, PCAFrontEnd) and a.model_.reads_pixels
    assert isinstance(a.model_.net.encoder, ImageEncoder)
    assert a.history_.history["loss"][-1] < a.history_.history["loss"][0]
    b = _fast(image_shape=(8, 8), encoder="conv").fit(X)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))  # seeded
    Z = a.transform(X)
    assert Z.shape == (len(X), 2) and a.inverse_transform(Z).shape == X.shape
    a.save(tmp_path / "m")
    back = load(tmp_path / "m")
    assert back.encoder == "conv" and back.model_.reads_pixels
    np.testing.assert_allclose(back.transform(X), Z, rtol=1e-5, atol=1e-5)
    # the encoder sees the image, not the flat row: moving every image by a pixel moves its code
    # less than shuffling its pixels does
    moved = np.roll(X.reshape(-1, 8, 8), 1, axis=2).reshape(len(X), 64)
    shuffled = X[:, np.random.default_rng(0).permutation(64)]
    assert np.abs(a.transform(moved) - Z).mean() < np.abs(a.transform(shuffled) - Z).mean()


def test_conv_encoder_without_the_structure_term_in_colour_and_without_a_front_end():
    X, _ = _small_images(120)
    rgb = np.repeat(X.reshape(120, 8, 8, 1), 3, axis=3).reshape(120, -1)
    for kw in ({"structure_weight": 0.0}, {"pca_components": None}):
        r = _fast(image_shape=(8, 8, 3), encoder="conv", **kw).fit(rgb)
        assert r.transform(rgb).shape == (120, 2)
        assert r.history_.history["loss"][-1] < r.history_.history["loss"][0]


def test_files_written_before_the_encoder_parameter_load_with_the_dense_one(tmp_path):
    import json

    from aekit import load

    X, _ = _small_images(60)
    r = _fast(image_shape=(8, 8), encoder="dense").fit(X)
    r.save(tmp_path / "m")
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    params = cfg["params"]
    del params["encoder"]
    (tmp_path / "m" / "config.json").write_text(json.dumps(cfg))
    back = load(tmp_path / "m")
    assert back.encoder == "dense"  # what such a file holds, though "auto" now means conv for images
    np.testing.assert_allclose(back.transform(X), r.transform(X), rtol=1e-5, atol=1e-5)


def test_conv_encoder_without_an_image_shape_is_refused():
    X, _ = _small_images(50)
    with pytest.raises(ValueError, match=r"encoder='conv' reads each row as an image: pass image_shape"):
        _fast(encoder="conv").fit(X)
    with pytest.raises(ValueError, match="encoder"):
        _fast(encoder="lstm").fit(X)


def test_image_shape_that_does_not_match_the_features_is_refused():
    X, _ = _small_images(50)
    with pytest.raises(ValueError, match=r"image_shape=\(28, 28\) holds 784 pixels, but X has 64 features"):
        _fast(image_shape=(28, 28)).fit(X)
    with pytest.raises(ValueError, match="image_shape"):
        _fast(image_shape=(8,)).fit(X)  # one number is not an image's shape

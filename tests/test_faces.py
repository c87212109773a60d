"""The procedural face renderer: shapes, determinism, attribute edits confined to their regions,
visible attributes, and input validation."""

import numpy as np
import pytest

from aekit.faces import (
    ATTRIBUTES,
    Faces,
    _canonical_grid,
    _layout,
    make_faces,
    render_faces,
    sample_identities,
)

TOL = 1.5 / 255  # a pixel "changed" when a channel moves by more than this


@pytest.fixture(scope="module")
def small():
    return make_faces(16, random_state=0)


@pytest.fixture(scope="module")
def many():
    return make_faces(800, random_state=1)


def changed(a, b):
    return np.abs(a - b).max(-1) > TOL


def toggled(faces, name):
    off = faces.render(**{name: 0})
    on = faces.render(**{name: 1})
    return off, on, changed(off, on)


def test_shapes_dtype_range(small):
    assert isinstance(small, Faces)
    assert len(small) == 16
    assert small.images.shape == (16, 64, 64, 3)
    assert small.images.dtype == np.float32
    assert small.images.min() >= 0.0 and small.images.max() <= 1.0
    assert list(small.attributes) == list(ATTRIBUTES)
    for v in small.attributes.values():
        assert v.dtype == np.int64 and v.shape == (16,) and set(np.unique(v)) <= {0, 1}
    for k, v in small.identities.items():
        assert v.shape[0] == 16, k


def test_determinism(small):
    again = make_faces(16, random_state=0)
    np.testing.assert_array_equal(small.images, again.images)
    other = make_faces(16, random_state=1)
    assert not np.array_equal(small.images, other.images)
    gen = make_faces(3, random_state=np.random.default_rng(5))
    assert np.array_equal(gen.images, make_faces(3, random_state=np.random.default_rng(5)).images)
    legacy = make_faces(3, random_state=np.random.RandomState(5))
    assert legacy.images.shape == (3, 64, 64, 3)


def test_render_reproduces_images(small):
    np.testing.assert_array_equal(small.render(), small.images)
    np.testing.assert_array_equal(small.render(small.attributes), small.images)
    np.testing.assert_array_equal(render_faces(small.identities, small.attributes), small.images)


def test_render_overrides(small):
    a = small.render({"glasses": np.ones(16)}, glasses=0)
    b = render_faces(small.identities, {**small.attributes, "glasses": np.zeros(16, int)})
    np.testing.assert_array_equal(a, b)
    # bool arrays and missing names (= 0) are accepted
    c = render_faces(small.identities, {"beard": np.ones(16, bool)})
    d = render_faces(small.identities, {n: (n == "beard") * np.ones(16) for n in ATTRIBUTES})
    np.testing.assert_array_equal(c, d)


def canonical(faces):
    grid = _canonical_grid(faces.identities, faces.size)
    lay = _layout(faces.identities)
    col = {k: v[:, None, None] for k, v in lay.items()}
    return grid[..., 0], grid[..., 1], col


def test_glasses_confined_and_visible(small):
    x, y, L = canonical(small)
    _, _, ch = toggled(small, "glasses")
    region = (np.abs(y - L["ey"]) <= 0.14) & (np.abs(x - L["cx"]) <= L["fw"] + 0.03)
    assert not (ch & ~region).any()
    assert (ch.mean((1, 2)) > 0.015).all()


def test_beard_confined_and_visible(small):
    x, y, L = canonical(small)
    _, _, ch = toggled(small, "beard")
    region = ((y >= L["ey"] - 0.04) & (y <= L["cy"] + 1.1 * L["fh"] + 0.03)
              & (np.abs(x - L["cx"]) <= 1.05 * L["fw"] + 0.03))
    assert not (ch & ~region).any()
    assert (ch.mean((1, 2)) > 0.005).all()


def test_beard_keeps_mouth_visible(small):
    ids = small.identities
    for smiling in (0, 1):
        base = {"smiling": np.full(16, smiling)}
        off = render_faces(ids, {**base, "beard": np.zeros(16)})
        on = render_faces(ids, {**base, "beard": np.ones(16)})
        x, y, L = canonical(small)
        mouth = (np.abs(x - L["cx"]) <= 0.6 * L["sw"]) & (np.abs(y - L["my"]) <= 0.008)
        assert not (changed(off, on) & mouth).any()


def test_smiling_confined_and_visible(small):
    x, y, L = canonical(small)
    _, _, ch = toggled(small, "smiling")
    d = small.identities["smile_depth"][:, None, None]
    region = ((np.abs(x - L["cx"]) <= L["sw"] + 0.045) & (y >= L["my"] - 0.07)
              & (y <= L["my"] + d + 0.05))
    assert not (ch & ~region).any()
    assert (ch.mean((1, 2)) > 0.005).all()


def test_blond_changes_only_hair(small):
    off, on, ch = toggled(small, "blond")
    # hair pixels: those that change when this identity's dark hair colour changes
    ids = dict(small.identities)
    ids["hair_color"] = 1.0 - ids["hair_color"]
    other = render_faces(ids, {**small.attributes, "blond": np.zeros(16)})
    hair = changed(off, other)
    assert not (ch & ~hair).any()
    assert (ch.mean((1, 2)) > 0.02).all()
    # blond hair is brighter and yellower (red + green - 2 blue) than the dark colours
    lum_on, lum_off = on[ch].mean(), off[ch].mean()
    assert lum_on > lum_off + 0.25
    yellow = lambda im: (im[..., 0] + im[..., 1] - 2 * im[..., 2])[ch].mean()  # noqa: E731
    assert yellow(on) > yellow(off) + 0.2


def test_beard_colour_does_not_follow_blond(small):
    ids = small.identities
    a = render_faces(ids, {"beard": np.ones(16), "blond": np.zeros(16)})
    b = render_faces(ids, {"beard": np.ones(16), "blond": np.ones(16)})
    c = render_faces(ids, {"beard": np.zeros(16), "blond": np.zeros(16)})
    beard = changed(a, c) & ~changed(a, b)
    assert beard.sum() > 16 * 20  # the beard is still there, unchanged, under blond hair


def test_balance_and_probability(many):
    for name in ATTRIBUTES:
        assert 0.42 < many.attributes[name].mean() < 0.58, name
    f = make_faces(40, random_state=0, attribute_probability={"glasses": 1.0, "beard": 0.0})
    assert f.attributes["glasses"].all() and not f.attributes["beard"].any()
    f = make_faces(20, random_state=0, attribute_probability=0.0)
    assert all(not v.any() for v in f.attributes.values())


def _features(images):
    """Pixels and gradient magnitudes, average-pooled 4x4: a trivial hand-made feature set."""
    n, h, w, c = images.shape
    gx = np.abs(np.diff(images, axis=2, append=images[:, :, -1:]))
    gy = np.abs(np.diff(images, axis=1, append=images[:, -1:]))

    def pool(x):
        return x.reshape(n, h // 4, 4, w // 4, 4, c).mean((2, 4)).reshape(n, -1)

    return np.hstack([pool(images), pool(images**2), pool(gx + gy)])


def test_attributes_learnable_by_a_linear_model(many):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = _features(many.images)
    for name in ATTRIBUTES:
        y = many.attributes[name]
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=1000))
        clf.fit(X[:600], y[:600])
        assert clf.score(X[600:], y[600:]) > 0.85, name


@pytest.mark.parametrize("size", [16, 32, 96])
def test_other_sizes(size):
    f = make_faces(3, size=size, random_state=2)
    assert f.images.shape == (3, size, size, 3)
    assert f.images.std() > 0.05
    assert f.render(glasses=1).shape == (3, size, size, 3)


def test_sample_identities():
    ids = sample_identities(7, random_state=3)
    assert all(v.shape[0] == 7 for v in ids.values())
    for k in ("hair_style", "glasses_shape", "beard_shape", "smile_style"):
        assert ids[k].dtype == np.int64
    big = sample_identities(500, random_state=0)
    assert len(np.unique(big["hair_style"])) == 5
    assert len(np.unique(big["glasses_shape"])) == 4
    assert len(np.unique(big["beard_shape"])) == 4
    assert np.abs(big["rotation"]).max() <= 8.0
    # colours are continuous, not a fixed palette
    assert len(np.unique(big["hair_color"][:, 0])) == 500
    assert (big["blond_color"].mean(1) > big["hair_color"].mean(1) + 0.3).all()


def test_bad_inputs(small):
    ids = small.identities
    with pytest.raises(ValueError, match="n must be >= 1"):
        make_faces(0)
    with pytest.raises(ValueError, match="n must be"):
        sample_identities(2.5)
    with pytest.raises(ValueError, match="size must be >= 16"):
        make_faces(2, size=8)
    with pytest.raises(ValueError, match="size must be"):
        render_faces(ids, {}, size=32.0)
    with pytest.raises(ValueError, match=r"unknown attribute.*'hat'.*glasses"):
        render_faces(ids, {"hat": np.ones(16)})
    with pytest.raises(ValueError, match="unknown attribute.*'hat'"):
        small.render(hat=1)
    with pytest.raises(ValueError, match="'beard'.*16 values"):
        render_faces(ids, {"beard": np.ones(5)})
    with pytest.raises(ValueError, match="'smiling'.*0/1"):
        render_faces(ids, {"smiling": np.full(16, 2)})
    with pytest.raises(ValueError, match="attribute_probability for 'glasses'"):
        make_faces(2, attribute_probability=1.5)
    with pytest.raises(ValueError, match="unknown attribute.*'hat'"):
        make_faces(2, attribute_probability={"hat": 0.5})
    with pytest.raises(ValueError, match="identities lacks"):
        render_faces({"face_width": np.ones(3)}, {})
    with pytest.raises(ValueError, match="random_state"):
        make_faces(2, random_state="seed")

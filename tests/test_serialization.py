"""Model files: safetensors + JSON round trips, every way a model folder can be broken, never
unpickling, and atomic writes."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file
from sklearn.exceptions import NotFittedError

import aekit
from aekit import AutoencoderReducer
from aekit.errors import ModelFileError
from aekit.serialization import (
    CONFIG_FILE,
    FORMAT_VERSION,
    WEIGHTS_FILE,
    atomic_path,
    write_json,
    write_model_dir,
)


def _X(n=80, d=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) * np.arange(1, d + 1)


def _reducer(**kw):
    params = dict(n_components=2, hidden_layer_sizes=(8,), max_epochs=2, batch_size=32,
                  random_state=0)
    params.update(kw)
    return AutoencoderReducer(**params)


@pytest.fixture(scope="module")
def fitted():
    X = _X()
    return _reducer(dropout=0.1, batch_norm=True).fit(X), X


@pytest.fixture(scope="module")
def saved_dir(fitted, tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "model"
    fitted[0].save(path)
    return path


@pytest.fixture
def model_copy(saved_dir, tmp_path):
    """A fresh copy of a valid model folder, to break in some way."""
    dst = tmp_path / "model"
    shutil.copytree(saved_dir, dst)
    return dst


# --------------------------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------------------------


def test_save_then_load_gives_identical_outputs(fitted, tmp_path):
    model, X = fitted
    path = model.save(tmp_path / "m")
    assert Path(path) == tmp_path / "m"
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [CONFIG_FILE, WEIGHTS_FILE]
    loaded = aekit.load(tmp_path / "m")
    assert type(loaded) is AutoencoderReducer
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))
    Z = model.transform(X)
    np.testing.assert_array_equal(loaded.inverse_transform(Z), model.inverse_transform(Z))
    np.testing.assert_array_equal(loaded.score_samples(X), model.score_samples(X))
    np.testing.assert_array_equal(loaded.center_, model.center_)
    np.testing.assert_array_equal(loaded.scale_, model.scale_)
    assert loaded.n_features_in_ == 5
    assert loaded.n_iter_ == model.n_iter_
    assert loaded.history_.history == model.history_.history
    assert not loaded.model_.training
    assert not hasattr(loaded, "feature_names_in_")


def test_config_json_is_plain_readable_json(saved_dir):
    config = json.loads((saved_dir / CONFIG_FILE).read_text())
    assert config["format"] == "aekit"
    assert config["format_version"] == FORMAT_VERSION
    assert config["class"] == "AutoencoderReducer"
    assert config["aekit_version"] == aekit.__version__
    assert config["params"]["hidden_layer_sizes"] == [8]
    tensors = load_file(str(saved_dir / WEIGHTS_FILE))
    assert {"center", "scale"} <= set(tensors)
    assert any(k.startswith("model.net.encoder.") for k in tensors)  # the network in its PCA front end
    assert {"model.axes", "model.mean"} <= set(tensors)  # the front end's basis lives in the weights file


def test_module_level_save_function(fitted, tmp_path):
    model, X = fitted
    aekit.save(model, tmp_path / "m")
    np.testing.assert_array_equal(aekit.load(str(tmp_path / "m")).transform(X), model.transform(X))


def test_dataframe_input_keeps_feature_names(tmp_path):
    pd = pytest.importorskip("pandas")
    X = _X(60, 4)
    df = pd.DataFrame(X, columns=["height", "width", "depth", "mass"])
    model = _reducer().fit(df)
    model.save(tmp_path / "m")
    loaded = aekit.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.feature_names_in_, ["height", "width", "depth", "mass"])
    np.testing.assert_array_equal(loaded.transform(df), model.transform(df))
    # the names are enforced, as for the original model
    renamed = df.rename(columns={"mass": "weight"})
    with pytest.raises(ValueError, match="feature names"):
        loaded.transform(renamed)


def test_saving_again_overwrites_the_folder(fitted, tmp_path):
    model, X = fitted
    model.save(tmp_path / "m")
    other = _reducer(n_components=3, random_state=1).fit(X)
    other.save(tmp_path / "m")
    loaded = aekit.load(tmp_path / "m")
    assert loaded.n_components == 3
    np.testing.assert_array_equal(loaded.transform(X), other.transform(X))
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [CONFIG_FILE, WEIGHTS_FILE]


def test_save_refuses_unfitted_and_foreign_models(tmp_path):
    with pytest.raises(NotFittedError):
        _reducer().save(tmp_path / "m")
    with pytest.raises(TypeError, match="not an aekit model"):
        aekit.save(object(), tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_save_onto_an_existing_file_is_refused(fitted, tmp_path):
    target = tmp_path / "m"
    target.write_text("precious")
    with pytest.raises(FileExistsError, match="not a folder"):
        fitted[0].save(target)
    assert target.read_text() == "precious"


# --------------------------------------------------------------------------------------------
# Broken model folders
# --------------------------------------------------------------------------------------------


def test_missing_path_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        aekit.load(tmp_path / "nowhere")
    assert not isinstance(info.value, ModelFileError)
    assert "nowhere" in str(info.value)
    assert CONFIG_FILE in str(info.value)


@pytest.mark.parametrize("missing", [CONFIG_FILE, WEIGHTS_FILE])
def test_folder_with_a_missing_file(model_copy, missing):
    (model_copy / missing).unlink()
    with pytest.raises(ModelFileError, match=f"{missing} is missing"):
        aekit.load(model_copy)


def test_empty_folder(tmp_path):
    with pytest.raises(ModelFileError, match="not an aekit model folder"):
        aekit.load(tmp_path)


def _edit_config(folder: Path, edit) -> None:
    path = folder / CONFIG_FILE
    config = json.loads(path.read_text())
    edit(config)
    path.write_text(json.dumps(config))


def test_invalid_json_config(model_copy):
    (model_copy / CONFIG_FILE).write_text('{"format": "aekit", ')
    with pytest.raises(ModelFileError, match="not valid JSON"):
        aekit.load(model_copy)


def test_binary_config(model_copy):
    (model_copy / CONFIG_FILE).write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        aekit.load(model_copy)


@pytest.mark.parametrize("content", ['["a", "list"]', '{"format": "other"}', "{}"])
def test_config_that_is_not_an_aekit_config(model_copy, content):
    (model_copy / CONFIG_FILE).write_text(content)
    with pytest.raises(ModelFileError, match="not an aekit model config"):
        aekit.load(model_copy)


def test_config_with_unknown_fields(model_copy):
    _edit_config(model_copy, lambda c: c.update(code="__import__('os').system('true')"))
    with pytest.raises(ModelFileError) as info:
        aekit.load(model_copy)
    assert "unknown fields ['code']" in str(info.value)


def test_newer_format_version(model_copy):
    def edit(c):
        c["format_version"] = FORMAT_VERSION + 1
        c["aekit_version"] = "99.0"

    _edit_config(model_copy, edit)
    with pytest.raises(ModelFileError) as info:
        aekit.load(model_copy)
    msg = str(info.value)
    assert f"model format {FORMAT_VERSION + 1}" in msg
    assert "99.0" in msg
    assert "pip install -U aekit" in msg


@pytest.mark.parametrize("version", [0, "1", None, 1.5])
def test_invalid_format_version(model_copy, version):
    _edit_config(model_copy, lambda c: c.update(format_version=version))
    with pytest.raises(ModelFileError, match="invalid format_version"):
        aekit.load(model_copy)


@pytest.mark.parametrize("name", ["os.system", "PCA", "Autoencoder", None])
def test_unknown_class_name(model_copy, name):
    _edit_config(model_copy, lambda c: c.update({"class": name}))
    with pytest.raises(ModelFileError) as info:
        aekit.load(model_copy)
    msg = str(info.value)
    assert f"names class {name!r}" in msg
    assert "AutoencoderReducer" in msg  # the known classes are listed


@pytest.mark.parametrize(
    "edit",
    [
        lambda c: c["params"].update(evil_param=1),
        lambda c: c["state"].pop("network"),
        lambda c: c["state"]["network"]["config"]["net"]["config"]["encoder"].update(type="os.system"),
        lambda c: c["state"].update(n_features_in_=7),
        lambda c: c.update(params=[]),
        lambda c: c.update(state="not a dict"),
    ],
    ids=["unknown-param", "no-architecture", "unknown-block", "wrong-n-features", "params-list",
         "state-string"],
)
def test_config_that_does_not_match_the_class(model_copy, edit):
    _edit_config(model_copy, edit)
    with pytest.raises(ModelFileError, match="does not match a AutoencoderReducer|network that cannot be built"):
        aekit.load(model_copy)


@pytest.mark.parametrize("how", ["garbage", "truncated", "empty"])
def test_corrupt_safetensors(model_copy, how):
    w = model_copy / WEIGHTS_FILE
    data = w.read_bytes()
    w.write_bytes({"garbage": b"\x13\x37" * 100, "truncated": data[: len(data) // 2], "empty": b""}[how])
    with pytest.raises(ModelFileError) as info:
        aekit.load(model_copy)
    assert "not a valid safetensors file" in str(info.value)


def test_weights_missing_an_entry(model_copy):
    w = model_copy / WEIGHTS_FILE
    tensors = load_file(str(w))
    del tensors["center"]
    save_file(tensors, str(w))
    with pytest.raises(ModelFileError, match="does not match a AutoencoderReducer|network that cannot be built"):
        aekit.load(model_copy)


def test_weights_with_a_wrong_shape(model_copy):
    w = model_copy / WEIGHTS_FILE
    tensors = load_file(str(w))
    key = next(k for k in tensors if k.startswith("model.") and k.endswith(".weight"))
    tensors[key] = torch.zeros(tensors[key].shape[0] + 1, tensors[key].shape[1])
    save_file(tensors, str(w))
    with pytest.raises(ModelFileError, match="does not match"):
        aekit.load(model_copy)


def test_scaling_vectors_of_the_wrong_length(model_copy):
    w = model_copy / WEIGHTS_FILE
    tensors = load_file(str(w))
    tensors["center"] = torch.zeros(3)
    tensors["scale"] = torch.ones(3)
    save_file(tensors, str(w))
    with pytest.raises(ModelFileError, match="does not match"):
        aekit.load(model_copy)


def test_pickle_file_given_as_model_path(tmp_path):
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    with pytest.raises(ModelFileError) as info:
        aekit.load(path)
    msg = str(info.value)
    assert "is a file" in msg
    assert "pickle" in msg


def test_torch_save_file_given_as_model_path(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"w": torch.zeros(2)}, path)
    with pytest.raises(ModelFileError, match="torch.save"):
        aekit.load(path)


class _Payload:
    """Unpickling this object creates ``marker`` (as a malicious pickle would run any code)."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_malicious_pickle_is_never_executed(model_copy, tmp_path):
    # The payload works: unpickling it does run code ...
    probe = tmp_path / "probe"
    pickle.loads(pickle.dumps(_Payload(probe))).close()
    assert probe.exists()

    # ... but aekit never unpickles it, whether it is the weights file or the path given.
    marker = tmp_path / "pwned"
    evil = pickle.dumps(_Payload(marker))
    (model_copy / WEIGHTS_FILE).write_bytes(evil)
    with pytest.raises(ModelFileError, match="pickle"):
        aekit.load(model_copy)
    as_file = tmp_path / "evil.pkl"
    as_file.write_bytes(evil)
    with pytest.raises(ModelFileError, match="pickle"):
        aekit.load(as_file)
    # a torch.save file carrying the payload is refused too
    as_torch = tmp_path / "evil.pt"
    torch.save({"x": _Payload(marker)}, as_torch)
    with pytest.raises(ModelFileError, match="torch.save"):
        aekit.load(as_torch)
    (model_copy / WEIGHTS_FILE).write_bytes(as_torch.read_bytes())
    with pytest.raises(ModelFileError):
        aekit.load(model_copy)
    assert not marker.exists()


# --------------------------------------------------------------------------------------------
# Atomic writes
# --------------------------------------------------------------------------------------------


def test_atomic_path_success_leaves_only_the_target(tmp_path):
    target = tmp_path / "sub" / "file.txt"  # the folder is created
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent
        assert tmp != target
        tmp.write_text("new")
        assert not target.exists()  # nothing visible until the block succeeds
    assert target.read_text() == "new"
    assert os.listdir(target.parent) == ["file.txt"]


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_atomic_path_failure_keeps_the_old_target(tmp_path, exc):
    target = tmp_path / "file.txt"
    target.write_text("old")
    with pytest.raises(exc):
        with atomic_path(target) as tmp:
            tmp.write_text("half-writ")
            raise exc("disk full")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["file.txt"]


def test_atomic_path_failure_creates_nothing(tmp_path):
    target = tmp_path / "file.txt"
    with pytest.raises(OSError):
        with atomic_path(target):
            raise OSError("no space left")
    assert os.listdir(tmp_path) == []


def test_write_json_replaces_atomically(tmp_path):
    target = tmp_path / "c.json"
    write_json(target, {"a": 1})
    with pytest.raises(TypeError):
        write_json(target, {"a": object()})  # not JSON-able: the old file stays
    assert json.loads(target.read_text()) == {"a": 1}
    assert os.listdir(tmp_path) == ["c.json"]


def test_write_model_dir_with_unserialisable_params_changes_nothing(fitted, tmp_path):
    model, X = fitted
    model.save(tmp_path / "m")
    before = {p.name: p.read_bytes() for p in (tmp_path / "m").iterdir()}
    state, tensors = _reducer(n_components=3).fit(X)._get_saved_state()
    with pytest.raises(TypeError):
        write_model_dir(tmp_path / "m", "AutoencoderReducer", {"random_state": object()}, state, tensors)
    after = {p.name: p.read_bytes() for p in (tmp_path / "m").iterdir()}
    assert after == before  # neither file was replaced: the folder still holds one model
    np.testing.assert_array_equal(aekit.load(tmp_path / "m").transform(X), model.transform(X))


def test_save_refuses_parameters_json_cannot_hold(tmp_path):
    import numpy as np

    from aekit import AutoencoderReducer

    X = np.random.default_rng(0).random((40, 4))
    model = AutoencoderReducer(2, hidden_layer_sizes=(8,), max_epochs=1, random_state=np.random.RandomState(0)).fit(X)
    with pytest.raises(TypeError, match="random_state"):
        model.save(tmp_path / "m")
    assert not (tmp_path / "m" / "config.json").exists()
    model.set_params(random_state=np.int64(3), checkpoint=tmp_path / "c.ckpt")
    model.save(tmp_path / "m")
    assert aekit.load(tmp_path / "m").checkpoint == str(tmp_path / "c.ckpt")


# --------------------------------------------------------------------------------------------
# Every class: a config asking for a huge network is refused before anything is allocated
# --------------------------------------------------------------------------------------------


def _scale_ints(tree, factor):
    """Multiply every integer >= 2 of a JSON tree by ``factor`` (widths, channels, vocabularies...)."""
    if isinstance(tree, dict):
        return {k: _scale_ints(v, factor) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_scale_ints(v, factor) for v in tree]
    if isinstance(tree, int) and not isinstance(tree, bool) and tree >= 2:
        return tree * factor
    return tree


@pytest.fixture(scope="module")
def zoo_files(tmp_path_factory):
    import model_zoo

    d, root = model_zoo.inputs(), tmp_path_factory.mktemp("zoo")
    return {name: fit(d).save(root / name) for name, fit in model_zoo.FIT.items()}


@pytest.mark.parametrize("name", ["AutoencoderReducer", "DenoisingAutoencoder", "Denoiser", "AttributeEditor",
                                  "Translator", "EmbeddingClassifier", "TextAutoencoder", "OutlierDetector"])
@pytest.mark.parametrize("factor", [10**3, 10**9], ids=["wide", "absurd"])
def test_a_config_asking_for_a_huge_network_is_refused_before_allocating(zoo_files, tmp_path, monkeypatch,
                                                                         name, factor):
    import shutil

    from aekit.serialization import _REGISTRY, load

    folder = tmp_path / name
    shutil.copytree(zoo_files[name], folder)
    config = json.loads((folder / "config.json").read_text())
    config["state"]["network"] = _scale_ints(config["state"]["network"], factor)
    (folder / "config.json").write_text(json.dumps(config))

    def must_not_build(*args, **kwargs):
        raise AssertionError("the model was rebuilt although its config asks for more weights than the file has")

    monkeypatch.setattr(_REGISTRY[name], "_from_saved_state", classmethod(must_not_build))
    with pytest.raises(ModelFileError, match="holds only|cannot be built") as info:
        load(folder)
    assert str(folder) in str(info.value)


def test_import_is_lazy_and_every_public_name_resolves():
    # `import aekit` (and so every CLI start) must not pay for torch and every tool's imports;
    # each public name still resolves, and load() knows every model class without prior imports
    import subprocess
    import sys

    code = ("import sys, aekit; assert 'torch' not in sys.modules, 'import aekit pulled in torch'; "
            "[getattr(aekit, n) for n in aekit.__all__]; "
            "from aekit.serialization import registered_classes; print(len(registered_classes()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert int(out) >= 8
    import aekit

    assert set(aekit.__all__) <= set(dir(aekit))
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        aekit.Nope  # noqa: B018

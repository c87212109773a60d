"""`aekit reduce` and `aekit transform`: file formats, labels, plots, and refusals."""

import numpy as np
import pandas as pd
import pytest

FAST = ["--epochs", "2", "-q"]


@pytest.fixture
def csv_with_labels(tmp_path):
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (60, 6)), rng.normal(4, 1, (60, 6))])
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    df.insert(2, "kind", ["a"] * 60 + ["b"] * 60)
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    return path


def test_reduce_csv_with_labels_plot_and_model_then_transform(csv_with_labels, tmp_path, run):
    out, plot, model = tmp_path / "z.csv", tmp_path / "map.png", tmp_path / "model"
    before = csv_with_labels.read_bytes()
    r = run("reduce", csv_with_labels, "-o", out, "--dims", 2, "--labels", "kind", "--plot", plot,
            "--save-model", model, *FAST)
    assert r.exit_code == 0, r.output
    z = pd.read_csv(out)
    assert list(z.columns) == ["kind", "z0", "z1"] and len(z) == 120
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (model / "model.safetensors").is_file() and (model / "config.json").is_file()
    assert csv_with_labels.read_bytes() == before  # the input is untouched

    out2 = tmp_path / "z2.npy"
    r = run("transform", model, csv_with_labels, "-o", out2, "--labels", "kind")
    assert r.exit_code == 0, r.output
    np.testing.assert_allclose(np.load(out2), z[["z0", "z1"]].to_numpy(), rtol=1e-5, atol=1e-5)


def test_reduce_fits_with_labels_when_asked(csv_with_labels, tmp_path, run):
    df = pd.read_csv(csv_with_labels)
    df.loc[::3, "kind"] = ""  # a third unlabelled
    src = tmp_path / "partly.csv"
    df.to_csv(src, index=False)
    plain, guided = tmp_path / "plain.npy", tmp_path / "guided.npy"
    assert run("reduce", src, "-o", plain, "--labels", "kind", "--seed", 0, *FAST).exit_code == 0
    r = run("reduce", src, "-o", guided, "--labels", "kind", "--use-labels", "--seed", 0, *FAST)
    assert r.exit_code == 0, r.output
    assert np.load(guided).shape == (120, 2)
    assert not np.allclose(np.load(plain), np.load(guided))  # the labels changed the map
    r = run("reduce", src, "-o", tmp_path / "z.npy", "--use-labels", *FAST)
    assert r.exit_code == 2 and "--use-labels fits with the labels of --labels" in r.output


@pytest.mark.parametrize("suffix", [".npy", ".npz", ".parquet"])
def test_reduce_reads_and_writes_every_format(tmp_path, suffix, run):
    X = np.random.default_rng(1).random((50, 5))
    src = tmp_path / f"in{suffix}"
    if suffix == ".npy":
        np.save(src, X)
    elif suffix == ".npz":
        np.savez(src, X=X, y=np.arange(50) % 2)
    else:
        pytest.importorskip("pyarrow")
        pd.DataFrame(X, columns=list("abcde")).to_parquet(src)
    out = tmp_path / f"out{suffix}"
    r = run("reduce", src, "-o", out, "--dims", 3, *FAST)
    assert r.exit_code == 0, r.output
    if suffix == ".npy":
        assert np.load(out).shape == (50, 3)
    elif suffix == ".npz":
        with np.load(out) as z:
            assert z["X"].shape == (50, 3)
    else:
        assert pd.read_parquet(out).shape == (50, 3)


def test_reduce_refuses_to_overwrite(csv_with_labels, tmp_path, run):
    r = run("reduce", csv_with_labels, "-o", csv_with_labels, "--labels", "kind", *FAST)
    assert r.exit_code == 1 and "input" in r.output
    out = tmp_path / "exists.csv"
    out.write_text("keep me")
    r = run("reduce", csv_with_labels, "-o", out, "--labels", "kind", *FAST)
    assert r.exit_code == 1 and "--overwrite" in r.output
    assert out.read_text() == "keep me"


def test_reduce_names_non_numeric_columns(csv_with_labels, tmp_path, run):
    r = run("reduce", csv_with_labels, "-o", tmp_path / "z.csv", *FAST)
    assert r.exit_code == 1
    assert "kind" in r.output and "not numeric" in r.output and "Traceback" not in r.output


def test_reduce_bad_inputs(tmp_path, run):
    r = run("reduce", tmp_path / "missing.csv", "-o", tmp_path / "z.csv", *FAST)
    assert r.exit_code == 1 and "no such file" in r.output
    bad = tmp_path / "data.txt"
    bad.write_text("1,2\n")
    r = run("reduce", bad, "-o", tmp_path / "z.csv", *FAST)
    assert r.exit_code == 1 and "unsupported file type" in r.output
    nan = tmp_path / "nan.csv"
    pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [1.0, 2.0, 3.0]}).to_csv(nan, index=False)
    r = run("reduce", nan, "-o", tmp_path / "z.csv", *FAST)
    assert r.exit_code == 1 and ("nan.csv contains 1 NaN and 0 infinite values (the first at row 2, column 'a'). "
                                 "Fill them in or drop those rows first") in r.output
    trunc = tmp_path / "trunc.npy"
    np.save(trunc, np.ones((100, 4)))
    trunc.write_bytes(trunc.read_bytes()[:200])
    r = run("reduce", trunc, "-o", tmp_path / "z.npy", *FAST)
    assert r.exit_code == 1 and "trunc.npy" in r.output
    r = run("reduce", nan, "-o", tmp_path / "z.csv", "--dims", 0)
    assert r.exit_code == 2


def test_transform_checks_the_number_of_features(tmp_path, run):
    X = np.random.default_rng(2).random((40, 4))
    np.save(tmp_path / "a.npy", X)
    assert run("reduce", tmp_path / "a.npy", "-o", tmp_path / "z.npy", "--save-model", tmp_path / "m", *FAST).exit_code == 0
    np.save(tmp_path / "b.npy", X[:, :3])
    r = run("transform", tmp_path / "m", tmp_path / "b.npy", "-o", tmp_path / "zb.npy")
    assert r.exit_code == 1 and "3 feature columns" in r.output and "4" in r.output


def test_reduce_told_the_rows_are_images(tmp_path, run):
    X = np.random.default_rng(2).random((80, 36))
    src = tmp_path / "images.npy"
    np.save(src, X)
    out, model = tmp_path / "z.npy", tmp_path / "model"
    r = run("reduce", src, "-o", out, "--image-shape", "6x6", "--save-model", model, *FAST)
    assert r.exit_code == 0, r.output
    assert np.load(out).shape == (80, 2)
    from aekit import load

    assert load(model).image_shape == (6, 6)
    r = run("reduce", src, "-o", tmp_path / "z2.npy", "--image-shape", "6 by 6", *FAST)
    assert r.exit_code == 2 and "'6 by 6' is not an image shape" in r.output  # usage error
    r = run("reduce", src, "-o", tmp_path / "z3.npy", "--image-shape", "5x5", *FAST)
    assert r.exit_code == 1 and "image_shape=(5, 5) holds 25 pixels, but X has 36 features" in r.output
    r = run("reduce", src, "-o", tmp_path / "z4.npy", "--image-shape", "6x6", "--encoder", "conv",
            "--save-model", tmp_path / "conv", *FAST)
    assert r.exit_code == 0, r.output
    assert load(tmp_path / "conv").encoder == "conv" and np.load(tmp_path / "z4.npy").shape[1] == 2
    r = run("reduce", src, "-o", tmp_path / "z5.npy", "--encoder", "conv", *FAST)
    assert r.exit_code == 2 and "--encoder conv reads each row as an image" in r.output
    assert "Traceback" not in r.output

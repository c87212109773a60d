"""`aekit outliers`: tables and image folders in, a score and a flag per row, a plot, a model."""

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import aekit

FAST = ["--epochs", "5", "-q"]
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    X[:4] += 6 * rng.choice([-1, 1], (4, 5))
    df = pd.DataFrame(X, columns=list("abcde"))
    df.insert(0, "id", [f"r{i}" for i in range(200)])
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    return path


def test_a_table_gets_a_score_and_a_flag_per_row(table, tmp_path, run):
    out, model = tmp_path / "scores.csv", tmp_path / "det"
    before = table.read_bytes()
    r = run("outliers", table, "-o", out, "--labels", "id", "--contamination", "0.02", "--save-model", model, *FAST)
    assert r.exit_code == 0, r.output
    scores = pd.read_csv(out)
    assert list(scores.columns) == ["id", "score", "outlier"] and len(scores) == 200
    assert set(scores.loc[scores.outlier == 1, "id"]) == {"r0", "r1", "r2", "r3"}
    assert "4 flagged" in r.output
    assert (tmp_path / "scores.png").read_bytes()[:8] == PNG  # the plot, beside the output by default
    det = aekit.load(model)
    np.testing.assert_allclose(det.decision_scores_, scores.score.to_numpy(), rtol=1e-6)
    assert table.read_bytes() == before


def test_an_image_folder_is_scored_with_file_names(tmp_path, run):
    from aekit.datasets import load_digits

    X, y = load_digits()
    folder = tmp_path / "digits"
    folder.mkdir()
    images = (X.reshape(-1, 8, 8) * 255).astype(np.uint8)
    for i, img in enumerate(images[y == 0][:60]):
        Image.fromarray(img).save(folder / f"zero_{i:02d}.png")
    for i, img in enumerate(images[y == 1][:3]):
        Image.fromarray(img).save(folder / f"one_{i}.png")
    out, plot = tmp_path / "scores.csv", tmp_path / "top.png"
    r = run("outliers", folder, "-o", out, "--plot", plot, "--top", 6, "--epochs", "30", "-q")
    assert r.exit_code == 0, r.output
    scores = pd.read_csv(out)
    assert list(scores.columns) == ["file", "score", "outlier"] and len(scores) == 63
    top3 = set(scores.sort_values("score").file.tail(3))
    assert len(top3 & {"one_0.png", "one_1.png", "one_2.png"}) >= 2, scores.sort_values("score").tail(5)
    assert plot.read_bytes()[:8] == PNG


@pytest.mark.parametrize("args, code, message", [
    (["--contamination", "0.7"], 2, "is not 'auto' or a number in (0, 0.5]"),
    (["--contamination", "many"], 2, "is not 'auto' or a number in (0, 0.5]"),
    (["--plot", "x.jpg"], 2, "the plot is written as PNG"),
])
def test_bad_options_are_usage_errors(table, tmp_path, run, args, code, message):
    r = run("outliers", table, "-o", tmp_path / "s.csv", "--labels", "id", *args, *FAST)
    assert r.exit_code == code and message in r.output and "Traceback" not in r.output


def test_outputs_are_never_overwritten_without_asking(table, tmp_path, run):
    out, opts = tmp_path / "s.csv", ["--labels", "id", *FAST]
    assert run("outliers", table, "-o", out, *opts).exit_code == 0
    r = run("outliers", table, "-o", out, *opts)
    assert r.exit_code == 1 and "--overwrite" in r.output
    assert run("outliers", table, "-o", out, "--overwrite", *opts).exit_code == 0
    r = run("outliers", table, "-o", table, "--overwrite", *opts)
    assert r.exit_code == 1 and "never overwrites its input" in r.output


def test_images_of_different_sizes_are_named(tmp_path, run):
    folder = tmp_path / "imgs"
    folder.mkdir()
    Image.new("L", (8, 8)).save(folder / "a.png")
    Image.new("L", (9, 9)).save(folder / "b.png")
    r = run("outliers", folder, "-o", tmp_path / "s.csv", *FAST)
    assert r.exit_code == 1 and "differ in size" in r.output


def test_a_text_column_without_labels_is_named(table, tmp_path, run):
    r = run("outliers", table, "-o", tmp_path / "s.csv", *FAST)
    assert r.exit_code == 1 and "'id'" in r.output and "Traceback" not in r.output

"""Bad input, across the Python API and the CLI: every case gives an error that names the problem
and the fix; the CLI exits 2 for usage errors and 1 for the rest, with no traceback (``--debug``
shows one); nothing half-written is left behind.

Each case is one row of a table, so ``docs/reliability.md`` can point at it by its id.
"""

from __future__ import annotations

import errno
import re
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import aekit
import aekit.hardware
from aekit import AutoencoderReducer, DenoisingAutoencoder
from aekit.cli import main
from aekit.errors import InsufficientMemoryError
from aekit.images import ImageFileError, read_image
from aekit.plots import plot_latent_comparison
from aekit.tables import read_table
from aekit.text import EmbeddingClassifier, TextAutoencoder, Tokenizer, one_hot, pad_sequences

FAST = dict(max_epochs=1, verbose=0, random_state=0)
rng = np.random.default_rng(0)
X = rng.random((40, 6))


@pytest.fixture(scope="module")
def fitted():
    return AutoencoderReducer(n_components=2, **FAST).fit(X)


@pytest.fixture(scope="module")
def denoiser():
    return aekit.Denoiser.pretrained()


def _with(X, where, value):
    X = X.copy()
    X[where] = value
    return X


# --------------------------------------------------------------------------------------------
# The Python API: (id, call, exception type, pattern naming the problem, pattern naming the fix)
# --------------------------------------------------------------------------------------------

API_CASES = [
    ("nan", lambda f, d: AutoencoderReducer(**FAST).fit(_with(X, (3, 2), np.nan)),
     ValueError, r"contains 1 NaN and 0 infinite values \(the first at row 3, column 2\)", r"Impute .* or drop"),
    ("inf", lambda f, d: AutoencoderReducer(**FAST).fit(_with(X, (3, 2), np.inf)),
     ValueError, r"contains 0 NaN and 1 infinite values", r"Impute .* or drop"),
    ("nan-at-transform", lambda f, d: f.transform(_with(X, (0, 0), np.nan)),
     ValueError, r"contains 1 NaN", r"Impute .* or drop"),
    ("empty", lambda f, d: AutoencoderReducer(**FAST).fit(np.empty((0, 6))),
     ValueError, r"0 sample", r"minimum of 2"),
    ("one-row", lambda f, d: AutoencoderReducer(**FAST).fit(X[:1]),
     ValueError, r"1 sample", r"minimum of 2"),
    ("wrong-width-at-transform", lambda f, d: f.transform(X[:, :4]),
     ValueError, r"X has 4 features", r"expecting 6 features"),
    ("1-d", lambda f, d: AutoencoderReducer(**FAST).fit(X[:, 0]),
     ValueError, r"Expected 2D array, got 1D", r"reshape"),
    ("3-d", lambda f, d: AutoencoderReducer(**FAST).fit(X.reshape(40, 3, 2)),
     ValueError, r"dim 3", r"dim <= 2"),
    ("strings", lambda f, d: AutoencoderReducer(**FAST).fit(np.array([["a", "b"]] * 10)),
     ValueError, r"not numbers", r"astype\(float\)|OneHotEncoder"),
    ("non-numeric-dataframe-column",
     lambda f, d: AutoencoderReducer(**FAST).fit(pd.DataFrame({"a": np.arange(9.0), "city": list("abcdefghi")})),
     ValueError, r"non-numeric columns \['city'\]", r"Drop them|OneHotEncoder"),
    ("unknown-parameter", lambda f, d: AutoencoderReducer().set_params(n_compnents=2),
     ValueError, r"Invalid parameter 'n_compnents'", r"Valid parameters are"),
    ("bad-hyper-parameter", lambda f, d: AutoencoderReducer(n_components=0, **FAST).fit(X),
     ValueError, r"n_components must be a positive integer", r"got 0"),
    ("labels-wrong-length", lambda f, d: plot_latent_comparison({"AE": X[:, :2]}, labels=np.ones(7)),
     ValueError, r"labels has shape \(7,\).*40 rows", r"one label per row"),
    ("unknown-noise-kind", lambda f, d: aekit.noise.add_noise(X, "pink", 0.1),
     ValueError, r"Unknown noise kind 'pink'", r"choose one of gaussian"),
    ("dae-mixed-image-sizes", lambda f, d: DenoisingAutoencoder(**FAST).fit([np.zeros((8, 8)), np.zeros((9, 9))]),
     ValueError, r"different shapes", r"Crop or resize|aekit.Denoiser"),
    ("dae-nan", lambda f, d: DenoisingAutoencoder(**FAST).fit(np.full((10, 16), np.nan)),
     ValueError, r"X contains 160 NaN and 0 infinite values \(the first at row 0, column 0\)", r"Impute or drop"),
    ("image-nan", lambda f, d: d.denoise(np.full((16, 16), np.nan), sigma=10),
     ValueError, r"image contains 256 NaN and 0 infinite values \(the first at row 0, column 0\)", r"Clean or mask"),
    ("image-5-channels", lambda f, d: d.denoise(np.zeros((16, 16, 5)), sigma=10),
     ValueError, r"shape \(16, 16, 5\)", r"np.moveaxis"),
    ("image-int64", lambda f, d: d.denoise(np.zeros((16, 16), np.int64), sigma=10),
     ValueError, r"dtype int64", r"use uint8, uint16 or float"),
    ("image-float-0-255", lambda f, d: d.denoise(np.full((16, 16), 200.0), sigma=10),
     ValueError, r"values in \[200, 200\]", r"Divide by 255"),
    ("negative-sigma", lambda f, d: d.denoise(np.zeros((16, 16)), sigma=-3),
     ValueError, r"sigma must be a number >= 0", r"e.g. 25"),
    ("no-texts", lambda f, d: TextAutoencoder(**FAST).fit([]),
     ValueError, r"got no texts", r"at least one"),
    ("none-text", lambda f, d: TextAutoencoder(**FAST).fit(["good", None, "bad"]),
     TypeError, r"item 1 is NoneType", r"Convert missing values to ''"),
    ("number-texts", lambda f, d: TextAutoencoder(**FAST).fit([1, 2, 3]),
     TypeError, r"item 0 is int", r"numbers to strings"),
    ("single-string-as-texts", lambda f, d: TextAutoencoder(**FAST).fit("one string"),
     TypeError, r"got a single string", r"wrap it in a list"),
    ("only-empty-texts", lambda f, d: TextAutoencoder(**FAST).fit(["", "", ""]),
     ValueError, r"No vocabulary could be learned", r"lower min_df"),
    ("one_hot-of-None", lambda f, d: one_hot(None, 10),
     TypeError, r"expects a string of text, got NoneType", r"Convert missing values to ''"),
    ("pad-non-integers", lambda f, d: pad_sequences([["a"], [1]]),
     ValueError, r"sequence at position 0 cannot be stored as dtype 'int32'", r"one_hot or Tokenizer|dtype=object"),
    ("classifier-labels-wrong-length",
     lambda f, d: EmbeddingClassifier(vocab_size=10, input_length=3, verbose=0).fit(np.ones((5, 3), int), np.ones(4), epochs=1),
     ValueError, r"y has 4 labels but X has 5 rows", r"must match"),
    ("classifier-index-out-of-vocabulary",
     lambda f, d: EmbeddingClassifier(vocab_size=10, input_length=3, verbose=0).fit(np.full((5, 3), 12), np.ones(5), epochs=1),
     ValueError, r"index 12 .* vocab_size is 10", r"raise vocab_size"),
    ("classifier-float-indices",
     lambda f, d: EmbeddingClassifier(vocab_size=10, input_length=3, verbose=0).fit(np.full((5, 3), 1.5), np.ones(5), epochs=1),
     ValueError, r"integer word indices", r"Encode texts with one_hot"),
    ("tokenizer-not-fitted", lambda f, d: Tokenizer().texts_to_sequences(["a"]),
     RuntimeError, r"has not been fitted", r"call fit_on_texts"),
    # aekit.translate: AttributeEditor and Translator
    ("editor-mixed-image-sizes",
     lambda f, d: aekit.AttributeEditor(**FAST).fit([np.zeros((16, 16)), np.zeros((17, 17))], {"a": [0, 1]}),
     ValueError, r"images holds arrays of different shapes \(\(16, 16\), \(17, 17\)\)", r"Resize or crop"),
    ("editor-one-image", lambda f, d: aekit.AttributeEditor(**FAST).fit(np.zeros((16, 16)), {"a": [0, 1]}),
     ValueError, r"images must be \(n, H, W\) or \(n, H, W, C\); got shape \(16, 16\)", r"pass image\[None\]"),
    ("editor-strings", lambda f, d: aekit.AttributeEditor(**FAST).fit(np.full((2, 16, 16), "a"), {"a": [0, 1]}),
     ValueError, r"images must be numeric, got dtype <U1", r"numeric"),
    ("editor-5-channels", lambda f, d: aekit.AttributeEditor(**FAST).fit(np.zeros((2, 16, 16, 5)), {"a": [0, 1]}),
     ValueError, r"images have 5 channels in the last axis; expected 1, 3 or 4", r"channels last"),
    ("editor-too-small", lambda f, d: aekit.AttributeEditor(**FAST).fit(np.zeros((2, 4, 4)), {"a": [0, 1]}),
     ValueError, r"images are 4 x 4 pixels", r"at least 8 x 8"),
    ("editor-nan-pixels",
     lambda f, d: aekit.AttributeEditor(**FAST).fit(_with(np.zeros((2, 16, 16)), (1, 2, 3), np.nan), {"a": [0, 1]}),
     ValueError, r"images contains 1 NaN and 0 infinite values \(the first at row 1, column 35\)",
     r"Rows are images.*drop those images"),
    ("editor-float-0-255", lambda f, d: aekit.AttributeEditor(**FAST).fit(np.full((2, 16, 16), 200.0), {"a": [0, 1]}),
     ValueError, r"range over \[200, 200\]", r"Divide by 255"),
    ("editor-bad-method", lambda f, d: aekit.AttributeEditor(method="fadr", **FAST).fit(np.zeros((2, 16, 16)), {"a": [0, 1]}),
     ValueError, r"method must be one of 'fader', 'mask', 'vector'", r"got 'fadr'"),
    ("editor-bad-style-dim", lambda f, d: aekit.AttributeEditor(style_dim=-1, **FAST).fit(np.zeros((2, 16, 16)), {"a": [0, 1]}),
     ValueError, r"style_dim must be an integer in \[0, 256\]", r"got -1"),
    ("editor-one-stage", lambda f, d: aekit.AttributeEditor(channels=(8,), **FAST).fit(np.zeros((2, 16, 16)), {"a": [0, 1]}),
     ValueError, r"channels must be a tuple of integers >= 1 \(2 to 6 of them\)", r"got \(8,\)"),
    ("translator-unpaired", lambda f, d: aekit.Translator(**FAST).fit(np.zeros((4, 16, 16)), np.zeros((4, 16, 16, 3))),
     ValueError, r"X and Y must be pairs of the same shape", r"X is \(4, 16, 16\), Y is \(4, 16, 16, 3\)"),
    ("translator-bad-loss", lambda f, d: aekit.Translator(loss="l2", **FAST).fit(np.zeros((4, 16, 16)), np.zeros((4, 16, 16))),
     ValueError, r"loss must be 'mse' or 'l1'", r"got 'l2'"),
    ("translator-wrong-channels-at-transform",
     lambda f, d: aekit.Translator(channels=(4,), **FAST).fit(np.zeros((4, 8, 8)), np.zeros((4, 8, 8))).transform(np.zeros((1, 8, 8, 3))),
     ValueError, r"X has 3 channel\(s\)", r"trained on 1"),
    ("model-path-missing", lambda f, d: aekit.load("/nonexistent/model"),
     FileNotFoundError, r"No model at /nonexistent/model", r"expected a folder"),
]


@pytest.mark.parametrize("case", API_CASES, ids=[c[0] for c in API_CASES])
def test_api_bad_input(case, fitted, denoiser):
    _, call, exc_type, problem, fix = case
    with pytest.raises(exc_type) as info:
        call(fitted, denoiser)
    msg = str(info.value)
    assert re.search(problem, msg), msg
    assert re.search(fix, msg), msg


def test_constant_columns_still_fit_and_all_constant_data_warns():
    Z = AutoencoderReducer(n_components=2, **FAST).fit_transform(np.c_[X, np.ones(len(X))])
    assert np.isfinite(Z).all()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Z = AutoencoderReducer(n_components=2, **FAST).fit_transform(np.ones((30, 4)))
    assert np.isfinite(Z).all()
    assert [str(w.message) for w in caught if "constant" in str(w.message)], [str(w.message) for w in caught]
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]


# --------------------------------------------------------------------------------------------
# Files: corrupt, truncated, mixed modes, too large for memory
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("files")
    gray = (rng.random((24, 20)) * 255).astype(np.uint8)
    Image.fromarray(gray).save(d / "gray.png")
    Image.fromarray(np.dstack([gray, gray, gray, np.full_like(gray, 200)])).save(d / "rgba.png")
    Image.fromarray(gray.astype(np.uint16) * 257).save(d / "deep16.png")
    Image.fromarray(np.dstack([gray] * 3)).convert("P", palette=Image.Palette.ADAPTIVE).save(d / "palette.png")
    Image.fromarray(gray[:10, :12]).save(d / "small.png")
    (d / "truncated.png").write_bytes((d / "gray.png").read_bytes()[:70])
    (d / "corrupt.png").write_bytes(b"this is not an image")
    pd.DataFrame({"a": rng.random(30), "b": rng.random(30), "city": ["x"] * 30}).to_csv(d / "mixed.csv", index=False)
    nan = pd.DataFrame({"a": rng.random(30), "b": rng.random(30)})
    nan.iloc[4, 1] = np.nan
    nan.to_csv(d / "nan.csv", index=False)
    pd.DataFrame({"a": rng.random(30), "b": rng.random(30)}).to_csv(d / "ok.csv", index=False)
    (d / "empty.csv").write_text("")
    (d / "header-only.csv").write_text("a,b\n")
    (d / "one-row.csv").write_text("a,b\n1,2\n")
    (d / "texts.txt").write_text("\n\n\n")
    (d / "reviews.txt").write_text("a good film\na bad film\na good plot\na dull plot\n")
    (d / "a-file").write_text("not a folder")
    np.savez(d / "short-labels.npz", X=rng.random((30, 3)), y=np.arange(29))
    return d


def test_mixed_modes_are_read_as_arrays(files):
    assert read_image(files / "rgba.png").shape == (24, 20, 4)
    deep = read_image(files / "deep16.png")
    assert deep.dtype == np.uint16 and deep.max() > 255
    assert read_image(files / "palette.png").shape == (24, 20, 3)


@pytest.mark.parametrize("name, problem", [("corrupt.png", "not a readable image"),
                                           ("truncated.png", "not a readable image")])
def test_corrupt_and_truncated_images(files, name, problem):
    with pytest.raises(ImageFileError, match=f"{name}.*{problem}.*truncated or corrupt"):
        read_image(files / name)


def test_labels_of_the_wrong_length_in_a_file(files):
    with pytest.raises(ValueError, match=r"labels 'y' have shape \(29,\) but the data has 30 rows.*one value per row"):
        read_table(files / "short-labels.npz", labels="y")


def _little_memory(monkeypatch, nbytes=10_000):
    monkeypatch.setattr(aekit.hardware, "available_memory", lambda: nbytes)


def test_too_large_for_memory_is_refused_before_allocating(files, monkeypatch):
    _little_memory(monkeypatch, 100)
    with pytest.raises(InsufficientMemoryError, match=r"Reading .*ok.csv needs about .* only .* available"):
        read_table(files / "ok.csv")
    # an .npz whose one member inflates to 400 MB (a few hundred KB of compressed zeros)
    with zipfile.ZipFile(files / "big.npz", "w", zipfile.ZIP_DEFLATED) as z, z.open("X.npy", "w", force_zip64=True) as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False, "shape": (100_000, 1000)})
        for _ in range(100):
            f.write(bytes(4_000_000))
    _little_memory(monkeypatch, 10**8)
    with pytest.raises(InsufficientMemoryError, match=r"Reading .*big.npz needs about 0.4 GB of memory, but only 0.1 GB"):
        read_table(files / "big.npz")
    # a .npy too large to load is memory-mapped instead: it streams (tests/test_out_of_core.py)
    big = np.lib.format.open_memmap(files / "big.npy", mode="w+", dtype=np.float32, shape=(2_000_000, 500))
    del big  # 4 GB that exist only as a sparse file
    assert isinstance(read_table(files / "big.npy").X, np.memmap)
    with pytest.raises(MemoryError, match=r"Fitting an autoencoder on 1,000,000 x 20,000 data.*subset"):
        # a view: the data is never allocated, only its shape is looked at
        AutoencoderReducer(**FAST).fit(np.broadcast_to(np.float32(0.5), (1_000_000, 20_000)))
    (files / "big.npy").unlink()
    (files / "big.npz").unlink()


# --------------------------------------------------------------------------------------------
# The CLI: (id, arguments, exit code, pattern in stderr)
# --------------------------------------------------------------------------------------------

CLI_CASES = [
    ("unknown-option", ["reduce", "ok.csv", "-o", "z.npy", "--bogus"], 2, r"No such option '--bogus'"),
    ("unknown-command", ["reduce-it"], 2, r"No such command 'reduce-it'"),
    ("missing-argument", ["reduce"], 2, r"Missing argument 'INPUT'"),
    ("not-a-number", ["reduce", "ok.csv", "-o", "z.npy", "--dims", "two"], 2, r"'two' is not a valid integer"),
    ("out-of-range", ["denoise", "gray.png", "-o", "out", "--sigma", "900"], 2, r"900.0 is not in the range 0<=x<=255"),
    ("missing-input", ["denoise", "nothing/", "-o", "out"], 2, r"Path 'nothing/' does not exist"),
    ("empty-output-folder", ["denoise", "gray.png", "-o", ""], 2, r"Invalid value for -o: is empty; name the folder"),
    ("no-noise-chosen", ["noise", "gray.png", "-o", "n.png"], 2, r"Give exactly one of --gaussian"),
    ("input-file-missing", ["reduce", "missing.csv", "-o", "z.npy"], 1, r"missing.csv: no such file"),
    ("non-numeric-columns", ["reduce", "mixed.csv", "-o", "z.npy"], 1,
     r"columns \['city'\] are not numeric. Drop them, or name a label column with --labels"),
    ("missing-values", ["reduce", "nan.csv", "-o", "z.npy"], 1,
     r"nan.csv contains 1 NaN and 0 infinite values \(the first at row 5, column 'b'\). Fill them in or drop"),
    ("empty-file", ["reduce", "empty.csv", "-o", "z.npy"], 1, r"empty.csv: cannot be read as CSV"),
    ("header-only", ["reduce", "header-only.csv", "-o", "z.npy"], 1, r"has no data rows"),
    ("one-row-file", ["reduce", "one-row.csv", "-o", "z.npy"], 1, r"1 data row; fitting needs at least 2"),
    ("unknown-label-column", ["reduce", "ok.csv", "-o", "z.npy", "--labels", "nope"], 1,
     r"no column 'nope' for --labels; columns are \['a', 'b'\]"),
    ("unsupported-output-type", ["reduce", "ok.csv", "-o", "z.xyz"], 1, r"unsupported file type '.xyz'; use one of"),
    ("output-is-the-input", ["reduce", "ok.csv", "-o", "ok.csv"], 1, r"never overwrites its input"),
    ("output-exists", ["reduce", "ok.csv", "-o", "exists.npy"], 1, r"already exists; pass --overwrite"),
    ("output-folder-is-a-file", ["reduce", "ok.csv", "-o", "a-file/z.npy"], 1,
     r"Cannot write a-file/z.npy: a-file is a file, not a folder. Choose an output path"),
    ("output-cannot-be-created", ["reduce", "ok.csv", "-o", "/proc/aekit/z.npy"], 1, r"Cannot write /proc/aekit/z.npy"),
    ("checkpoint-cannot-be-written", ["reduce", "ok.csv", "-o", "z.npy", "--checkpoint", "a-file/c.ckpt"], 1,
     r"Cannot write a-file/c.ckpt"),
    ("model-folder-is-a-file", ["text", "fit", "texts.txt", "-o", "a-file"], 1, r"a-file is a file"),
    ("texts-without-words", ["text", "fit", "texts.txt", "-o", "m"], 1, r"got no texts|No vocabulary"),
    ("model-too-large-for-memory", ["text", "fit", "reviews.txt", "--min-df", "1", "--dims", "3000000000", "-o", "m"],
     1, r"Training TextAutoencoder \([\d,]+ weights\) needs about [\d,.]+ GB .* smaller n_components \(--dims\)"),
    ("unknown-text-column", ["text", "fit", "mixed.csv", "--text-column", "review", "-o", "m"], 1,
     r"no column 'review' for --text-column; columns are"),
    ("corrupt-images", ["denoise", "corrupt.png", "truncated.png", "-o", "out"], 1,
     r"corrupt.png is not a readable image.*\n.*truncated.png is not a readable image.*\n.*2 of 2 inputs"),
    ("model-is-not-a-reducer", ["transform", "text-model", "ok.csv", "-o", "z.npy"], 1,
     r"holds a TextAutoencoder, not an AutoencoderReducer"),
    ("model-is-a-pickle", ["transform", "model.pkl", "ok.csv", "-o", "z.npy"], 1, r"pickle, which aekit never loads"),
]


@pytest.fixture(scope="module")
def cli_dir(files, tmp_path_factory):
    import pickle

    d = files
    (d / "exists.npy").write_bytes(b"keep me")
    (d / "model.pkl").write_bytes(pickle.dumps({"weights": [1, 2]}))
    TextAutoencoder(n_components=2, min_df=1, **FAST).fit(["good film", "bad film", "good plot"]).save(d / "text-model")
    return d


def _run(args, cwd, monkeypatch, capsys):
    monkeypatch.chdir(cwd)
    code = main(args)
    return code, capsys.readouterr().err


@pytest.mark.parametrize("case", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_bad_input(case, cli_dir, monkeypatch, capsys):
    _, args, code, pattern = case
    before = {p: p.stat().st_mtime_ns for p in cli_dir.rglob("*")}
    got, err = _run(args, cli_dir, monkeypatch, capsys)
    assert got == code, err
    assert re.search(pattern, err), err
    assert "Traceback" not in err
    if code == 1:
        assert err.startswith("error: "), err
    # nothing was created, changed or left half-written
    after = {p: p.stat().st_mtime_ns for p in cli_dir.rglob("*")}
    assert after == before


def test_debug_shows_the_traceback(cli_dir, monkeypatch, capsys):
    monkeypatch.chdir(cli_dir)
    with pytest.raises(ValueError, match="not numeric"):
        main(["--debug", "reduce", "mixed.csv", "-o", "z.npy"])


def test_a_full_disk_loses_nothing(cli_dir, monkeypatch, capsys):
    """The disk fills up while the result is written: a clear error, exit 1, the old file kept."""
    import aekit.tables

    (cli_dir / "result.npy").write_bytes(b"the previous result")

    def full_disk_save(file, arr, *a, **k):
        if isinstance(file, (str, Path)):
            file = open(file, "wb")  # noqa: SIM115 - closed below
        with file:
            file.write(b"\x93NUMPY partial")  # some bytes reached the disk, then it was full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(aekit.tables.np, "save", full_disk_save)
    code, err = _run(["reduce", "ok.csv", "-o", "result.npy", "--overwrite", "--epochs", "1", "-q"],
                     cli_dir, monkeypatch, capsys)
    assert code == 1 and "Traceback" not in err
    assert "No space left on device" in err and "free some space or write to another disk" in err
    assert (cli_dir / "result.npy").read_bytes() == b"the previous result"
    assert not list(cli_dir.glob(".result.npy*"))


def test_too_large_for_memory_from_the_cli(cli_dir, monkeypatch, capsys):
    _little_memory(monkeypatch, 100)
    code, err = _run(["reduce", "ok.csv", "-o", "z.npy"], cli_dir, monkeypatch, capsys)
    assert code == 1 and "Traceback" not in err
    assert re.search(r"error: Reading ok.csv needs about .* available. Use a smaller file", err), err
    assert not (cli_dir / "z.npy").exists()


def test_mixed_modes_folder_denoises_and_keeps_each_mode(cli_dir, tmp_path, monkeypatch, capsys):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("rgba.png", "deep16.png", "palette.png", "small.png"):
        (src / name).write_bytes((cli_dir / name).read_bytes())
    code, err = _run(["denoise", str(src), "-o", str(tmp_path / "out"), "--sigma", "10", "-q"],
                     tmp_path, monkeypatch, capsys)
    assert code == 0, err
    assert read_image(tmp_path / "out" / "rgba.png").shape == (24, 20, 4)
    assert read_image(tmp_path / "out" / "deep16.png").dtype == np.uint16
    assert read_image(tmp_path / "out" / "small.png").shape == (10, 12)



# --------------------------------------------------------------------------------------------
# Model files too large to be what they claim (the rest of the model-file refusals, pickle and
# torch.save included, are in test_serialization.py)
# --------------------------------------------------------------------------------------------


def test_model_files_too_large_are_refused_before_reading(fitted, tmp_path, monkeypatch):
    from aekit.errors import ModelFileError

    folder = fitted.save(tmp_path / "model")
    with open(folder / "config.json", "r+b") as f:
        f.truncate(100 * 2**20)  # sparse: 100 MB that take no disk space
    with pytest.raises(ModelFileError, match=r"config.json is 105 MB; an aekit config is a few kilobytes"):
        aekit.load(folder)
    folder = fitted.save(tmp_path / "model2")
    _little_memory(monkeypatch, 1000)
    with pytest.raises(InsufficientMemoryError, match=r"Loading .*model.safetensors needs about .* available"):
        aekit.load(folder)


def test_huge_images_are_refused_from_their_header(tmp_path, monkeypatch, capsys):
    from PIL import Image as PILImage

    # a PNG header that declares 60000 x 50000 pixels: 3 billion, far beyond PIL's bomb limit
    huge = tmp_path / "huge.png"
    PILImage.new("L", (600, 500)).save(huge)
    data = bytearray(huge.read_bytes())
    data[16:24] = (60000).to_bytes(4, "big") + (50000).to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")  # the IHDR chunk's checksum
    huge.write_bytes(bytes(data))
    with pytest.raises(ImageFileError, match=r"huge.png is too large to read safely.*MAX_IMAGE_PIXELS"):
        read_image(huge)
    # below PIL's limit but above the memory available: refused before decoding
    fine = tmp_path / "fine.png"
    PILImage.new("RGB", (300, 200)).save(fine)
    np.save(tmp_path / "fine.npy", np.zeros((200, 300), np.float32))
    _little_memory(monkeypatch, 100_000)
    with pytest.raises(InsufficientMemoryError, match=r"Decoding .*fine.png \(300 x 200 pixels, 3 channel"):
        read_image(fine)
    with pytest.raises(InsufficientMemoryError, match=r"Decoding .*fine.npy \(300 x 200 pixels, 1 channel"):
        read_image(tmp_path / "fine.npy")
    # in a folder, the CLI reports that file and still does the others
    (tmp_path / "in").mkdir()
    PILImage.new("L", (20, 20)).save(tmp_path / "in" / "small.png")
    PILImage.new("RGB", (2000, 1500)).save(tmp_path / "in" / "big.png")  # 18 MB decoded
    _little_memory(monkeypatch, 10 * 10**6)  # enough for the model and the small image
    code, err = _run(["denoise", "in", "-o", "out", "--sigma", "10", "-q"], tmp_path, monkeypatch, capsys)
    assert code == 1 and "Traceback" not in err
    assert re.search(r"error: Decoding in/big.png .* Crop or downscale", err), err
    assert (tmp_path / "out" / "small.png").exists() and not (tmp_path / "out" / "big.png").exists()


@pytest.mark.parametrize("edit, message", [
    (lambda c: c["state"]["architecture"]["config"].update(blocks_per_level=10**30),
     r"blocks_per_level = 1,000,.* only 42 weight tensors"),
    (lambda c: c["state"]["architecture"]["config"].update(blocks_per_level=5000), r"blocks_per_level = 5,000"),
    (lambda c: c["state"]["architecture"]["config"].update(channels=[24, 48, 96, 10**12]),
     r"channels\[3\] = 1,000,000,000,000, but the network holds only 1,289,569 weights"),
])
def test_an_edited_config_cannot_make_load_exhaust_memory(tmp_path, edit, message):
    """A config.json asking for absurd sizes is refused before any layer is built."""
    import json
    import shutil

    from aekit.errors import ModelFileError

    folder = tmp_path / "denoiser"
    shutil.copytree(Path(aekit.__file__).parent / "weights" / "denoiser", folder)
    config = json.loads((folder / "config.json").read_text())
    edit(config)
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match=message + r".*edited or belongs to other weights"):
        aekit.load(folder)

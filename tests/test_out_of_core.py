"""Data larger than memory: memory-mapped .npy, folders of .npy shards and Parquet row groups are
read a block of rows at a time, for fitting, transforming and writing codes straight to a file.

The 10M-row figures (time linear in n, peak memory flat) come from benchmarks/scale.py.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

import aekit.hardware
from aekit import AutoencoderReducer
from aekit.cli import main
from aekit.tables import NpyShards, ParquetRows
from aekit.training import MemmapBatches, is_out_of_core, read_rows

FAST = dict(n_components=3, hidden_layer_sizes=(16,), max_epochs=3, batch_size=64, verbose=0, random_state=0)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("ooc")
    rng = np.random.default_rng(0)
    z = rng.normal(size=(1500, 3))
    X = (np.tanh(z @ rng.normal(size=(3, 12))) + 0.05 * rng.normal(size=(1500, 12))).astype(np.float32)
    np.save(d / "x.npy", X)
    (d / "shards").mkdir()
    for i, (a, b) in enumerate([(0, 700), (700, 701), (701, 1500)]):  # uneven, one a single row
        np.save(d / "shards" / f"part-{i}.npy", X[a:b])
    pq.write_table(pa.table({f"c{j}": X[:, j] for j in range(12)}), d / "x.parquet", row_group_size=400)
    return d, X


def _rss_file_kib() -> int:
    """Resident pages of mapped files (RssFile): what reading a file through a mapping adds to the
    process; buffers it allocates show in RssAnon instead."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("RssFile:"))


def test_read_rows_matches_slicing_for_every_source(data):
    d, X = data
    mm = np.load(d / "x.npy", mmap_mode="r")
    pairs = [(mm, X), (mm[100:], X[100:]), (NpyShards(d / "shards"), X), (ParquetRows(d / "x.parquet"), X), (X, X)]
    for src, ref in pairs:
        for a, b in [(0, 5), (699, 702), (350, 1200), (1490, 1600)]:
            np.testing.assert_array_equal(read_rows(src, a, b), ref[a:b])
    assert is_out_of_core(mm) and is_out_of_core(NpyShards(d / "shards")) and not is_out_of_core(X)
    fortran = np.lib.format.open_memmap(d / "f.npy", mode="w+", dtype=np.float32, shape=(10, 3), fortran_order=True)
    fortran[:] = np.arange(30).reshape(10, 3)
    np.testing.assert_array_equal(read_rows(fortran, 2, 5), np.arange(30).reshape(10, 3)[2:5])


@pytest.mark.skipif(not __import__("os").path.exists("/proc/self/status"), reason="Linux /proc")
def test_streaming_a_memmap_does_not_grow_resident_memory(tmp_path):
    n = 98304
    big = np.lib.format.open_memmap(tmp_path / "big.npy", mode="w+", dtype=np.float32, shape=(n, 1024))
    for s in range(0, n, 8192):
        big[s:s + 8192] = 1.0
    del big  # 384 MiB on disk
    mm = np.load(tmp_path / "big.npy", mmap_mode="r")
    before = _rss_file_kib()
    total = 0.0
    for batch, in MemmapBatches(mm, block_rows=2048, buffer_blocks=2).iter_batches(1024, shuffle=True):
        total += float(batch[:, 0].sum())
    assert total == n
    grew_streamed = _rss_file_kib() - before
    # the same rows read through the mapping stay resident: the measurement can see the difference
    before = _rss_file_kib()
    touched = sum(float(mm[s:s + 2048, 0].sum() + mm[s:s + 2048, -1].sum()) for s in range(0, n, 2048))
    grew_mapped = _rss_file_kib() - before
    assert touched == 2 * n
    assert grew_streamed < 16 * 1024, grew_streamed  # (in KiB) none of the 384 MiB stays resident
    assert grew_mapped > 300 * 1024, grew_mapped


def test_npy_shards_and_parquet_rows_check_their_input(tmp_path):
    with pytest.raises(ValueError, match="holds no .npy files"):
        NpyShards(tmp_path)
    np.save(tmp_path / "a.npy", np.zeros((3, 2), np.float32))
    np.save(tmp_path / "b.npy", np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match=r"shards differ in width \[2, 4\]"):
        NpyShards(tmp_path)
    pq.write_table(pa.table({"x": [1.0, None, 3.0], "name": ["a", "b", "c"]}), tmp_path / "t.parquet")
    with pytest.raises(ValueError, match=r"columns \['name'\] are not numeric"):
        ParquetRows(tmp_path / "t.parquet")
    rows = ParquetRows(tmp_path / "t.parquet", columns=["x"]).read_rows(0, 3)
    assert rows.shape == (3, 1) and np.isnan(rows[1, 0]) and rows[2, 0] == 3.0


def test_fit_streams_every_on_disk_source_to_the_same_model(data):
    d, X = data
    sources = [np.load(d / "x.npy", mmap_mode="r"), NpyShards(d / "shards"), ParquetRows(d / "x.parquet")]
    models = [AutoencoderReducer(**FAST).fit(src) for src in sources]
    ref = models[0]
    assert ref.history_.history["loss"][-1] < ref.history_.history["loss"][0]
    assert ref.n_features_in_ == 12 and ref.structure_weight_ == 0.0
    # statistics from the streamed pass equal the in-memory ones
    mem = AutoencoderReducer(**FAST, structure_weight=0).fit(X)
    np.testing.assert_allclose(ref.center_, mem.center_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ref.scale_, mem.scale_, rtol=1e-5)
    for other in models[1:]:  # the same rows in the same blocks: the same training, bit for bit
        for a, b in zip(ref.model_.state_dict().values(), other.model_.state_dict().values()):
            assert torch.equal(a, b)
    Z = ref.transform(X)
    for src in sources:
        np.testing.assert_allclose(ref.transform(src), Z, atol=1e-6)


def test_fit_on_disk_with_the_convolutional_encoder(data):
    d, X = data  # 12 features, read as 3 x 4 images
    model = AutoencoderReducer(**FAST, image_shape=(3, 4), encoder="conv").fit(np.load(d / "x.npy", mmap_mode="r"))
    assert model.model_.reads_pixels and model.structure_weight_ == 0.0
    assert model.history_.history["loss"][-1] < model.history_.history["loss"][0]
    np.testing.assert_allclose(model.transform(NpyShards(d / "shards")), model.transform(X), atol=1e-6)


def test_transform_writes_codes_straight_to_a_npy(data, tmp_path):
    d, X = data
    model = AutoencoderReducer(**FAST).fit(np.load(d / "x.npy", mmap_mode="r"))
    Z = model.transform(NpyShards(d / "shards"), out=tmp_path / "codes.npy")
    assert isinstance(Z, np.memmap) and Z.shape == (1500, 3) and Z.dtype == np.float32
    np.testing.assert_allclose(np.load(tmp_path / "codes.npy"), model.transform(X), atol=1e-6)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["codes.npy"]  # nothing half-written beside it
    with pytest.raises(ValueError, match="use a name ending in .npy"):
        model.transform(X, out=tmp_path / "codes.csv")
    filled = np.zeros((1500, 3), np.float32)
    assert model.transform(X, out=filled) is filled and np.allclose(filled, Z, atol=1e-6)


def test_bad_rows_on_disk_are_named(data, tmp_path):
    d, X = data
    bad = X.copy()
    bad[1234, 5] = np.nan
    np.save(tmp_path / "bad.npy", bad)
    mm = np.load(tmp_path / "bad.npy", mmap_mode="r")
    with pytest.raises(ValueError, match=r"1 NaN and 0 infinite values \(the first at row 1,234, column 5\)"):
        AutoencoderReducer(**FAST).fit(mm)
    model = AutoencoderReducer(**FAST).fit(np.load(d / "x.npy", mmap_mode="r"))
    with pytest.raises(ValueError, match=r"NaN or infinite values in rows"):
        model.transform(mm)
    with pytest.raises(ValueError, match="structure_weight > 0 needs every row in memory"):
        AutoencoderReducer(**FAST, structure_weight=1.0).fit(mm)
    with pytest.raises(ValueError, match="expecting 12 features"):
        model.transform(np.lib.format.open_memmap(tmp_path / "w.npy", mode="w+", dtype=np.float32, shape=(5, 7)))


def test_cli_streams_a_npy_larger_than_a_quarter_of_memory(data, tmp_path, monkeypatch, capsys):
    _, X = data
    X = np.tile(X, (20, 1))  # 1.4 MB
    np.save(tmp_path / "x.npy", X)
    # enough memory for the model (4.4 MB to train), but the file is over a quarter of it
    monkeypatch.setattr(aekit.hardware, "available_memory", lambda: 5_500_000)
    streamed = []
    fit_out_of_core = AutoencoderReducer._fit_out_of_core
    monkeypatch.setattr(AutoencoderReducer, "_fit_out_of_core",
                        lambda self, X, *a: streamed.append(type(X)) or fit_out_of_core(self, X, *a))
    code = main(["reduce", str(tmp_path / "x.npy"), "-o", str(tmp_path / "z.npy"), "--dims", "3", "--epochs", "2",
                 "--save-model", str(tmp_path / "model"), "-q"])
    assert code == 0, capsys.readouterr().err
    assert streamed == [np.memmap]  # read_table memory-mapped the file and fit streamed it
    model = aekit.load(tmp_path / "model")
    np.testing.assert_allclose(np.load(tmp_path / "z.npy"), model.transform(X), atol=1e-6)

    # and aekit transform streams it the same way, straight into its .npy output
    code = main(["transform", str(tmp_path / "model"), str(tmp_path / "x.npy"), "-o", str(tmp_path / "z2.npy")])
    assert code == 0, capsys.readouterr().err
    np.testing.assert_array_equal(np.load(tmp_path / "z2.npy"), np.load(tmp_path / "z.npy"))

"""The fuzzy k-NN graph, its layout, and the structure-preserving term of the reducer."""

import numpy as np
import pytest

from aekit import AutoencoderReducer
from aekit.metrics import knn_accuracy
from aekit.neighbors import (
    EXACT_MAX_ROWS,
    find_ab_params,
    fuzzy_knn_graph,
    knn,
    optimize_layout,
    supervise_graph,
)
from aekit.reduce import STRUCTURE_WEIGHT_AUTO, _graph_layout


def blobs(n=300, d=8, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 6, (3, d))
    y = np.arange(n) % 3
    return (centers[y] + rng.normal(0, 1, (n, d))).astype(np.float32), y


def test_graph_is_symmetric_with_strengths_in_unit_interval():
    X, _ = blobs()
    G = fuzzy_knn_graph(X, n_neighbors=10).tocsr()
    assert G.shape == (300, 300)
    assert abs(G - G.T).max() < 1e-6
    assert G.diagonal().sum() == 0
    assert 0 < G.data.min() and G.data.max() <= 1.0
    # each row has its k-1 neighbours, and the union can only add
    assert (np.diff(G.indptr) >= 9).all()


def test_neighbours_share_the_blob():
    X, y = blobs()
    G = fuzzy_knn_graph(X, n_neighbors=10).tocoo()
    assert (y[G.row] == y[G.col]).mean() > 0.99


def test_approximate_search_agrees_with_exact():
    # above EXACT_MAX_ROWS the graph comes from the inverted-file index; it must find nearly the
    # true neighbours, each row itself first, with the true distances
    rng = np.random.default_rng(0)
    X = rng.normal(size=(EXACT_MAX_ROWS + 500, 5)).astype(np.float32)
    idx, dist = knn(X, 10)
    from sklearn.neighbors import NearestNeighbors

    true = NearestNeighbors(n_neighbors=10).fit(X).kneighbors(X[:500], return_distance=False)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(idx[:500], true)])
    assert recall > 0.95
    assert (idx[:, 0] == np.arange(len(X))).all() and (dist[:, 0] == 0).all()
    assert (np.diff(dist, axis=1) >= 0).all()  # nearest first
    assert np.allclose(dist[:, 1], np.linalg.norm(X - X[idx[:, 1]], axis=1), atol=1e-3)
    assert all(len(set(r)) == 10 for r in idx[:500])  # no neighbour twice


def test_approximate_search_on_duplicate_rows():
    # many identical rows tie at distance 0: each row must still come first in its own list
    X = np.repeat(np.random.default_rng(1).normal(size=(900, 3)), 10, axis=0).astype(np.float32)
    idx, dist = knn(X, 5)
    assert (idx[:, 0] == np.arange(len(X))).all()
    assert np.isfinite(dist).all() and (dist[:, :5] < 1e-3).all()  # its 9 twins are nearer than anything else


def test_labels_cut_edges_between_classes_and_tie_each_class():
    X, y = blobs()
    G = fuzzy_knn_graph(X, n_neighbors=10)
    y_noisy = y.copy()
    y_noisy[:30] = (y[:30] + 1) % 3  # wrong labels: their edges to their own blob weaken
    S = supervise_graph(G, y_noisy, target_weight=0.5, n_label_edges=3).tocsr()
    Gc = G.tocsr()
    i, j = next((i, j) for i in range(30) for j in Gc[i].indices if y_noisy[i] != y_noisy[j])
    assert S[i, j] == pytest.approx(Gc[i, j] * np.exp(-5.0))
    assert (S != S.T).nnz == 0 and S.max() <= 1.0
    assert S.nnz > G.nnz  # the label edges
    unlabelled = np.full_like(y, -1)
    assert (supervise_graph(G, unlabelled, 0.5, 3).tocsr() != Gc).nnz == 0  # no labels: no change
    with_cut = supervise_graph(G, y_noisy, target_weight=1.0).tocsr()
    assert with_cut[i, j] == 0


def test_ab_params_match_umap_defaults():
    a, b = find_ab_params(1.0, 0.1)
    assert a == pytest.approx(1.577, abs=0.01) and b == pytest.approx(0.895, abs=0.01)


def test_layout_separates_the_blobs_it_starts_mixed():
    X, y = blobs()
    G = fuzzy_knn_graph(X, n_neighbors=10)
    init = np.random.default_rng(0).uniform(-10, 10, (300, 2))  # no structure at the start
    assert knn_accuracy(init[::2], y[::2], init[1::2], y[1::2]) < 0.6
    Y = optimize_layout(G, init, n_epochs=200, random_state=0)
    assert Y.shape == (300, 2) and Y.dtype == np.float32 and np.isfinite(Y).all()
    assert knn_accuracy(Y[::2], y[::2], Y[1::2], y[1::2]) > 0.98
    # graph neighbours end up much closer than random pairs
    Gc = G.tocoo()
    d_edge = np.linalg.norm(Y[Gc.row] - Y[Gc.col], axis=1).mean()
    rng = np.random.default_rng(1)
    d_rand = np.linalg.norm(Y[rng.integers(0, 300, 2000)] - Y[rng.integers(0, 300, 2000)], axis=1).mean()
    assert d_edge < 0.2 * d_rand


def test_layout_is_reproducible_and_checks_its_start():
    X, _ = blobs(n=120)
    G = fuzzy_knn_graph(X, n_neighbors=8)
    init = np.random.default_rng(0).normal(size=(120, 2))
    np.testing.assert_array_equal(optimize_layout(G, init, 20, random_state=3),
                                  optimize_layout(G, init, 20, random_state=3))
    with pytest.raises(ValueError, match="rows"):
        optimize_layout(G, init[:50])
    with pytest.raises(ValueError, match="n_chunks"):
        optimize_layout(G, init, 20, n_chunks=0)


def test_layout_in_one_group_or_several_both_separate_the_blobs():
    # n_chunks=1 moves every point from the epoch's starting positions; more groups read the
    # positions the earlier ones left, so the two runs differ but both must reach a clean map.
    X, y = blobs()
    G = fuzzy_knn_graph(X, n_neighbors=10)
    init = np.random.default_rng(0).uniform(-10, 10, (300, 2))
    one = optimize_layout(G, init, n_epochs=200, random_state=0, n_chunks=1)
    many = optimize_layout(G, init, n_epochs=200, random_state=0, n_chunks=16)
    assert not np.allclose(one, many)
    for Y in (one, many):
        assert knn_accuracy(Y[::2], y[::2], Y[1::2], y[1::2]) > 0.98


def test_graph_layout_targets_are_standardised():
    X, y = blobs()
    Y = _graph_layout(X, 3, n_neighbors=10, min_dist=0.1, negative_sample_rate=5, seed=0)
    assert Y.shape == (300, 3)
    assert abs(Y.std() - 1.0) < 1e-4 and np.abs(Y.mean(axis=0)).max() < 1e-4
    # more components than features: the PCA start is padded, the layout still works
    Y1 = _graph_layout(X[:, :1], 2, n_neighbors=10, min_dist=0.1, negative_sample_rate=5, seed=0)
    assert Y1.shape == (300, 2) and np.isfinite(Y1).all()


def test_structure_term_trains_and_is_logged():
    X, y = blobs()
    r = AutoencoderReducer(2, hidden_layer_sizes=(16,), max_epochs=4, structure_weight=1.0, random_state=0).fit(X)
    h = r.history_.history
    assert {"reconstruction", "structure", "val_structure"} <= set(h)
    assert h["loss"][-1] < h["loss"][0]
    assert r.structure_weight_ == 1.0
    assert r.transform(X).shape == (300, 2)


def test_structure_weight_auto_and_invalid():
    assert AutoencoderReducer(2, structure_weight="auto")._resolve_structure_weight() == STRUCTURE_WEIGHT_AUTO
    assert AutoencoderReducer(8, structure_weight="auto")._resolve_structure_weight() == 0.0
    with pytest.raises(ValueError, match="structure_weight must be 'auto' or a number >= 0, got -1"):
        AutoencoderReducer(2, structure_weight=-1)._validate_params()


def test_structure_term_gives_cleaner_2d_maps_than_plain_reconstruction():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    tr, te = np.arange(0, len(X), 2), np.arange(1, len(X), 2)
    scores = {}
    for w in (0.0, STRUCTURE_WEIGHT_AUTO):
        r = AutoencoderReducer(2, max_epochs=60, structure_weight=w, random_state=0).fit(X[tr])
        scores[w] = knn_accuracy(r.transform(X[tr]), y[tr], r.transform(X[te]), y[te])
    # each with its default network (measured: 0.92 against 0.79)
    assert scores[STRUCTURE_WEIGHT_AUTO] > scores[0.0] + 0.08, scores


def overlapping_blobs(n=600, seed=0):
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n, centers=4, n_features=10, cluster_std=4.0, random_state=seed)
    return X.astype(np.float32), y



def test_labels_sharpen_the_map_and_a_few_labels_help():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    few = np.where(np.arange(len(y)) % 4 == 0, y, -1)  # a quarter labelled
    unlabelled = few < 0

    def accuracy_on_unlabelled_rows(labels):
        Z = AutoencoderReducer(2, hidden_layer_sizes=(64,), max_epochs=20, batch_size=64,
                               random_state=0).fit(X, labels).transform(X)[unlabelled]
        yu = y[unlabelled]
        return knn_accuracy(Z[::2], yu[::2], Z[1::2], yu[1::2])

    plain, semi, full = (accuracy_on_unlabelled_rows(lab) for lab in (None, few, y))
    assert semi > plain + 0.01 and full > plain + 0.02  # measured 0.911, 0.939, 0.957


def test_all_unlabelled_is_the_unsupervised_fit():
    X, _ = overlapping_blobs(200)
    kw = dict(hidden_layer_sizes=(16,), max_epochs=3, random_state=0)
    a = AutoencoderReducer(2, **kw).fit(X).transform(X)
    b = AutoencoderReducer(2, **kw).fit(X, np.full(len(X), -1)).transform(X)
    np.testing.assert_array_equal(a, b)


def test_labels_errors_name_the_problem(tmp_path):
    X, y = overlapping_blobs(200)
    with pytest.raises(ValueError, match="one label per row: got shape \\(199,\\) for 200 rows"):
        AutoencoderReducer(2, max_epochs=1).fit(X, y[:-1])
    with pytest.raises(ValueError, match="structure_weight_=0 for n_components > 3.*structure_weight > 0"):
        AutoencoderReducer(8, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="structure_weight_=0\\)"):
        AutoencoderReducer(2, structure_weight=0.0, max_epochs=1).fit(X, y)
    path = tmp_path / "x.npy"
    np.save(path, X)
    with pytest.warns(UserWarning, match="y is ignored.*every row in memory"):
        AutoencoderReducer(2, max_epochs=1).fit(np.load(path, mmap_mode="r"), y)

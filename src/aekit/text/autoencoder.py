"""TextAutoencoder: document embeddings and word vectors learned without labels, by
reconstructing each document's TF-IDF vector from a copy with words dropped."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils.validation import check_is_fitted

from .._base import AekitEstimator, training_constraints
from .._validation import Interval, IntSequence, Options, semi_supervised_labels
from ..blocks.text import TextAENet
from ..serialization import register
from ..training import predict_batches
from .preprocessing import _check_text, _check_texts, _positive_int, pad_sequences

__all__ = ["LOSSES", "TextAutoencoder"]

#: The reconstruction losses of :class:`TextAutoencoder`.
LOSSES = ("softmax", "cosine", "mse")
_MEMORY_FIX = "Use a smaller n_components (--dims), hidden or max_features."


class _RowLookup:
    """Row ids -> the (indices, offsets, weights) triple of those CSR rows, on ``device``."""

    def __init__(self, X):
        self.X = X

    def __call__(self, rows: torch.Tensor, device):
        sub = self.X[rows.cpu().numpy()]
        return (torch.from_numpy(sub.indices.astype(np.int64)).to(device),
                torch.from_numpy(sub.indptr.astype(np.int64)).to(device),
                torch.from_numpy(sub.data.astype(np.float32)).to(device))


class _TextAELoss:
    """Denoising reconstruction loss over batches of ``(row ids, labels)`` of a CSR TF-IDF matrix.

    Input: the row with each word dropped with probability ``dropout`` (survivors scaled by
    ``1 / (1 - dropout)``; only while training). Target: the full row. ``"softmax"`` treats the
    row, divided by its sum, as a distribution over words and scores it by cross-entropy against
    ``softmax(scores)`` (the multinomial likelihood of topic models; it touches only the words
    present, so no dense target is built); ``"cosine"`` is ``1 - cos(scores, row)`` and ``"mse"``
    the squared error summed over words, both on the row made dense per batch.

    When the model has a ``label_head``, ``label_weight`` times the cross-entropy of the labels
    read from the embedding is added, over the rows of the batch that have one (label >= 0).
    """

    def __init__(self, X, dropout: float, loss: str, label_weight: float = 0.0):
        self.rows, self.dropout, self.loss = _RowLookup(X), float(dropout), loss
        self.label_weight = float(label_weight)

    def _reconstruction(self, scores, rows, indices, indptr, data):
        counts = indptr[1:] - indptr[:-1]
        owner = torch.repeat_interleave(torch.arange(len(rows), device=rows.device), counts)
        if self.loss == "softmax":
            total = torch.zeros(len(rows), device=rows.device).index_add_(0, owner, data)
            p = data / total[owner].clamp_min(1e-12)
            log_p_model = scores[owner, indices] - torch.logsumexp(scores, dim=1)[owner]
            return -(p * log_p_model).sum() / len(rows)
        target = torch.zeros_like(scores)
        target[owner, indices] = data
        if self.loss == "cosine":
            return (1.0 - F.cosine_similarity(scores, target, dim=1, eps=1e-8)).mean()
        return (scores - target).pow(2).sum(1).mean()

    def __call__(self, model, batch):
        rows, labels = batch
        device = rows.device
        indices, indptr, data = self.rows(rows, device)
        weights = data
        if model.training and self.dropout > 0:
            keep = torch.rand(len(data), device=device) >= self.dropout
            weights = data * keep / (1.0 - self.dropout)
        z = model.encode(indices, indptr[:-1], weights)
        reconstruction = self._reconstruction(model.decoder(z).float(), rows, indices, indptr, data)
        if model.label_head is None:
            return reconstruction
        # The label term reads the same word-dropped input, so it also learns from partial texts.
        labelled = labels >= 0
        logits = model.label_head(z).float()
        # A batch without labels still routes the head into the graph (times 0): under
        # DistributedDataParallel every rank must produce a gradient for every parameter.
        label_loss = (F.cross_entropy(logits[labelled], labels[labelled]) if labelled.any()
                      else 0.0 * logits.sum())
        return (reconstruction + self.label_weight * label_loss,
                {"reconstruction": reconstruction.detach(), "label_loss": label_loss.detach()})


def _lsa_basis(X, n_components: int, seed: int) -> tuple[torch.Tensor, float]:
    """The truncated-SVD (LSA) axes of the TF-IDF rows ``X``, and the factor that gives their
    coordinates unit mean square (the scale a default-initialised decoder expects)."""
    from sklearn.decomposition import TruncatedSVD

    k = max(1, min(n_components, X.shape[1] - 1, X.shape[0] - 1))
    svd = TruncatedSVD(k, random_state=seed)
    Z = svd.fit_transform(X)
    axes = np.zeros((n_components, X.shape[1]), dtype=np.float32)
    axes[:k] = svd.components_
    scale = 1.0 / max(float(np.sqrt(np.mean(Z.astype(np.float64) ** 2))), 1e-12)
    return torch.from_numpy(axes), scale


@register
class TextAutoencoder(AekitEstimator):
    """Document embeddings learned by reconstructing each document's words (denoising).

    Each text becomes its TF-IDF vector (scikit-learn's ``TfidfVectorizer``: sublinear term
    frequency, L2-normalised). The encoder maps it through a wide ReLU layer to
    ``n_components`` numbers, the embedding; a linear decoder maps the embedding back to a
    score for every word of the vocabulary. Training drops each word of the input with
    probability ``input_dropout`` and asks for the whole document back, so the embedding must
    capture which words go together rather than copy them.

    The first layer holds one ``hidden``-long vector per vocabulary word (the columns of its
    weight matrix): those are the word vectors of :meth:`most_similar`, :meth:`save_word2vec`
    and :meth:`save_projector`, and the initial embeddings of
    :meth:`EmbeddingClassifier.from_text_autoencoder`.

    Parameters
    ----------
    n_components : int, default 64
        Length of the document embedding.
    max_features : int or None, default 20000
        Keep the most frequent words (n-grams) only.
    min_df : int or float, default 2
        Ignore words found in fewer documents (a fraction when float), as ``TfidfVectorizer``.
    ngram_range : tuple (int, int), default (1, 1)
        Word n-grams of the vocabulary; ``(1, 2)`` adds pairs of words. Pairs then also become
        tokens of :meth:`texts_to_sequences`: on the movie reviews an
        :class:`EmbeddingClassifier` on 1-3-gram tokens reached 0.80 accuracy, against 0.78 on
        single words (see ``benchmarks/text.py``).
    hidden : int, default 512
        Width of the encoder's hidden layer, and the length of the word vectors.
    input_dropout : float, default 0.75
        Probability of dropping each word from the input while training (0 disables denoising).
        Heavy dropout makes the embedding predict the words a document *would* use from the
        few it keeps; on the movie reviews 0.75 gave better embeddings than 0.5.
    loss : {"softmax", "cosine", "mse"}, default "softmax"
        Reconstruction loss: cross-entropy between the document's TF-IDF weights (as a
        distribution over words) and the softmax of the decoder's scores; ``1 - cosine``
        between scores and TF-IDF vector; or squared error. On the movie reviews (15 epochs,
        64-d, logistic regression on the embeddings) they reached 0.69, 0.67 and 0.58 accuracy:
        squared error on sparse TF-IDF rows learns little more than the average document.
    label_weight : float, default 1.0
        Weight of the label term when :meth:`fit` is given labels (semi-supervised). On the
        movie reviews (64-d, labels of the 80% training split, ``benchmarks/text.py``) a
        logistic regression on the embeddings reached 0.78 accuracy, against 0.69 without
        labels; weights from 0.3 to 3 gave much the same.
    lsa_start : bool, default True
        Start the embedding at LSA: a linear path from the words to the embedding is added,
        set to the truncated-SVD basis of the TF-IDF rows, and the non-linear path starts at
        zero, so before training the embedding *is* the LSA embedding (up to one scale) and
        training moves it on from there. On the movie reviews (64-d, 15 epochs, no labels,
        ``benchmarks/text.py --lsa-start``) logistic regression on the embeddings reached
        0.709 with it and 0.690 without (LSA-64 alone: 0.653); with the training rows' labels
        0.778 and 0.777. On the three-class task with the plot summaries (``--with-plots``):
        0.739 and 0.714 without labels (LSA-64: 0.672), 0.787 and 0.790 with them.
        For word vectors (:meth:`EmbeddingClassifier.from_text_autoencoder`) prefer
        ``lsa_start=False``: a classifier started from the unsupervised 1-3-gram autoencoder's
        vectors scored 0.798 with the LSA start and 0.807 without (two runs of
        ``benchmarks/text.py``).
    max_epochs : int, default 30
    batch_size : int, default 256
    learning_rate : float, default 2e-3
        Adam's step size, constant (on the movie reviews a cosine decay over 30 epochs gave
        worse embeddings: they keep improving after the reconstruction loss levels off).
    validation_split : float, default 0.1
        Fraction of the texts held out to stop early (no hold-out with fewer than 20 texts).
    early_stopping : bool, default True
    patience : int, default 5
    device : str, default "auto"
    random_state : int, RandomState or None, default None
        Seeds the initial weights, the batches and the word dropout.
    verbose : int, default 0
        0 silent, 1 a progress bar on a terminal, 2 also a line per epoch.
    checkpoint : str or None, default None
        File written at the end of every epoch; ``fit(texts, resume=True)`` continues a killed
        run from it, to the weights the uninterrupted run would have reached.

    Attributes
    ----------
    vocabulary_ : list of str
        The words (n-grams), in the order of the word vectors.
    idf_ : ndarray of shape (n_words,)
        Inverse document frequencies learned from the fitted texts.
    vectorizer_ : sklearn.feature_extraction.text.TfidfVectorizer
        Turns texts into the network's input. Model files keep ``vocabulary_`` and ``idf_`` as
        JSON and numbers (loading never unpickles) and rebuild it from them.
    model_ : torch.nn.Module
        The trained network.
    word_vectors_ : ndarray of shape (n_words, hidden)
        One vector per word of ``vocabulary_``.
    embedding_ : ndarray of shape (n_texts, n_components)
        The embeddings of the fitted texts (what :meth:`similar_documents` searches).
    classes_ : ndarray or None
        The labels seen by a semi-supervised :meth:`fit`; None when fitted without labels.
    history_ : aekit.training.History
        With labels it also logs ``reconstruction`` and ``label_loss`` per epoch.
    n_iter_ : int
        Epochs trained.

    See Also
    --------
    sklearn.decomposition.TruncatedSVD : LSA, the linear baseline on the same TF-IDF matrix.
    EmbeddingClassifier.from_text_autoencoder : a classifier that starts from these word vectors.

    Examples
    --------
    >>> from aekit.text import TextAutoencoder
    >>> texts = ["the cat sat on the mat", "a dog chased the cat", "stocks fell on monday",
    ...          "the market rallied as stocks rose", "my dog and my cat", "bond prices and the market"]
    >>> tae = TextAutoencoder(n_components=2, hidden=16, min_df=1, max_epochs=5, random_state=0)
    >>> tae.fit(texts).transform(["the cat and the dog"]).shape
    (1, 2)
    >>> len(tae.most_similar("cat", topn=3)), tae.word_vectors_.shape
    (3, (18, 16))

    Semi-supervised: labels for some texts (None marks the unlabelled ones) shape the embedding.

    >>> topics = ["pets", "pets", "money", None, None, "money"]
    >>> semi = TextAutoencoder(n_components=2, hidden=16, min_df=1, max_epochs=5, random_state=0)
    >>> semi.fit(texts, topics).classes_.tolist()
    ['money', 'pets']
    """

    _parameter_constraints = {
        "n_components": [Interval(int, 1, None)],
        "max_features": [None, Interval(int, 1, None)],
        "min_df": [Interval(int, 0, None), Interval(float, 0, 1)],
        "ngram_range": [IntSequence(1, min_len=2, max_len=2, allow_int=False)],
        "hidden": [Interval(int, 1, None)],
        "input_dropout": [Interval(float, 0, 1, closed="left")],
        "loss": [Options(*LOSSES)],
        "label_weight": [Interval(float, 0, None)],
        "lsa_start": ["boolean"],
        **training_constraints("max_epochs", "batch_size", "learning_rate", "validation_split", "early_stopping",
                               "patience", "random_state", "verbose", "checkpoint"),
    }
    # fixed, as they always were: a constant rate (see learning_rate) and fp32
    _train_defaults = {"lr_schedule": "constant", "precision": "fp32"}

    def __init__(
        self,
        n_components=64,
        max_features=20000,
        min_df=2,
        ngram_range=(1, 1),
        hidden=512,
        input_dropout=0.75,
        loss="softmax",
        label_weight=1.0,
        lsa_start=True,
        max_epochs=30,
        batch_size=256,
        learning_rate=2e-3,
        validation_split=0.1,
        early_stopping=True,
        patience=5,
        device="auto",
        random_state=None,
        verbose=0,
        checkpoint=None,
    ):
        self.n_components = n_components
        self.max_features = max_features
        self.min_df = min_df
        self.ngram_range = ngram_range
        self.hidden = hidden
        self.input_dropout = input_dropout
        self.loss = loss
        self.label_weight = label_weight
        self.lsa_start = lsa_start
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.patience = patience
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.checkpoint = checkpoint

    # -- checks ------------------------------------------------------------------------------

    def _check_params(self) -> None:
        self._validate_params()
        low, high = self.ngram_range
        if low > high:
            raise ValueError(f"ngram_range must be a pair (min_n, max_n) with 1 <= min_n <= max_n, "
                             f"got {self.ngram_range!r}.")

    def _vectorizer(self, **kw):
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(sublinear_tf=True, ngram_range=tuple(int(n) for n in self.ngram_range),
                               dtype=np.float32, **kw)

    def _tfidf(self, texts):
        X = self.vectorizer_.transform(texts).tocsr()
        X.sort_indices()
        return X

    # -- fit / transform ---------------------------------------------------------------------

    def fit(self, texts, y=None, *, resume=False):
        """Learn the vocabulary, the IDF weights and the autoencoder from ``texts``.

        Parameters
        ----------
        texts : list of str
        y : array-like of shape (n_texts,), optional
            Labels, for a semi-supervised embedding. Without them (the default) the embedding
            is learned from the words alone. With them, a linear head must also read each
            labelled text's label from its embedding (``label_weight`` times its cross-entropy
            is added to the reconstruction loss), so the embedding keeps what tells the classes
            apart. Unlabelled texts are marked ``-1`` (scikit-learn's convention for
            semi-supervised learning), ``None`` or NaN; they are still reconstructed.
        resume : bool, default False
            Continue from ``self.checkpoint`` if that file exists (a killed run resumes to the
            same weights it would have reached uninterrupted).

        Returns
        -------
        self
        """
        self._check_params()
        texts = _check_texts(texts, "TextAutoencoder.fit")
        classes, labels = semi_supervised_labels(y, len(texts), "text", "fit(texts)")
        vec = self._vectorizer(min_df=self.min_df, max_features=self.max_features)
        try:
            vec.fit(texts)
        except ValueError as exc:
            raise ValueError(
                f"No vocabulary could be learned from the {len(texts)} texts ({exc}). They need words "
                "of two or more letters; with few texts, lower min_df (now "
                f"{self.min_df!r})."
            ) from None
        self.vectorizer_ = vec
        self.vocabulary_ = [str(w) for w in vec.get_feature_names_out()]
        self._index = {w: i for i, w in enumerate(self.vocabulary_)}
        self.idf_ = vec.idf_.astype(np.float32)
        X = self._tfidf(texts)
        if X.nnz == 0:
            raise ValueError("None of the texts has a word of the vocabulary.")

        seed = self._draw_seed()
        n_words, hidden, k = len(self.vocabulary_), int(self.hidden), int(self.n_components)
        n_classes = len(classes) if classes is not None else 0
        network = self._build_network(lambda: TextAENet(n_words, hidden, k, n_classes, self.lsa_start), seed,
                                      fix=_MEMORY_FIX)
        if self.lsa_start:
            network.start_at_lsa(*_lsa_basis(X, k, seed))
        self.classes_ = classes
        split = float(self.validation_split) if len(texts) >= 20 else 0.0
        loss = _TextAELoss(X, float(self.input_dropout), self.loss, float(self.label_weight))
        # The data are row numbers and label codes, the same on every run over the same texts:
        # a resumed run (resume=True) sees the very batches the killed one would have.
        data = (torch.arange(X.shape[0]), torch.from_numpy(labels))
        self._fit_network(network, loss, data, seed, resume=resume, validation_split=split,
                          early_stopping=bool(self.early_stopping) and split > 0, restore_best_weights=split > 0)
        self.embedding_ = self._encode(X)
        return self

    def fit_transform(self, texts, y=None) -> np.ndarray:
        """Fit (with labels ``y`` if given), then return the embeddings of ``texts`` (``embedding_``)."""
        return self.fit(texts, y).embedding_.copy()

    def _encode(self, X) -> np.ndarray:
        device = next(self.model_.parameters()).device
        lookup = _RowLookup(X)

        def fn(rows):
            return self.model_.encode(*_offsets(lookup(rows, device)))

        return predict_batches(fn, np.arange(X.shape[0]), device=device, precision="fp32")

    def transform(self, texts) -> np.ndarray:
        """Embed ``texts``: an array of shape (n_texts, n_components), float32.

        Words outside the vocabulary are ignored; a text with none of its words in the
        vocabulary gets the embedding of the empty text.
        """
        check_is_fitted(self, "model_")
        return self._encode(self._tfidf(_check_texts(texts, "TextAutoencoder.transform")))

    # -- words -------------------------------------------------------------------------------

    @property
    def word_vectors_(self) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self.model_.words.weight.detach().cpu().numpy().copy()

    def _word_id(self, word) -> int:
        check_is_fitted(self, "model_")
        if not isinstance(word, str):
            raise TypeError(f"word must be a string, got {type(word).__name__}: {word!r:.60}.")
        i = self._index.get(word, self._index.get(word.lower()))
        if i is None:
            raise KeyError(f"{word!r} is not in the vocabulary ({len(self.vocabulary_):,} words "
                           f"seen in at least min_df={self.min_df!r} of the fitted texts).")
        return i

    def most_similar(self, word: str, topn: int = 10) -> list[tuple[str, float]]:
        """The ``topn`` words whose vectors are closest to ``word``'s (cosine similarity).

        Returns
        -------
        list of (str, float)
            Most similar first; ``word`` itself is left out.

        Raises
        ------
        KeyError
            When ``word`` is not in the vocabulary.
        """
        i = self._word_id(word)
        topn = _positive_int("topn", topn)
        W = self.word_vectors_
        W = W / np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1e-12)
        sims = W @ W[i]
        sims[i] = -np.inf
        order = np.argsort(-sims, kind="stable")[: min(topn, len(sims) - 1)]
        return [(self.vocabulary_[j], float(sims[j])) for j in order]

    def similar_documents(self, text: str, topn: int = 10) -> list[tuple[int, float]]:
        """The fitted texts whose embeddings are closest to ``text``'s (cosine similarity).

        Returns
        -------
        list of (int, float)
            ``(position in the texts passed to fit, cosine)``, most similar first. The model
            keeps the fitted texts' embeddings, not the texts themselves.
        """
        check_is_fitted(self, "model_")
        _check_text(text, "similar_documents")
        topn = _positive_int("topn", topn)
        q = self.transform([text])[0]
        E = self.embedding_
        sims = E @ q / np.maximum(np.linalg.norm(E, axis=1) * np.linalg.norm(q), 1e-12)
        order = np.argsort(-sims, kind="stable")[:topn]
        return [(int(j), float(sims[j])) for j in order]

    def save_word2vec(self, path) -> None:
        """Write the word vectors in word2vec's text format (atomically).

        The first line is ``n_words dim``; then one line per word: the word and its numbers,
        separated by single spaces. Spaces inside n-grams become ``_``. gensim reads it with
        ``KeyedVectors.load_word2vec_format(path, binary=False)``.
        """
        W = self.word_vectors_
        lines = [f"{W.shape[0]} {W.shape[1]}"]
        lines += [w.replace(" ", "_") + " " + " ".join(f"{v:.6g}" for v in row)
                  for w, row in zip(self.vocabulary_, W)]
        _write_text(path, "\n".join(lines) + "\n")

    def save_projector(self, vectors_tsv, metadata_tsv) -> None:
        """Write the two files TensorFlow's Embedding Projector loads (atomically).

        ``vectors_tsv`` holds one word vector per line, tab-separated, no header;
        ``metadata_tsv`` the matching word on each line (one column, so no header).
        """
        W = self.word_vectors_
        _write_text(vectors_tsv, "".join("\t".join(f"{v:.6g}" for v in row) + "\n" for row in W))
        _write_text(metadata_tsv, "".join(w + "\n" for w in self.vocabulary_))

    def texts_to_sequences(self, texts, maxlen: int | None = None) -> np.ndarray:
        """Texts as padded sequences of word indices for an :class:`EmbeddingClassifier` built
        with :meth:`EmbeddingClassifier.from_text_autoencoder`.

        Words are split as for the TF-IDF vectors; index ``i + 1`` is ``vocabulary_[i]`` (0 is
        padding); words outside the vocabulary are dropped. Sequences are padded at the end, and
        truncated to ``maxlen`` (default: the longest) from the end.
        """
        check_is_fitted(self, "model_")
        texts = _check_texts(texts, "texts_to_sequences")
        analyzer = self.vectorizer_.build_analyzer()
        seqs = [[self._index[w] + 1 for w in analyzer(t) if w in self._index] for t in texts]
        if maxlen is None:
            maxlen = max(1, max(len(s) for s in seqs))
        return pad_sequences(seqs, maxlen=maxlen, padding="post", truncating="post", dtype="int64")

    # -- model files -------------------------------------------------------------------------

    def _extra_saved_state(self):
        state = {"vocabulary": self.vocabulary_,
                 "classes": None if self.classes_ is None else self.classes_.tolist()}
        tensors = {"idf": torch.from_numpy(np.asarray(self.idf_, dtype=np.float32)),
                   "embedding": torch.from_numpy(np.asarray(self.embedding_, dtype=np.float32))}
        return state, tensors

    @classmethod
    def _saved_network_spec(cls, params, state):
        if "network" in state:
            return state["network"]
        # files before the network registry: the network follows from the parameters and the state
        classes = state.get("classes")
        return {"type": "TextAENet", "config": {
            "n_words": len(state["vocabulary"]), "hidden": params["hidden"],
            "n_components": params["n_components"], "n_classes": 0 if classes is None else len(classes)}}

    def _set_saved_state(self, state, tensors):
        self._check_params()
        vocab = [str(w) for w in state["vocabulary"]]
        idf = tensors["idf"].numpy().astype(np.float32)
        if len(idf) != len(vocab):
            raise ValueError(f"{len(vocab)} words but {len(idf)} IDF weights")
        classes = state.get("classes")
        if classes is not None and (not isinstance(classes, list) or len(classes) < 2
                                    or not all(isinstance(c, (str, int, float, bool)) for c in classes)):
            raise ValueError("'classes' must be a list of two or more labels")
        expected = {"n_words": len(vocab), "hidden": int(self.hidden), "n_components": int(self.n_components),
                    "n_classes": 0 if classes is None else len(classes)}
        # files written before the LSA start have no "lsa" entry (and no LSA path): they were fitted without
        self.lsa_start = bool(self.model_.config.get("lsa", False))
        if {k: v for k, v in self.model_.config.items() if k != "lsa"} != expected:
            raise ValueError("the network's config does not match the parameters (hidden, n_components), "
                             "the vocabulary and the classes")
        self.vectorizer_ = self._vectorizer(vocabulary={w: i for i, w in enumerate(vocab)})
        self.vectorizer_.idf_ = idf
        self.vocabulary_, self.idf_ = vocab, idf
        self._index = {w: i for i, w in enumerate(vocab)}
        self.classes_ = None if classes is None else np.asarray(classes)
        self.embedding_ = tensors["embedding"].numpy().copy()


def _offsets(triple):
    indices, indptr, data = triple
    return indices, indptr[:-1], data


def _write_text(path, text: str) -> None:
    from ..serialization import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")

"""EmbeddingClassifier: Keras' ``Embedding -> Flatten -> Dense`` as a scikit-learn style estimator."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils.validation import check_is_fitted

from .._base import AekitEstimator, training_constraints
from .._validation import Interval, IntSequence, Options
from ..blocks.text import POOLINGS, EmbeddingNet
from ..serialization import register
from ..training import History, predict_batches
from .preprocessing import _positive_int

__all__ = ["EmbeddingClassifier"]

_MEMORY_FIX = "Use a smaller vocab_size, embedding_dim or input_length."


def _loss(model, batch):
    x, y = batch
    logits = model(x).float()
    if logits.shape[1] == 1:
        logits = logits[:, 0]
        loss = F.binary_cross_entropy_with_logits(logits, y.float())
        hits = (logits > 0).long() == y
    else:
        loss = F.cross_entropy(logits, y)
        hits = logits.argmax(1) == y
    return loss, {"accuracy": hits.float().mean()}


@register
class EmbeddingClassifier(AekitEstimator):
    """Classify sequences of word indices through a learned word embedding (Keras-style).

    The network is Keras' ``Embedding(vocab_size, embedding_dim) -> Flatten -> Dense(1, sigmoid)``
    with binary cross-entropy for two classes, or ``Dense(n_classes, softmax)`` with categorical
    cross-entropy for more. ``pooling="mean"`` averages the word vectors instead of flattening
    them (ignoring padding), which accepts sequences of any length; ``hidden`` adds ReLU layers.

    The API follows Keras more than scikit-learn: :meth:`fit` returns the training history,
    :meth:`predict` returns probabilities (use :meth:`predict_classes` for labels).

    Parameters
    ----------
    vocab_size : int
        Number of word indices: inputs are integers in ``[0, vocab_size)``, 0 being padding.
        With :func:`one_hot` use the same ``n``; with a :class:`Tokenizer`, ``len(word_index) + 1``
        (or its ``num_words``).
    embedding_dim : int, default 8
        Length of each word vector.
    input_length : int or None, default None
        Length of the padded sequences; ``None`` takes it from ``X`` in :meth:`fit`.
    pooling : {"flatten", "mean"}, default "flatten"
    hidden : tuple of int, default ()
        Widths of ReLU layers between the pooled embedding and the output.
    n_classes : int, default 2
        Labels are integers in ``[0, n_classes)``. Two classes use one sigmoid output.
    dropout : float, default 0.0
        Dropout rate after the pooled embedding and after each hidden layer.
    learning_rate : float, default 1e-2
        Adam's step size. Keras' default is 1e-3, but 50 epochs on a handful of texts are only
        50 Adam steps: with 1e-3 the classic eight-review example (``one_hot`` into 20 or 50,
        padded to 4) ends below 100% training accuracy for one seed in four or five in Keras'
        own network, and for about one in a hundred here (the padding row is fixed, see Notes),
        the others passing by a hair; with 1e-2 every one of 300 seeds reached 100%, with the
        default one-cycle schedule (where it is the peak rate) as with a constant one. On thousands of texts a few epochs are enough (see
        ``lr_schedule``); more overfit unless validation data and ``early_stopping=True`` stop them.
    lr_schedule : {"onecycle", "constant", "cosine"}, default "onecycle"
        "onecycle" warms up to ``learning_rate`` and anneals to zero at the end of ``fit``'s
        ``epochs`` (per step, :func:`aekit.training.onecycle_lr`), so a fit of a few epochs ends
        annealed instead of wherever a constant rate left it. On the movie reviews
        (``benchmarks/recipes.py``, validation rows, 3 seeds) 3 epochs reached 0.783 in 0.9 s,
        where Keras' constant 1e-3 with early stopping reached 0.781 in 3.6 s. "constant" is
        Keras' schedule.
    batch_size : int, default 32
        As in Keras.
    early_stopping : bool, default False
        Stop when ``val_loss`` (or ``loss`` without validation data) has not improved for
        ``patience`` epochs, and keep the best weights. Keras does not stop early by default.
    patience : int, default 10
    precision : {"fp32", "auto", "bf16"}, default "fp32"
        See :func:`aekit.hardware.resolve_precision`; these models are small, so fp32.
    device : str, default "auto"
    random_state : int, RandomState or None, default None
        Seeds the initial weights, the batch order and dropout: the same seed gives the same
        model.
    verbose : int, default 0
        0 silent, 1 a progress bar on a terminal, 2 also a line per epoch.
    init_embeddings : array-like of shape (vocab_size, embedding_dim) or None, default None
        Initial word vectors (row 0, padding, is set to zero); ``None`` draws them at random as
        Keras does. :meth:`from_text_autoencoder` sets them to a :class:`TextAutoencoder`'s word
        vectors: pre-training on unlabelled texts, then fine-tuning on the labelled ones. Model
        files do not keep this array (the trained weights are what a loaded model needs): a
        loaded model has ``init_embeddings=None``.
    checkpoint : str or None, default None
        File written at the end of every epoch; ``fit(X, y, epochs, resume=True)`` continues a
        killed run from it, to the weights the uninterrupted run would have reached.

    Attributes
    ----------
    model_ : torch.nn.Module
        The trained network; it outputs logits.
    history_ : aekit.training.History
        What :meth:`fit` returned.
    n_iter_ : int
        Epochs trained.
    input_length_ : int
        Sequence length the model was trained on.
    n_features_in_ : int
        Same as ``input_length_``.
    classes_ : ndarray
        ``arange(n_classes)``.
    embeddings_ : ndarray of shape (vocab_size, embedding_dim)
        The learned word vectors; row 0 (padding) is zero.

    Notes
    -----
    Besides the learning rate, one deliberate difference from Keras: the embedding row of the
    padding index 0 is fixed at zero and never trained (Keras trains it like any other row),
    so padding adds nothing to the prediction, whichever side it is on.

    Examples
    --------
    >>> from aekit.text import EmbeddingClassifier, one_hot, pad_sequences
    >>> docs = ["Beautifully done!", "Excellent work", "Admirable effort", "Satisfactory performance",
    ...         "very bad", "unacceptable results", "incompetent with poor skills", "not cool at all"]
    >>> labels = [1, 1, 1, 1, 0, 0, 0, 0]
    >>> X = pad_sequences([one_hot(d, 20) for d in docs], maxlen=4, padding="post")
    >>> clf = EmbeddingClassifier(vocab_size=20, embedding_dim=8, random_state=0)
    >>> history = clf.fit(X, labels, epochs=50)
    >>> history.history["accuracy"][-1], clf.evaluate(X, labels)[1]
    (1.0, 1.0)
    >>> clf.predict(X).shape, clf.predict_classes(X)
    ((8, 1), array([1, 1, 1, 1, 0, 0, 0, 0]))
    """

    _parameter_constraints = {
        "vocab_size": [Interval(int, 2, None)],
        "embedding_dim": [Interval(int, 1, None)],
        "input_length": [None, Interval(int, 1, None)],
        "pooling": [Options(*POOLINGS)],
        "hidden": [IntSequence(1)],
        "n_classes": [Interval(int, 2, None)],
        "dropout": [Interval(float, 0, 1, closed="left")],
        **training_constraints("learning_rate", "lr_schedule", "batch_size", "early_stopping", "patience",
                               "precision", "random_state", "verbose", "checkpoint"),
    }
    # the trained weights are what a loaded model needs, not the initial ones
    _unsaved_params = {"init_embeddings": None}
    # Keras' fit: the whole data trains unless validation_split or validation_data says otherwise
    _train_defaults = {"validation_split": 0.0}

    def __init__(
        self,
        vocab_size,
        embedding_dim=8,
        input_length=None,
        pooling="flatten",
        hidden=(),
        n_classes=2,
        dropout=0.0,
        learning_rate=1e-2,
        lr_schedule="onecycle",
        batch_size=32,
        early_stopping=False,
        patience=10,
        precision="fp32",
        device="auto",
        random_state=None,
        verbose=0,
        init_embeddings=None,
        checkpoint=None,
    ):
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.input_length = input_length
        self.pooling = pooling
        self.hidden = hidden
        self.n_classes = n_classes
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.patience = patience
        self.precision = precision
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.init_embeddings = init_embeddings
        self.checkpoint = checkpoint

    @classmethod
    def from_text_autoencoder(cls, tae, **params) -> EmbeddingClassifier:
        """A classifier whose word vectors start from a fitted :class:`TextAutoencoder`'s.

        Encode its texts with ``tae.texts_to_sequences(texts)``, which uses the autoencoder's
        vocabulary (index ``i + 1`` is ``tae.vocabulary_[i]``, 0 is padding). ``vocab_size``
        and ``embedding_dim`` come from the autoencoder; ``pooling`` defaults to ``"mean"``;
        any other parameter may be given.

        Examples
        --------
        >>> from aekit.text import EmbeddingClassifier, TextAutoencoder
        >>> texts = ["a great fun film", "great acting and fun", "a dull boring film",
        ...          "boring and dull acting"] * 4
        >>> tae = TextAutoencoder(n_components=4, hidden=8, min_df=1, max_epochs=3,
        ...                       random_state=0).fit(texts)
        >>> clf = EmbeddingClassifier.from_text_autoencoder(tae, random_state=0)
        >>> X = tae.texts_to_sequences(texts)
        >>> _ = clf.fit(X, [1, 1, 0, 0] * 4, epochs=30)
        >>> clf.predict_classes(tae.texts_to_sequences(["fun and great", "dull"])).tolist()
        [1, 0]
        """
        check_is_fitted(tae, "model_")
        for name in ("vocab_size", "embedding_dim", "init_embeddings"):
            if name in params:
                raise TypeError(f"from_text_autoencoder sets {name} from the autoencoder; do not pass it.")
        W = tae.word_vectors_
        init = np.vstack([np.zeros((1, W.shape[1]), dtype=np.float32), W])
        params.setdefault("pooling", "mean")
        return cls(vocab_size=len(init), embedding_dim=W.shape[1], init_embeddings=init, **params)

    def _network_config(self, input_length: int | None) -> dict:
        """The :class:`~aekit.blocks.text.EmbeddingNet` config of these (valid) parameters."""
        hidden = self.hidden
        hidden = [int(hidden)] if isinstance(hidden, (int, np.integer)) else [int(h) for h in hidden]
        n_classes = int(self.n_classes)
        return {"vocab_size": int(self.vocab_size), "embedding_dim": int(self.embedding_dim),
                "input_length": None if input_length is None else int(input_length),
                "pooling": self.pooling, "hidden": hidden, "n_outputs": 1 if n_classes == 2 else n_classes,
                "dropout": float(self.dropout)}

    def _check_init(self, vocab_size: int, embedding_dim: int) -> torch.Tensor | None:
        if self.init_embeddings is None:
            return None
        W = np.asarray(self.init_embeddings, dtype=np.float32)
        if W.shape != (vocab_size, embedding_dim):
            raise ValueError(
                f"init_embeddings has shape {W.shape}, but the embedding is (vocab_size, embedding_dim) "
                f"= ({vocab_size}, {embedding_dim})."
            )
        if not np.all(np.isfinite(W)):
            raise ValueError("init_embeddings holds NaN or infinite values.")
        return torch.from_numpy(W.copy())

    # -- checks ------------------------------------------------------------------------------

    def _check_X(self, X, vocab_size: int, input_length: int | None, name: str = "X") -> np.ndarray:
        if isinstance(X, torch.Tensor):
            X = X.detach().cpu().numpy()
        try:
            X = np.asarray(X)
        except ValueError:
            X = np.asarray(X, dtype=object)
        if X.dtype.kind in "USO" and any(isinstance(v, str) for v in X.ravel()[:1]):
            raise ValueError(
                f"{name} holds text; encode it as word indices first (one_hot(text, vocab_size) or "
                "Tokenizer.texts_to_sequences) and pad it with pad_sequences."
            )
        if X.dtype == object or X.ndim != 2:
            raise ValueError(
                f"{name} must be a 2-D array of word indices, one row per text, all rows the same "
                f"length; got {'ragged rows' if X.dtype == object else f'shape {X.shape}'}. "
                "Pad the sequences with aekit.text.pad_sequences."
            )
        if len(X) == 0:
            raise ValueError(f"{name} has 0 rows; at least one text is needed.")
        if X.shape[1] == 0:
            raise ValueError(f"{name} has 0 columns: the sequences are empty.")
        if X.dtype.kind == "f":
            if not np.all(np.isfinite(X)) or not np.all(X == np.round(X)):
                raise ValueError(f"{name} must hold integer word indices; it has non-integer values. Encode "
                                 "texts with one_hot or Tokenizer.texts_to_sequences, then pad_sequences.")
        elif X.dtype.kind not in "iu":
            raise ValueError(f"{name} must hold integer word indices, got dtype {X.dtype}.")
        bad = (X < 0) | (X >= vocab_size)
        if bad.any():
            r, c = (int(v) for v in np.argwhere(bad)[0])
            raise ValueError(
                f"{name} holds the index {X[r, c]:g} (row {r}, column {c}), but vocab_size is "
                f"{vocab_size}: every index must be in [0, {vocab_size}). Encode the texts with the "
                f"same vocabulary size (e.g. one_hot(text, {vocab_size})) or raise vocab_size."
            )
        if self.pooling == "flatten" and input_length is not None and X.shape[1] != input_length:
            raise ValueError(
                f"{name} has sequences of length {X.shape[1]}, but the model takes length {input_length} "
                f"(pooling='flatten'). Pad or truncate them with pad_sequences(..., maxlen={input_length})."
            )
        return X.astype(np.int64)

    def _check_y(self, y, n_rows: int, n_classes: int, name: str = "y") -> np.ndarray:
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(f"{name} must be a 1-D array of class labels, got shape {y.shape}.")
        if len(y) != n_rows:
            x_name = "X_val" if name == "y_val" else "X"
            raise ValueError(f"{name} has {len(y)} labels but {x_name} has {n_rows} rows; they must match.")
        if y.dtype.kind not in "biuf" or (y.dtype.kind == "f" and not np.all(y == np.round(y))):
            raise ValueError(f"{name} must hold integer class labels 0 .. {n_classes - 1}, got {y.dtype} values.")
        bad = (y < 0) | (y >= n_classes)
        if bad.any():
            raise ValueError(
                f"{name} holds the label {y[bad][0].item():g}, but n_classes={n_classes}: labels must be "
                f"integers in [0, {n_classes})."
            )
        return y.astype(np.int64)

    # -- fit ---------------------------------------------------------------------------------

    def fit(self, X, y, epochs: int = 50, validation_split: float = 0.0, validation_data=None, *,
            resume: bool = False) -> History:
        """Train from scratch on ``X`` (padded index sequences) and labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_texts, sequence_length)
            Integer word indices in ``[0, vocab_size)``; see :func:`pad_sequences`.
        y : array-like of shape (n_texts,)
            Integer labels in ``[0, n_classes)``.
        epochs : int, default 50
        validation_split : float, default 0.0
            Fraction of the data held out to validate, taken from the *end* of ``X`` and ``y``
            (before any shuffling), as in Keras.
        validation_data : tuple (X_val, y_val), optional
            Used instead of ``validation_split``.
        resume : bool, default False
            Continue from ``self.checkpoint`` if that file exists (a killed run resumes to the
            same weights it would have reached uninterrupted; ``epochs`` may be raised to train
            a finished run further: with the one-cycle schedule the added epochs follow the new
            plan, so the rate rises again before it anneals).

        Returns
        -------
        History
            ``history.history`` holds per-epoch ``loss`` and ``accuracy`` (and ``val_loss``,
            ``val_accuracy`` with validation data). Training loss and accuracy are averaged over
            the epoch's batches while the weights change, as Keras reports them.
        """
        self._validate_params()
        epochs = _positive_int("epochs", epochs)
        n_classes = int(self.n_classes)
        vocab_size = int(self.vocab_size)
        X = self._check_X(X, vocab_size, self.input_length)
        y = self._check_y(y, len(X), n_classes)
        if not (isinstance(validation_split, (int, float)) and 0.0 <= validation_split < 1.0):
            raise ValueError(f"validation_split must be in [0, 1), got {validation_split!r}.")
        input_length = X.shape[1]
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("validation_data must be a tuple (X_val, y_val).")
            Xv = self._check_X(validation_data[0], vocab_size, input_length, name="X_val")
            val = (Xv, self._check_y(validation_data[1], len(Xv), n_classes, name="y_val"))
        elif validation_split > 0:
            split_at = int(len(X) * (1.0 - validation_split))
            if split_at == 0 or split_at == len(X):
                raise ValueError(
                    f"validation_split={validation_split} leaves {split_at} of {len(X)} rows to train "
                    "on; use a different validation_split or more data."
                )
            X, y, val = X[:split_at], y[:split_at], (X[split_at:], y[split_at:])

        config = self._network_config(input_length)
        init = self._check_init(config["vocab_size"], config["embedding_dim"])
        seed = self._draw_seed()
        network = self._build_network(lambda: EmbeddingNet(**config), seed, fix=_MEMORY_FIX)
        if init is not None:
            with torch.no_grad():
                network.embedding.weight.copy_(init)
                network.embedding.weight[0].zero_()
        self.input_length_ = self.n_features_in_ = input_length
        self.classes_ = np.arange(n_classes)
        binary = config["n_outputs"] == 1
        y_t = y.astype(np.float32) if binary else y
        val_t = None if val is None else (val[0], val[1].astype(np.float32) if binary else val[1])
        self._fit_network(network, _loss, (X, y_t), seed, resume=resume, validation_data=val_t,
                          max_epochs=epochs, early_stopping=bool(self.early_stopping),
                          restore_best_weights=bool(self.early_stopping))
        return self.history_

    # -- predict -----------------------------------------------------------------------------

    def _logits(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        X = self._check_X(X, int(self.vocab_size), self.input_length_)
        device = next(self.model_.parameters()).device
        return predict_batches(self.model_, X, device=device, precision=self.precision)

    def predict(self, X) -> np.ndarray:
        """Class probabilities, like Keras' ``predict``: shape (n, 1) holding P(class 1) for two
        classes, (n, n_classes) otherwise."""
        z = torch.from_numpy(self._logits(X))
        p = torch.sigmoid(z) if z.shape[1] == 1 else torch.softmax(z, dim=1)
        return p.numpy()

    def predict_proba(self, X) -> np.ndarray:
        """Probabilities of every class, shape (n, n_classes), as in scikit-learn."""
        p = self.predict(X)
        return np.hstack([1.0 - p, p]) if p.shape[1] == 1 else p

    def predict_classes(self, X) -> np.ndarray:
        """Predicted labels, shape (n,) (Keras 2 gave (n, 1) for two classes)."""
        z = self._logits(X)
        return (z[:, 0] > 0).astype(np.int64) if z.shape[1] == 1 else z.argmax(1).astype(np.int64)

    def evaluate(self, X, y) -> tuple[float, float]:
        """``(loss, accuracy)`` on ``X``, ``y`` with the trained weights, as Keras' ``evaluate``."""
        z = torch.from_numpy(self._logits(X))
        y = torch.from_numpy(self._check_y(y, len(z), int(self.n_classes)))
        if z.shape[1] == 1:
            loss = F.binary_cross_entropy_with_logits(z[:, 0], y.float())
            acc = ((z[:, 0] > 0).long() == y).float().mean()
        else:
            loss = F.cross_entropy(z, y)
            acc = (z.argmax(1) == y).float().mean()
        return float(loss), float(acc)

    def score(self, X, y) -> float:
        """Accuracy on ``X``, ``y`` (what scikit-learn's model selection maximises)."""
        return self.evaluate(X, y)[1]

    @property
    def embeddings_(self) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self.model_.embedding.weight.detach().cpu().numpy().copy()

    # -- summary -----------------------------------------------------------------------------

    def _layers(self) -> list[tuple[str, str, tuple, int]]:
        self._validate_params()
        spec = self._network_config(self.input_length)
        length = getattr(self, "input_length_", spec["input_length"])
        if spec["pooling"] == "flatten" and length is None:
            raise ValueError(
                "The summary of a pooling='flatten' model needs the sequence length: set "
                "input_length or fit the model first."
            )
        d, counts = spec["embedding_dim"], {}

        def name(kind: str) -> str:
            k = counts.get(kind, 0)
            counts[kind] = k + 1
            return kind if k == 0 else f"{kind}_{k}"

        layers = [(name("embedding"), "Embedding", (None, length, d), spec["vocab_size"] * d)]
        if spec["pooling"] == "flatten":
            width = length * d
            layers.append((name("flatten"), "Flatten", (None, width), 0))
        else:
            width = d
            layers.append((name("global_average_pooling1d"), "GlobalAveragePooling1D", (None, width), 0))
        if spec["dropout"] > 0:
            layers.append((name("dropout"), "Dropout", (None, width), 0))
        for h in spec["hidden"]:
            layers.append((name("dense"), "Dense", (None, h), width * h + h))
            width = h
            if spec["dropout"] > 0:
                layers.append((name("dropout"), "Dropout", (None, width), 0))
        out = spec["n_outputs"]
        layers.append((name("dense"), "Dense", (None, out), width * out + out))
        return layers

    def summary(self, print_fn: Callable[[str], object] | None = print) -> str:
        """Print (with ``print_fn``; ``None`` prints nothing) and return a Keras-like table of
        the layers: name, type, output shape (``None`` is the batch size) and parameter count.

        Works before :meth:`fit` when the sequence length is known (``input_length``, or
        ``pooling="mean"``).

        Examples
        --------
        >>> _ = EmbeddingClassifier(vocab_size=20, input_length=4).summary()
        Model: "EmbeddingClassifier"
        _________________________________________________________________
         Layer (type)                Output Shape              Param #
        =================================================================
         embedding (Embedding)       (None, 4, 8)              160
        <BLANKLINE>
         flatten (Flatten)           (None, 32)                0
        <BLANKLINE>
         dense (Dense)               (None, 1)                 33
        <BLANKLINE>
        =================================================================
        Total params: 193
        Trainable params: 193
        Non-trainable params: 0
        _________________________________________________________________
        """
        layers = self._layers()
        width = 65
        lines = [f'Model: "{type(self).__name__}"', "_" * width,
                 f"{' Layer (type)':<29}{'Output Shape':<26}Param #", "=" * width]
        for lname, kind, shape, n in layers:
            shape_text = "(" + ", ".join(str(s) for s in shape) + ")"
            lines.append(f"{' ' + lname + ' (' + kind + ')':<29}{shape_text:<26}{n:,}".rstrip())
            lines.append("")
        total = sum(n for *_, n in layers)
        # Keras counts the padding row of the embedding as trainable too; so do we.
        lines += ["=" * width, f"Total params: {total:,}", f"Trainable params: {total:,}",
                  "Non-trainable params: 0", "_" * width]
        text = "\n".join(lines)
        if print_fn is not None:
            print_fn(text)
        return text

    # -- model files -------------------------------------------------------------------------

    def _extra_saved_state(self):
        return {"input_length_": int(self.input_length_)}, {}

    @classmethod
    def _saved_network_spec(cls, params, state):
        if "network" in state:
            return state["network"]
        # files before the network registry: the network follows from the parameters
        n_classes, hidden = params["n_classes"], params["hidden"]
        return {"type": "EmbeddingNet", "config": {
            "vocab_size": params["vocab_size"], "embedding_dim": params["embedding_dim"],
            "input_length": state["input_length_"], "pooling": params["pooling"],
            "hidden": [hidden] if isinstance(hidden, int) else list(hidden),
            "n_outputs": 1 if n_classes == 2 else n_classes, "dropout": params["dropout"]}}

    def _set_saved_state(self, state, tensors):
        self._validate_params()
        self.input_length_ = self.n_features_in_ = int(state["input_length_"])
        if self.model_.config != self._network_config(self.input_length_):
            raise ValueError("the network's config does not match the parameters (vocab_size, embedding_dim, "
                             "pooling, hidden, n_classes, dropout) and input_length_")
        self.classes_ = np.arange(int(self.n_classes))

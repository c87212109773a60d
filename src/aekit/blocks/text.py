"""The networks of :mod:`aekit.text`: :class:`EmbeddingNet` (the :class:`~aekit.text.EmbeddingClassifier`)
and :class:`TextAENet` (the :class:`~aekit.text.TextAutoencoder`).

Both are rebuilt from their spec like every aekit network (:func:`aekit.blocks.build`):

>>> from aekit.blocks import build, spec_of
>>> net = EmbeddingNet(vocab_size=20, embedding_dim=8, input_length=4, pooling="flatten", hidden=(),
...                    n_outputs=1, dropout=0.0)
>>> spec_of(net)["type"], build(spec_of(net))(torch.zeros(2, 4, dtype=torch.long)).shape
('EmbeddingNet', torch.Size([2, 1]))
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .registry import register_network

__all__ = ["EmbeddingNet", "TextAENet"]

#: The poolings of :class:`EmbeddingNet`.
POOLINGS = ("flatten", "mean")
# Word vectors start at N(0, 0.1^2). On the movie reviews a 1/sqrt(3) start gave worse embeddings
# (0.66 against 0.70 logistic-regression accuracy, 25 epochs).
_WORD_INIT_STD = 0.1


@register_network
class EmbeddingNet(nn.Module):
    """Embedding -> Flatten (or masked mean) -> [Dropout] -> [Dense relu, Dropout]... -> Dense.

    Row 0 of the embedding is the padding vector: fixed at zero and never trained.
    ``input_length`` matters only to ``pooling="flatten"``.
    """

    def __init__(self, vocab_size: int, embedding_dim: int, input_length: int | None, pooling: str,
                 hidden: Sequence[int], n_outputs: int, dropout: float):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be 'flatten' or 'mean', got {pooling!r}.")
        self.config = {"vocab_size": int(vocab_size), "embedding_dim": int(embedding_dim),
                       "input_length": None if input_length is None else int(input_length),
                       "pooling": pooling, "hidden": [int(h) for h in hidden], "n_outputs": int(n_outputs),
                       "dropout": float(dropout)}
        self.pooling = pooling
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        width = embedding_dim * input_length if pooling == "flatten" else embedding_dim
        layers: list[nn.Module] = []
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, n_outputs))
        self.head = nn.Sequential(*layers)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Keras' defaults: embeddings uniform in [-0.05, 0.05], Glorot-uniform dense weights,
        zero biases."""
        with torch.no_grad():
            nn.init.uniform_(self.embedding.weight, -0.05, 0.05)
            self.embedding.weight[0].zero_()
            for m in self.head:
                if isinstance(m, nn.Linear):
                    nn.init.xavier_uniform_(m.weight)
                    nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e = self.embedding(x)
        if self.pooling == "flatten":
            h = e.flatten(1)
        else:  # average over the real words; padding (index 0) does not count
            mask = (x != 0).unsqueeze(-1).to(e.dtype)
            h = (e * mask).sum(1) / mask.sum(1).clamp_min(1.0)
        return self.head(h)


@register_network
class TextAENet(nn.Module):
    """Sparse TF-IDF row -> ReLU(x @ W1 + b1) -> Linear -> z -> Linear -> scores over the words.

    The first layer is ``nn.Linear(n_words, hidden)`` in maths, held as an ``EmbeddingBag``
    (row ``i`` of its weight is column ``i`` of the Linear's), so that a document costs as many
    rows as it has distinct words instead of a dense ``n_words``-wide product. With
    ``n_classes``, a linear ``label_head`` reads the labels from z (semi-supervised fitting).

    With ``lsa``, a linear path from the words straight to z is added (``lsa_words``, also an
    ``EmbeddingBag``): the estimator starts it at the truncated-SVD (LSA) basis of the TF-IDF
    rows and the non-linear path at zero, so that before training z *is* the LSA embedding.
    """

    def __init__(self, n_words: int, hidden: int, n_components: int, n_classes: int = 0, lsa: bool = False):
        super().__init__()
        self.config = {"n_words": int(n_words), "hidden": int(hidden), "n_components": int(n_components),
                       "n_classes": int(n_classes), "lsa": bool(lsa)}
        self.lsa_words = nn.EmbeddingBag(n_words, n_components, mode="sum") if lsa else None
        self.words = nn.EmbeddingBag(n_words, hidden, mode="sum")
        self.bias = nn.Parameter(torch.zeros(hidden))
        self.to_latent = nn.Linear(hidden, n_components)
        self.decoder = nn.Linear(n_components, n_words)
        self.label_head = nn.Linear(n_components, n_classes) if n_classes else None
        with torch.no_grad():
            nn.init.normal_(self.words.weight, 0.0, _WORD_INIT_STD)

    def encode(self, indices: torch.Tensor, offsets: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        h = self.words(indices, offsets, per_sample_weights=weights) + self.bias
        z = self.to_latent(F.relu(h))
        if self.lsa_words is not None:
            z = z + self.lsa_words(indices, offsets, per_sample_weights=weights)
        return z

    @torch.no_grad()
    def start_at_lsa(self, components: torch.Tensor, scale: float) -> TextAENet:
        """Set the linear path to the LSA basis ``components`` (n_components x n_words, rows =
        axes) times ``scale`` and zero the last layer of the non-linear one."""
        self.lsa_words.weight.copy_(components.T * scale)
        self.to_latent.weight.zero_()
        self.to_latent.bias.zero_()
        return self

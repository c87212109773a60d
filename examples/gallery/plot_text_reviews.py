"""
Embed text: the Embedding -> Flatten -> Dense classifier on movie reviews
=========================================================================

The Keras text tutorial, on PyTorch: ``one_hot`` and ``pad_sequences`` (Keras 2's behaviour, a
stable hash), then ``EmbeddingClassifier`` with Keras' ``summary()``, ``fit`` history and
``evaluate``, on 12,808 Rotten Tomatoes sentences. Look at where the validation accuracy stops
rising: a few epochs are enough.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from aekit.datasets import load_movie_reviews
from aekit.plots import plot_training_curves
from aekit.text import EmbeddingClassifier, one_hot, pad_sequences

texts, y = load_movie_reviews()
vocab, length = 20_000, 40
X = pad_sequences([one_hot(t, vocab) for t in texts], maxlen=length, padding="post", truncating="post")
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)

model = EmbeddingClassifier(vocab_size=vocab, embedding_dim=16, input_length=length, random_state=0)
model.summary()
history = model.fit(X_train, y_train, epochs=4, validation_split=0.1)
loss, accuracy = model.evaluate(X_test, y_test)
print(f"test accuracy {accuracy:.3f} (the majority class: {max(np.mean(y_test), 1 - np.mean(y_test)):.3f})")

# %%
fig = plot_training_curves(history)
plt.show()

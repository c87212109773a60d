"""
Reduce: a 2-D map of handwritten digits that also reconstructs
==============================================================

``AutoencoderReducer`` is a scikit-learn transformer: ``fit_transform`` gives the map,
``inverse_transform`` draws a digit back from any point of it. Here on scikit-learn's 1,797
8 x 8 digits, beside PCA's map. Look for the ten clusters: the better map keeps each digit in
one island, which the 5-NN accuracy on held-out digits measures.
"""

import matplotlib.pyplot as plt
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from aekit import AutoencoderReducer
from aekit.datasets import load_digits
from aekit.metrics import knn_accuracy, reconstruction_mse

X, y = load_digits()
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)

reducer = AutoencoderReducer(n_components=2, random_state=0).fit(X_train)
pca = PCA(n_components=2, random_state=0).fit(X_train)

for name, model in (("aekit", reducer), ("PCA", pca)):
    Z_train, Z_test = model.transform(X_train), model.transform(X_test)
    mse = reconstruction_mse(X_test, model.inverse_transform(Z_test))
    print(f"{name:5s}  5-NN test accuracy {knn_accuracy(Z_train, y_train, Z_test, y_test):.3f}"
          f"   test reconstruction MSE {mse:.4f}")

# %%
# The two maps, held-out digits coloured by their label.
fig, axes = plt.subplots(1, 2, figsize=(9, 4))
for ax, (name, model) in zip(axes, (("aekit", reducer), ("PCA", pca))):
    Z = model.transform(X_test)
    ax.scatter(Z[:, 0], Z[:, 1], c=y_test, cmap="tab10", s=6)
    ax.set_title(f"{name}: held-out digits")
    ax.set_xticks([]), ax.set_yticks([])
fig.tight_layout()
plt.show()

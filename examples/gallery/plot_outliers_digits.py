"""
Outliers: which digits does a detector trained on zeros find unusual?
=====================================================================

``OutlierDetector`` learns what normal rows look like and scores how far each new row lies from
them, in the features its autoencoder learned. Trained on scikit-learn's 8 x 8 zeros only, it
should rank the other digits as the most unusual: the histogram shows the scores of held-out
zeros and of the other digits, with the automatic threshold (no contamination rate given). Look
at how few zeros fall left of it.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import roc_auc_score

from aekit import OutlierDetector
from aekit.datasets import load_digits

X, y = load_digits()
images = X.reshape(-1, 8, 8)
zeros = np.flatnonzero(y == 0)
train, held_out = zeros[:120], zeros[120:]
others = np.flatnonzero(y != 0)

det = OutlierDetector(random_state=0).fit(images[train])
scores_zero = det.score_samples(images[held_out])      # higher = more normal
scores_other = det.score_samples(images[others])
auroc = roc_auc_score(np.r_[np.ones(len(held_out)), np.zeros(len(others))], np.r_[scores_zero, scores_other])
print(f"AUROC, held-out zeros against the other digits: {auroc:.3f}")
print(f"flagged as outliers: {np.mean(det.predict(images[held_out]) == -1):.1%} of held-out zeros, "
      f"{np.mean(det.predict(images[others]) == -1):.1%} of the other digits")

# %%
# The scores, and the threshold ``contamination="auto"`` chose.
fig, ax = plt.subplots(figsize=(7, 3.5))
bins = np.linspace(min(scores_other.min(), scores_zero.min()), max(scores_other.max(), scores_zero.max()), 40)
ax.hist(scores_other, bins=bins, alpha=0.6, label="other digits (anomalies)")
ax.hist(scores_zero, bins=bins, alpha=0.8, label="held-out zeros (normal)")
ax.axvline(det.offset_, color="k", ls="--", label="threshold")
ax.set_xlabel("score_samples (higher = more normal)")
ax.legend()
fig.tight_layout()
plt.show()

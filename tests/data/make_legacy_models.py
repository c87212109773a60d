"""Write one small model file of every aekit model class, with the code of the day it runs.

The folders under ``tests/data/models/`` were written by this script at commit a0d3296 (before
the estimators moved onto ``aekit._base``); ``tests/test_legacy_models.py`` loads each and checks
that it still gives the outputs recorded beside it (``expected.npy``). Rerun it only to add a
class: the point of the committed files is that they come from older code.

    python tests/data/make_legacy_models.py
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

import aekit
from aekit.faces import make_faces

OUT = Path(__file__).parent / "models"


def inputs():
    """The inputs each class is fitted on and evaluated on (deterministic, tiny)."""
    rng = np.random.default_rng(0)
    table = rng.random((60, 6))
    faces = make_faces(24, size=16, random_state=0)
    texts = [f"movie {w} plot {v} acting" for w in ("good", "bad", "great", "dull") for v in ("fine", "weak", "strong")] * 3
    seqs = rng.integers(1, 20, size=(40, 6))
    labels = rng.integers(0, 2, size=40)
    image = (rng.random((16, 16)) * 255).astype(np.uint8)
    return dict(table=table, faces=faces, texts=texts, seqs=seqs, labels=labels, image=image)


def models(d):
    """(name, fitted model, function giving the outputs to compare) for every class."""
    from aekit.text import EmbeddingClassifier, TextAutoencoder

    faces = d["faces"]
    yield ("AutoencoderReducer", aekit.AutoencoderReducer(n_components=2, hidden_layer_sizes=(8,), max_epochs=2,
                                                          random_state=0).fit(d["table"]),
           lambda m: m.transform(d["table"]))
    yield ("DenoisingAutoencoder", aekit.DenoisingAutoencoder(image_shape=(2, 3), channels=(4,), max_epochs=2,
                                                              random_state=0).fit(d["table"]),
           lambda m: m.transform(d["table"]))
    yield ("Denoiser", aekit.Denoiser(channels=(4, 8), blocks_per_level=1, n_patches=32, patch_size=8,
                                      max_epochs=1, verbose=0, random_state=0).fit([d["image"]]),
           lambda m: m.denoise(d["image"], sigma=20).astype(np.float32))
    yield ("AttributeEditor", aekit.AttributeEditor(channels=(4, 8), style_dim=2, max_epochs=1,
                                                    random_state=0).fit(faces.images, faces.attributes),
           lambda m: m.edit(faces.images[:4], glasses=1))
    yield ("Translator", aekit.Translator(channels=(4, 8), blocks_per_level=1, max_epochs=1,
                                          random_state=0).fit(faces.images, faces.images[:, ::-1]),
           lambda m: m.transform(faces.images[:4]))
    clf = EmbeddingClassifier(vocab_size=20, embedding_dim=3, random_state=0)
    clf.fit(d["seqs"], d["labels"], epochs=2)
    yield ("EmbeddingClassifier", clf, lambda m: m.predict_proba(d["seqs"]))
    yield ("TextAutoencoder", TextAutoencoder(n_components=3, hidden=8, min_df=1, max_epochs=2,
                                              random_state=0).fit(d["texts"]),
           lambda m: m.transform(d["texts"]))


def main():
    d = inputs()
    for name, model, outputs in models(d):
        folder = OUT / name
        shutil.rmtree(folder, ignore_errors=True)
        model.save(folder)
        np.save(folder / "expected.npy", np.asarray(outputs(model), dtype=np.float32))
        again = aekit.load(folder)
        assert np.allclose(outputs(again), outputs(model), atol=1e-6), name
        print(name, sorted(p.name for p in folder.iterdir()), sum(p.stat().st_size for p in folder.iterdir()))


if __name__ == "__main__":
    main()

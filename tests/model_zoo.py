"""One tiny fitted model of every aekit model class, for the model-file tests.

``FIT`` fits each class on :func:`inputs`, ``OUTPUTS`` says what a loaded copy must reproduce.
Run as a script, it writes each model into ``tests/data/models/<class>/`` with the outputs
beside it (``expected.npy``). The committed folders were written at commit a0d3296, before the
estimators moved onto ``aekit._base`` (OutlierDetector's when it was added); ``tests/test_legacy_models.py``
checks that they still load and give the same outputs. Rerunning it writes only the folders that
are missing: the point of the committed files is that they come from older code.

    python tests/model_zoo.py
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

import aekit
from aekit.faces import make_faces

OUT = Path(__file__).parent / "data" / "models"


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


def _embedding_classifier(d):
    from aekit.text import EmbeddingClassifier

    clf = EmbeddingClassifier(vocab_size=20, embedding_dim=3, random_state=0)
    clf.fit(d["seqs"], d["labels"], epochs=2)
    return clf


def _text_autoencoder(d):
    from aekit.text import TextAutoencoder

    return TextAutoencoder(n_components=3, hidden=8, min_df=1, max_epochs=2, random_state=0).fit(d["texts"])


# How each class is fitted on the inputs, and the outputs a loaded copy must reproduce.
FIT = {
    "AutoencoderReducer": lambda d: aekit.AutoencoderReducer(n_components=2, hidden_layer_sizes=(8,), max_epochs=2,
                                                             random_state=0).fit(d["table"]),
    "DenoisingAutoencoder": lambda d: aekit.DenoisingAutoencoder(image_shape=(2, 3), channels=(4,), max_epochs=2,
                                                                 random_state=0).fit(d["table"]),
    "Denoiser": lambda d: aekit.Denoiser(channels=(4, 8), blocks_per_level=1, n_patches=32, patch_size=8,
                                         max_epochs=1, verbose=0, random_state=0).fit([d["image"]]),
    "AttributeEditor": lambda d: aekit.AttributeEditor(channels=(4, 8), style_dim=2, max_epochs=1,
                                                       random_state=0).fit(d["faces"].images, d["faces"].attributes),
    "Translator": lambda d: aekit.Translator(channels=(4, 8), blocks_per_level=1, max_epochs=1, random_state=0).fit(
        d["faces"].images, d["faces"].images[:, ::-1]),
    "EmbeddingClassifier": _embedding_classifier,
    "TextAutoencoder": _text_autoencoder,
    "OutlierDetector": lambda d: aekit.OutlierDetector(hidden_layer_sizes=(8,), n_components=3, max_epochs=2,
                                                       random_state=0).fit(d["table"]),
}
OUTPUTS = {
    "AutoencoderReducer": lambda m, d: m.transform(d["table"]),
    "DenoisingAutoencoder": lambda m, d: m.transform(d["table"]),
    "Denoiser": lambda m, d: m.denoise(d["image"], sigma=20).astype(np.float32),
    "AttributeEditor": lambda m, d: m.edit(d["faces"].images[:4], glasses=1),
    "Translator": lambda m, d: m.transform(d["faces"].images[:4]),
    "EmbeddingClassifier": lambda m, d: m.predict_proba(d["seqs"]),
    "TextAutoencoder": lambda m, d: m.transform(d["texts"]),
    "OutlierDetector": lambda m, d: m.score_samples(d["table"]),
}


def main():
    d = inputs()
    for name, fit in FIT.items():
        if (OUT / name).exists():  # written by older code: keep it (that is the point)
            continue
        model, outputs = fit(d), OUTPUTS[name]
        folder = OUT / name
        shutil.rmtree(folder, ignore_errors=True)
        model.save(folder)
        np.save(folder / "expected.npy", np.asarray(outputs(model, d), dtype=np.float32))
        again = aekit.load(folder)
        assert np.allclose(outputs(again, d), outputs(model, d), atol=1e-6), name
        print(name, sorted(p.name for p in folder.iterdir()), sum(p.stat().st_size for p in folder.iterdir()))


if __name__ == "__main__":
    main()

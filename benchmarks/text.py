"""Movie-review sentiment from text embeddings: aekit's TextAutoencoder and EmbeddingClassifier
beside TF-IDF and LSA baselines, on one fixed stratified 80/20 split of the 12,808 reviews.

Every document embedding is L2-normalised and read by a logistic regression whose C is chosen
by 5-fold cross-validation on the training rows only. The autoencoders are fitted on all texts
(training and test: unsupervised, the labels are never used); ``--train-only`` adds one fitted on
the training texts alone.
The EmbeddingClassifiers stop early on the last 10% of the training rows.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/text.py   # writes benchmarks/results/text.json
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import torch
from _common import write_result
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import normalize

from aekit.datasets import load_movie_reviews
from aekit.text import EmbeddingClassifier, TextAutoencoder, Tokenizer, pad_sequences

CS = [0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]
MAXLEN = 100  # tokens per review for the classifiers (1-2-grams: about 35 on average)
BIGRAMS = dict(ngram_range=(1, 2), max_features=20000, hidden=256)
CLF = dict(pooling="mean", dropout=0.5, learning_rate=1e-3, batch_size=64, early_stopping=True, patience=3)


def fit_lr(X_train, y_train):
    """Logistic regression with C picked by 5-fold cross-validation on the training rows."""
    search = GridSearchCV(LogisticRegression(max_iter=3000), {"C": CS}, cv=5, n_jobs=1)
    return search.fit(X_train, y_train).best_estimator_


def scores(y_true, y_pred) -> dict:
    return {"accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
            "macro_f1": round(float(f1_score(y_true, y_pred, average="macro")), 4)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0, help="seed of the neural models")
    ap.add_argument("--tae-epochs", type=int, default=15, help="epochs of each TextAutoencoder")
    ap.add_argument("--train-only", action="store_true",
                    help="also fit a 64-d TextAutoencoder on the training texts only (about 2 more minutes)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", category=FutureWarning)

    texts, y = load_movie_reviews()
    idx = np.arange(len(texts))
    tr, te = train_test_split(idx, test_size=0.2, stratify=y, random_state=0)
    t_train, t_test = [texts[i] for i in tr], [texts[i] for i in te]
    y_train, y_test = y[tr], y[te]
    rows: list[dict] = []

    def record(name, dims, seconds, y_pred, **extra):
        row = {"method": name, "dims": dims, **scores(y_test, y_pred), "fit_seconds": round(seconds, 1), **extra}
        rows.append(row)
        print(f"{name:<48} dims={dims!s:<6} acc={row['accuracy']:.4f} macro-F1={row['macro_f1']:.4f} "
              f"fit {row['fit_seconds']:.1f}s", flush=True)

    # TF-IDF 1-2-grams + LR
    t0 = time.perf_counter()
    vec = TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2))
    X_tr = vec.fit_transform(t_train)
    lr = fit_lr(X_tr, y_train)
    record("TF-IDF 1-2-grams + LR", X_tr.shape[1], time.perf_counter() - t0, lr.predict(vec.transform(t_test)),
           C=lr.C)

    # LSA + LR (the SVD sees all texts, as the autoencoders do)
    vec1 = TfidfVectorizer(sublinear_tf=True, min_df=2)
    for k in (64, 256):
        t0 = time.perf_counter()
        Z = normalize(TruncatedSVD(k, random_state=args.seed).fit_transform(vec1.fit_transform(texts)))
        lr = fit_lr(Z[tr], y_train)
        record(f"LSA (TruncatedSVD {k}) + LR", k, time.perf_counter() - t0, lr.predict(Z[te]), C=lr.C)

    # TextAutoencoder + LR
    taes = {}
    for k, params in ((64, {}), (256, {}), (64, BIGRAMS)):
        name = f"TextAutoencoder {k}" + (" (1-2-grams, hidden 256)" if params else "")
        t0 = time.perf_counter()
        tae = TextAutoencoder(n_components=k, max_epochs=args.tae_epochs, random_state=args.seed, **params)
        tae.fit(texts)
        Z = normalize(tae.embedding_)
        lr = fit_lr(Z[tr], y_train)
        taes[name] = tae
        record(f"{name} + LR", k, time.perf_counter() - t0, lr.predict(Z[te]), C=lr.C, epochs=tae.n_iter_,
               words=len(tae.vocabulary_))
    if args.train_only:
        t0 = time.perf_counter()
        tae = TextAutoencoder(n_components=64, max_epochs=args.tae_epochs, random_state=args.seed).fit(t_train)
        lr = fit_lr(normalize(tae.transform(t_train)), y_train)
        record("TextAutoencoder 64 (train texts only) + LR", 64, time.perf_counter() - t0,
               lr.predict(normalize(tae.transform(t_test))), C=lr.C, epochs=tae.n_iter_)

    # EmbeddingClassifier, mean of word vectors -> logistic output, early stopping on the last 10%
    # of the training rows: from scratch on Keras-style word indices, from scratch on the
    # 1-2-gram autoencoder's tokens, and starting from that autoencoder's word vectors.
    n_val = len(tr) // 10
    clf_params = {**CLF, "random_state": args.seed}

    def fit_clf(name, clf, X_tr, X_te, t0, **extra):
        h = clf.fit(X_tr[:-n_val], y_train[:-n_val], epochs=40,
                    validation_data=(X_tr[-n_val:], y_train[-n_val:]))
        record(name, clf.embedding_dim, time.perf_counter() - t0, clf.predict_classes(X_te),
               epochs=len(h.epoch), **extra)

    t0 = time.perf_counter()
    tok = Tokenizer(num_words=20000)
    tok.fit_on_texts(t_train)
    X_tr = pad_sequences(tok.texts_to_sequences(t_train), maxlen=MAXLEN, padding="post", truncating="post")
    X_te = pad_sequences(tok.texts_to_sequences(t_test), maxlen=MAXLEN, padding="post", truncating="post")
    clf = EmbeddingClassifier(vocab_size=min(20000, len(tok.word_index) + 1), embedding_dim=64, **clf_params)
    fit_clf("EmbeddingClassifier from scratch (Tokenizer words)", clf, X_tr, X_te, t0)

    tae = taes["TextAutoencoder 64 (1-2-grams, hidden 256)"]
    X_tr, X_te = tae.texts_to_sequences(t_train, maxlen=MAXLEN), tae.texts_to_sequences(t_test, maxlen=MAXLEN)
    t0 = time.perf_counter()
    clf = EmbeddingClassifier(vocab_size=len(tae.vocabulary_) + 1, embedding_dim=64, **clf_params)
    fit_clf("EmbeddingClassifier from scratch (1-2-gram tokens)", clf, X_tr, X_te, t0)
    t0 = time.perf_counter()
    clf = EmbeddingClassifier.from_text_autoencoder(tae, **clf_params)
    fit_clf("EmbeddingClassifier from TextAutoencoder 64 (1-2-grams) word vectors", clf, X_tr, X_te, t0,
            note="fit seconds exclude the autoencoder's")

    path = write_result("text", {
        "data": "movie reviews (Rotten Tomatoes sentences, 12,808)",
        "split": "train_test_split(test_size=0.2, stratify=y, random_state=0): 10,246 train, 2,562 test",
        "classifier": "LogisticRegression on L2-normalised embeddings, C by 5-fold CV on the train rows "
                      f"from {CS}",
        "threads": torch.get_num_threads(),
        "tae_epochs": args.tae_epochs,
        "results": rows,
    })
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

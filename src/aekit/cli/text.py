"""``aekit text``: fit a TextAutoencoder (``fit``), embed texts (``embed``), similar words (``neighbours``)."""

from __future__ import annotations

import click

from . import _options as opt


@opt.trains  # text fit trains; the whole group is allowed under torchrun, as it always was
@click.group()
def text():
    """Embed texts: fit a TextAutoencoder, embed documents, find similar words."""


def _read_texts(path, text_column, label_column=None):
    """``(texts, labels or None)`` from a CSV column or a .txt file with one text per line."""
    from pathlib import Path

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{path}: no such file.")
    suffix = p.suffix.lower()
    if suffix == ".txt":
        if text_column or label_column:
            raise click.UsageError(f"{path} is a .txt file (one text per line): it has no columns, so "
                                   "--text-column and --label-column do not apply.")
        try:
            lines = p.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path}: not UTF-8 text ({exc}).") from None
        return lines, None
    if suffix != ".csv":
        raise click.UsageError(f"{path}: texts are read from a .csv (with --text-column) or a .txt file "
                               "(one text per line).")
    if not text_column:
        raise click.UsageError(f"{path} is a CSV file: name the column that holds the texts with --text-column.")
    from ..tables import _pandas

    pd = _pandas()
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
    except Exception as exc:  # noqa: BLE001 - parser errors come in many types
        raise ValueError(f"{path}: cannot be read as CSV ({exc}).") from None
    for name, what in ((text_column, "--text-column"), (label_column, "--label-column")):
        if name is not None and name not in df.columns:
            raise ValueError(f"{path}: no column {name!r} for {what}; columns are {list(df.columns)[:20]}.")
    labels = df[label_column].to_numpy() if label_column else None
    return df[text_column].tolist(), labels


def _load_text_model(model):
    from ..serialization import load
    from ..text import TextAutoencoder

    tae = load(model)
    if not isinstance(tae, TextAutoencoder):
        raise ValueError(f"{model} holds a {type(tae).__name__}, not a TextAutoencoder (see `aekit text fit`).")
    return tae


@text.command("fit")
@click.argument("corpus", type=click.Path(dir_okay=False))
@click.option("--text-column", default=None, help="CSV column holding the texts (not for .txt input).")
@click.option("--label-column", default=None,
              help="CSV column of labels: by default not used to fit, but to report the 5-fold "
              "cross-validated accuracy of a logistic regression on the embeddings.")
@click.option("--use-labels", is_flag=True,
              help="Fit with the --label-column labels too (semi-supervised; empty cells mark "
              "unlabelled texts), so that the embedding keeps what tells the labels apart.")
@opt.model_output()
@click.option("--dims", default=64, show_default=True, type=click.IntRange(min=1), help="Embedding length.")
@opt.epochs()
@click.option("--min-df", default=2, show_default=True, type=click.IntRange(min=1),
              help="Ignore words found in fewer texts.")
@opt.seed()
@opt.overwrite("Replace the model in OUTPUT if there is one.")
@opt.quiet()
def text_fit(corpus, text_column, label_column, use_labels, output, dims, epochs, min_df, seed, overwrite,
             quiet):
    """Fit a TextAutoencoder on CORPUS (.csv with --text-column, or .txt with one text per line)."""
    from ..distributed import is_main_process
    from ..text import TextAutoencoder

    if use_labels and not label_column:
        raise click.UsageError("--use-labels fits with the labels of --label-column: name that column too.")
    opt.check_model_folder(output, [corpus], overwrite)
    texts, labels = _read_texts(corpus, text_column, label_column)
    params = opt.fit_params(epochs, seed, quiet, n_components=dims, min_df=min_df)
    y = None
    if use_labels:  # the CSV is read as strings: an empty cell is an unlabelled text
        y = [None if label == "" else label for label in labels]
    tae = TextAutoencoder(**params).fit(texts, y)
    if not is_main_process():  # under torchrun, rank 0 alone writes the model
        return
    tae.save(output)
    click.echo(f"Fitted a {dims}-d TextAutoencoder on {len(texts):,} texts "
               f"({len(tae.vocabulary_):,} words, {tae.n_iter_} epochs); saved to {output}")
    if y is not None:
        n_labelled = sum(label is not None for label in y)
        click.echo(f"Fitted with {n_labelled:,} labelled texts ({len(tae.classes_)} classes). The labels "
                   "shaped the embedding, so a cross-validated accuracy on it would be optimistic: "
                   "measure on texts left out of the fit (aekit text embed).")
    elif labels is not None:
        click.echo(_cv_accuracy(tae.embedding_, labels))


def _cv_accuracy(Z, labels) -> str:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Normalizer

    classes, y = np.unique(labels, return_inverse=True)
    if len(classes) < 2:
        return f"The label column has one class only ({classes[0]!r}): no accuracy to report."
    folds = int(min(5, np.bincount(y).min()))
    if folds < 2:
        return "Every class needs two or more texts to cross-validate: no accuracy to report."
    clf = make_pipeline(Normalizer(), LogisticRegression(C=10.0, max_iter=2000))
    scores = cross_val_score(clf, Z, y, cv=StratifiedKFold(folds, shuffle=True, random_state=0))
    majority = np.bincount(y).max() / len(y)
    return (f"Logistic regression on the embeddings, {folds}-fold cross-validated accuracy: "
            f"{scores.mean():.3f} +/- {scores.std():.3f} (majority class: {majority:.3f})")


@text.command("embed")
@opt.model_argument()
@click.argument("input", type=click.Path(dir_okay=False))
@click.option("--text-column", default=None, help="CSV column holding the texts (not for .txt input).")
@click.option("--label-column", default=None, help="CSV column to copy through to OUT.")
@opt.embedding_output()
@opt.overwrite()
def text_embed(model, input, text_column, label_column, output, overwrite):
    """Embed the texts of INPUT with a saved TextAutoencoder MODEL folder."""
    from ..tables import check_output_path, write_table

    check_output_path(output, [input], overwrite)
    texts, labels = _read_texts(input, text_column, label_column)
    tae = _load_text_model(model)
    Z = tae.transform(texts)
    write_table(output, Z, [f"z{i}" for i in range(Z.shape[1])], labels, label_column)
    click.echo(f"Wrote {Z.shape[0]:,} x {Z.shape[1]} embedding to {output}")


@text.command("neighbours")
@opt.model_argument()
@click.argument("word")
@click.option("--topn", default=10, show_default=True, type=click.IntRange(min=1), help="How many words.")
def text_neighbours(model, word, topn):
    """Print the words whose vectors are closest to WORD's (cosine similarity)."""
    tae = _load_text_model(model)
    try:
        pairs = tae.most_similar(word, topn=topn)
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None
    for w, sim in pairs:
        click.echo(f"{w}\t{sim:.4f}")

"""The ``aekit`` command line.

Exit codes: 0 success, 1 an error in the work itself (bad data, a missing data set...), 2 a usage
error (unknown option, missing argument). Errors print one line, no traceback; ``--debug`` shows it.
"""

from __future__ import annotations

import sys

import click
import numpy as np

from ._version import __version__
from .errors import AekitError


class _AekitGroup(click.Group):
    """Turns expected errors into one clear line and exit code 1 (``--debug`` re-raises)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except (AekitError, ValueError, OSError, MemoryError) as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            msg = str(exc) or type(exc).__name__
            click.echo(f"error: {msg}", err=True)
            if isinstance(exc, MemoryError) and not isinstance(exc, AekitError):  # ours carry their own fix
                click.echo("hint: use a smaller --batch-size or a subset of the data.", err=True)
            ctx.exit(1)


@click.group(cls=_AekitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aekit")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def cli(ctx, debug):
    """aekit: practical autoencoders (reduce, denoise, translate, embed text).

    Training commands (reduce, text fit) also run under torchrun, one process per CPU socket or
    GPU: torchrun --standalone --nproc_per_node=2 -m aekit reduce data.npy -o z.npy
    """
    from .distributed import init_from_env

    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    _, world = init_from_env()
    if world > 1 and ctx.invoked_subcommand not in ("reduce", "text"):
        raise click.UsageError(f"`aekit {ctx.invoked_subcommand}` does not train; run it without torchrun.")


@cli.command()
@click.option("-o", "--output", default="report", show_default=True, type=click.Path(file_okay=False),
              help="Folder for index.html and metrics.json.")
@click.option("--quick", is_flag=True, help="Small subsets and few epochs (seconds, for tests).")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
def demo(output, quick, quiet):
    """Train on real data beside the baselines and write an HTML report."""
    from .demo import run_demo

    path = run_demo(output, quick=quick, verbose=0 if quiet else 1)
    click.echo(f"Report written to {path.resolve()}")


@cli.command()
@click.argument("input", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Embedding file: .csv, .parquet, .npy or .npz.")
@click.option("--dims", default=2, show_default=True, type=click.IntRange(min=1), help="Latent dimensions.")
@click.option("--labels", default=None, help="Column (or .npz array) holding labels: kept out of the "
              "features, copied to the output and used to colour --plot.")
@click.option("--plot", "plot_path", default=None, type=click.Path(dir_okay=False),
              help="PNG of the 2-D map beside PCA's.")
@click.option("--save-model", default=None, type=click.Path(file_okay=False), help="Folder to save the model in.")
@click.option("--epochs", default=None, type=click.IntRange(min=1), help="Maximum epochs (default: the model's).")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")
@click.option("--checkpoint", default=None, type=click.Path(dir_okay=False),
              help="File saved after every epoch; if it exists, training resumes from it, so a killed "
                   "run rerun with the same command ends with the same model.")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT (and --plot) if they exist.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def reduce(input, output, dims, labels, plot_path, save_model, epochs, seed, checkpoint, overwrite, quiet):
    """Reduce INPUT (CSV, Parquet, .npy, .npz) to --dims columns with an AutoencoderReducer."""
    from .distributed import is_main_process
    from .reduce import AutoencoderReducer
    from .tables import check_output_path, read_table
    from .training import is_out_of_core

    check_output_path(output, [input], overwrite)
    if plot_path:
        _check_png(plot_path, input, overwrite)
    if save_model:
        _check_model_dir(save_model, [input], overwrite)
    if checkpoint:
        from .serialization import check_writable

        check_writable(checkpoint)
    table = read_table(input, labels=labels)  # a .npy larger than memory comes back memory-mapped
    if not is_out_of_core(table.X):  # (the streamed fit checks those rows as it reads them)
        _check_rows(table, input)
    params = dict(n_components=dims, random_state=seed, verbose=0 if quiet else 1, checkpoint=checkpoint)
    if epochs:
        params["max_epochs"] = epochs
    reducer = AutoencoderReducer(**params).fit(table.X, resume=checkpoint is not None)
    if not is_main_process():  # under torchrun, rank 0 alone writes the results
        return
    Z = _write_codes(reducer, table, output)
    if save_model:
        reducer.save(save_model)
        click.echo(f"Saved the model to {save_model}")
    if plot_path:
        _plot_maps(plot_path, table, Z)
        click.echo(f"Wrote the plot to {plot_path}")


def _write_codes(reducer, table, output):
    """Encode the table into OUTPUT; data streamed from disk goes straight into a .npy output."""
    from .tables import write_table
    from .training import is_out_of_core

    if is_out_of_core(table.X) and str(output).lower().endswith(".npy"):
        Z = reducer.transform(table.X, out=output)
    else:
        Z = reducer.transform(table.X)
        write_table(output, Z, [f"z{i}" for i in range(Z.shape[1])], table.labels, table.label_name)
    click.echo(f"Wrote {Z.shape[0]:,} x {Z.shape[1]} embedding to {output}")
    return Z


def _check_rows(table, path) -> None:
    """Clear words, before training, for data an autoencoder cannot learn from."""
    if len(table.X) < 2:
        raise ValueError(f"{path} has {len(table.X)} data row; fitting needs at least 2 (in practice hundreds).")
    _check_finite(table, path)


def _check_finite(table, path) -> None:
    X = table.X
    bad = ~np.isfinite(X)
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        raise ValueError(
            f"{path} has {int(bad.sum()):,} missing or infinite values (the first in row {row + 1}, column "
            f"{table.columns[col]!r}). Fill them in or drop those rows first, e.g. with pandas' "
            "df.dropna() or df.fillna(df.median())."
        )


def _check_png(path, input, overwrite):
    from pathlib import Path

    from .serialization import refuse_overwrite

    p = Path(path)
    if p.suffix.lower() != ".png":
        raise click.BadParameter(f"{path}: the plot is written as PNG; use a .png name.", param_hint="--plot")
    refuse_overwrite(p, [input], overwrite)


def _plot_maps(path, table, Z):
    from sklearn.decomposition import PCA

    from .plots import figure_to_png, plot_latent_comparison
    from .serialization import atomic_path

    if Z.shape[1] < 2:
        raise ValueError("--plot needs --dims 2 or more.")
    X, labels = table.X, table.labels
    if len(X) > 50_000:  # the plot shows 20,000 points at most: PCA and both maps on a sample
        idx = np.sort(np.random.default_rng(0).choice(len(X), 50_000, replace=False))
        X, Z, labels = np.asarray(X[idx]), np.asarray(Z[idx]), None if labels is None else labels[idx]
    Z_pca = PCA(n_components=2).fit_transform(X) if X.shape[1] >= 2 else None
    maps = {"PCA": Z_pca, "Autoencoder": Z} if Z_pca is not None else {"Autoencoder": Z}
    png = figure_to_png(plot_latent_comparison(maps, labels=labels))
    with atomic_path(path) as tmp:
        tmp.write_bytes(png)


@cli.command()
@click.argument("model", type=click.Path())  # a file reaches load(), which says what it is
@click.argument("input", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Embedding file: .csv, .parquet, .npy or .npz.")
@click.option("--labels", default=None, help="Label column to copy through (not a feature).")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
def transform(model, input, output, labels, overwrite):
    """Embed INPUT with a saved MODEL folder (from `aekit reduce --save-model`)."""
    from .reduce import AutoencoderReducer
    from .serialization import load
    from .tables import check_output_path, read_table
    from .training import is_out_of_core

    check_output_path(output, [input], overwrite)
    reducer = load(model)
    if not isinstance(reducer, AutoencoderReducer):
        raise ValueError(f"{model} holds a {type(reducer).__name__}, not an AutoencoderReducer "
                         "(see `aekit reduce --save-model`).")
    table = read_table(input, labels=labels)  # a .npy larger than memory comes back memory-mapped
    if table.X.shape[1] != reducer.n_features_in_:
        raise ValueError(
            f"{input} has {table.X.shape[1]} feature columns but the model was fitted on "
            f"{reducer.n_features_in_}; use the same columns as for fitting."
        )
    if not is_out_of_core(table.X):  # (streamed, each block is checked for NaN as it is read)
        _check_finite(table, input)
    _write_codes(reducer, table, output)


# --------------------------------------------------------------------------------------------
# aekit denoise / aekit noise
# --------------------------------------------------------------------------------------------


def _plan_outputs(inputs, outdir, overwrite):
    """``[(input, output)]`` for every image, checked before any work is done."""
    from pathlib import Path

    from .images import find_images
    from .serialization import refuse_overwrite

    if not str(outdir).strip():
        raise click.BadParameter("is empty; name the folder to write the denoised images to.", param_hint="-o")
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{outdir} is a file; -o names the output folder.")
    pairs = [(src, out / rel) for src, rel in find_images(inputs)]
    refuse_overwrite([dst for _, dst in pairs], [src for src, _ in pairs], overwrite)
    return pairs


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False),
              help="Folder for the denoised images (same names and formats as the inputs).")
@click.option("--sigma", default=None, type=click.FloatRange(min=0, max=255),
              help="Gaussian noise level on the 0-255 scale, if known (default: estimated per image).")
@click.option("--model", "model_dir", default=None, type=click.Path(file_okay=False),
              help="A Denoiser model folder (default: the pretrained one that ships with aekit).")
@click.option("--tile-size", default=None, type=click.IntRange(min=128),
              help="Denoise large images in tiles of this size (bounds memory; default 512).")
@click.option("--self-ensemble", default=1, show_default=True, type=click.Choice(["1", "2", "4", "8"]),
              help="Average over this many rotated/mirrored copies: a little better, that many times slower.")
@click.option("--overwrite", is_flag=True, help="Replace existing files in the output folder.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no per-image lines.")
def denoise(inputs, outdir, sigma, model_dir, tile_size, self_ensemble, overwrite, quiet):
    """Denoise image files or folders (PNG, JPEG, TIFF, .npy) into OUTDIR.

    Folders are read recursively; each output keeps its input's name, format and dtype.
    """
    from tqdm.auto import tqdm

    from .denoise import Denoiser
    from .errors import InsufficientMemoryError
    from .images import ImageFileError, read_image, write_image
    from .serialization import load

    pairs = _plan_outputs(inputs, outdir, overwrite)
    model = Denoiser.pretrained() if model_dir is None else load(model_dir)
    if not isinstance(model, Denoiser):
        raise ValueError(f"{model_dir} holds a {type(model).__name__}, not a Denoiser.")
    model.set_params(self_ensemble=int(self_ensemble), verbose=0 if quiet else 1,
                     **({"tile_size": tile_size} if tile_size else {}))
    show = not quiet and sys.stderr.isatty()
    failed = []
    for src, dst in tqdm(pairs, desc="denoise", unit="image", disable=not show, leave=False):
        # One unreadable file must not cost the user the rest of a folder: report it and go on.
        try:
            image = read_image(src)
            level = sigma if sigma is not None else model.noise_level(image)
            clean = model.denoise(image, sigma=level)
        except (ImageFileError, InsufficientMemoryError, ValueError) as exc:  # one bad file stops nothing
            failed.append(src)
            tqdm.write(f"error: {exc}", file=sys.stderr)
            continue
        write_image(dst, clean)
        if not quiet:
            tqdm.write(f"{src} -> {dst}  (sigma {'given' if sigma is not None else 'estimated'}: {level:.1f})")
    done = len(pairs) - len(failed)
    click.echo(f"Denoised {done} image{'s' if done != 1 else ''} into {outdir}")
    if failed:
        raise ImageFileError(f"{len(failed)} of {len(pairs)} inputs could not be denoised (see above): "
                             + ", ".join(str(f) for f in failed[:5]) + ("..." if len(failed) > 5 else ""))


@cli.command()
@click.argument("input", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Noisy image file; .npy keeps unclipped float values on the [0, 1] scale.")
@click.option("--gaussian", type=click.FloatRange(min=0), default=None, help="Gaussian sigma, 0-255 scale.")
@click.option("--salt-pepper", type=click.FloatRange(0, 1), default=None, help="Fraction of pixels set to 0 or 1.")
@click.option("--poisson", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Shot noise: photon count of a white pixel (smaller is noisier).")
@click.option("--speckle", type=click.FloatRange(min=0), default=None, help="Multiplicative noise sigma.")
@click.option("--masking", type=click.FloatRange(0, 1), default=None, help="Fraction of pixels set to 0.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
def noise(input, output, gaussian, salt_pepper, poisson, speckle, masking, seed, overwrite):
    """Write a noisy copy of INPUT, to test a denoiser (exactly one noise option)."""
    from .images import read_image, to_unit_float, write_image
    from .noise import add_noise
    from .serialization import refuse_overwrite

    chosen = {k: v for k, v in dict(gaussian=gaussian, salt_pepper=salt_pepper, poisson=poisson,
                                      speckle=speckle, masking=masking).items() if v is not None}
    if len(chosen) != 1:
        raise click.UsageError("Give exactly one of --gaussian, --salt-pepper, --poisson, --speckle, --masking.")
    (kind, level), = chosen.items()
    refuse_overwrite(output, [input], overwrite)
    image = read_image(input)
    if output.lower().endswith(".npy") and image.dtype in (np.uint8, np.uint16):
        image = to_unit_float(image)  # a float copy keeps the noise unclipped
    write_image(output, add_noise(image, kind, level, seed=seed))
    click.echo(f"Wrote {output} ({kind.replace('_', '-')} {level:g})")


# --------------------------------------------------------------------------------------------
# aekit text
# --------------------------------------------------------------------------------------------


@cli.group()
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
    from .tables import _pandas

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


def _check_model_dir(path, inputs, overwrite):
    from pathlib import Path

    from .serialization import check_writable

    p = Path(path)
    for inp in inputs:
        if p.exists() and p.resolve() == Path(inp).resolve():
            raise ValueError(f"{path} is also an input; aekit never overwrites its input. Choose another folder.")
    if p.exists() and not p.is_dir():
        raise FileExistsError(f"{path} is a file; the model is written as a folder. Choose another name.")
    if p.is_dir() and any(p.iterdir()) and not overwrite:
        raise FileExistsError(f"{path} already exists and is not empty; pass --overwrite to replace the model in it.")
    check_writable(p / "config.json")


@text.command("fit")
@click.argument("corpus", type=click.Path(dir_okay=False))
@click.option("--text-column", default=None, help="CSV column holding the texts (not for .txt input).")
@click.option("--label-column", default=None,
              help="CSV column of labels: by default not used to fit, but to report the 5-fold "
              "cross-validated accuracy of a logistic regression on the embeddings.")
@click.option("--use-labels", is_flag=True,
              help="Fit with the --label-column labels too (semi-supervised; empty cells mark "
              "unlabelled texts), so that the embedding keeps what tells the labels apart.")
@click.option("-o", "--output", required=True, type=click.Path(file_okay=True), help="Model folder to write.")
@click.option("--dims", default=64, show_default=True, type=click.IntRange(min=1), help="Embedding length.")
@click.option("--epochs", default=None, type=click.IntRange(min=1), help="Maximum epochs (default: the model's).")
@click.option("--min-df", default=2, show_default=True, type=click.IntRange(min=1),
              help="Ignore words found in fewer texts.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")
@click.option("--overwrite", is_flag=True, help="Replace the model in OUTPUT if there is one.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def text_fit(corpus, text_column, label_column, use_labels, output, dims, epochs, min_df, seed, overwrite,
             quiet):
    """Fit a TextAutoencoder on CORPUS (.csv with --text-column, or .txt with one text per line)."""
    from .distributed import is_main_process
    from .text import TextAutoencoder

    if use_labels and not label_column:
        raise click.UsageError("--use-labels fits with the labels of --label-column: name that column too.")
    _check_model_dir(output, [corpus], overwrite)
    texts, labels = _read_texts(corpus, text_column, label_column)
    params = dict(n_components=dims, min_df=min_df, random_state=seed, verbose=0 if quiet else 1)
    if epochs:
        params["max_epochs"] = epochs
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
@click.argument("model", type=click.Path())  # a file reaches load(), which says what it is
@click.argument("input", type=click.Path(dir_okay=False))
@click.option("--text-column", default=None, help="CSV column holding the texts (not for .txt input).")
@click.option("--label-column", default=None, help="CSV column to copy through to OUT.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Embedding file: .csv, .parquet, .npy or .npz.")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
def text_embed(model, input, text_column, label_column, output, overwrite):
    """Embed the texts of INPUT with a saved TextAutoencoder MODEL folder."""
    from .serialization import load
    from .tables import check_output_path, write_table
    from .text import TextAutoencoder

    check_output_path(output, [input], overwrite)
    texts, labels = _read_texts(input, text_column, label_column)
    tae = load(model)
    if not isinstance(tae, TextAutoencoder):
        raise ValueError(f"{model} holds a {type(tae).__name__}, not a TextAutoencoder (see `aekit text fit`).")
    Z = tae.transform(texts)
    write_table(output, Z, [f"z{i}" for i in range(Z.shape[1])], labels, label_column)
    click.echo(f"Wrote {Z.shape[0]:,} x {Z.shape[1]} embedding to {output}")


@text.command("neighbours")
@click.argument("model", type=click.Path())  # a file reaches load(), which says what it is
@click.argument("word")
@click.option("--topn", default=10, show_default=True, type=click.IntRange(min=1), help="How many words.")
def text_neighbours(model, word, topn):
    """Print the words whose vectors are closest to WORD's (cosine similarity)."""
    from .serialization import load
    from .text import TextAutoencoder

    tae = load(model)
    if not isinstance(tae, TextAutoencoder):
        raise ValueError(f"{model} holds a {type(tae).__name__}, not a TextAutoencoder (see `aekit text fit`).")
    try:
        pairs = tae.most_similar(word, topn=topn)
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None
    for w, sim in pairs:
        click.echo(f"{w}\t{sim:.4f}")


# --------------------------------------------------------------------------------------------
# aekit translate
# --------------------------------------------------------------------------------------------


@cli.group()
def translate():
    """Edit image attributes (AttributeEditor) or translate images X -> Y (Translator)."""


def _stack_same_size(images: list, where) -> np.ndarray:
    shapes = sorted({im.shape for im in images})
    if len(shapes) > 1:
        raise ValueError(f"{where}: the images differ in size ({', '.join(map(str, shapes[:4]))}); "
                         "resize or crop them to one size first.")
    return np.stack(images)


def _read_image_stack(path, what: str):
    """``(images, names)`` from a .npy stack ``(n, H, W[, C])`` (names None) or a folder of images
    of one size (names relative to the folder, sorted)."""
    from pathlib import Path

    from .images import find_images, load_npy, read_image

    p = Path(path)
    if p.is_file() and p.suffix.lower() == ".npy":
        from .hardware import check_memory
        from .images import npy_header

        try:
            shape, dtype = npy_header(p)
        except Exception:  # noqa: BLE001 - a damaged header is reported by load_npy below
            pass
        else:
            check_memory(2 * int(np.prod(shape)) * max(4, dtype.itemsize), f"Reading {path}",
                         "Split the stack into smaller files.")
        stack = load_npy(p)
        if stack.ndim not in (3, 4):
            raise ValueError(f"{path}: a .npy of images must be (n, H, W) or (n, H, W, C); it is {stack.shape}.")
        return stack, None
    if not p.is_dir():
        raise click.UsageError(f"{what} {path}: give a folder of images or a .npy stack of shape (n, H, W[, C]).")
    found = find_images([p])
    return _stack_same_size([read_image(src) for src, _ in found], path), [str(rel) for _, rel in found]


def _read_attributes(path, names, image_column):
    """Attribute columns of ATTRIBUTES.csv, in the order of ``names`` (a folder) or of the rows."""
    from pathlib import Path

    from .tables import _pandas

    pd = _pandas()
    try:
        df = pd.read_csv(Path(path))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file.") from None
    except Exception as exc:  # noqa: BLE001 - parser errors come in many types
        raise ValueError(f"{path}: cannot be read as CSV ({exc}).") from None
    if names is not None:
        if image_column not in df.columns:
            raise ValueError(f"{path}: no column {image_column!r} naming each image file; columns are "
                             f"{list(df.columns)[:20]} (choose one with --image-column).")
        df = df.assign(**{image_column: df[image_column].astype(str)}).set_index(image_column)
        missing = [n for n in names if n not in df.index]
        if missing:
            raise ValueError(f"{path} has no row for {len(missing)} image(s), e.g. {missing[:3]}; "
                             f"every image needs its attributes.")
        df = df.loc[names]
    else:
        df = df.drop(columns=[image_column], errors="ignore")
    if df.shape[1] == 0:
        raise ValueError(f"{path} has no attribute columns.")
    if df.isna().any().any():
        col = df.columns[df.isna().any()][0]
        raise ValueError(f"{path}: column {col!r} has missing values; fill them in or drop those images.")
    return {str(c): df[c].to_numpy() for c in df.columns}


def _check_model_output(output, inputs, overwrite):
    if not str(output).strip():
        raise click.BadParameter("is empty; name the model folder to write.", param_hint="-o")
    _check_model_dir(output, inputs, overwrite)


@translate.command("fit")
@click.argument("images", type=click.Path(exists=True))
@click.argument("attributes", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(file_okay=True), help="Model folder to write.")
@click.option("--image-column", default="image", show_default=True,
              help="CSV column naming each image file (relative to the IMAGES folder).")
@click.option("--method", default="fader", show_default=True, type=click.Choice(["fader", "vector"]),
              help="fader: attribute-conditioned decoder + latent discriminator; vector: latent arithmetic.")
@click.option("--epochs", default=None, type=click.IntRange(min=1), help="Epochs (default: the model's).")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")
@click.option("--overwrite", is_flag=True, help="Replace the model in OUTPUT if there is one.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def translate_fit(images, attributes, output, image_column, method, epochs, seed, overwrite, quiet):
    """Fit an AttributeEditor on IMAGES (a folder, or a .npy stack) and ATTRIBUTES.csv.

    The CSV has one row per image: a column (--image-column) with the file name for a folder, rows in
    order for a .npy; every other column is an attribute, binary (0/1) or categorical (labels).
    """
    from .translate import AttributeEditor

    _check_model_output(output, [images, attributes], overwrite)
    stack, names = _read_image_stack(images, "IMAGES")
    table = _read_attributes(attributes, names, image_column)
    params = dict(method=method, random_state=seed, verbose=0 if quiet else 1)
    if epochs:
        params["max_epochs"] = epochs
    editor = AttributeEditor(**params).fit(stack, table)
    editor.save(output)
    kinds = ", ".join(f"{a['name']} ({a['kind']})" for a in editor.attributes_)
    click.echo(f"Fitted an AttributeEditor ({method}) on {len(stack):,} images, attributes: {kinds}; "
               f"saved to {output}")


@translate.command("pairs")
@click.argument("inputs", type=click.Path(exists=True))
@click.argument("targets", type=click.Path(exists=True))
@click.option("-o", "--output", required=True, type=click.Path(file_okay=True), help="Model folder to write.")
@click.option("--epochs", default=None, type=click.IntRange(min=1), help="Maximum epochs (default: the model's).")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")
@click.option("--overwrite", is_flag=True, help="Replace the model in OUTPUT if there is one.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def translate_pairs(inputs, targets, output, epochs, seed, overwrite, quiet):
    """Fit a Translator that turns each image of INPUTS into its pair in TARGETS.

    Two folders with the same file names, or two .npy stacks of the same shape.
    """
    from .translate import Translator

    _check_model_output(output, [inputs, targets], overwrite)
    X, names_x = _read_image_stack(inputs, "INPUTS")
    Y, names_y = _read_image_stack(targets, "TARGETS")
    if names_x is not None and names_y is not None and names_x != names_y:
        only = sorted(set(names_x) ^ set(names_y))
        raise ValueError(f"{inputs} and {targets} must hold the same file names; "
                         f"{len(only)} differ, e.g. {only[:3]}.")
    params = dict(random_state=seed, verbose=0 if quiet else 1)
    if epochs:
        params["max_epochs"] = epochs
    model = Translator(**params).fit(X, Y)
    model.save(output)
    click.echo(f"Fitted a Translator on {len(X):,} pairs ({model.n_iter_} epochs); saved to {output}")


def _parse_settings(settings, editor) -> dict:
    known = {a["name"]: a for a in editor.attributes_}
    out = {}
    for item in settings:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name or not value.strip():
            raise click.BadParameter(f"{item!r} is not NAME=VALUE (e.g. --set glasses=0).", param_hint="--set")
        if name not in known:
            raise click.BadParameter(f"unknown attribute {name!r}; the model knows "
                                     f"{', '.join(known)}.", param_hint="--set")
        spec, value = known[name], value.strip()
        if spec["kind"] == "binary":
            try:
                out[name] = float(value)
            except ValueError:
                raise click.BadParameter(f"{name} is binary: give 0, 1 or a strength such as 0.5, "
                                         f"not {value!r}.", param_hint="--set") from None
        else:
            match = [c for c in spec["classes"] if str(c) == value]
            if not match:
                raise click.BadParameter(f"{name} has no class {value!r}; classes: "
                                         f"{', '.join(map(str, spec['classes']))}.", param_hint="--set")
            out[name] = match[0]
    return out


@translate.command("apply")
@click.argument("model", type=click.Path())  # a file reaches load(), which says what it is
@click.argument("input", type=click.Path(exists=True))
@click.option("-o", "--output", required=True, type=click.Path(),
              help="A folder for image inputs (same names and formats), a .npy for a .npy input.")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Attribute to set, e.g. --set glasses=0 --set blond=1 (AttributeEditor models).")
@click.option("--mode", default="auto", show_default=True,
              type=click.Choice(["auto", "residual", "mask", "decode"]),
              help="residual: add the predicted change to the input; mask: the decoder's image where the "
                   "edit changes it, the input elsewhere; decode: the decoder's whole image; auto: "
                   "residual where an edit only adds, mask where it removes an attribute or sets a "
                   "categorical one (such as a digit).")
@click.option("--overwrite", is_flag=True, help="Replace existing outputs.")
def translate_apply(model, input, output, settings, mode, overwrite):
    """Edit (AttributeEditor) or translate (Translator) INPUT: image files, a folder, or a .npy stack."""
    from pathlib import Path

    from .images import from_unit_float, write_image
    from .serialization import atomic_path, load, refuse_overwrite
    from .translate import AttributeEditor, Translator

    if not str(output).strip():
        raise click.BadParameter("is empty; name the output.", param_hint="-o")
    net = load(model)
    if isinstance(net, AttributeEditor):
        if not settings:
            raise click.UsageError("Say what to change with --set NAME=VALUE, e.g. --set glasses=0; the model knows "
                                   + ", ".join(a["name"] for a in net.attributes_) + ".")
        changes = _parse_settings(settings, net)
        run = lambda x: net.edit(x, mode=mode, **changes)  # noqa: E731
    elif isinstance(net, Translator):
        if settings:
            raise click.UsageError("--set is for AttributeEditor models; a Translator has no attributes.")
        run = net.transform
    else:
        raise ValueError(f"{model} holds a {type(net).__name__}, not an AttributeEditor or a Translator.")
    src = Path(input)
    if src.is_file() and src.suffix.lower() == ".npy":
        if Path(output).suffix.lower() != ".npy":
            raise click.BadParameter("a .npy input is written to a .npy output.", param_hint="-o")
        refuse_overwrite(output, [input], overwrite)
        stack, _ = _read_image_stack(input, "INPUT")
        out = run(stack)
        with atomic_path(output) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, from_unit_float(out, stack.dtype) if stack.dtype == np.uint8 else out)
        click.echo(f"Wrote {len(out):,} images to {output}")
        return
    pairs = _plan_outputs([input], output, overwrite)
    from .images import read_image

    images = [read_image(p) for p, _ in pairs]
    out = run(_stack_same_size(images, input))
    for (_, dst), image, result in zip(pairs, images, out):
        write_image(dst, from_unit_float(result, image.dtype))
    click.echo(f"Wrote {len(pairs)} image{'s' if len(pairs) != 1 else ''} to {output}")


def main(argv=None) -> int:
    """Console-script entry point."""
    try:
        cli.main(args=argv, prog_name="aekit", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    finally:
        from .distributed import leave_group

        leave_group()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``aekit outliers``: score every row of a table, or every image of a folder, and flag the unusual ones."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from . import _options as opt
from ._inputs import check_png, check_rows, read_image_stack


@click.command()
@click.argument("input", type=click.Path(exists=True))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Scores file (.csv, .parquet, .npy or .npz): one row per input row or image, with its "
                   "outlier score (higher = more unusual) and its flag (1 = outlier).")
@click.option("--contamination", default="auto", show_default=True,
              help="Expected share of outliers in INPUT, in (0, 0.5]; 'auto' uses Tukey's fence "
                   "(Q3 + 1.5 IQR) of the scores.")
@click.option("--labels", default=None, help="Column (or .npz array) of a table to keep out of the features "
              "and copy to the output.")
@click.option("--plot", "plot_path", default=None, type=click.Path(dir_okay=False),
              help="PNG: the scores' histogram with the threshold, and the most unusual rows or images "
                   "(default: OUTPUT with .png).")
@click.option("--top", default=16, show_default=True, type=click.IntRange(min=0, max=64),
              help="How many of the most unusual rows or images the plot shows.")
@click.option("--save-model", default=None, type=click.Path(file_okay=False), help="Folder to save the detector in.")
@opt.training()
@opt.overwrite("Replace OUTPUT (and the plot) if they exist.")
@opt.quiet()
def outliers(input, output, contamination, labels, plot_path, top, save_model, epochs, seed, overwrite, quiet):
    """Find the unusual rows of INPUT (CSV, Parquet, .npy, .npz) or images of INPUT (a folder of
    images of one size, or a .npy stack (n, H, W[, C])) with an OutlierDetector."""
    from ..outliers import OutlierDetector
    from ..tables import check_output_path, write_table

    contamination = _parse_contamination(contamination)
    check_output_path(output, [input], overwrite)
    plot_path = plot_path or str(Path(output).with_suffix(".png"))
    check_png(plot_path, input, overwrite)
    if save_model:
        opt.check_model_folder(save_model, [input], overwrite, option="--save-model")
    images, names, table = _read_input(input, labels)
    if images is not None:
        if len(images) < 2:
            raise ValueError(f"{input} holds {len(images)} image; finding outliers needs at least 2.")
        X, image_shape, columns = images, images.shape[1:], None
    else:
        check_rows(table, input)
        X, image_shape, columns = table.X, None, table.columns
    params = opt.fit_params(epochs, seed, quiet, contamination=contamination)
    det = OutlierDetector(**params).fit(X)
    scores, flags = det.decision_scores_, det.labels_
    keep = (names, "file") if names is not None else (table.labels, table.label_name) if table else (None, None)
    write_table(output, np.column_stack([scores, flags]), ["score", "outlier"], *keep)
    click.echo(f"Wrote the scores of {len(scores):,} {'images' if images is not None else 'rows'} to {output}: "
               f"{int(flags.sum()):,} flagged (threshold {det.threshold_:.4g})")
    _write_plot(plot_path, det, X, scores, top, image_shape, columns, names)
    click.echo(f"Wrote the plot to {plot_path}")
    if save_model:
        det.save(save_model)
        click.echo(f"Saved the detector to {save_model}")


def _parse_contamination(value: str):
    if value == "auto":
        return value
    try:
        c = float(value)
    except ValueError:
        c = None
    if c is None or not 0 < c <= 0.5:
        raise click.BadParameter(f"{value!r} is not 'auto' or a number in (0, 0.5].", param_hint="--contamination")
    return c


def _read_input(path, labels):
    """``(images, names, None)`` for a folder or a .npy image stack, ``(None, None, table)`` for a table."""
    from ..tables import read_table

    p = Path(path)
    if p.is_dir():
        images, names = read_image_stack(p, "INPUT")
        return images, names, None
    if p.suffix.lower() == ".npy":
        from ..images import npy_header

        try:
            shape, _ = npy_header(p)
        except Exception:  # noqa: BLE001 - a damaged header is reported by the reader below
            shape = ()
        if len(shape) in (3, 4):
            images, _ = read_image_stack(p, "INPUT")
            return images, None, None
    return None, None, read_table(path, labels=labels)


def _write_plot(path, det, X, scores, top, image_shape, columns, names):
    from ..plots import figure_to_png, plot_outliers
    from ..serialization import atomic_path

    order = np.argsort(-scores)[:top]
    titles = [f"{names[i] if names else f'row {i + 1}'}\n{scores[i]:.3g}" for i in order]
    if image_shape is not None:
        rows = [np.asarray(X[i]) for i in order]
    else:
        Xf = np.asarray(X, dtype=float)
        std = Xf.std(axis=0)
        rows = [(Xf[i] - Xf.mean(axis=0)) / np.where(std > 0, std, 1.0) for i in order]
    fig = plot_outliers(scores, det.threshold_, rows, titles, image_shape=image_shape, columns=columns)
    png = figure_to_png(fig)
    with atomic_path(path) as tmp:
        tmp.write_bytes(png)

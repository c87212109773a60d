"""``aekit reduce`` (fit an AutoencoderReducer on a table) and ``aekit transform`` (embed with one)."""

from __future__ import annotations

import click
import numpy as np

from . import _options as opt
from ._inputs import check_finite_table, check_png, check_rows


@opt.trains
@click.command()
@click.argument("input", type=click.Path(dir_okay=False))
@opt.embedding_output()
@click.option("--dims", default=2, show_default=True, type=click.IntRange(min=1), help="Latent dimensions.")
@click.option("--labels", default=None, help="Column (or .npz array) holding labels: kept out of the "
              "features, copied to the output and used to colour --plot.")
@click.option("--use-labels", is_flag=True,
              help="Fit with the --labels column too (a supervised map; empty cells or -1 mark unlabelled "
                   "rows, so a few labels can guide the whole map).")
@click.option("--image-shape", default=None, callback=lambda ctx, param, value: _image_shape(value),
              metavar="HxW[xC]", help="Each row is a flattened image of this shape (e.g. 28x28): the encoder reads "
                                       "it with convolutions (see --encoder) and the map also learns from copies "
                                       "moved by a pixel, which places new images better.")
@click.option("--encoder", type=click.Choice(["auto", "dense", "conv"]), default="auto", show_default=True,
              help="conv (needs --image-shape): the encoder reads each row as an image through convolutions, "
                   "so classes of images separate better, for a longer fit; auto: conv for maps (--dims up to "
                   "3) with --image-shape, else dense.")
@click.option("--plot", "plot_path", default=None, type=click.Path(dir_okay=False),
              help="PNG of the 2-D map beside PCA's.")
@click.option("--save-model", default=None, type=click.Path(file_okay=False), help="Folder to save the model in.")
@opt.training()
@click.option("--checkpoint", default=None, type=click.Path(dir_okay=False),
              help="File saved after every epoch; if it exists, training resumes from it, so a killed "
                   "run rerun with the same command ends with the same model.")
@opt.overwrite("Replace OUTPUT (and --plot) if they exist.")
@opt.quiet()
def reduce(input, output, dims, labels, use_labels, image_shape, encoder, plot_path, save_model, epochs, seed, checkpoint,
           overwrite, quiet):
    """Reduce INPUT (CSV, Parquet, .npy, .npz) to --dims columns with an AutoencoderReducer."""
    from ..distributed import is_main_process
    from ..reduce import AutoencoderReducer
    from ..tables import check_output_path, read_table
    from ..training import is_out_of_core

    if use_labels and not labels:
        raise click.UsageError("--use-labels fits with the labels of --labels: name that column too.")
    if encoder == "conv" and image_shape is None:
        raise click.UsageError("--encoder conv reads each row as an image: give its shape with --image-shape "
                               "(e.g. 28x28).")
    check_output_path(output, [input], overwrite)
    if plot_path:
        check_png(plot_path, input, overwrite)
    if save_model:
        opt.check_model_folder(save_model, [input], overwrite, option="--save-model")
    if checkpoint:
        from ..serialization import check_writable

        check_writable(checkpoint)
    table = read_table(input, labels=labels)  # a .npy larger than memory comes back memory-mapped
    if not is_out_of_core(table.X):  # (the streamed fit checks those rows as it reads them)
        check_rows(table, input)
    params = opt.fit_params(epochs, seed, quiet, n_components=dims, checkpoint=checkpoint, image_shape=image_shape,
                            encoder=encoder)
    y = table.labels if use_labels else None
    reducer = AutoencoderReducer(**params).fit(table.X, y, resume=checkpoint is not None)
    if not is_main_process():  # under torchrun, rank 0 alone writes the results
        return
    Z = _write_codes(reducer, table, output)
    if save_model:
        reducer.save(save_model)
        click.echo(f"Saved the model to {save_model}")
    if plot_path:
        _plot_maps(plot_path, table, Z)
        click.echo(f"Wrote the plot to {plot_path}")


def _image_shape(value: str | None) -> tuple[int, ...] | None:
    """``"28x28"`` -> ``(28, 28)``; a usage error for anything but two or three positive integers."""
    if value is None:
        return None
    parts = value.lower().replace("*", "x").split("x")
    if len(parts) not in (2, 3) or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
        raise click.BadParameter(f"{value!r} is not an image shape; give height x width (x channels), e.g. 28x28.",
                                 param_hint="--image-shape")
    return tuple(int(p) for p in parts)


@click.command()
@opt.model_argument()
@click.argument("input", type=click.Path(dir_okay=False))
@opt.embedding_output()
@click.option("--labels", default=None, help="Label column to copy through (not a feature).")
@opt.overwrite()
def transform(model, input, output, labels, overwrite):
    """Embed INPUT with a saved MODEL folder (from `aekit reduce --save-model`)."""
    from ..reduce import AutoencoderReducer
    from ..serialization import load
    from ..tables import check_output_path, read_table
    from ..training import is_out_of_core

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
        check_finite_table(table, input)
    _write_codes(reducer, table, output)


def _write_codes(reducer, table, output):
    """Encode the table into OUTPUT; data streamed from disk goes straight into a .npy output."""
    from ..tables import write_table
    from ..training import is_out_of_core

    if is_out_of_core(table.X) and str(output).lower().endswith(".npy"):
        Z = reducer.transform(table.X, out=output)
    else:
        Z = reducer.transform(table.X)
        write_table(output, Z, [f"z{i}" for i in range(Z.shape[1])], table.labels, table.label_name)
    click.echo(f"Wrote {Z.shape[0]:,} x {Z.shape[1]} embedding to {output}")
    return Z


def _plot_maps(path, table, Z):
    from sklearn.decomposition import PCA

    from ..plots import figure_to_png, plot_latent_comparison
    from ..serialization import atomic_path

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

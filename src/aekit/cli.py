"""The ``aekit`` command line.

Exit codes: 0 success, 1 an error in the work itself (bad data, a missing data set...), 2 a usage
error (unknown option, missing argument). Errors print one line, no traceback; ``--debug`` shows it.
"""

from __future__ import annotations

import sys

import click

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
            if isinstance(exc, MemoryError):
                click.echo("hint: use a smaller --batch-size or a subset of the data.", err=True)
            ctx.exit(1)


@click.group(cls=_AekitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aekit")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def cli(ctx, debug):
    """aekit: practical autoencoders (reduce, denoise, translate, embed text)."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


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
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT (and --plot) if they exist.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def reduce(input, output, dims, labels, plot_path, save_model, epochs, seed, overwrite, quiet):
    """Reduce INPUT (CSV, Parquet, .npy, .npz) to --dims columns with an AutoencoderReducer."""
    from .reduce import AutoencoderReducer
    from .tables import check_output_path, read_table, write_table

    check_output_path(output, [input], overwrite)
    if plot_path:
        _check_png(plot_path, input, overwrite)
    table = read_table(input, labels=labels)
    params = dict(n_components=dims, random_state=seed, verbose=0 if quiet else 1)
    if epochs:
        params["max_epochs"] = epochs
    reducer = AutoencoderReducer(**params).fit(table.X)
    Z = reducer.transform(table.X)
    write_table(output, Z, [f"z{i}" for i in range(dims)], table.labels, table.label_name)
    click.echo(f"Wrote {Z.shape[0]:,} x {Z.shape[1]} embedding to {output}")
    if save_model:
        reducer.save(save_model)
        click.echo(f"Saved the model to {save_model}")
    if plot_path:
        _plot_maps(plot_path, table, Z)
        click.echo(f"Wrote the plot to {plot_path}")


def _check_png(path, input, overwrite):
    from pathlib import Path

    p = Path(path)
    if p.suffix.lower() != ".png":
        raise click.BadParameter(f"{path}: the plot is written as PNG; use a .png name.", param_hint="--plot")
    if p.exists() and (p.resolve() == Path(input).resolve() or not overwrite):
        raise FileExistsError(f"{path} already exists; pass --overwrite to replace it, or choose another name.")


def _plot_maps(path, table, Z):
    from sklearn.decomposition import PCA

    from .plots import figure_to_png, plot_latent_comparison
    from .serialization import atomic_path

    if Z.shape[1] < 2:
        raise ValueError("--plot needs --dims 2 or more.")
    Z_pca = PCA(n_components=2).fit_transform(table.X) if table.X.shape[1] >= 2 else None
    maps = {"PCA": Z_pca, "Autoencoder": Z} if Z_pca is not None else {"Autoencoder": Z}
    png = figure_to_png(plot_latent_comparison(maps, labels=table.labels))
    with atomic_path(path) as tmp:
        tmp.write_bytes(png)


@cli.command()
@click.argument("model", type=click.Path(file_okay=False))
@click.argument("input", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Embedding file: .csv, .parquet, .npy or .npz.")
@click.option("--labels", default=None, help="Label column to copy through (not a feature).")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
def transform(model, input, output, labels, overwrite):
    """Embed INPUT with a saved MODEL folder (from `aekit reduce --save-model`)."""
    from .serialization import load
    from .tables import check_output_path, read_table, write_table

    check_output_path(output, [input], overwrite)
    reducer = load(model)
    table = read_table(input, labels=labels)
    if table.X.shape[1] != reducer.n_features_in_:
        raise ValueError(
            f"{input} has {table.X.shape[1]} feature columns but the model was fitted on "
            f"{reducer.n_features_in_}; use the same columns as for fitting."
        )
    Z = reducer.transform(table.X)
    write_table(output, Z, [f"z{i}" for i in range(Z.shape[1])], table.labels, table.label_name)
    click.echo(f"Wrote {Z.shape[0]:,} x {Z.shape[1]} embedding to {output}")


def main(argv=None) -> int:
    """Console-script entry point."""
    try:
        cli.main(args=argv, prog_name="aekit", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

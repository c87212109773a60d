"""What several ``aekit`` commands share: option decorators, the torchrun mark, and the checks of
the outputs they name (run before any work is done, so that a refusal costs nothing)."""

from __future__ import annotations

import click

# --------------------------------------------------------------------------------------------
# Option decorators
# --------------------------------------------------------------------------------------------


def compose(*decorators):
    """One decorator applying ``decorators`` in the order written (the first is the first in --help)."""

    def apply(f):
        for decorator in reversed(decorators):
            f = decorator(f)
        return f

    return apply


def output(help: str, type: click.ParamType, dest: str = "output", **kwargs):
    """``-o/--output``, passed to the command as ``dest`` (required unless ``kwargs`` give a default)."""
    kwargs.setdefault("required", "default" not in kwargs)
    return click.option("-o", "--output", dest, type=type, help=help, **kwargs)


def embedding_output():
    """``-o/--output`` naming the table of codes that ``reduce``, ``transform`` and ``text embed`` write."""
    return output("Embedding file: .csv, .parquet, .npy or .npz.", click.Path(dir_okay=False))


def model_output():
    """``-o/--output`` naming the model folder a fitting command writes (see :func:`check_model_folder`)."""
    return output("Model folder to write.", click.Path(file_okay=True))


def model_argument():
    """The MODEL argument: a saved model folder."""
    return click.argument("model", type=click.Path())  # a file reaches load(), which says what it is


def overwrite(help: str = "Replace OUTPUT if it exists."):
    return click.option("--overwrite", is_flag=True, help=help)


def quiet(help: str = "No progress bar."):
    return click.option("-q", "--quiet", is_flag=True, help=help)


def epochs(help: str = "Maximum epochs (default: the model's)."):
    return click.option("--epochs", default=None, type=click.IntRange(min=1), help=help)


def seed():
    return click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")


def training(epochs_help: str = "Maximum epochs (default: the model's)."):
    """``--epochs`` and ``--seed``, the options of every command that fits a model."""
    return compose(epochs(epochs_help), seed())


def fit_params(epochs, seed, quiet, **params) -> dict:
    """The estimator parameters that :func:`training` and :func:`quiet` give, beside ``params``."""
    params.update(random_state=seed, verbose=0 if quiet else 1)
    if epochs:
        params["max_epochs"] = epochs
    return params


def trains(command: click.Command) -> click.Command:
    """Declare that ``command`` (a command or a group) may run under torchrun, one process per CPU
    socket or GPU: the ``aekit`` group refuses the others when it finds itself in a process group.

    Written above the ``@click.command`` line, it reads as part of the command's declaration.
    """
    command.trains = True
    return command


# --------------------------------------------------------------------------------------------
# Checks of the outputs, before any work
# --------------------------------------------------------------------------------------------


def check_model_folder(path, inputs, overwrite: bool, option: str = "-o") -> None:
    """Refuse a model folder ``path`` that is empty text, one of ``inputs``, a file, a folder holding
    something (unless ``overwrite``) or one that cannot be written. ``option`` names it."""
    from pathlib import Path

    from ..serialization import check_writable

    if not str(path).strip():
        raise click.BadParameter("is empty; name the model folder to write.", param_hint=option)
    p = Path(path)
    for inp in inputs:
        if p.exists() and p.resolve() == Path(inp).resolve():
            raise ValueError(f"{path} is also an input; aekit never overwrites its input. Choose another folder.")
    if p.exists() and not p.is_dir():
        raise FileExistsError(f"{path} is a file; the model is written as a folder. Choose another name.")
    if p.is_dir() and any(p.iterdir()) and not overwrite:
        raise FileExistsError(f"{path} already exists and is not empty; pass --overwrite to replace the model in it.")
    check_writable(p / "config.json")


def plan_outputs(inputs, outdir, overwrite: bool):
    """``[(input, output)]`` for every image of ``inputs`` (files or folders), written into the
    folder ``outdir`` under the same relative names; checked before any work is done."""
    from pathlib import Path

    from ..images import find_images
    from ..serialization import refuse_overwrite

    if not str(outdir).strip():
        raise click.BadParameter("is empty; name the folder to write the denoised images to.", param_hint="-o")
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{outdir} is a file; -o names the output folder.")
    pairs = [(src, out / rel) for src, rel in find_images(inputs)]
    refuse_overwrite([dst for _, dst in pairs], [src for src, _ in pairs], overwrite)
    return pairs

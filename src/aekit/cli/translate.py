"""``aekit translate``: fit an AttributeEditor (``fit``) or a Translator (``pairs``), apply one (``apply``).

Neither fit runs under torchrun (they are not marked with ``@trains``).
"""

from __future__ import annotations

import click
import numpy as np

from . import _options as opt
from ._inputs import read_image_stack, stack_same_size


@click.group()
def translate():
    """Edit image attributes (AttributeEditor) or translate images X -> Y (Translator)."""


def _read_attributes(path, names, image_column):
    """Attribute columns of ATTRIBUTES.csv, in the order of ``names`` (a folder) or of the rows."""
    from pathlib import Path

    from ..tables import _pandas

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


@translate.command("fit")
@click.argument("images", type=click.Path(exists=True))
@click.argument("attributes", type=click.Path(dir_okay=False))
@opt.model_output()
@click.option("--image-column", default="image", show_default=True,
              help="CSV column naming each image file (relative to the IMAGES folder).")
@click.option("--method", default="fader", show_default=True, type=click.Choice(["fader", "mask", "vector"]),
              help="fader: attribute-conditioned decoder + latent discriminator; mask: a full-resolution "
                   "U-Net that redraws only where its mask says (sharp; slower to train); vector: latent "
                   "arithmetic.")
@opt.training(epochs_help="Epochs (default: the model's).")
@opt.overwrite("Replace the model in OUTPUT if there is one.")
@opt.quiet()
def translate_fit(images, attributes, output, image_column, method, epochs, seed, overwrite, quiet):
    """Fit an AttributeEditor on IMAGES (a folder, or a .npy stack) and ATTRIBUTES.csv.

    The CSV has one row per image: a column (--image-column) with the file name for a folder, rows in
    order for a .npy; every other column is an attribute, binary (0/1) or categorical (labels).
    """
    from ..translate import AttributeEditor

    opt.check_model_folder(output, [images, attributes], overwrite)
    stack, names = read_image_stack(images, "IMAGES")
    table = _read_attributes(attributes, names, image_column)
    editor = AttributeEditor(**opt.fit_params(epochs, seed, quiet, method=method)).fit(stack, table)
    editor.save(output)
    kinds = ", ".join(f"{a['name']} ({a['kind']})" for a in editor.attributes_)
    click.echo(f"Fitted an AttributeEditor ({method}) on {len(stack):,} images, attributes: {kinds}; "
               f"saved to {output}")


@translate.command("pairs")
@click.argument("inputs", type=click.Path(exists=True))
@click.argument("targets", type=click.Path(exists=True))
@opt.model_output()
@opt.training()
@opt.overwrite("Replace the model in OUTPUT if there is one.")
@opt.quiet()
def translate_pairs(inputs, targets, output, epochs, seed, overwrite, quiet):
    """Fit a Translator that turns each image of INPUTS into its pair in TARGETS.

    Two folders with the same file names, or two .npy stacks of the same shape.
    """
    from ..translate import Translator

    opt.check_model_folder(output, [inputs, targets], overwrite)
    X, names_x = read_image_stack(inputs, "INPUTS")
    Y, names_y = read_image_stack(targets, "TARGETS")
    if names_x is not None and names_y is not None and names_x != names_y:
        only = sorted(set(names_x) ^ set(names_y))
        raise ValueError(f"{inputs} and {targets} must hold the same file names; "
                         f"{len(only)} differ, e.g. {only[:3]}.")
    model = Translator(**opt.fit_params(epochs, seed, quiet)).fit(X, Y)
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
@click.argument("model", type=click.Path(), metavar="MODEL")
@click.argument("input", type=click.Path(exists=True))
@opt.output("A folder for image inputs (same names and formats), a .npy for a .npy input.", click.Path())
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Attribute to set, e.g. --set glasses=0 --set blond=1 (AttributeEditor models).")
@click.option("--mode", default="auto", show_default=True,
              type=click.Choice(["auto", "residual", "mask", "decode"]),
              help="residual: add the predicted change to the input; mask: the decoder's image where the "
                   "edit changes it, the input elsewhere; decode: the decoder's whole image; auto: "
                   "residual where an edit only adds, mask where it removes an attribute or sets a "
                   "categorical one (such as a digit).")
@opt.overwrite("Replace existing outputs.")
def translate_apply(model, input, output, settings, mode, overwrite):
    """Edit (AttributeEditor) or translate (Translator) INPUT: image files, a folder, or a .npy stack.

    MODEL is a saved model folder, or the name of an editor that ships with aekit ("faces":
    64 x 64 faces, attributes glasses, beard, blond, smiling).
    """
    from pathlib import Path

    from ..images import from_unit_float, write_image
    from ..serialization import atomic_path, load, refuse_overwrite
    from ..translate import AttributeEditor, Translator

    if not str(output).strip():
        raise click.BadParameter("is empty; name the output.", param_hint="-o")
    from ..translate import PRETRAINED_EDITORS

    # a shipped editor's name where a model folder would go (a folder of that name wins)
    net = AttributeEditor.pretrained(model) if model in PRETRAINED_EDITORS and not Path(model).exists() else load(model)
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
        stack, _ = read_image_stack(input, "INPUT")
        out = run(stack)
        with atomic_path(output) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, from_unit_float(out, stack.dtype) if stack.dtype == np.uint8 else out)
        click.echo(f"Wrote {len(out):,} images to {output}")
        return
    pairs = opt.plan_outputs([input], output, overwrite)
    from ..images import read_image

    images = [read_image(p) for p, _ in pairs]
    out = run(stack_same_size(images, input))
    for (_, dst), image, result in zip(pairs, images, out):
        write_image(dst, from_unit_float(result, image.dtype))
    click.echo(f"Wrote {len(pairs)} image{'s' if len(pairs) != 1 else ''} to {output}")

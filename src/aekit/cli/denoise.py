"""``aekit denoise`` (image files and folders, with a Denoiser) and ``aekit noise`` (test images)."""

from __future__ import annotations

import sys

import click
import numpy as np

from . import _options as opt


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@opt.output("Folder for the denoised images (same names and formats as the inputs).", click.Path(file_okay=False),
            dest="outdir")
@click.option("--sigma", default=None, type=click.FloatRange(min=0, max=255),
              help="Gaussian noise level on the 0-255 scale, if known (default: estimated per image).")
@click.option("--camera", is_flag=True,
              help="Camera-like noise (photon shot noise plus read noise, signal-dependent), not Gaussian: "
                   "--sigma is then the read noise and --peak the photons of a white pixel (each estimated "
                   "per image when not given).")
@click.option("--peak", default=None, type=click.FloatRange(min=0, min_open=True),
              help="With --camera: the photon count of a white pixel, if known.")
@click.option("--model", "model_dir", default=None, type=click.Path(file_okay=False),
              help="A Denoiser model folder (default: the pretrained one that ships with aekit).")
@click.option("--tile-size", default=None, type=click.IntRange(min=128),
              help="Denoise large images in tiles of this size (bounds memory; default 512).")
@click.option("--self-ensemble", default=1, show_default=True, type=click.Choice(["1", "2", "4", "8"]),
              help="Average over this many rotated/mirrored copies: a little better, that many times slower.")
@opt.overwrite("Replace existing files in the output folder.")
@opt.quiet("No progress bar and no per-image lines.")
def denoise(inputs, outdir, sigma, camera, peak, model_dir, tile_size, self_ensemble, overwrite, quiet):
    """Denoise image files or folders (PNG, JPEG, TIFF, .npy) into OUTDIR.

    Folders are read recursively; each output keeps its input's name, format and dtype.
    """
    from tqdm.auto import tqdm

    from ..denoise import Denoiser
    from ..errors import InsufficientMemoryError
    from ..images import ImageFileError, read_image, write_image
    from ..serialization import load

    if peak is not None and not camera:
        raise click.UsageError("--peak is the photon count of camera noise; add --camera.")
    pairs = opt.plan_outputs(inputs, outdir, overwrite)
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
            if camera:
                from ..denoise import estimate_noise_model

                known = (peak, sigma)
                if peak is None or sigma is None:
                    est = estimate_noise_model(image)
                    known = (peak if peak is not None else est[0], sigma if sigma is not None else est[1])
                clean = model.denoise(image, sigma=known[1], noise="poisson_gaussian", peak=known[0])
                level = f"camera noise, {'given' if peak is not None and sigma is not None else 'estimated'}: " \
                        f"peak {known[0]:.3g} photons, read noise {known[1]:.1f}"
            else:
                sig = sigma if sigma is not None else model.noise_level(image)
                clean = model.denoise(image, sigma=sig)
                level = f"sigma {'given' if sigma is not None else 'estimated'}: {sig:.1f}"
        except (ImageFileError, InsufficientMemoryError, ValueError) as exc:  # one bad file stops nothing
            failed.append(src)
            tqdm.write(f"error: {exc}", file=sys.stderr)
            continue
        write_image(dst, clean)
        if not quiet:
            tqdm.write(f"{src} -> {dst}  ({level})")
    done = len(pairs) - len(failed)
    click.echo(f"Denoised {done} image{'s' if done != 1 else ''} into {outdir}")
    if failed:
        raise ImageFileError(f"{len(failed)} of {len(pairs)} inputs could not be denoised (see above): "
                             + ", ".join(str(f) for f in failed[:5]) + ("..." if len(failed) > 5 else ""))


@click.command()
@click.argument("input", type=click.Path(exists=True, dir_okay=False))
@opt.output("Noisy image file; .npy keeps unclipped float values on the [0, 1] scale.", click.Path(dir_okay=False))
@click.option("--gaussian", type=click.FloatRange(min=0), default=None, help="Gaussian sigma, 0-255 scale.")
@click.option("--salt-pepper", type=click.FloatRange(0, 1), default=None, help="Fraction of pixels set to 0 or 1.")
@click.option("--poisson", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Shot noise: photon count of a white pixel (smaller is noisier).")
@click.option("--camera", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Camera noise (Poisson-Gaussian): photon count of a white pixel, plus --read-noise.")
@click.option("--read-noise", type=click.FloatRange(min=0), default=10.0, show_default=True,
              help="With --camera: Gaussian read noise sigma, 0-255 scale.")
@click.option("--speckle", type=click.FloatRange(min=0), default=None, help="Multiplicative noise sigma.")
@click.option("--masking", type=click.FloatRange(0, 1), default=None, help="Fraction of pixels set to 0.")
@opt.seed()
@opt.overwrite()
def noise(input, output, gaussian, salt_pepper, poisson, camera, read_noise, speckle, masking, seed, overwrite):
    """Write a noisy copy of INPUT, to test a denoiser (exactly one noise option)."""
    from ..images import read_image, to_unit_float, write_image
    from ..noise import add_noise
    from ..serialization import refuse_overwrite

    chosen = {k: v for k, v in dict(gaussian=gaussian, salt_pepper=salt_pepper, poisson=poisson,
                                      poisson_gaussian=camera, speckle=speckle, masking=masking).items()
              if v is not None}
    if len(chosen) != 1:
        raise click.UsageError("Give exactly one of --gaussian, --salt-pepper, --poisson, --camera, --speckle, "
                               "--masking.")
    (kind, level), = chosen.items()
    extra = {"sigma": read_noise} if kind == "poisson_gaussian" else {}
    refuse_overwrite(output, [input], overwrite)
    image = read_image(input)
    if output.lower().endswith(".npy") and image.dtype in (np.uint8, np.uint16):
        image = to_unit_float(image)  # a float copy keeps the noise unclipped
    write_image(output, add_noise(image, kind, level, seed=seed, **extra))
    what = f"camera noise: peak {level:g} photons, read noise {read_noise:g}" if extra else \
        f"{kind.replace('_', '-')} {level:g}"
    click.echo(f"Wrote {output} ({what})")

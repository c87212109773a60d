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


def main(argv=None) -> int:
    """Console-script entry point."""
    try:
        cli.main(args=argv, prog_name="aekit", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

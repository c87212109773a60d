"""The ``aekit`` command line.

Exit codes: 0 success, 1 an error in the work itself (bad data, a missing data set...), 2 a usage
error (unknown option, missing argument). Errors print one line, no traceback; ``--debug`` shows it.

One module per tool (:mod:`.reduce`, :mod:`.denoise`, :mod:`.text`, :mod:`.translate`,
:mod:`.demo`); the options they share are in :mod:`._options`. Each module imports the estimators
inside its commands, so that ``aekit --help`` starts quickly. A command that may run under
torchrun says so with :func:`._options.trains`.
"""

from __future__ import annotations

import click

from .._version import __version__
from ..errors import AekitError
from . import demo as _demo
from . import denoise as _denoise
from . import outliers as _outliers
from . import reduce as _reduce
from . import text as _text
from . import translate as _translate

__all__ = ["cli", "main"]


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
    from ..distributed import init_from_env

    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    _, world = init_from_env()
    # each command that may run in a process group says so with @trains (reduce, the text group)
    if world > 1 and not getattr(ctx.command.get_command(ctx, ctx.invoked_subcommand), "trains", False):
        raise click.UsageError(f"`aekit {ctx.invoked_subcommand}` does not train; run it without torchrun.")


for _command in (_demo.demo, _reduce.reduce, _reduce.transform, _denoise.denoise, _denoise.noise,
                 _text.text, _translate.translate, _outliers.outliers):
    cli.add_command(_command)
del _command


def main(argv=None) -> int:
    """Console-script entry point."""
    code = 1  # until the command returns
    try:
        cli.main(args=argv, prog_name="aekit", standalone_mode=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        from ..distributed import leave_group

        leave_group(wait_for_peers=code == 0)
    return code

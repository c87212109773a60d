"""``aekit demo``: train on real data beside the baselines and write an HTML report."""

from __future__ import annotations

import click

from . import _options as opt


@click.command()
@opt.output("Folder for index.html and metrics.json.", click.Path(file_okay=False), default="report",
            show_default=True)
@click.option("--quick", is_flag=True, help="Small subsets and few epochs (seconds, for tests).")
@opt.quiet("No progress output.")
def demo(output, quick, quiet):
    """Train on real data beside the baselines and write an HTML report."""
    from ..demo import run_demo

    path = run_demo(output, quick=quick, verbose=0 if quiet else 1)
    click.echo(f"Report written to {path.resolve()}")

"""``benchmark-table``: a table read from ``benchmarks/results/<name>.json`` at build time.

The figures in the documentation are never retyped: each table names its results file, where the
rows are in it and which fields become columns, and says under it which command, machine and
date produced them.

    ```{benchmark-table} denoise
    :rows: gray.25
    :key: method
    :columns: psnr as PSNR dB, ssim as SSIM, seconds as s / image
    :caption: Grayscale, sigma 25 (higher PSNR and SSIM are better).
    ```

``:rows:`` is a dotted path to a list of dicts or a dict of dicts (its keys become the first
column, headed ``:key:``). A column is ``path as Label``: a dotted path inside the row, or one
starting with ``/`` from the top of the file, where ``{key}`` stands for the row's key.
``:where:`` keeps rows whose field equals a value (``field=value``); ``:first:`` the first N rows;
``:rename:`` replaces whole cell values (``old=new; old2=new2``), e.g. a method's id by its name.
"""

from __future__ import annotations

import json

from benchmark_rows import RESULTS, BenchmarkTableError, build_rows, provenance  # noqa: E402
from docutils import nodes
from docutils.parsers.rst import Directive, directives


def _row(cells) -> nodes.row:
    row = nodes.row()
    for c in cells:
        entry = nodes.entry()
        entry += nodes.paragraph(text=c)
        row += entry
    return row


def _table(header: list[str], body: list[list[str]], classes: list[str], caption: str | None = None) -> nodes.table:
    """A docutils table: one header row, then ``body``'s rows."""
    table = nodes.table(classes=classes)
    if caption:
        table += nodes.title(text=caption)
    group = nodes.tgroup(cols=len(header))
    table += group
    for _ in header:
        group += nodes.colspec(colwidth=1)
    head = nodes.thead()
    group += head
    head += _row(header)
    tbody = nodes.tbody()
    group += tbody
    for cells in body:
        tbody += _row(cells)
    return table


class BenchmarkTable(Directive):
    required_arguments = 1
    option_spec = {"rows": directives.unchanged, "key": directives.unchanged, "columns": directives.unchanged_required,
                   "caption": directives.unchanged, "where": directives.unchanged, "first": directives.positive_int,
                   "rename": directives.unchanged}

    def run(self):
        name = self.arguments[0]
        path = RESULTS / f"{name}.json"
        env = self.state.document.settings.env
        env.note_dependency(str(path))
        if not path.is_file():
            raise self.error(f"benchmark-table: {path} does not exist; run benchmarks/{name}.py")
        data = json.loads(path.read_text())
        try:
            header, body = build_rows(data, self.options.get("rows", ""), self.options.get("key"),
                                      self.options["columns"], self.options.get("where"), self.options.get("first"))
        except BenchmarkTableError as exc:
            raise self.error(f"benchmark-table {name}: {exc}") from None
        if not body:
            raise self.error(f"benchmark-table {name}: no rows")
        renames = dict(pair.split("=", 1) for pair in self.options.get("rename", "").split(";") if "=" in pair)
        renames = {k.strip(): v.strip() for k, v in renames.items()}
        body = [[renames.get(c, c) for c in cells] for cells in body]
        table = _table(header, body, ["benchmark-table"], self.options.get("caption"))
        note = nodes.paragraph(classes=["benchmark-provenance"])
        note += nodes.emphasis(text=provenance(data, name))
        return [table, note]

class VerdictTable(Directive):
    """``verdict-table``: benchmarks/verdict.py's rows, the same table README.md carries."""

    def run(self):
        import importlib.util

        spec = importlib.util.spec_from_file_location("verdict", RESULTS.parent / "verdict.py")
        verdict = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(verdict)
        env = self.state.document.settings.env
        for path in RESULTS.glob("*.json"):
            env.note_dependency(str(path))
        header = list(verdict.COLUMNS)
        table = _table(header, [[r[c] for c in header] for r in verdict.rows()], ["benchmark-table", "verdict-table"])
        note = nodes.paragraph()
        note += nodes.emphasis(text="Each row from the results file it names (benchmarks/results/), aekit and the "
                                    "baseline measured in the same run; benchmarks/verdict.py writes this table.")
        return [table, note]


def setup(app):
    app.add_directive("benchmark-table", BenchmarkTable)
    app.add_directive("verdict-table", VerdictTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

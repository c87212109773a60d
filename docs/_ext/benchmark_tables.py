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
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive, directives

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


class BenchmarkTableError(Exception):
    pass


def _get(data, path: list[str]):
    for part in path:
        if isinstance(data, list):
            data = data[int(part)]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        else:
            raise BenchmarkTableError(f"no {part!r} in {'/'.join(path)}")
    return data


def _split(path: str) -> list[str]:
    return [p for p in path.strip().split(".") if p]


def _format(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        a = abs(value)
        if a == 0:
            return "0"
        return f"{value:.4f}" if a < 0.1 else f"{value:.3f}" if a < 1 else f"{value:.2f}" if a < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_format(v) for v in value)
    return str(value)


def build_rows(data: dict, rows: str, key: str | None, columns: str, where: str | None, first: int | None):
    block = _get(data, _split(rows)) if rows else data
    items = list(block.items()) if isinstance(block, dict) else [(None, r) for r in block]
    if where:
        field, _, value = where.partition("=")
        items = [(k, r) for k, r in items if _format(_get(r, _split(field))) == value.strip()]
    if first:
        items = items[:first]
    specs = []
    for col in columns.split(","):
        path, _, label = col.partition(" as ")
        specs.append((path.strip(), label.strip() or path.strip()))
    header = ([key] if key else []) + [label for _, label in specs]
    body = []
    for k, row in items:
        cells = [str(k)] if key else []
        for path, _ in specs:
            try:
                if path.startswith("/"):
                    value = _get(data, [p.replace("{key}", str(k)) for p in _split(path[1:])])
                else:
                    value = _get(row, _split(path))
            except (BenchmarkTableError, IndexError, ValueError):
                value = None
            cells.append(_format(value))
        body.append(cells)
    return header, body


def provenance(data: dict, name: str) -> str:
    machine = data.get("machine", {})
    where = ", ".join(str(x) for x in (machine.get("cpu"), f"{machine.get('cpu_count')} cores" if machine.get("cpu_count") else None,
                                        machine.get("cpu_capability")) if x)
    command = data.get("command", "")
    date = str(data.get("date", ""))[:10]
    return (f"From benchmarks/results/{name}.json, written by `benchmarks/{command}`"
            + (f" on {where}" if where else "") + (f", {date}" if date else "") + ".")


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
        table = nodes.table(classes=["benchmark-table"])
        if "caption" in self.options:
            table += nodes.title(text=self.options["caption"])
        group = nodes.tgroup(cols=len(header))
        table += group
        for _ in header:
            group += nodes.colspec(colwidth=1)
        head = nodes.thead()
        group += head
        head += self._row(header)
        tbody = nodes.tbody()
        group += tbody
        for cells in body:
            tbody += self._row(cells)
        note = nodes.paragraph(classes=["benchmark-provenance"])
        note += nodes.emphasis(text=provenance(data, name))
        return [table, note]

    @staticmethod
    def _row(cells):
        row = nodes.row()
        for c in cells:
            entry = nodes.entry()
            entry += nodes.paragraph(text=c)
            row += entry
        return row


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
        table = nodes.table(classes=["benchmark-table", "verdict-table"])
        group = nodes.tgroup(cols=len(header))
        table += group
        for _ in header:
            group += nodes.colspec(colwidth=1)
        head = nodes.thead()
        group += head
        head += BenchmarkTable._row(header)
        body = nodes.tbody()
        group += body
        for r in verdict.rows():
            body += BenchmarkTable._row([r[c] for c in header])
        note = nodes.paragraph()
        note += nodes.emphasis(text="Each row from the results file it names (benchmarks/results/), aekit and the "
                                    "baseline measured in the same run; benchmarks/verdict.py writes this table.")
        return [table, note]


def setup(app):
    app.add_directive("benchmark-table", BenchmarkTable)
    app.add_directive("verdict-table", VerdictTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

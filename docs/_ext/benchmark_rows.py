"""The rows of a benchmark table, read from ``benchmarks/results/<name>.json`` (no Sphinx needed:
the test suite checks them without building the site); ``benchmark_tables`` renders them."""

from __future__ import annotations

from pathlib import Path

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

"""Shared by the benchmark scripts: where results go and what machine made them."""

from __future__ import annotations

import datetime as _dt
import json
import sys
from pathlib import Path

from aekit.hardware import describe_machine
from aekit.serialization import atomic_path

RESULTS = Path(__file__).resolve().parent / "results"


def write_result(name: str, payload: dict) -> Path:
    """Write ``payload`` plus machine facts and a timestamp to ``benchmarks/results/<name>.json``."""
    payload = {
        "benchmark": name,
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "machine": describe_machine(),
        **payload,
    }
    path = RESULTS / f"{name}.json"
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, indent=2) + "\n")
    return path

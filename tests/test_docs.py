"""The documentation tooling (docs/): the API pages cover every public name, benchmark tables
come from the results files, and the link checker finds broken links. `make docs` builds the
site itself (with warnings as errors); these tests keep its parts honest without building it."""

import importlib
import json
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(DOCS))

import api_pages  # noqa: E402
import benchmark_rows as benchmark_tables  # noqa: E402  (the rows; the directive needs Sphinx)
import check_links  # noqa: E402


def test_api_reference_covers_every_public_name(tmp_path):
    api_pages.write_pages(tmp_path)
    text = "\n".join(p.read_text() for p in tmp_path.glob("*.rst"))
    import aekit

    modules = [importlib.import_module(m) for m in api_pages.DOCUMENTED]
    modules += [getattr(aekit, n) for n in aekit.__all__ if n in ("datasets", "metrics", "noise", "text", "translate")]
    for module in modules:
        for name in module.__all__:
            assert f"   {name}\n" in text or f"{module.__name__}.{name}`" in text, f"{module.__name__}.{name}"
    for name in aekit.__all__:
        if name not in ("__version__",) and not hasattr(getattr(aekit, name), "__path__") \
                and type(getattr(aekit, name)).__name__ != "module":
            assert f"aekit.{name} <" in text, name
    # an object exported by several modules is documented once, where it is defined
    assert text.count("   AutoencoderReducer\n") == 1
    assert "see :py:obj:`aekit.blocks.FaderNetwork`" in text
    # a constant belongs to the module that exports it, never to another one
    assert "aekit.translate.DEFAULT_FILTERS" not in text and "   DEFAULT_FILTERS\n" in text


def test_benchmark_table_reads_rows_and_columns_from_the_results_file():
    data = json.loads((benchmark_tables.RESULTS / "reduce.json").read_text())
    header, body = benchmark_tables.build_rows(data, "rows", None, "method as method, knn5 as 5-NN", "dims=2", None)
    assert header == ["method", "5-NN"]
    aekit_row = next(r for r in body if r[0] == "aekit")
    expected = next(r["knn5"] for r in data["rows"] if r["method"] == "aekit" and r["dims"] == 2)
    assert aekit_row[1] == benchmark_tables._format(expected)
    # a dict of dicts, its keys as the first column, and a column read from the top of the file
    header, body = benchmark_tables.build_rows(
        {"a": {"x": {"v": 1.5}, "y": {"v": 2.0}}, "b": {"x": 10, "y": 20}}, "a", "name", "v as v, /b.{key} as b",
        None, None)
    assert header == ["name", "v", "b"] and body == [["x", "1.50", "10"], ["y", "2.00", "20"]]
    with pytest.raises(benchmark_tables.BenchmarkTableError, match="no 'missing'"):
        benchmark_tables.build_rows(data, "missing.rows", None, "x", None, None)


def test_every_results_file_the_docs_name_exists():
    names = set()
    for page in DOCS.rglob("*.md"):
        for line in page.read_text().splitlines():
            if line.startswith("```{benchmark-table}"):
                names.add(line.split()[-1])
    assert names and all((benchmark_tables.RESULTS / f"{n}.json").is_file() for n in names), names


def test_link_checker_finds_missing_pages_and_anchors(tmp_path):
    (tmp_path / "index.html").write_text('<a href="a.html#here">a</a> <a href="https://x.org">x</a>'
                                         '<img src="img/missing.png"><a href="a.html#nowhere">b</a>')
    (tmp_path / "a.html").write_text('<h1 id="here">A</h1><a href="#here">top</a>')
    broken = check_links.check(tmp_path)
    assert len(broken) == 2
    assert any("missing.png (no such file)" in b for b in broken)
    assert any("#nowhere" in b for b in broken)


def test_readme_verdict_table_is_the_one_the_results_files_give():
    sys.path.insert(0, str(DOCS.parent / "benchmarks"))
    import verdict

    readme = (DOCS.parent / "README.md").read_text()
    assert verdict.readme_block() in readme, "README's verdict table is stale: run benchmarks/verdict.py --readme"
    tools = [r["tool"] for r in verdict.rows()]
    assert any(t.startswith("reduce") for t in tools) and any(t.startswith("denoise") for t in tools)

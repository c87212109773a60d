"""Data larger than memory: fit time and peak memory of AutoencoderReducer against the number of rows.

For each n, a synthetic n x 784 float32 .npy (a 16-dimensional non-linear manifold plus noise) is
written to disk block by block, then a fresh process fits the issue's model
(784-512-256-32-256-512-784, batch 256, one epoch, plain reconstruction loss) on it memory-mapped
and writes the codes straight to a .npy with ``transform(X, out=...)``. Peak resident memory is
the child process's high-water mark (VmHWM), so it counts everything the process held, torch
included. Growth in n should be linear in time and flat in memory.

    python benchmarks/scale.py                       # 10k, 100k, 1M and 10M rows (10M: 31 GB on disk)
    python benchmarks/scale.py --rows 10000 100000   # quick
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_result  # noqa: E402

D, LATENT = 784, 16


def make_data(path: Path, n: int, seed: int = 0, block: int = 100_000) -> float:
    """Write n rows block by block (never all in memory); return the seconds it took."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    basis = rng.normal(size=(LATENT, D)).astype(np.float32) / np.sqrt(LATENT)
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, D))
    for start in range(0, n, block):
        m = min(block, n - start)
        z = rng.normal(size=(m, LATENT)).astype(np.float32)
        X[start:start + m] = np.tanh(z @ basis) + 0.05 * rng.normal(size=(m, D)).astype(np.float32)
        X.flush()
    del X
    return time.perf_counter() - t0


CHILD = r"""
import json, sys, time
import numpy as np
from aekit import AutoencoderReducer

path, out = sys.argv[1], sys.argv[2]
X = np.load(path, mmap_mode="r")
reducer = AutoencoderReducer(n_components=32, hidden_layer_sizes=(512, 256), batch_size=256, max_epochs=1,
                             validation_split=0.0, structure_weight=0, random_state=0, verbose=0)
t0 = time.perf_counter()
reducer.fit(X)
fit_s = time.perf_counter() - t0
t0 = time.perf_counter()
Z = reducer.transform(X, out=out)
transform_s = time.perf_counter() - t0
with open("/proc/self/status") as f:
    hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
print(json.dumps({"fit_seconds": fit_s, "transform_seconds": transform_s, "peak_rss_mib": hwm / 1024,
                  "loss": reducer.history_.history["loss"][-1], "codes_shape": list(Z.shape)}))
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000, 10_000_000])
    ap.add_argument("--workdir", default=None, help="Where the data files go (default: a temporary folder).")
    ap.add_argument("--out", default=None, help="JSON to write (default: benchmarks/results/scale.json).")
    args = ap.parse_args(argv)

    work = Path(args.workdir or tempfile.mkdtemp(prefix="aekit-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for n in args.rows:
        data, codes = work / f"x{n}.npy", work / f"z{n}.npy"
        gen_s = make_data(data, n)
        proc = subprocess.run([sys.executable, "-c", CHILD, str(data), str(codes)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"n={n:,} failed:\n{proc.stderr}")
        r = {"rows": n, "file_gib": round(data.stat().st_size / 2**30, 2), "generate_seconds": round(gen_s, 1),
             **json.loads(proc.stdout.strip().splitlines()[-1])}
        r["fit_rows_per_second"] = round(n / r["fit_seconds"])
        results.append(r)
        print(f"{n:>12,} rows ({r['file_gib']:.2f} GiB): fit {r['fit_seconds']:.1f} s "
              f"({r['fit_rows_per_second']:,} rows/s), transform {r['transform_seconds']:.1f} s, "
              f"peak RSS {r['peak_rss_mib']:,.0f} MiB", flush=True)
        data.unlink()
        codes.unlink()
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)

    with open("/proc/meminfo") as f:
        mem_total_gib = int(f.readline().split()[1]) / 2**20
    payload = {"model": "784-512-256-32-256-512-784, batch 256, 1 epoch, fp32 (precision='auto')",
               "mem_total_gib": round(mem_total_gib, 1), "results": results}
    if args.out:
        Path(args.out).write_text(json.dumps(payload, indent=2) + "\n")
        print(f"wrote {args.out}")
    else:
        print(f"wrote {write_result('scale', payload)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

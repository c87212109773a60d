"""Kill training with SIGKILL at random moments, rerun the same command, and check nothing is lost.

Each trial runs ``aekit reduce DATA -o Z.npy --save-model MODEL --checkpoint CKPT`` in a fresh
folder, kills it outright (SIGKILL: no handler, no cleanup, like the OOM killer or a power cut) at
a random moment, checks every file it left behind, and starts the very same command again, until a
run finishes. The finished model must equal an uninterrupted run's bit for bit (same seed, same
thread count), and no partial file may be left: a file under its real name is always complete, and
the temporary files killed writers leave behind are gone when the run ends.

    python benchmarks/kill_resume.py                 # 10 trials, writes results/kill_resume.json
    python benchmarks/kill_resume.py --trials 1 --rows 400 --epochs 4 --out /tmp/k.json   # quick

Exit status 1 if any trial is not bit-identical or leaves a partial file.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from safetensors import safe_open

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_result  # noqa: E402

AEKIT = [sys.executable, "-m", "aekit"]
# One thread count for every run: floating-point sums split over a different number of threads
# round differently, and "bit for bit" only holds for the same arithmetic.
ENV = {**os.environ, "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2", "PYTHONHASHSEED": "0"}


def make_data(path: Path, rows: int, seed: int = 0) -> None:
    """A non-linear 40-column data set (a noisy curved manifold), saved as .npy."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 3 * np.pi, rows)
    h = rng.uniform(-1, 1, rows)
    basis = rng.normal(size=(4, 40))
    feats = np.stack([t * np.cos(t), h, t * np.sin(t), np.sin(2 * t)], axis=1)
    np.save(path, (feats @ basis + 0.05 * rng.normal(size=(rows, 40))).astype(np.float32))


def command(folder: Path, data: Path, epochs: int) -> list[str]:
    return [*AEKIT, "reduce", str(data), "-o", str(folder / "Z.npy"), "--save-model", str(folder / "model"),
            "--checkpoint", str(folder / "run.ckpt"), "--epochs", str(epochs), "--seed", "0",
            "--overwrite", "-q"]


def temporaries(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.tmp"))


def check_complete(folder: Path, n_rows: int) -> list[str]:
    """Every file under its real name must be whole; return the problems found."""
    problems = []
    ckpt = folder / "run.ckpt"
    if ckpt.exists():
        try:
            with safe_open(str(ckpt), framework="pt") as f:
                for key in f.keys():
                    f.get_tensor(key)
                json.loads(f.metadata()["aekit_checkpoint"])
        except Exception as exc:  # noqa: BLE001 - any failure to read it is the finding
            problems.append(f"run.ckpt unreadable: {exc}")
    z = folder / "Z.npy"
    if z.exists():
        try:
            if np.load(z).shape[0] != n_rows:
                problems.append("Z.npy has the wrong number of rows")
        except Exception as exc:  # noqa: BLE001
            problems.append(f"Z.npy unreadable: {exc}")
    for name in ("model.safetensors", "config.json"):
        p = folder / "model" / name
        if not p.exists():
            continue
        try:
            if name == "config.json":
                json.loads(p.read_text())
            else:
                with safe_open(str(p), framework="pt") as f:
                    for key in f.keys():
                        f.get_tensor(key)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"model/{name} unreadable: {exc}")
    return problems


def checkpoint_epoch(folder: Path) -> int | None:
    try:
        with safe_open(str(folder / "run.ckpt"), framework="pt") as f:
            return int(json.loads(f.metadata()["aekit_checkpoint"])["epoch"])
    except Exception:  # noqa: BLE001 - no checkpoint yet
        return None


def run_to_end(cmd: list[str], ckpt: Path) -> tuple[float, float]:
    """Run uninterrupted; return its seconds and when its first checkpoint appeared."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    first_ckpt = None
    while proc.poll() is None:
        if first_ckpt is None and ckpt.exists():
            first_ckpt = time.perf_counter() - t0
        time.sleep(0.02)
    stderr = proc.stderr.read()
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr}")
    seconds = time.perf_counter() - t0
    return seconds, first_ckpt if first_ckpt is not None else seconds


def weights(folder: Path) -> dict[str, np.ndarray]:
    with safe_open(str(folder / "model" / "model.safetensors"), framework="np") as f:
        return {k: f.get_tensor(k) for k in f.keys()}


def same_bits(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(
        a[k].dtype == b[k].dtype and a[k].shape == b[k].shape and a[k].tobytes() == b[k].tobytes() for k in a)


def trial(folder: Path, data: Path, epochs: int, n_rows: int, window: tuple[float, float],
          rng: random.Random, max_kills: int) -> dict:
    folder.mkdir(parents=True)
    cmd = command(folder, data, epochs)
    kills, problems = [], []
    while True:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if len(kills) < max_kills:
            delay = rng.uniform(*window)
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                found = check_complete(folder, n_rows)
                problems += found
                kills.append({"after_s": round(delay, 2), "checkpoint_epoch": checkpoint_epoch(folder),
                              "temporaries_left_by_the_kill": temporaries(folder), "problems": found})
                continue
        else:
            proc.wait()
        stderr = proc.stderr.read().decode()
        proc.stderr.close()
        if proc.returncode != 0:
            problems.append(f"run exited {proc.returncode}: {stderr.strip()[-500:]}")
        break
    problems += check_complete(folder, n_rows)
    return {"kills": kills, "problems": problems, "temporaries_at_end": temporaries(folder),
            "last_run_seconds": round(time.perf_counter() - started, 2)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--rows", type=int, default=3000)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--max-kills", type=int, default=6, help="Kills per trial before a run may finish.")
    ap.add_argument("--seed", type=int, default=0, help="Seed of the kill times (training uses --seed 0).")
    ap.add_argument("--workdir", default=None, help="Scratch folder (default: a new temporary one).")
    ap.add_argument("--out", default=None, help="JSON to write (default: benchmarks/results/kill_resume.json).")
    args = ap.parse_args(argv)

    import tempfile

    work = Path(args.workdir or tempfile.mkdtemp(prefix="aekit-kill-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / "data.npy"
    make_data(data, args.rows)
    ref = work / "uninterrupted"
    ref.mkdir()
    ref_seconds, first_ckpt = run_to_end(command(ref, data, args.epochs), ref / "run.ckpt")
    ref_weights, ref_z = weights(ref), np.load(ref / "Z.npy")
    # Kill moments from half the start-up (imports, the neighbour graph) to the very end, so most
    # land in training, some in checkpoint writes, and some in writing the outputs.
    window = (0.5 * first_ckpt, 0.97 * ref_seconds)
    print(f"uninterrupted run: {ref_seconds:.1f} s, first checkpoint after {first_ckpt:.1f} s", flush=True)

    rng = random.Random(args.seed)
    results = []
    for i in range(args.trials):
        folder = work / f"trial{i:02d}"
        for attempt in range(3):
            r = trial(folder, data, args.epochs, args.rows, window, rng, args.max_kills)
            if r["kills"] or attempt == 2:
                break
            # a whole run fit inside the window (the machine got faster): narrow it, try again
            window = (window[0], min(window[1], 0.9 * r["last_run_seconds"]))
            shutil.rmtree(folder)
        if (folder / "model" / "model.safetensors").exists():
            r["identical_weights"] = same_bits(weights(folder), ref_weights)
            r["identical_embedding"] = np.load(folder / "Z.npy").tobytes() == ref_z.tobytes()
        else:
            r["identical_weights"] = r["identical_embedding"] = False
        r["ok"] = r["identical_weights"] and r["identical_embedding"] and not r["problems"] \
            and not r["temporaries_at_end"]
        results.append(r)
        epochs_seen = [k["checkpoint_epoch"] for k in r["kills"]]
        print(f"trial {i}: {len(r['kills'])} kills (checkpoint epoch at each: {epochs_seen}), "
              f"bit-identical={r['identical_weights'] and r['identical_embedding']}, "
              f"problems={r['problems']}, temporaries left={r['temporaries_at_end']}", flush=True)

    payload = {
        "rows": args.rows, "epochs": args.epochs, "threads": ENV["OMP_NUM_THREADS"],
        "uninterrupted_seconds": round(ref_seconds, 2), "first_checkpoint_seconds": round(first_ckpt, 2),
        "trials": len(results),
        "kills": sum(len(r["kills"]) for r in results),
        "kills_that_left_a_temporary": sum(bool(k["temporaries_left_by_the_kill"]) for r in results
                                           for k in r["kills"]),
        "bit_identical": sum(r["identical_weights"] and r["identical_embedding"] for r in results),
        "partial_files_found": sum(len(r["problems"]) for r in results),
        "temporaries_left_at_end": sum(len(r["temporaries_at_end"]) for r in results),
        "results": results,
    }
    if args.out:
        out = Path(args.out)
        out.write_text(json.dumps(payload, indent=2) + "\n")
    else:
        out = write_result("kill_resume", payload)
    ok = all(r["ok"] for r in results)
    print(f"{payload['bit_identical']}/{len(results)} trials bit-identical after {payload['kills']} kills; "
          f"partial files: {payload['partial_files_found']}; wrote {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""A run killed with SIGKILL and restarted ends bit-identical, and leaves no partial file behind.

The full experiment (10 trials, several kills each) is ``benchmarks/kill_resume.py``; here one
short trial of it runs with real processes and real SIGKILLs.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from aekit.serialization import atomic_path, remove_stale_temporaries

ROOT = Path(__file__).resolve().parents[1]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid  # reaped: no process has it now (a reuse this soon is vanishingly unlikely)


@pytest.mark.skipif(not hasattr(os, "kill") or os.name == "nt", reason="POSIX signals")
def test_sigkill_trials_resume_bit_identical(tmp_path):
    out = tmp_path / "kill.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "kill_resume.py"), "--trials", "1", "--rows", "400",
         "--epochs", "4", "--max-kills", "2", "--workdir", str(tmp_path / "work"), "--out", str(out)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(out.read_text())
    assert result["trials"] == 1 and result["bit_identical"] == 1
    assert result["kills"] >= 1  # it really was killed (and restarted) on the way
    assert result["partial_files_found"] == 0 and result["temporaries_left_at_end"] == 0
    assert result["results"][0]["identical_weights"] and result["results"][0]["identical_embedding"]


def test_the_kill_script_really_compares_bits(tmp_path):
    spec = importlib.util.spec_from_file_location("kill_resume", ROOT / "benchmarks" / "kill_resume.py")
    kr = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(kr)
    a = {"w": np.array([1.0, 2.0], dtype=np.float32)}
    assert kr.same_bits(a, {"w": a["w"].copy()})
    assert not kr.same_bits(a, {"w": np.nextafter(a["w"], 3).astype(np.float32)})  # one ulp apart
    assert not kr.same_bits(a, {"w": a["w"].astype(np.float64)})
    # and it notices a half-written checkpoint under the real name
    (tmp_path / "run.ckpt").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{")
    assert kr.check_complete(tmp_path, 10) and "run.ckpt" in kr.check_complete(tmp_path, 10)[0]


def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "run.ckpt"
    leftover = tmp_path / f".run.ckpt.{_dead_pid()}-abc123.tmp"
    leftover.write_bytes(b"half a checkpoint")
    live = tmp_path / f".run.ckpt.{os.getppid()}-def456.tmp"  # a live process may still be writing it
    live.write_bytes(b"being written")
    other = tmp_path / f".other.ckpt.{_dead_pid()}-abc123.tmp"  # not a temporary of this target
    other.write_bytes(b"x")
    with atomic_path(target) as tmp:
        assert str(os.getpid()) in tmp.name
        tmp.write_bytes(b"complete")
    assert target.read_bytes() == b"complete"
    assert not leftover.exists() and live.exists() and other.exists()
    assert remove_stale_temporaries(tmp_path / "other.ckpt") == [other]


def test_training_start_clears_a_killed_runs_temporary_checkpoint(tmp_path):
    import torch

    from aekit.blocks import Autoencoder
    from aekit.training import TrainConfig, train

    ckpt = tmp_path / "run.ckpt"
    leftover = tmp_path / f".run.ckpt.{_dead_pid()}-zz9.tmp"
    leftover.write_bytes(b"\x00" * 100)
    X = torch.rand(64, 6)
    model = Autoencoder.dense(6, (8,), 2)
    train(model, lambda m, b: torch.nn.functional.mse_loss(m(b[0]), b[0]), X,
          TrainConfig(max_epochs=1, batch_size=32, verbose=0, checkpoint=str(ckpt), random_state=0))
    assert ckpt.exists() and not leftover.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.ckpt"]

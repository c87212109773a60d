"""Training on torch.distributed: 2 CPU processes (gloo) under torchrun follow the same
trajectory as 1 process with the same global batch; the CLI trains under torchrun too."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.skipif(not torch.distributed.is_available(), reason="torch.distributed missing")

WORKER = """
import sys, numpy as np, torch
from aekit.distributed import init_from_env, is_main_process
from aekit.blocks import Autoencoder
from aekit.training import TrainConfig, train

rank, world = init_from_env()
torch.manual_seed(0)
X = torch.from_numpy(np.random.default_rng(0).random((300, 12), dtype=np.float32))
model = Autoencoder.dense(12, (16,), 3)
# encode/decode, not forward: the loss itself must run inside DistributedDataParallel
mse = lambda m, b: torch.nn.functional.mse_loss(m.decode(m.encode(b[0])).float(), b[0])
ckpt = sys.argv[2] if len(sys.argv) > 2 else None
h = train(model, mse, X, TrainConfig(max_epochs=4, batch_size=64, verbose=0, random_state=0,
                                     validation_split=0.1, checkpoint=ckpt))
if is_main_process():
    np.savez(sys.argv[1], world=world, loss=h.history["loss"], val=h.history["val_loss"],
             **{k: v.numpy() for k, v in model.state_dict().items()})
"""


def _env():
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop("WORLD_SIZE", None)
    return env


def _torchrun(*args, nproc=2):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=_env())


def test_two_processes_match_one_with_the_same_global_batch(tmp_path):
    worker = tmp_path / "worker.py"
    worker.write_text(WORKER)
    one = subprocess.run([sys.executable, str(worker), str(tmp_path / "one.npz")], capture_output=True,
                         text=True, timeout=300, env=_env())
    assert one.returncode == 0, one.stderr
    two = _torchrun(str(worker), str(tmp_path / "two.npz"), str(tmp_path / "run.ckpt"))
    assert two.returncode == 0, two.stderr[-3000:]
    a, b = np.load(tmp_path / "one.npz"), np.load(tmp_path / "two.npz")
    assert int(a["world"]) == 1 and int(b["world"]) == 2
    assert a["loss"][-1] < a["loss"][0]
    for key in a.files:
        if key != "world":
            np.testing.assert_allclose(a[key], b[key], rtol=1e-4, atol=1e-5, err_msg=key)
    assert (tmp_path / "run.ckpt").is_file()  # written once, by rank 0
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_cli_reduce_under_torchrun_writes_once_and_matches(tmp_path):
    X = np.random.default_rng(1).random((240, 6)).astype(np.float32)
    np.save(tmp_path / "x.npy", X)
    args = ["reduce", str(tmp_path / "x.npy"), "--dims", "2", "--epochs", "3", "-q"]
    two = _torchrun("-m", "aekit", *args, "-o", str(tmp_path / "z2.npy"))
    assert two.returncode == 0, two.stderr[-3000:]
    assert two.stdout.count("Wrote 240 x 2 embedding") == 1  # rank 0 alone writes and reports
    one = subprocess.run([sys.executable, "-m", "aekit", *args, "-o", str(tmp_path / "z1.npy")],
                         capture_output=True, text=True, timeout=300, env=_env())
    assert one.returncode == 0, one.stderr
    np.testing.assert_allclose(np.load(tmp_path / "z1.npy"), np.load(tmp_path / "z2.npy"), atol=1e-4)


def test_commands_that_do_not_train_refuse_torchrun(tmp_path):
    r = _torchrun("-m", "aekit", "noise", "x.png", "-o", str(tmp_path / "y.png"), "--gaussian", "5")
    assert r.returncode != 0
    assert "does not train" in r.stderr


SEMI_WORKER = """
import sys, numpy as np, torch
from aekit.distributed import init_from_env, is_main_process
from aekit.text import TextAutoencoder

init_from_env()
rng = np.random.default_rng(0)
words = [["cat", "dog", "fur", "paw", "vet"], ["stock", "bond", "bank", "price", "trade"]]
texts = [" ".join(rng.choice(words[i % 2], 5)) for i in range(80)]
y = np.full(80, -1)
y[:4] = [0, 1, 0, 1]  # most batches of 8 hold no labelled text
tae = TextAutoencoder(n_components=3, hidden=8, min_df=1, max_epochs=3, batch_size=8, random_state=0).fit(texts, y)
if is_main_process():
    np.save(sys.argv[1], tae.embedding_)
"""


def test_semi_supervised_text_autoencoder_under_torchrun(tmp_path):
    # a rank whose batch has no labelled text must still give the label head a gradient
    worker = tmp_path / "semi.py"
    worker.write_text(SEMI_WORKER)
    r = _torchrun(str(worker), str(tmp_path / "z.npy"))
    assert r.returncode == 0, r.stderr[-3000:]
    assert np.load(tmp_path / "z.npy").shape == (80, 3)


def test_a_rank_that_fails_does_not_keep_the_others_waiting(tmp_path):
    # the failing rank leaves the group without the exit barrier, so torchrun stops the rest
    # at once (a barrier would hold them for its 60 s timeout; the subprocess allows 45 s)
    worker = tmp_path / "crash.py"
    worker.write_text("from aekit.distributed import init_from_env\n"
                      "rank, _ = init_from_env()\n"
                      "if rank == 1:\n    raise ValueError('rank 1 fails on purpose')\n")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", str(worker)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=45, env=_env())
    assert r.returncode != 0
    assert "rank 1 fails on purpose" in r.stderr

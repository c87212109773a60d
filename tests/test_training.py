"""The training loop: loss goes down, history, early stopping, seeds, precision, NaN guard,
checkpoints and resume, and the batch sources (in memory and memory-mapped)."""

from __future__ import annotations

import json
import math
import pickle

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from safetensors import safe_open
from torch import nn

from aekit.blocks import Autoencoder
from aekit.errors import ModelFileError, TrainingDivergedError
from aekit.hardware import cpu_has_fast_bf16, resolve_device, resolve_precision
from aekit.training import (
    ArrayBatches,
    History,
    MemmapBatches,
    TrainConfig,
    as_batches,
    predict_batches,
    train,
)

N, D = 256, 8


def _data(n: int = N, d: int = D, seed: int = 0) -> np.ndarray:
    """Rows on a 2-D non-linear manifold in ``d`` dimensions: an autoencoder can learn it."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 2))
    w = rng.normal(size=(2, d))
    return np.tanh(z @ w).astype(np.float32)


def mse(model, batch):
    (x,) = batch
    return F.mse_loss(model(x).float(), x)


def _model(seed: int = 123, dropout: float = 0.0, n_features: int = D) -> Autoencoder:
    torch.manual_seed(seed)
    return Autoencoder.dense(n_features, (16,), 2, dropout=dropout)


def _cfg(**kw) -> TrainConfig:
    # fp32: exact comparisons below must not depend on whether this CPU runs bf16 natively ("auto")
    base = dict(max_epochs=4, batch_size=64, learning_rate=1e-2, verbose=0, random_state=0, precision="fp32")
    base.update(kw)
    return TrainConfig(**base)


def _assert_same_weights(a: nn.Module, b: nn.Module) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for k in sa:
        assert torch.equal(sa[k], sb[k]), f"{k} differs"


# --------------------------------------------------------------------------------------------
# The basics
# --------------------------------------------------------------------------------------------


def test_training_lowers_the_loss_and_records_history():
    model = _model()
    h = train(model, mse, _data(), _cfg(max_epochs=5))
    assert isinstance(h, History)
    loss, val = h.history["loss"], h.history["val_loss"]
    assert len(loss) == len(val) == 5
    assert h.epoch == [0, 1, 2, 3, 4]
    assert loss[-1] < 0.7 * loss[0]
    assert val[-1] < val[0]
    assert all(math.isfinite(v) for v in loss + val)
    assert h.best_epoch == int(np.argmin(val))
    assert h.stopped_early is False
    assert h.seconds > 0
    assert h.params["max_epochs"] == 5 and h.params["batch_size"] == 64
    assert "checkpoint" not in h.params and "resume" not in h.params
    assert not model.training, "train() leaves the model in eval mode"
    # a History survives a JSON round trip (it is stored in model files and checkpoints)
    again = History.from_dict(json.loads(json.dumps(h.to_dict())))
    assert again == h
    assert "epochs=5" in repr(h)


def test_validation_split_zero_gives_no_val_loss():
    h = train(_model(), mse, _data(), _cfg(max_epochs=3, validation_split=0.0))
    assert set(h.history) == {"loss"}
    assert len(h.history["loss"]) == 3
    assert h.best_epoch == int(np.argmin(h.history["loss"]))


def test_validation_data_is_used_instead_of_a_split():
    X = _data()
    X_val = _data(40, seed=1)
    model = _model()
    h = train(model, mse, X, _cfg(max_epochs=2), validation_data=X_val)
    with torch.no_grad():
        final_val = float(mse(model, (torch.from_numpy(X_val),)))
    # the restored (best) model's loss on X_val is the best recorded val_loss
    assert final_val == pytest.approx(min(h.history["val_loss"]), rel=1e-5)


def test_extra_metrics_from_the_loss_function_are_logged():
    def loss_fn(model, batch):
        loss = mse(model, batch)
        return loss, {"rmse": loss.detach().sqrt()}

    h = train(_model(), loss_fn, _data(), _cfg(max_epochs=2))
    assert set(h.history) == {"loss", "rmse", "val_loss", "val_rmse"}
    assert len(h.history["val_rmse"]) == 2


def test_train_does_not_disturb_the_global_rng():
    model = _model(dropout=0.2)
    torch.manual_seed(5)
    before = torch.get_rng_state()
    train(model, mse, _data(), _cfg(max_epochs=1))
    assert torch.equal(torch.get_rng_state(), before)


def test_empty_data_is_refused():
    with pytest.raises(ValueError, match="0 rows"):
        train(_model(), mse, np.zeros((0, D), np.float32), _cfg())


def test_a_validation_split_that_leaves_no_training_rows_is_refused():
    # 2 rows, 90% validation: round(1.8) = 2 rows validate, none would train
    with pytest.raises(ValueError, match="validation_split=0.9 leaves none of the 2 rows"):
        train(_model(), mse, _data(2), _cfg(validation_split=0.9))


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(max_epochs=0), "max_epochs"),
        (dict(batch_size=0), "batch_size"),
        (dict(learning_rate=0.0), "learning_rate"),
        (dict(learning_rate=float("nan")), "learning_rate"),
        (dict(optimizer="sgd"), "optimizer"),
        (dict(lr_schedule="step"), "lr_schedule"),
        (dict(warmup=1.0), "warmup"),
        (dict(max_time=0), "max_time"),
        (dict(max_time=float("inf")), "max_time"),
        (dict(validation_split=1.0), "validation_split"),
        (dict(resume=True), "checkpoint"),
    ],
)
def test_train_config_rejects_bad_values(kw, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kw)


# --------------------------------------------------------------------------------------------
# Schedules and time budgets
# --------------------------------------------------------------------------------------------


def _recorded_rates(config: TrainConfig, n: int = N) -> list[float]:
    """The learning rate of every training step of a run."""
    rates = []

    def loss_fn(model, batch):
        if model.training:
            rates.append(recorder.param_groups[0]["lr"])
        return mse(model, batch)

    import aekit.training as training

    real = training._make_optimizer

    def capture(model, cfg):
        nonlocal recorder
        recorder = real(model, cfg)
        return recorder

    recorder = None
    training._make_optimizer = capture
    try:
        train(_model(), loss_fn, _data(n), config)
    finally:
        training._make_optimizer = real
    return rates


def test_onecycle_warms_up_peaks_and_anneals_to_zero_step_by_step():
    rates = _recorded_rates(_cfg(max_epochs=5, batch_size=16, learning_rate=0.01, lr_schedule="onecycle",
                                 warmup=0.2, early_stopping=False))
    steps = len(rates)
    assert steps == 5 * math.ceil((N - round(N * 0.1)) / 16)
    peak = int(np.argmax(rates))
    assert rates[0] == 0.0
    assert abs(peak - 0.2 * steps) <= 1 and max(rates) == pytest.approx(0.01, rel=0.05)
    assert all(a < b for a, b in zip(rates[:peak - 1], rates[1:peak]))  # rises every step
    assert all(a >= b for a, b in zip(rates[peak:-1], rates[peak + 1:]))  # then never rises
    assert rates[-1] < 1e-4


def test_max_time_ends_the_run_on_time_with_the_rate_annealed():
    # A budget far shorter than a million epochs: the run must stop by the clock, and the schedule
    # must have followed the clock down (its last rate is a small fraction of the peak).
    cfg = _cfg(max_epochs=10**6, batch_size=64, learning_rate=0.01, lr_schedule="onecycle", max_time=0.3,
               early_stopping=False)
    rates = _recorded_rates(cfg)
    h = train(_model(), mse, _data(), cfg)
    assert h.stopped_on_time and not h.stopped_early
    assert 1 <= len(h.epoch) < 10**6
    assert rates[-1] < 0.1 * max(rates)


def test_patience_under_onecycle_anneals_for_one_more_epoch_then_stops():
    cfg = dict(max_epochs=10, batch_size=16, learning_rate=0.01, patience=0)
    h_onecycle = train(_model(), mse, _data(), _cfg(lr_schedule="onecycle", **cfg))
    h_constant = train(_model(), mse, _data(), _cfg(lr_schedule="constant", **cfg))
    assert len(h_constant.epoch) == 1 and h_constant.stopped_early
    assert len(h_onecycle.epoch) == 2 and h_onecycle.stopped_early
    rates = _recorded_rates(_cfg(lr_schedule="onecycle", **cfg))
    steps = len(rates) // 2
    assert rates[-1] < 0.05 * rates[steps]  # the second epoch anneals from the rate of the moment


# --------------------------------------------------------------------------------------------
# Early stopping
# --------------------------------------------------------------------------------------------


def _scalar_problem():
    """One weight ``w`` (starting at 0) fit to targets of 1.0; validated against targets of 0.3.

    With Adam (steps of about ``lr``) ``w`` walks from 0 towards 1, so the validation loss falls
    until ``w`` passes 0.3 and then rises: early stopping must stop there and restore that ``w``.
    """
    model = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.zero_()

    def loss_fn(m, batch):
        (y,) = batch
        pred = m(torch.ones(len(y), 1)).squeeze(1)
        return F.mse_loss(pred, y)

    y_train = np.ones(16, np.float32)
    y_val = np.full(16, 0.3, np.float32)
    return model, loss_fn, y_train, y_val


def test_early_stopping_stops_and_restores_the_best_weights():
    model, loss_fn, y_train, y_val = _scalar_problem()
    cfg = TrainConfig(max_epochs=50, batch_size=16, learning_rate=0.1, patience=2, verbose=0,
                      random_state=0, precision="fp32")
    h = train(model, loss_fn, y_train, cfg, validation_data=y_val)
    val = h.history["val_loss"]
    assert h.stopped_early is True
    assert len(h.epoch) < 50
    assert h.best_epoch == int(np.argmin(val))
    assert len(h.epoch) == h.best_epoch + 1 + cfg.patience  # stopped after `patience` bad epochs
    assert val[-1] > val[h.best_epoch]
    with torch.no_grad():
        restored = float(loss_fn(model, (torch.from_numpy(y_val),)))
    assert restored == pytest.approx(min(val), rel=1e-6, abs=1e-12)
    assert abs(model.weight.item() - 0.3) < 0.1


def test_early_stopping_without_restoring_keeps_the_last_weights():
    model, loss_fn, y_train, y_val = _scalar_problem()
    cfg = TrainConfig(max_epochs=50, batch_size=16, learning_rate=0.1, patience=2, verbose=0,
                      random_state=0, restore_best_weights=False, precision="fp32")
    h = train(model, loss_fn, y_train, cfg, validation_data=y_val)
    val = h.history["val_loss"]
    assert h.stopped_early is True
    assert len(h.epoch) == h.best_epoch + 1 + cfg.patience
    with torch.no_grad():
        final = float(loss_fn(model, (torch.from_numpy(y_val),)))
    assert final == pytest.approx(val[-1], rel=1e-6)
    assert final > min(val)


def test_no_early_stopping_runs_every_epoch():
    model, loss_fn, y_train, y_val = _scalar_problem()
    cfg = TrainConfig(max_epochs=8, batch_size=16, learning_rate=0.1, patience=1, verbose=0,
                      random_state=0, early_stopping=False)
    h = train(model, loss_fn, y_train, cfg, validation_data=y_val)
    assert len(h.epoch) == 8
    assert h.stopped_early is False


def _scripted(val_losses):
    """A loss function whose validation loss follows ``val_losses``, one value per epoch."""
    calls = {"val": 0}
    model = nn.Linear(1, 1)

    def loss_fn(m, batch):
        if m.training:
            return (m.weight ** 2).sum() * 0.0 + 1.0
        v = val_losses[min(calls["val"], len(val_losses) - 1)]
        calls["val"] += 1
        return torch.tensor(v)

    return model, loss_fn


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_min_delta_is_a_relative_improvement_for_positive_and_negative_losses(sign):
    # 0.5% better than the first epoch is not the 1% that min_delta asks for
    model, loss_fn = _scripted([sign * 10.0] + [sign * 10.0 - 0.05] * 20)
    cfg = TrainConfig(max_epochs=20, batch_size=4, patience=2, min_delta=0.01, verbose=0,
                      random_state=0)
    x = np.zeros((8, 1), np.float32)
    h = train(model, loss_fn, x, cfg, validation_data=x[:4])
    assert h.best_epoch == 0
    assert h.stopped_early and len(h.epoch) == 3


def test_min_delta_accepts_a_large_enough_improvement():
    model, loss_fn = _scripted([-10.0, -10.5, -10.5, -10.5, -10.5])
    cfg = TrainConfig(max_epochs=5, batch_size=4, patience=2, min_delta=0.01, verbose=0,
                      random_state=0)
    x = np.zeros((8, 1), np.float32)
    h = train(model, loss_fn, x, cfg, validation_data=x[:4])
    assert h.best_epoch == 1
    assert h.stopped_early and len(h.epoch) == 4


# --------------------------------------------------------------------------------------------
# Reproducibility and precision
# --------------------------------------------------------------------------------------------


def test_random_state_makes_training_reproducible_bit_for_bit():
    X = _data()
    a, b, c = _model(dropout=0.2), _model(dropout=0.2), _model(dropout=0.2)
    ha = train(a, mse, X, _cfg(max_epochs=2, random_state=7))
    hb = train(b, mse, X, _cfg(max_epochs=2, random_state=7))
    train(c, mse, X, _cfg(max_epochs=2, random_state=8))
    _assert_same_weights(a, b)
    assert ha.history == hb.history
    assert any(not torch.equal(p, q) for p, q in zip(a.state_dict().values(), c.state_dict().values()))


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_precision_modes_train_and_lower_the_loss(precision):
    # bf16 is emulated (slow) on CPUs without AMX/AVX512-BF16: keep this tiny
    X = _data(128, 6)
    torch.manual_seed(0)
    model = Autoencoder.dense(6, (8,), 2)
    h = train(model, mse, X, _cfg(max_epochs=4, learning_rate=2e-2, precision=precision,
                                  validation_split=0.0, device="cpu"))
    loss = h.history["loss"]
    assert loss[-1] < loss[0]
    # weights stay fp32 whatever the compute precision
    assert all(p.dtype == torch.float32 for p in model.parameters())


def test_bad_precision_is_refused():
    with pytest.raises(ValueError, match="precision"):
        train(_model(), mse, _data(), _cfg(precision="fp8"))


def test_resolve_precision(monkeypatch):
    cpu = torch.device("cpu")
    monkeypatch.delenv("AEKIT_PRECISION", raising=False)
    assert resolve_precision("fp32", cpu) is None
    assert resolve_precision("bf16", cpu) is torch.bfloat16
    assert resolve_precision("auto", cpu) is (torch.bfloat16 if cpu_has_fast_bf16() else None)
    monkeypatch.setenv("AEKIT_PRECISION", "bf16")  # overrides "auto" only
    assert resolve_precision("auto", cpu) is torch.bfloat16
    assert resolve_precision("fp32", cpu) is None
    monkeypatch.setenv("AEKIT_PRECISION", "fp32")
    assert resolve_precision("auto", cpu) is None


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="Unknown device"):
        resolve_device("abacus")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")


# --------------------------------------------------------------------------------------------
# NaN guard
# --------------------------------------------------------------------------------------------


def test_nan_loss_raises_training_diverged_error():
    def nan_loss(model, batch):
        return mse(model, batch) * float("nan")

    with pytest.raises(TrainingDivergedError) as info:
        train(_model(), nan_loss, _data(), _cfg())
    msg = str(info.value)
    assert "learning_rate" in msg
    assert "epoch 1" in msg
    assert isinstance(info.value, FloatingPointError)


def test_nan_between_the_periodic_checks_is_still_caught():
    # The loop checks for NaN every 32 steps and once more at the end of each epoch.
    calls = {"n": 0}

    def late_nan(model, batch):
        calls["n"] += 1
        loss = mse(model, batch)
        return loss * float("nan") if calls["n"] == 3 else loss

    with pytest.raises(TrainingDivergedError, match="learning_rate"):
        train(_model(), late_nan, _data(), _cfg(validation_split=0.0))


def test_infinite_loss_also_raises():
    with pytest.raises(TrainingDivergedError, match="clip_grad_norm"):
        train(_model(), lambda m, b: mse(m, b) + float("inf"), _data(), _cfg())


# --------------------------------------------------------------------------------------------
# Checkpoints and resume
# --------------------------------------------------------------------------------------------


def _ckpt_meta(path) -> dict:
    with safe_open(str(path), framework="pt") as f:
        return json.loads(f.metadata()["aekit_checkpoint"])


class _Killed(KeyboardInterrupt):
    pass


def _mse_killed_at_step(kill_at: int):
    """``mse`` that raises :class:`_Killed` in training step ``kill_at`` (1-based), like a SIGKILL."""
    calls = {"train": 0}

    def killing_mse(model, batch):
        if model.training:
            calls["train"] += 1
            if calls["train"] == kill_at:
                raise _Killed
        return mse(model, batch)

    return killing_mse


@pytest.mark.parametrize("schedule", ["cosine", "onecycle"])
def test_killed_run_resumes_to_the_same_weights_as_an_uninterrupted_one(tmp_path, schedule):
    X = _data()
    bs, max_epochs = 128, 6
    # a schedule and dropout: resuming must restore the epoch, the optimizer and the RNG
    def cfg(path):
        return _cfg(max_epochs=max_epochs, batch_size=bs, lr_schedule=schedule, patience=100,
                    checkpoint=str(path), resume=True)

    # A: never interrupted (resume=True with no checkpoint file starts afresh)
    a = _model(dropout=0.3)
    ha = train(a, mse, X, cfg(tmp_path / "a.ckpt"))
    assert len(ha.epoch) == max_epochs

    # B: killed in the middle of epoch 4, after epoch 3's checkpoint was written
    steps_per_epoch = math.ceil((N - round(N * 0.1)) / bs)
    killing_mse = _mse_killed_at_step(3 * steps_per_epoch + 2)

    ckpt = tmp_path / "b.ckpt"
    with pytest.raises(_Killed):
        train(_model(dropout=0.3), killing_mse, X, cfg(ckpt))
    meta = _ckpt_meta(ckpt)
    assert meta["epoch"] == 2  # epochs 0, 1, 2 done
    assert len(meta["history"]["epoch"]) == 3
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []

    # ... and restarted with the identical configuration on a freshly built model
    b = _model(dropout=0.3)
    hb = train(b, mse, X, cfg(ckpt))
    _assert_same_weights(a, b)
    assert hb.history == ha.history
    assert hb.epoch == ha.epoch
    assert hb.best_epoch == ha.best_epoch
    assert _ckpt_meta(ckpt)["epoch"] == max_epochs - 1


def test_a_run_killed_while_annealing_after_early_stopping_resumes_to_the_same_weights(tmp_path):
    """patience=0 under "onecycle": epoch 0 ends the patience, epoch 1 anneals, then the run ends.
    Killed in epoch 1, the resumed run must anneal from the same step and rate."""
    X = _data()

    def cfg(path):
        return _cfg(max_epochs=8, batch_size=64, lr_schedule="onecycle", patience=0, checkpoint=str(path),
                    resume=True)

    a = _model()
    ha = train(a, mse, X, cfg(tmp_path / "a.ckpt"))
    assert len(ha.epoch) == 2 and ha.stopped_early
    killing_mse = _mse_killed_at_step(math.ceil((N - round(N * 0.1)) / 64) + 2)

    ckpt = tmp_path / "b.ckpt"
    with pytest.raises(_Killed):
        train(_model(), killing_mse, X, cfg(ckpt))
    assert _ckpt_meta(ckpt)["anneal"] is not None
    b = _model()
    hb = train(b, mse, X, cfg(ckpt))
    _assert_same_weights(a, b)
    assert hb.history == ha.history and hb.stopped_early


def test_resume_extends_a_finished_run_with_a_constant_schedule(tmp_path):
    X = _data()
    a = _model(dropout=0.3)
    ha = train(a, mse, X, _cfg(max_epochs=6, batch_size=128, patience=100))

    ckpt = str(tmp_path / "run.ckpt")
    train(_model(dropout=0.3), mse, X, _cfg(max_epochs=3, batch_size=128, patience=100, checkpoint=ckpt))
    b = _model(dropout=0.3)
    hb = train(b, mse, X, _cfg(max_epochs=6, batch_size=128, patience=100, checkpoint=ckpt, resume=True))
    _assert_same_weights(a, b)
    assert hb.history == ha.history
    assert hb.params["max_epochs"] == 6


def test_resuming_a_finished_run_trains_nothing_more(tmp_path):
    X = _data()
    ckpt = str(tmp_path / "run.ckpt")
    a = _model()
    ha = train(a, mse, X, _cfg(max_epochs=3, checkpoint=ckpt))
    b = _model(seed=999)  # different init: every weight must come from the checkpoint
    calls = {"n": 0}

    def counting(model, batch):
        calls["n"] += 1
        return mse(model, batch)

    hb = train(b, counting, X, _cfg(max_epochs=3, checkpoint=ckpt, resume=True))
    assert calls["n"] == 0
    assert hb.history == ha.history
    _assert_same_weights(a, b)


def test_without_resume_an_existing_checkpoint_is_overwritten(tmp_path):
    X = _data()
    ckpt = tmp_path / "run.ckpt"
    train(_model(), mse, X, _cfg(max_epochs=2, checkpoint=str(ckpt)))
    assert _ckpt_meta(ckpt)["epoch"] == 1
    train(_model(), mse, X, _cfg(max_epochs=1, checkpoint=str(ckpt)))
    assert _ckpt_meta(ckpt)["epoch"] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.ckpt"]


def test_checkpoint_of_a_different_model_shape_is_refused(tmp_path):
    X = _data()
    ckpt = str(tmp_path / "run.ckpt")
    train(_model(), mse, X, _cfg(max_epochs=1, checkpoint=ckpt))
    torch.manual_seed(0)
    other = Autoencoder.dense(D, (12,), 2)
    with pytest.raises(ModelFileError) as info:
        train(other, mse, X, _cfg(max_epochs=2, checkpoint=ckpt, resume=True))
    msg = str(info.value)
    assert "different model" in msg
    assert "delete it" in msg
    assert ckpt in msg


def test_checkpoint_of_a_different_data_set_is_refused(tmp_path):
    ckpt = str(tmp_path / "run.ckpt")
    train(_model(), mse, _data(), _cfg(max_epochs=1, checkpoint=ckpt))
    with pytest.raises(ModelFileError, match="delete it"):
        train(_model(), mse, _data(100), _cfg(max_epochs=2, checkpoint=ckpt, resume=True))


@pytest.mark.parametrize("how", ["garbage", "truncated", "pickle"])
def test_corrupt_checkpoint_raises_model_file_error(tmp_path, how):
    ckpt = tmp_path / "run.ckpt"
    if how == "garbage":
        ckpt.write_bytes(b"this is not a checkpoint at all")
    elif how == "truncated":
        train(_model(), mse, _data(), _cfg(max_epochs=1, checkpoint=str(ckpt)))
        data = ckpt.read_bytes()
        ckpt.write_bytes(data[: len(data) // 2])
    else:
        ckpt.write_bytes(pickle.dumps({"epoch": 3}))
    with pytest.raises(ModelFileError) as info:
        train(_model(), mse, _data(), _cfg(max_epochs=2, checkpoint=str(ckpt), resume=True))
    assert "cannot be read" in str(info.value)
    assert "Delete it" in str(info.value)


# --------------------------------------------------------------------------------------------
# Batch sources
# --------------------------------------------------------------------------------------------


def _id_memmap(path, n: int, dtype=np.float32) -> np.memmap:
    """A memmap whose column 0 holds the row id and columns 1-2 simple functions of it."""
    mm = np.memmap(path, dtype=dtype, mode="w+", shape=(n, 3))
    ids = np.arange(n, dtype=np.float64)
    mm[:, 0] = ids
    mm[:, 1] = ids * 2
    mm[:, 2] = -ids
    mm.flush()
    return np.memmap(path, dtype=dtype, mode="r", shape=(n, 3))


@pytest.mark.parametrize("n, block_rows, buffer_blocks, batch", [
    (1000, 64, 3, 50),
    (1000, 64, 1, 64),
    (997, 100, 4, 33),
    (10, 4, 2, 32),
])
def test_memmap_batches_visit_every_row_once_per_epoch(tmp_path, n, block_rows, buffer_blocks, batch):
    mm = _id_memmap(tmp_path / "x.dat", n)
    src = MemmapBatches(mm, block_rows=block_rows, buffer_blocks=buffer_blocks)
    assert len(src) == n
    gen = torch.Generator().manual_seed(0)
    batches = list(src.iter_batches(batch, shuffle=True, generator=gen))
    sizes = [len(b[0]) for b in batches]
    assert all(s == batch for s in sizes[:-1]), sizes
    assert 0 < sizes[-1] <= batch
    rows = torch.cat([b[0] for b in batches])
    assert rows.dtype == torch.float32
    ids = rows[:, 0].numpy()
    np.testing.assert_array_equal(np.sort(ids), np.arange(n))
    if n > batch:
        assert not np.array_equal(ids, np.arange(n)), "shuffle=True should change the order"
    # the columns of a row stay together
    np.testing.assert_array_equal(rows[:, 1].numpy(), ids * 2)
    np.testing.assert_array_equal(rows[:, 2].numpy(), -ids)


def test_memmap_batches_keep_several_arrays_aligned_and_read_in_order_without_shuffle(tmp_path):
    n = 300
    mm = _id_memmap(tmp_path / "x.dat", n)
    labels = np.arange(n, dtype=np.int64) * 10
    src = MemmapBatches(mm, labels, block_rows=32)
    got_x, got_y = zip(*src.iter_batches(64, shuffle=True, generator=torch.Generator().manual_seed(1)))
    x, y = torch.cat(got_x), torch.cat(got_y)
    assert y.dtype == torch.int64
    np.testing.assert_array_equal(y.numpy(), x[:, 0].numpy().astype(np.int64) * 10)

    ordered = torch.cat([b[0] for b in src.iter_batches(64, shuffle=False)])
    np.testing.assert_array_equal(ordered[:, 0].numpy(), np.arange(n))

    with pytest.raises(ValueError, match="same number of rows"):
        MemmapBatches(mm, labels[:10])


def test_memmap_batches_split_is_contiguous(tmp_path):
    mm = _id_memmap(tmp_path / "x.dat", 200)
    train_src, val_src = MemmapBatches(mm, block_rows=16).split(0.25, torch.Generator())
    assert (len(train_src), len(val_src)) == (150, 50)
    tr = torch.cat([b[0] for b in train_src.iter_batches(32, shuffle=True,
                                                         generator=torch.Generator().manual_seed(0))])
    va = torch.cat([b[0] for b in val_src.iter_batches(32, shuffle=False)])
    np.testing.assert_array_equal(np.sort(tr[:, 0].numpy()), np.arange(150))
    np.testing.assert_array_equal(va[:, 0].numpy(), np.arange(150, 200))


def test_memmap_float64_is_read_as_float32(tmp_path):
    mm = _id_memmap(tmp_path / "x.dat", 20, dtype=np.float64)
    (batch,) = next(iter(MemmapBatches(mm)))
    assert batch.dtype == torch.float32
    assert batch.shape == (20, 3)


def test_as_batches_streams_memory_mapped_arrays(tmp_path):
    X = _data(64)
    np.save(tmp_path / "x.npy", X)
    assert isinstance(as_batches(np.load(tmp_path / "x.npy", mmap_mode="r")), MemmapBatches)
    assert isinstance(as_batches(X), ArrayBatches)
    assert isinstance(as_batches(torch.from_numpy(X)), ArrayBatches)
    src = ArrayBatches(X)
    assert as_batches(src) is src


def test_training_on_a_memmap(tmp_path):
    X = _data()
    mm = np.memmap(tmp_path / "x.dat", dtype=np.float32, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    mm = np.memmap(tmp_path / "x.dat", dtype=np.float32, mode="r", shape=X.shape)
    model = _model()
    h = train(model, mse, mm, _cfg(max_epochs=5))
    loss = h.history["loss"]
    assert len(loss) == 5 and len(h.history["val_loss"]) == 5
    assert loss[-1] < 0.7 * loss[0]


def test_array_batches_split_sizes_and_disjointness():
    X = np.arange(100, dtype=np.float32).reshape(100, 1)
    y = np.arange(100) * 3
    src = ArrayBatches(X, y)
    tr, va = src.split(0.25, torch.Generator().manual_seed(0))
    assert (len(tr), len(va)) == (75, 25)
    ids_tr = torch.cat([b[0] for b in tr.iter_batches(16, shuffle=False)])[:, 0].long()
    ids_va = torch.cat([b[0] for b in va.iter_batches(16, shuffle=False)])[:, 0].long()
    assert set(ids_tr.tolist()).isdisjoint(ids_va.tolist())
    assert sorted(ids_tr.tolist() + ids_va.tolist()) == list(range(100))
    ys = torch.cat([b[1] for b in tr.iter_batches(16, shuffle=True,
                                                   generator=torch.Generator().manual_seed(1))])
    assert len(ys) == 75 and set((ys // 3).tolist()) == set(ids_tr.tolist())

    assert [len(p) for p in src.split(0.0, torch.Generator())] == [100, 0]
    assert [len(p) for p in ArrayBatches(X[:3]).split(0.5, torch.Generator())] == [1, 2]
    with pytest.raises(ValueError, match="same number of rows"):
        ArrayBatches(X, y[:5])


def test_array_batches_iterate_every_row_once():
    X = torch.arange(37, dtype=torch.float32).unsqueeze(1)
    src = ArrayBatches(X)
    sizes = [len(b[0]) for b in src.iter_batches(10, shuffle=True, generator=torch.Generator().manual_seed(0))]
    assert sizes == [10, 10, 10, 7]
    rows = torch.cat([b[0] for b in src.iter_batches(10, shuffle=True, generator=torch.Generator().manual_seed(0))])
    assert sorted(rows[:, 0].tolist()) == list(range(37))
    # without shuffling, contiguous rows come back in order
    ordered = torch.cat([b[0] for b in src.iter_batches(10, shuffle=False)])
    assert torch.equal(ordered, X)


def test_predict_batches_fills_an_out_memmap(tmp_path):
    X = _data(100, 4)
    np.save(tmp_path / "x.npy", X)
    X_in = np.load(tmp_path / "x.npy", mmap_mode="r")  # read-only input, streamed in chunks
    out = np.memmap(tmp_path / "out.dat", dtype=np.float32, mode="w+", shape=(100, 4))
    res = predict_batches(lambda x: x * 2 + 1, X_in, batch_size=16, device="cpu", out=out)
    assert res is out
    np.testing.assert_allclose(np.asarray(out), X * 2 + 1, rtol=1e-6)
    out.flush()
    again = np.memmap(tmp_path / "out.dat", dtype=np.float32, mode="r", shape=(100, 4))
    np.testing.assert_allclose(np.asarray(again), X * 2 + 1, rtol=1e-6)


def test_predict_batches_returns_float32_and_matches_one_pass():
    X = np.random.default_rng(0).random((50, 3))  # float64 in
    model = nn.Linear(3, 2)
    got = predict_batches(model, X, batch_size=7, device="cpu", precision="fp32")
    assert got.dtype == np.float32 and got.shape == (50, 2)
    with torch.no_grad():
        expected = model(torch.from_numpy(X.astype(np.float32))).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="0 rows"):
        predict_batches(model, np.zeros((0, 3)), device="cpu")


def test_adam_betas_reach_the_optimizer():
    import aekit.training as training

    model = _model()
    assert training._make_optimizer(model, _cfg()).param_groups[0]["betas"] == (0.9, 0.999)
    assert training._make_optimizer(model, _cfg(betas=[0.5, 0.999])).param_groups[0]["betas"] == (0.5, 0.999)
    with pytest.raises(ValueError, match=r"betas must be two numbers in \[0, 1\), got \(0.5, 1.0\)"):
        _cfg(betas=(0.5, 1.0))

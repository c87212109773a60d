"""
The training loop: one call, a schedule, a history, and a checkpoint to resume from
===================================================================================

Every aekit estimator trains through ``aekit.training.train``; you can use it for your own
network too. Here a small autoencoder on scikit-learn's digits with the one-cycle schedule,
interrupted and resumed from its checkpoint: the resumed run ends on exactly the weights of
an uninterrupted one. Look at the curves: the one-cycle schedule ends annealed, so the last
epochs are the best.
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import torch

from aekit.blocks import Autoencoder
from aekit.datasets import load_digits
from aekit.plots import plot_history
from aekit.training import TrainConfig, train

X, _ = load_digits()
X = torch.from_numpy(X)


class Interrupt:
    """A loss that presses Ctrl-C after ``at`` steps (a stand-in for a killed run)."""

    def __init__(self, at=None):
        self.at, self.steps = at, 0

    def __call__(self, model, batch):
        self.steps += 1
        if self.at is not None and self.steps > self.at:
            raise KeyboardInterrupt
        (x,) = batch
        return torch.nn.functional.mse_loss(model(x), x)


def run(checkpoint, interrupt_at=None, resume=False):
    torch.manual_seed(0)
    model = Autoencoder.dense(64, (32,), 8)
    config = TrainConfig(max_epochs=20, batch_size=64, learning_rate=3e-3, lr_schedule="onecycle",
                         validation_split=0.1, random_state=0, verbose=0, checkpoint=str(checkpoint),
                         resume=resume)
    return model, train(model, Interrupt(interrupt_at), X, config)


with tempfile.TemporaryDirectory() as tmp:
    whole, history = run(Path(tmp) / "a.ckpt")
    try:
        run(Path(tmp) / "b.ckpt", interrupt_at=200)             # interrupted in epoch 8 of 20...
    except KeyboardInterrupt:
        print("interrupted")
    resumed, _ = run(Path(tmp) / "b.ckpt", resume=True)         # ...and resumed from its checkpoint
same = all(torch.equal(a, b) for a, b in zip(whole.state_dict().values(), resumed.state_dict().values()))
print(f"resumed run identical to the uninterrupted one: {same}")
print(f"final validation loss {history.history['val_loss'][-1]:.4f}")

# %%
fig = plot_history(history)
plt.show()

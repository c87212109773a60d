"""The Keras 3 (TensorFlow backend) side of ``benchmarks/train_speed.py`` and
``benchmarks/time_to_quality.py``.

Runs in its own virtual environment (``make bench-keras`` creates ``.venv-keras`` with
tensorflow-cpu and keras; they never enter aekit's environment) and is called by those scripts,
which hand it MNIST as ``.npy`` files and read one JSON line back:

    .venv-keras/bin/python benchmarks/keras_baseline.py --train x.npy --test xt.npy --epochs 3

Model: the same 784-512-256-32-256-512-784 dense autoencoder (ReLU, linear output), Adam with
learning rate 1e-3, MSE, batch 256, shuffled every epoch; samples/s counts the timed epochs
after one warm-up epoch on a few batches (graph tracing is not training). ``--curve`` also
measures the test MSE after every epoch (outside the timed part: the clock stops while it is
measured), for the test-MSE-against-seconds curve.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--curve", action="store_true", help="test MSE after every epoch (not timed)")
    args = ap.parse_args()

    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(args.seed)
    X, Xt = np.load(args.train), np.load(args.test)
    inp = keras.Input(shape=(X.shape[1],))
    h = inp
    for units in (512, 256, 32, 256, 512):
        h = keras.layers.Dense(units, activation="relu" if units != 32 else None)(h)
    out = keras.layers.Dense(X.shape[1])(h)
    model = keras.Model(inp, out)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    model.fit(X[:256 * 4], X[:256 * 4], batch_size=256, epochs=1, verbose=0)  # trace the graph

    def test_mse() -> float:
        return float(np.mean((model.predict(Xt, batch_size=4096, verbose=0) - Xt) ** 2))

    curve, seconds = [], 0.0
    for epoch in range(args.epochs if args.curve else 1):
        t0 = time.perf_counter()
        model.fit(X, X, batch_size=256, epochs=1 if args.curve else args.epochs, shuffle=True, verbose=0)
        seconds += time.perf_counter() - t0
        if args.curve:
            curve.append({"epoch": epoch + 1, "seconds": round(seconds, 2), "test_mse": round(test_mse(), 6)})
    mse = curve[-1]["test_mse"] if curve else test_mse()
    print(json.dumps({
        "method": "Keras 3 (TensorFlow backend)", "keras": keras.__version__, "tensorflow": tf.__version__,
        "epochs": args.epochs, "seconds": round(seconds, 2),
        "samples_per_s": round(len(X) * args.epochs / seconds), "test_mse": round(mse, 6),
        "threads": {"intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
                    "inter_op": tf.config.threading.get_inter_op_parallelism_threads()},
        **({"curve": curve} if curve else {}),
    }))


if __name__ == "__main__":
    main()

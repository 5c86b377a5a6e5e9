"""A small seeded training run for the kill-and-resume tests, run as a separate process.

    python train_script.py WORKDIR EPOCHS [KILL]

KILL says when the process kills itself with SIGKILL (nothing can catch it):

- ``none``: never;
- ``batch:E:B``: after batch B of epoch E;
- ``backup:N``: in the middle of writing its N-th backup (half the file written);
- ``checkpoint:N``: in the middle of writing its N-th ModelCheckpoint file.

``SLOW=<seconds>`` in the environment sleeps that long after each batch, so that
a parent can kill the process at a random moment of training. When ``fit``
returns, the weights go to ``WORKDIR/final.weights.safetensors``.
"""

import os
import signal
import sys
import time

import numpy as np

import striate
from striate.callbacks import backup_and_restore, callback
from striate.saving import model_io


def build_model():
    layers = striate.layers
    model = striate.Sequential([
        striate.Input(shape=(8,)),
        layers.Dense(16, activation="relu"),
        layers.Dropout(0.25, seed=3),          # a layer-owned generator
        layers.Dense(16, activation="relu"),
        layers.Dropout(0.25),                  # draws from striate's global generator
        layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer=striate.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 8)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64") + (x[:, 2] > 1)
    return x, y


def die():
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def kill_mid_write(module, count):
    """Make the ``count``-th file write of ``module`` stop half-way and kill the process."""
    real = module.write_tensors
    calls = [0]

    def write_tensors(file, tensors, metadata):
        calls[0] += 1
        if calls[0] == count:
            import io
            buffer = io.BytesIO()
            real(buffer, tensors, metadata)
            content = buffer.getvalue()
            file.write(content[:len(content) // 2])
            file.flush()
            os.fsync(file.fileno())
            die()
        real(file, tensors, metadata)
    module.write_tensors = write_tensors


class Killer(callback.Callback):
    def __init__(self, epoch, batch):
        super().__init__()
        self.target, self.epoch = (epoch, batch), None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.target:
            die()


class Slow(callback.Callback):
    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds

    def on_train_batch_end(self, batch, logs=None):
        time.sleep(self.seconds)


def main(workdir, epochs, kill="none"):
    striate.utils.set_random_seed(7)
    model = build_model()
    x, y = data()
    callbacks = [striate.callbacks.BackupAndRestore(os.path.join(workdir, "backup")),
                 striate.callbacks.ModelCheckpoint(os.path.join(workdir, "last.keras"), monitor="loss")]
    what, _, where = kill.partition(":")
    if what == "batch":
        epoch, batch = (int(n) for n in where.split(":"))
        callbacks.append(Killer(epoch, batch))
    elif what == "backup":
        kill_mid_write(backup_and_restore, int(where))
    elif what == "checkpoint":
        kill_mid_write(model_io, int(where))
    if os.environ.get("SLOW"):
        callbacks.append(Slow(float(os.environ["SLOW"])))
    print("training", flush=True)  # the parent of a random kill waits for this line
    model.fit(x, y, epochs=epochs, batch_size=16, verbose=0, callbacks=callbacks)
    model.save_weights(os.path.join(workdir, "final.weights.safetensors"))
    print("finished", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), *sys.argv[3:])

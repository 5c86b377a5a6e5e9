"""What each MPI process runs in the tests of tests/distribution/test_mpi.py (``mpirun -n K python mpi_worker.py``).

Scenarios (first argument):

- ``train OUT``: fits every kind of scenarios.build on the same data with
  ``DataParallel``; each process writes ``OUT/<kind>.<rank>.npz`` (its weights and
  process 0's history); also checks EarlyStopping-style agreement: a callback on
  the last process alone stops the 'dense' run after a few batches of epoch 2.
- ``backup OUT BACKUP_DIR [--hang-at-epoch E]``: the dense net with BackupAndRestore;
  with ``--hang-at-epoch`` the last process writes ``OUT/pid`` at epoch E, batch 1,
  and waits there (the test kills it, or the watchdog aborts).
- ``raise-in-step``: the last process raises RuntimeError inside its train step.
- ``raise-outside``: the last process raises in a callback (outside the step).
"""

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import scenarios  # noqa: E402

import striate  # noqa: E402
from striate import distribution as D  # noqa: E402

from scenarios import BATCH, EPOCHS, N  # noqa: E402


class StopOnLastProcess(striate.callbacks.Callback):
    """Sets stop_training on the last process only: every process must stop at the same batch."""

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == 1 and batch == 2 and D.distribution().data_shard_id == D.distribution().num_processes - 1:
            self.model.stop_training = True

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch


class PauseOnLastProcess(striate.callbacks.Callback):
    def __init__(self, epoch, out):
        super().__init__()
        self.at, self.out, self.epoch = epoch, out, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        dist = D.distribution()
        if self.epoch == self.at and batch == 1 and dist.data_shard_id == dist.num_processes - 1:
            with open(os.path.join(self.out, "pid.tmp"), "w") as f:
                f.write(str(os.getpid()))
            os.replace(os.path.join(self.out, "pid.tmp"), os.path.join(self.out, "pid"))
            time.sleep(120)


def save(out, name, model, history):
    rank = D.distribution().data_shard_id
    arrays = {f"w{i}": w for i, w in enumerate(model.get_weights())}
    for key, values in history.history.items():
        arrays[f"h_{key}"] = np.asarray(values)
    arrays["epochs"] = np.asarray(history.epoch)
    np.savez(os.path.join(out, f"{name}.{rank}.npz"), **arrays)


def train(out):
    for kind in ("dense", "conv_dropout", "conv_bn"):
        x, y = scenarios.data(N, scenarios.SHAPES[kind])
        xv, yv = scenarios.data(23, scenarios.SHAPES[kind], seed=2)
        model = scenarios.build(kind)
        history = model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, verbose=0, validation_data=(xv, yv))
        save(out, kind, model, history)
    model = scenarios.build("dense")
    x, y = scenarios.data(N, scenarios.SHAPES["dense"])
    csv = os.path.join(out, "log.csv")
    history = model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, verbose=0,
                        callbacks=[StopOnLastProcess(), striate.callbacks.CSVLogger(csv)])
    save(out, "stopped", model, history)


def backup(out, backup_dir, hang_at=None):
    x, y = scenarios.data(N, scenarios.SHAPES["dense"])
    model = scenarios.build("dense")
    callbacks = [striate.callbacks.BackupAndRestore(backup_dir)]
    if hang_at is not None:
        callbacks.append(PauseOnLastProcess(hang_at, out))
    history = model.fit(x, y, batch_size=BATCH, epochs=5, verbose=0, callbacks=callbacks)
    save(out, "backup", model, history)


class RaisingModel(striate.Sequential):
    def train_step(self, data):
        dist = D.distribution()
        if self.optimizer.iterations == 3 and dist.data_shard_id == dist.num_processes - 1:
            raise RuntimeError("deliberate failure in the train step")
        return super().train_step(data)


class RaiseInCallback(striate.callbacks.Callback):
    def on_train_batch_begin(self, batch, logs=None):
        dist = D.distribution()
        if batch == 2 and dist.data_shard_id == dist.num_processes - 1:
            raise RuntimeError("deliberate failure in a callback")


def fail(where):
    x, y = scenarios.data(N, scenarios.SHAPES["dense"])
    if where == "raise-in-step":
        model = RaisingModel([striate.Input(shape=(8,)), striate.layers.Dense(3, activation="softmax")])
        model.compile("sgd", "sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=BATCH, epochs=2, verbose=0)
    else:
        model = scenarios.build("dense")
        model.fit(x, y, batch_size=BATCH, epochs=2, verbose=0, callbacks=[RaiseInCallback()])


def main(argv):
    timeout = float(os.environ.get("WORKER_TIMEOUT", "30"))
    D.set_distribution(D.DataParallel(timeout=timeout))
    scenario = argv[0]
    if scenario == "train":
        train(argv[1])
    elif scenario == "backup":
        hang_at = int(argv[argv.index("--hang-at-epoch") + 1]) if "--hang-at-epoch" in argv else None
        backup(argv[1], argv[2], hang_at)
    elif scenario in ("raise-in-step", "raise-outside"):
        fail(scenario)
    else:
        raise SystemExit(f"unknown scenario {scenario!r}")


if __name__ == "__main__":
    main(sys.argv[1:])

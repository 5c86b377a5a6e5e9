"""ModelCheckpoint: save the model (or its weights) during training, as Keras does.

Each save is atomic, so a run killed while saving leaves the previous file intact.

>>> import os, tempfile
>>> import numpy as np
>>> import striate
>>> folder = tempfile.mkdtemp()
>>> model = striate.Sequential([striate.Input(shape=(2,)), striate.layers.Dense(1)])
>>> model.compile(optimizer="sgd", loss="mse")
>>> checkpoint = ModelCheckpoint(os.path.join(folder, "model-{epoch:02d}.keras"), monitor="loss")
>>> _ = model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, verbose=0, callbacks=[checkpoint])
>>> sorted(os.listdir(folder))
['model-01.keras', 'model-02.keras']
"""

import math
import os
import warnings

from striate.callbacks.callback import Callback
from striate.callbacks.monitor import Monitor
from striate.callbacks.save_frequency import SaveFrequency
from striate.saving.model_io import MODEL_SUFFIX, WEIGHTS_SUFFIX

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(Callback):
    """Save the model or its weights at the end of every epoch (or every ``save_freq`` batches).

    Args:
        filepath: where to save; may hold ``str.format`` fields filled from ``epoch``
            (1-based, as Keras), ``batch`` (with an int ``save_freq``) and the logs,
            e.g. ``"ckpt/model-{epoch:02d}-{val_loss:.2f}.keras"``. It must end in
            ``.keras``, or in ``.weights.safetensors`` with ``save_weights_only``.
            Missing folders are created.
        monitor: the log value that decides what "best" means.
        verbose: 1 prints a line for every save (or skipped save).
        save_best_only: save only when ``monitor`` improves on the best so far (the
            file is then usually one fixed name that always holds the best model).
        save_weights_only: save with ``model.save_weights`` instead of ``model.save``.
        mode: ``'auto'``, ``'min'`` or ``'max'``: whether smaller or larger is better
            (auto: larger for accuracy-like names).
        save_freq: ``'epoch'``, or an int: save every that many batches.
        initial_value_threshold: a value ``monitor`` must beat before the first save
            (with ``save_best_only``).

    Raises:
        ValueError: for a filepath with the wrong suffix, a bad ``mode`` or ``save_freq``.
        KeyError: (during fit) when ``filepath`` names a field absent from the logs.
    """

    rank_zero_only = True  # prints or writes files: process 0 only under data parallelism

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        try:
            self.filepath = os.fspath(filepath)
        except TypeError:
            raise TypeError(f"ModelCheckpoint: filepath must be a path, got {type(filepath).__name__}") from None
        suffix = WEIGHTS_SUFFIX if save_weights_only else MODEL_SUFFIX
        if not self.filepath.endswith(suffix):
            raise ValueError(f"ModelCheckpoint: with save_weights_only={bool(save_weights_only)} the filepath must "
                             f"end in {suffix!r}, got {self.filepath!r}")
        self._frequency = SaveFrequency(save_freq, owner="ModelCheckpoint")
        self.monitor, self.verbose, self.save_freq = monitor, verbose, save_freq
        self.save_best_only, self.save_weights_only = bool(save_best_only), bool(save_weights_only)
        self.tracker = Monitor(monitor, mode, owner="ModelCheckpoint")
        if initial_value_threshold is not None:
            self.tracker.best = float(initial_value_threshold)
        self._epoch = 0

    @property
    def best(self):
        """The best value of ``monitor`` seen so far (kept across ``fit`` calls, as Keras)."""
        return self.tracker.best

    def on_train_begin(self, logs=None):
        self._frequency.reset()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._frequency.batch_done():
            self._save(self._epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self._frequency.per_epoch:
            self._save(epoch, None, logs)

    def _save(self, epoch, batch, logs):
        logs = dict(logs or {})
        path = self._format(epoch, batch, logs)
        if self.save_best_only:
            value = logs.get(self.monitor)
            if value is None:
                warnings.warn(f"ModelCheckpoint: can save the best model only with {self.monitor!r} in the logs, "
                              f"which has {sorted(logs)}; skipping", RuntimeWarning, stacklevel=3)
                return
            value = float(value)
            if math.isnan(value) or not self.tracker.improves(value):
                if self.verbose:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {value:.5f}, "
                      f"saving model to {path}")
            self.tracker.best = value
        elif self.verbose:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)

    def _format(self, epoch, batch, logs):
        fields = {**logs, "epoch": epoch + 1}
        if batch is not None:
            fields["batch"] = batch
        try:
            return self.filepath.format(**fields)
        except KeyError as error:
            raise KeyError(f"ModelCheckpoint: cannot fill the filepath {self.filepath!r}: {error} is not in the "
                           f"logs ({sorted(logs)})") from None

"""BackupAndRestore: training that survives being killed.

At the end of every epoch the callback writes one backup file, atomically:
the weights, the optimizer's state, the number of the next epoch, the random
state (striate's global generator and every layer-owned one, e.g.
``Dropout(seed=...)``) and the learning rate. A ``fit`` killed at any moment (even
``SIGKILL`` in the middle of writing the backup) and started again with the same
call restores all of it in ``on_train_begin`` and carries on from the first
epoch it had not finished. With :func:`striate.utils.set_random_seed` before
building the model, the final weights are bit-identical to those of a run
that was never interrupted.

The backup is ``<backup_dir>/backup.safetensors`` (a striate file of kind
``striate.backup``); after a ``fit`` that ends normally it is deleted (unless
``delete_checkpoint=False``), and so is ``backup_dir`` if that leaves it empty
(Keras deletes the whole folder; striate never deletes files it did not write).
It is kept when ``fit`` ends by an exception or ``KeyboardInterrupt``, so the
next run resumes.

>>> import os, tempfile
>>> import numpy as np
>>> import striate
>>> folder = tempfile.mkdtemp()
>>> model = striate.Sequential([striate.Input(shape=(2,)), striate.layers.Dense(1)])
>>> model.compile(optimizer="sgd", loss="mse")
>>> class Crash(striate.callbacks.Callback):
...     def on_epoch_end(self, epoch, logs=None):
...         if epoch == 1:
...             raise KeyboardInterrupt
>>> x, y = np.ones((8, 2)), np.ones((8, 1))
>>> try:
...     model.fit(x, y, epochs=4, verbose=0, callbacks=[BackupAndRestore(folder), Crash()])
... except KeyboardInterrupt:
...     pass
>>> history = model.fit(x, y, epochs=4, verbose=0, callbacks=[BackupAndRestore(folder)])
>>> history.epoch, os.path.exists(folder)   # resumed at epoch 2; the backup is gone after success
([2, 3], False)
"""

import os

from striate.callbacks.callback import Callback
from striate.callbacks.save_frequency import SaveFrequency
from striate.saving.atomic import atomic_write, fsync_directory
from striate.saving.errors import ModelFileError
from striate.saving.format import read_tensors, write_tensors
from striate.saving.metadata import BACKUP, check_format, json_member
from striate.saving.model_io import model_contents
from striate.saving.rng_state import capture, prepare_restore
from striate.saving.weights import (assign, check_all_used, match_optimizer_state, match_weights,
                                    set_optimizer_state)

__all__ = ["BackupAndRestore"]

BACKUP_NAME = "backup.safetensors"


class BackupAndRestore(Callback):
    """Back up the training state after each epoch; restore it when ``fit`` starts again.

    Args:
        backup_dir: folder for the backup file (created when needed). Use one folder
            per training run: two runs sharing it would resume from each other.
        save_freq: ``'epoch'`` (default): back up at the end of every epoch, which
            gives exact resumes. An int ``n``: back up every ``n`` batches instead, as
            Keras does; a resume then restarts the interrupted epoch from the weights
            of the last backup, so it is not bit-identical to an uninterrupted run.
        delete_checkpoint: delete the backup when ``fit`` ends normally.

    Raises:
        TypeError: when ``backup_dir`` is not a path.
        ValueError: for an empty ``backup_dir`` or a bad ``save_freq``.
        ModelFileError: (from ``fit``) when an existing backup is corrupt or belongs to
            another model; delete it to start afresh.

    Not restored (as in Keras): the History of the killed run, and the internal
    counters of other callbacks (EarlyStopping's patience, ReduceLROnPlateau's wait).
    """

    rank_zero_only = True  # prints or writes files: process 0 only under data parallelism

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True):
        super().__init__()
        try:
            backup_dir = os.fspath(backup_dir)
        except TypeError:
            raise TypeError(f"BackupAndRestore: backup_dir must be a path, got {type(backup_dir).__name__}") from None
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir must not be empty")
        self._frequency = SaveFrequency(save_freq, owner="BackupAndRestore")
        self.backup_dir, self.save_freq, self.delete_checkpoint = backup_dir, save_freq, bool(delete_checkpoint)
        self.path = os.path.join(backup_dir, BACKUP_NAME)
        self.restored_epoch = None  # the epoch the last fit resumed from (None: started afresh)
        self._epoch = 0

    # ---- events ------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._epoch, self.restored_epoch = 0, None
        self._frequency.reset()
        self._remove_stale_temporaries()
        if os.path.lexists(self.path):
            self.restored_epoch = self._restore()
            self.model._resume_epoch = self.restored_epoch

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._frequency.batch_done():
            self._backup(self._epoch)  # the epoch is unfinished: a resume restarts it

    def on_epoch_end(self, epoch, logs=None):
        if self._frequency.per_epoch:
            self._backup(epoch + 1)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.lexists(self.path):
            os.remove(self.path)
            fsync_directory(self.backup_dir)
            try:
                os.rmdir(self.backup_dir)  # only when empty: never delete what is not ours
            except OSError:
                pass

    # ---- the file -------------------------------------------------------------------------
    def _remove_stale_temporaries(self):
        """Delete the half-written temporary files of runs that were killed while saving."""
        try:
            names = os.listdir(self.backup_dir)
        except OSError:
            return
        for name in names:
            if name.startswith(f".{BACKUP_NAME}.") and name.endswith(".tmp"):
                try:
                    os.remove(os.path.join(self.backup_dir, name))
                except OSError:
                    pass

    def _backup(self, next_epoch):
        optimizer = self.model.optimizer
        lr = optimizer._learning_rate if optimizer is not None else None
        training = {"epoch": int(next_epoch), "rng": capture(self.model),
                    "learning_rate": lr if isinstance(lr, float) else None}
        metadata, tensors = model_contents(self.model, kind=BACKUP, extra={"training": training})
        os.makedirs(self.backup_dir, exist_ok=True)
        atomic_write(self.path, lambda file: write_tensors(file, tensors, metadata), True, "backup file")

    def _restore(self):
        """Check the whole backup, then put it into the model; returns the epoch to resume from."""
        what, name, model = "backup file", self.path, self.model
        metadata, tensors = read_tensors(name, what)
        check_format(metadata, {BACKUP}, name, what)
        training = json_member(metadata, "training", name, what)
        epoch = training.get("epoch") if isinstance(training, dict) else None
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ModelFileError(f"{what} {name!r}: member 'training' must hold the epoch to resume from")
        lr = training.get("learning_rate")
        if lr is not None and (isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr >= 0):
            raise ModelFileError(f"{what} {name!r}: invalid learning_rate {lr!r}")
        variables = model.weights
        arrays, used = match_weights(variables, metadata, tensors, name, what, model.name)
        state, used_state = match_optimizer_state(variables, metadata, tensors, name, what)
        check_all_used(tensors, used | used_state, name, what)
        apply_rng = prepare_restore(model, training.get("rng"), f"{what} {name!r}")
        # Everything is checked; set_state checks its own input before changing anything.
        if state is not None and model.optimizer is not None:
            set_optimizer_state(model.optimizer, state, variables, name, what)
        assign(variables, arrays)
        apply_rng()
        if lr is not None and model.optimizer is not None and isinstance(model.optimizer._learning_rate, float):
            model.optimizer.learning_rate = float(lr)
        return epoch

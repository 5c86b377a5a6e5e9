"""TerminateOnNaN: stop as soon as the loss is NaN or infinite, keeping the last good weights."""

import math

from striate.backend import xp
from striate.callbacks.callback import Callback

__all__ = ["TerminateOnNaN"]


class TerminateOnNaN(Callback):
    """Stop training when a batch's loss is not finite.

    Args:
        restore_last_good_weights: put back the last weights known to give a
            finite loss (default True), so the model stays usable.

    A batch's loss is computed with the weights from before its update, so when
    batch k's loss is bad, the weights before batch k are suspect too; the ones
    before batch k - 1 gave a finite loss. Two snapshots are kept, copied into
    the same buffers each batch.
    """

    def __init__(self, restore_last_good_weights=True):
        super().__init__()
        self.restore_last_good_weights = restore_last_good_weights
        self.stopped = None  # (epoch, batch) where training stopped
        self._snapshots = None

    def on_train_begin(self, logs=None):
        self._epoch, self.stopped = 0, None
        self._snapshots = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if not self.restore_last_good_weights:
            return
        weights = self.model.weights
        if self._snapshots is None:
            self._snapshots = [[v.data.copy() for v in weights], [v.data.copy() for v in weights]]
        previous, current = self._snapshots
        for buffer, v in zip(previous, weights):  # reuse the older buffers for the newest copy
            xp.copyto(buffer, v.data)
        self._snapshots = [current, previous]  # [before the previous batch, before this batch]

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: invalid loss, terminating training")
            self.stopped = (self._epoch, batch)
            if self.restore_last_good_weights and self._snapshots is not None:
                self.model.set_weights(self._snapshots[0])
            self.model.stop_training = True

"""The callbacks of one process under data parallelism: who runs, and what they agree on.

The rule: a callback whose class sets ``rank_zero_only = True`` (the progress
bar, ModelCheckpoint, BackupAndRestore, CSVLogger: those that print or write
files) runs on process 0 only; every other callback runs on every process, where
it sees the same logs (reduced over the processes) and the same weights, so it
takes the same decisions. What process 0's callbacks change in the model when
training begins (a restored backup) is broadcast to all processes, and
``model.stop_training`` is true everywhere as soon as a callback sets it anywhere:
after the batch where a callback that runs on every process may set it, else at
the end of the epoch (printing/writing callbacks must not stop training).

:class:`DataParallelSync` does the broadcast and the agreement; ``CallbackList``
appends it, last, to the callbacks of ``fit`` (see :func:`for_this_process`).
"""

from striate.callbacks.callback import Callback
from striate.callbacks.history import History
from striate.distribution import distribution
from striate.distribution.sync import broadcast_generator, broadcast_training_state

__all__ = ["DataParallelSync", "for_this_process"]


class DataParallelSync(Callback):
    """Keeps the processes of a data-parallel ``fit`` together (added by ``fit``; not for users)."""

    def __init__(self, dist, callbacks=()):
        super().__init__()
        self.dist = dist
        # stop_training is agreed on after every batch only when a callback that runs on every
        # process could set it there (TerminateOnNaN, a user's); otherwise after every epoch only,
        # which saves one collective per step. The decision depends only on callbacks that every
        # process runs, so all processes take it alike.
        self.per_batch = any(_overrides(cb, "on_train_batch_end") for cb in callbacks
                             if not cb.rank_zero_only and not isinstance(cb, History))

    def on_train_begin(self, logs=None):
        broadcast_training_state(self.dist.communicator, self.model, self.params.get("steps"))
        self.model._distribution_synced = self.dist

    def on_epoch_begin(self, epoch, logs=None):
        broadcast_generator(self.dist.communicator)

    def on_train_batch_end(self, batch, logs=None):
        if self.per_batch:
            self.model.stop_training = self.dist.any(self.model.stop_training)

    def on_epoch_end(self, epoch, logs=None):
        self.model.stop_training = self.dist.any(self.model.stop_training)


def _overrides(callback, event):
    return getattr(type(callback), event) is not getattr(Callback, event)


def for_this_process(callbacks, mode=None):
    """The callbacks this process runs: all without a distribution; under one, those allowed on this
    process (``rank_zero_only`` ones on process 0 only), plus :class:`DataParallelSync` for ``fit``."""
    dist = distribution()
    if dist is None or dist.num_processes == 1:
        return list(callbacks)
    kept = [cb for cb in callbacks if dist.data_shard_id == 0 or not getattr(cb, "rank_zero_only", False)]
    return kept + [DataParallelSync(dist, kept)] if mode == "fit" else kept

"""When a saving callback saves: at the end of every epoch, or after every ``n`` batches.

Shared by ModelCheckpoint and BackupAndRestore, which take Keras's ``save_freq``
argument (``'epoch'`` or a positive int) and count batches the same way.

>>> freq = SaveFrequency(2, owner="Demo")
>>> [freq.batch_done() for _ in range(5)]
[False, True, False, True, False]
>>> SaveFrequency("epoch", owner="Demo").batch_done()
False
"""

__all__ = ["SaveFrequency"]


class SaveFrequency:
    """Keras's ``save_freq``: ``'epoch'`` or a positive int (save every that many batches).

    Raises:
        ValueError: for anything else, naming ``owner``.
    """

    def __init__(self, save_freq, owner):
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1):
            raise ValueError(f"{owner}: save_freq must be 'epoch' or a positive int, got {save_freq!r}")
        self.value = save_freq
        self.per_epoch = save_freq == "epoch"
        self._batches = 0

    def reset(self):
        """Start counting batches afresh (at the start of ``fit``)."""
        self._batches = 0

    def batch_done(self):
        """Count one finished batch; True when a save is due after it."""
        if self.per_epoch:
            return False
        self._batches += 1
        if self._batches < self.value:
            return False
        self._batches = 0
        return True

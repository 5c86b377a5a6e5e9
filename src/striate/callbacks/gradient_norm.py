"""GradientNormLogger: the global gradient norm in the logs, so exploding gradients show.

After each training batch the gradients that were just applied are still on
the weights (``variable.grad``); this callback adds their joint L2 norm
(before any clipping by the optimizer) to the batch's logs as
``gradient_norm``, and the largest of the epoch to the epoch's logs, where
``History`` and ``CSVLogger`` record it. With ``warn_above`` it also warns once
per ``fit`` when the norm exceeds that value or is not finite.

>>> import numpy as np
>>> import striate
>>> model = striate.Sequential([striate.Input(shape=(2,)), striate.layers.Dense(1)])
>>> model.compile(optimizer="sgd", loss="mse")
>>> history = model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, verbose=0, callbacks=[GradientNormLogger()])
>>> len(history.history["gradient_norm"]), history.history["gradient_norm"][0] > 0
(2, True)
"""

import math
import warnings

from striate import backend
from striate.backend import xp
from striate.callbacks.callback import Callback

__all__ = ["GradientNormLogger"]


class GradientNormLogger(Callback):
    """Log ``gradient_norm``: per batch the norm of that batch's gradients, per epoch the largest.

    Args:
        warn_above: optional threshold; a norm above it (or NaN/inf) gives one
            ``RuntimeWarning`` per ``fit`` naming the epoch and batch.

    Costs one pass over the gradients per batch (about one optimizer step of SGD).
    """

    def __init__(self, warn_above=None):
        super().__init__()
        if warn_above is not None and (isinstance(warn_above, bool) or not isinstance(warn_above, (int, float))
                                       or not warn_above > 0):
            raise ValueError(f"GradientNormLogger: warn_above must be a positive number or None, got {warn_above!r}")
        self.warn_above = warn_above
        self._epoch, self._largest, self._warned = 0, 0.0, False

    def on_train_begin(self, logs=None):
        self._warned = False

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._largest = epoch, 0.0

    def on_train_batch_end(self, batch, logs=None):
        total = 0.0
        with backend.errstate(over="ignore", invalid="ignore"):
            for v in self.model.trainable_weights:
                if v.grad is not None:
                    g = xp.asarray(v.grad, dtype=xp.float64).ravel()  # float64: float32 squares overflow early
                    total += float(g @ g)
        norm = math.sqrt(total) if total == total else math.nan
        if logs is not None:
            logs["gradient_norm"] = norm
        # max() would drop a NaN; a NaN norm must stick, it is the loudest sign of trouble
        self._largest = norm if (norm != norm or self._largest != self._largest) else max(self._largest, norm)
        if self.warn_above is not None and not self._warned and not norm <= self.warn_above:
            self._warned = True
            warnings.warn(f"GradientNormLogger: the gradient norm is {norm:.4g} at epoch {self._epoch + 1}, batch "
                          f"{batch} (threshold {self.warn_above:g}): exploding gradients; try a smaller learning "
                          "rate or clipnorm=1.0", RuntimeWarning, stacklevel=2)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["gradient_norm"] = self._largest

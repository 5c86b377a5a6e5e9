"""Shared logic of callbacks that watch one logged quantity (EarlyStopping, ReduceLROnPlateau, ModelCheckpoint)."""

import math
import warnings

__all__ = ["Monitor"]


class Monitor:
    """Decide whether a new value of ``monitor`` improves on the best so far.

    Args:
        monitor: log key such as ``'val_loss'``.
        mode: ``'min'``, ``'max'`` or ``'auto'`` (max for accuracy-like names, else min).
        min_delta: the least change that counts as an improvement.
        owner: name of the callback, for warnings.
    """

    def __init__(self, monitor, mode="auto", min_delta=0.0, owner="callback"):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if mode == "auto":
            name = monitor.lower()
            mode = "max" if any(k in name for k in ("acc", "auc", "precision", "recall", "f1")) else "min"
        self.monitor, self.mode, self.owner = monitor, mode, owner
        self.min_delta = abs(float(min_delta))
        self.best = math.inf if mode == "min" else -math.inf

    def reset(self):
        self.best = math.inf if self.mode == "min" else -math.inf

    def value(self, logs):
        """The monitored value from ``logs``, or None (with a warning) when it is absent."""
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(f"{self.owner}: the monitored quantity {self.monitor!r} is not in the logs; available: "
                          f"{sorted(logs or {})}", RuntimeWarning, stacklevel=3)
        return value

    def improves(self, value, reference=None):
        """Whether ``value`` beats ``reference`` (default: the best so far) by more than ``min_delta``."""
        reference = self.best if reference is None else reference
        if self.mode == "min":
            return value < reference - self.min_delta
        return value > reference + self.min_delta

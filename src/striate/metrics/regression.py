"""Regression metrics: mean absolute, mean squared and root mean squared error.

>>> import numpy as np
>>> mean_squared_error(np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [0.0, 0.0]]))
array([0.5, 0. ])
"""

from striate.backend import xp
from striate.metrics.metric import as_array, squeeze_or_expand_to_same_rank
from striate.metrics.reduction import Mean, MeanMetricWrapper

__all__ = ["MeanAbsoluteError", "MeanSquaredError", "RootMeanSquaredError",
           "mean_absolute_error", "mean_squared_error", "mae", "mse"]


def _errors(y_true, y_pred, name):
    y_true, y_pred = squeeze_or_expand_to_same_rank(as_array(y_true, xp.float64), as_array(y_pred, xp.float64))
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{name}: y_true and y_pred must have the same shape, got "
                         f"y_true.shape={y_true.shape} and y_pred.shape={y_pred.shape}")
    return y_pred - y_true


def mean_absolute_error(y_true, y_pred):
    """Per-sample ``mean(|y_true - y_pred|, axis=-1)``; shapes ``(N, ..., K)`` → ``(N, ...)``.

    Raises:
        ValueError: when the shapes differ (after a trailing size-1 axis is dropped/added).
    """
    return xp.abs(_errors(y_true, y_pred, "mean_absolute_error")).mean(axis=-1)


def mean_squared_error(y_true, y_pred):
    """Per-sample ``mean((y_true - y_pred)**2, axis=-1)``; shapes ``(N, ..., K)`` → ``(N, ...)``.

    Raises:
        ValueError: when the shapes differ (after a trailing size-1 axis is dropped/added).
    """
    return xp.square(_errors(y_true, y_pred, "mean_squared_error")).mean(axis=-1)


mae = mean_absolute_error
mse = mean_squared_error


class MeanAbsoluteError(MeanMetricWrapper):
    """Running mean of the absolute error.

    Args:
        name, dtype: as :class:`~striate.metrics.Metric`.

    >>> m = MeanAbsoluteError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]], sample_weight=[1, 0]); m.result()
    0.5
    """

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(fn=mean_absolute_error, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class MeanSquaredError(MeanMetricWrapper):
    """Running mean of the squared error.

    Args:
        name, dtype: as :class:`~striate.metrics.Metric`.

    >>> m = MeanSquaredError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]]); m.result()
    0.25
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(fn=mean_squared_error, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class RootMeanSquaredError(Mean):
    """``sqrt`` of the running mean of the squared errors (of every element, weighted per sample).

    Args:
        name, dtype: as :class:`~striate.metrics.Metric`.

    >>> m = RootMeanSquaredError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]], sample_weight=[1, 0])
    >>> round(m.result(), 6)
    0.707107
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(xp.square(_errors(y_true, y_pred, self.name)), sample_weight=sample_weight)

    def result(self):
        return float(xp.sqrt(super().result()))

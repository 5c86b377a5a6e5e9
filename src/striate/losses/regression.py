"""Regression losses: mean squared and absolute error, Huber, log-cosh.

Each is a mean over the last axis of an element-wise error term, so the
per-sample loss has shape ``y_pred.shape[:-1]``. ``y_true`` may also have a
trailing axis of size 1 less or more than ``y_pred`` (Keras's rank fix-up:
``(N,)`` targets for a ``(N, 1)`` output).

>>> import numpy as np
>>> from striate import losses
>>> losses.mean_absolute_error(np.array([[0.0, 1.0], [0.0, 0.0]]),
...                            np.array([[1.0, 1.0], [1.0, 0.0]])).data.tolist()
[0.5, 0.5]
"""

import math

from striate import functional as F
from striate.losses.loss import Loss, match_targets, mean_coefficient

__all__ = ["MeanSquaredError", "MeanAbsoluteError", "Huber", "LogCosh",
           "mean_squared_error", "mean_absolute_error", "huber", "log_cosh", "mse", "mae"]

_LOG2 = math.log(2.0)


class MeanSquaredError(Loss):
    """Mean of the squared errors over the last axis: ``mean((y_true - y_pred)**2, axis=-1)``.

    Args:
        reduction, name, dtype: as :class:`~striate.losses.Loss`.

    Input shape: ``y_pred`` ``(N, ..., K)``; ``y_true`` the same (or with a
    trailing size-1 axis dropped or added). Output: a scalar, or ``(N, ...)``
    per sample with ``reduction=None``.

    Raises:
        ValueError: when the shapes of ``y_true`` and ``y_pred`` differ.

    >>> import numpy as np
    >>> float(MeanSquaredError()(np.array([[0.0, 1.0], [0.0, 0.0]]),
    ...                          np.array([[1.0, 1.0], [1.0, 0.0]])).item())
    0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _terms(self, y_true, y_pred):
        y_true, y_pred = match_targets(y_true, y_pred, self.name)
        error = y_pred - y_true
        return error * error, mean_coefficient(error), None


class MeanAbsoluteError(Loss):
    """Mean of the absolute errors over the last axis: ``mean(|y_true - y_pred|, axis=-1)``.

    Args, shapes and Raises as :class:`MeanSquaredError`. The gradient at a zero
    error is 0 (the sign function's value there, as TensorFlow and PyTorch).

    >>> import numpy as np
    >>> float(MeanAbsoluteError()(np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]])).item())
    0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _terms(self, y_true, y_pred):
        y_true, y_pred = match_targets(y_true, y_pred, self.name)
        error = F.abs(y_pred - y_true)
        return error, mean_coefficient(error), None


class Huber(Loss):
    """Huber loss: squared for small errors, linear for large ones.

    Per element, with ``e = y_pred - y_true``: ``0.5 e**2`` if ``|e| <= delta``,
    else ``delta |e| - 0.5 delta**2``; then the mean over the last axis.

    Args:
        delta: where the loss changes from quadratic to linear (> 0).
        reduction, name, dtype: as :class:`~striate.losses.Loss`.

    Shapes as :class:`MeanSquaredError`.

    Raises:
        ValueError: for ``delta <= 0`` or mismatched shapes.

    >>> import numpy as np
    >>> round(float(Huber()(np.array([[0, 1], [0, 0]]), np.array([[0.6, 0.4], [0.4, 0.6]])).item()), 3)
    0.155
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        if not delta > 0:
            raise ValueError(f"Huber: delta must be > 0, got {delta!r}")
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.delta = float(delta)

    def _terms(self, y_true, y_pred):
        y_true, y_pred = match_targets(y_true, y_pred, self.name)
        error = y_pred - y_true
        size = F.abs(error)
        quadratic = error * error * 0.5
        linear = size * self.delta - 0.5 * self.delta ** 2
        return F.where(size.data <= self.delta, quadratic, linear), mean_coefficient(error), None

    def get_config(self):
        return {**super().get_config(), "delta": self.delta}


class LogCosh(Loss):
    """Mean over the last axis of ``log(cosh(y_pred - y_true))``.

    About ``e**2 / 2`` for small errors and ``|e| - log 2`` for large ones.
    Computed as ``|e| + log(1 + exp(-2|e|)) - log 2``: finite for any error, and
    its gradient is exactly ``tanh(e)``, 0 at a zero error.

    Args, shapes and Raises as :class:`MeanSquaredError`.

    >>> import numpy as np
    >>> round(float(LogCosh()(np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [0.0, 0.0]])).item()), 3)
    0.108
    """

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _terms(self, y_true, y_pred):
        y_true, y_pred = match_targets(y_true, y_pred, self.name)
        size = F.abs(y_pred - y_true)
        # Through |e|, not e + softplus(-2e): softplus's relu has slope 0 at 0, which
        # would give a gradient of 1 at a zero error instead of tanh(0) = 0.
        terms = size + F.log(F.exp(size * -2.0) + 1.0) - _LOG2
        return terms, mean_coefficient(terms), None


def mean_squared_error(y_true, y_pred):
    """Per-sample mean squared error, shape ``y_pred.shape[:-1]`` (see :class:`MeanSquaredError`).

    >>> import numpy as np
    >>> mean_squared_error(np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [1.0, 1.0]])).data.tolist()
    [0.5, 1.0]
    """
    return MeanSquaredError(reduction=None)(y_true, y_pred)


def mean_absolute_error(y_true, y_pred):
    """Per-sample mean absolute error, shape ``y_pred.shape[:-1]`` (see :class:`MeanAbsoluteError`)."""
    return MeanAbsoluteError(reduction=None)(y_true, y_pred)


def huber(y_true, y_pred, delta=1.0):
    """Per-sample Huber loss, shape ``y_pred.shape[:-1]`` (see :class:`Huber`)."""
    return Huber(delta=delta, reduction=None, name="huber")(y_true, y_pred)


def log_cosh(y_true, y_pred):
    """Per-sample log-cosh loss, shape ``y_pred.shape[:-1]`` (see :class:`LogCosh`)."""
    return LogCosh(reduction=None)(y_true, y_pred)


mse = mean_squared_error
mae = mean_absolute_error

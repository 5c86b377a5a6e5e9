"""Hinge losses, for classifiers that output a score with the sign of the class.

>>> import numpy as np
>>> from striate import losses
>>> losses.hinge(np.array([[1.0, -1.0]]), np.array([[0.5, 0.5]])).data.tolist()
[1.0]
"""

from striate import functional as F
from striate.backend import xp
from striate.losses.loss import Loss, match_targets, mean_coefficient

__all__ = ["Hinge", "SquaredHinge", "CategoricalHinge", "hinge", "squared_hinge", "categorical_hinge"]


def _signed_labels(y_true):
    """Labels in {-1, 1}: binary {0, 1} labels are converted, as Keras does."""
    if xp.all((y_true == 0) | (y_true == 1)):
        return 2.0 * y_true - 1.0
    return y_true


def _margins(y_true, y_pred, name):
    y_true, y_pred = match_targets(y_true, y_pred, name)
    return F.relu(1.0 - y_pred * _signed_labels(y_true))


class Hinge(Loss):
    """Mean over the last axis of ``max(1 - y_true * y_pred, 0)``.

    ``y_true`` holds -1 or 1; binary 0/1 labels are converted to -1/1.

    Args:
        reduction, name, dtype: as :class:`~striate.losses.Loss`.

    Input shape: ``y_pred`` ``(N, ..., K)``; ``y_true`` the same (or with a
    trailing size-1 axis dropped or added). Output: a scalar, or ``(N, ...)``
    with ``reduction=None``.

    Raises:
        ValueError: when the shapes of ``y_true`` and ``y_pred`` differ.

    >>> import numpy as np
    >>> round(float(Hinge()(np.array([[0, 1], [0, 0]]), np.array([[0.6, 0.4], [0.4, 0.6]])).item()), 4)
    1.3
    """

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _terms(self, y_true, y_pred):
        margins = _margins(y_true, y_pred, self.name)
        return margins, mean_coefficient(margins), None


class SquaredHinge(Loss):
    """Mean over the last axis of ``max(1 - y_true * y_pred, 0) ** 2``.

    Args, shapes and Raises as :class:`Hinge`.

    >>> import numpy as np
    >>> round(float(SquaredHinge()(np.array([[0, 1], [0, 0]]), np.array([[0.6, 0.4], [0.4, 0.6]])).item()), 2)
    1.86
    """

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _terms(self, y_true, y_pred):
        margins = _margins(y_true, y_pred, self.name)
        return margins * margins, mean_coefficient(margins), None


class CategoricalHinge(Loss):
    """``max(neg - pos + 1, 0)`` with ``pos = sum(y_true * y_pred)`` and ``neg = max((1 - y_true) * y_pred)``.

    Args:
        reduction, name, dtype: as :class:`~striate.losses.Loss`.

    Input shape: ``y_pred`` and one-hot ``y_true`` ``(N, ..., C)``. Output: a
    scalar, or ``(N, ...)`` with ``reduction=None``.

    Raises:
        ValueError: when the shapes of ``y_true`` and ``y_pred`` differ.

    >>> import numpy as np
    >>> round(float(CategoricalHinge()(np.array([[0, 1], [0, 0]]), np.array([[0.6, 0.4], [0.4, 0.6]])).item()), 2)
    1.4
    """

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        y_true, y_pred = match_targets(y_true, y_pred, self.name)
        positive = (y_pred * y_true).sum(axis=-1)
        negative = (y_pred * (1.0 - y_true)).max(axis=-1)
        return F.relu(negative - positive + 1.0)


def hinge(y_true, y_pred):
    """Per-sample hinge loss, shape ``y_pred.shape[:-1]`` (see :class:`Hinge`)."""
    return Hinge(reduction=None)(y_true, y_pred)


def squared_hinge(y_true, y_pred):
    """Per-sample squared hinge loss, shape ``y_pred.shape[:-1]`` (see :class:`SquaredHinge`)."""
    return SquaredHinge(reduction=None)(y_true, y_pred)


def categorical_hinge(y_true, y_pred):
    """Per-sample categorical hinge loss, shape ``y_pred.shape[:-1]`` (see :class:`CategoricalHinge`)."""
    return CategoricalHinge(reduction=None)(y_true, y_pred)

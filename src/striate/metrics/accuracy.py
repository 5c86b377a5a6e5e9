"""Accuracy metrics: how often the prediction is the label, for each kind of label.

The functions give one 0/1 value per sample (NumPy arrays in, a float array
out); the classes are running means of them over batches.

>>> import numpy as np
>>> categorical_accuracy(np.array([[0, 0, 1], [0, 1, 0]]), np.array([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
array([0., 1.])
"""

from striate.backend import xp
from striate.metrics.metric import as_array, squeeze_or_expand_to_same_rank
from striate.metrics.reduction import MeanMetricWrapper

__all__ = ["Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
           "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "accuracy", "binary_accuracy",
           "categorical_accuracy", "sparse_categorical_accuracy", "top_k_categorical_accuracy",
           "sparse_top_k_categorical_accuracy"]


def _check_same_shape(y_true, y_pred, name):
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{name}: y_true and y_pred must have the same shape, got "
                         f"y_true.shape={y_true.shape} and y_pred.shape={y_pred.shape}")


def accuracy(y_true, y_pred):
    """Per-sample fraction of exactly equal values, averaged over the last axis.

    Shapes: ``(N, ..., K)`` both (a trailing size-1 axis may be dropped/added);
    output ``(N, ...)``.

    Raises:
        ValueError: when the shapes differ.
    """
    y_true, y_pred = squeeze_or_expand_to_same_rank(as_array(y_true), as_array(y_pred))
    _check_same_shape(y_true, y_pred, "accuracy")
    return (y_true == y_pred).mean(axis=-1, dtype=xp.float64)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Per-sample fraction of ``(y_pred > threshold) == y_true``, averaged over the last axis.

    Shapes: ``(N, ..., K)`` both (``(N,)`` labels fit a ``(N, 1)`` output); output ``(N, ...)``.

    Raises:
        ValueError: when the shapes differ.

    >>> import numpy as np
    >>> binary_accuracy(np.array([[1], [1], [0], [0]]), np.array([[0.98], [1], [0], [0.6]]))
    array([1., 1., 1., 0.])
    """
    y_true, y_pred = squeeze_or_expand_to_same_rank(as_array(y_true), as_array(y_pred))
    _check_same_shape(y_true, y_pred, "binary_accuracy")
    return (y_true == (y_pred > threshold)).mean(axis=-1, dtype=xp.float64)


def categorical_accuracy(y_true, y_pred):
    """1 where ``argmax(y_pred) == argmax(y_true)`` (one-hot labels), per sample.

    Shapes: ``(N, ..., C)`` both; output ``(N, ...)``. Logits work as well as
    probabilities (same argmax). Ties pick the first maximum.

    Raises:
        ValueError: when the shapes differ.
    """
    y_true, y_pred = as_array(y_true), as_array(y_pred)
    _check_same_shape(y_true, y_pred, "categorical_accuracy")
    return (y_true.argmax(axis=-1) == y_pred.argmax(axis=-1)).astype(xp.float64)


def _sparse_labels(y_true, y_pred, name):
    """Integer labels of shape ``y_pred.shape[:-1]`` (a trailing size-1 axis is dropped)."""
    y_true = as_array(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_true.shape != y_pred.shape[:-1]:
        raise ValueError(f"{name}: integer labels of shape {y_pred.shape[:-1]} expected for y_pred of shape "
                         f"{y_pred.shape}, got y_true.shape={y_true.shape}")
    return y_true


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where ``argmax(y_pred) == y_true`` (integer labels), per sample.

    Shapes: ``y_pred`` ``(N, ..., C)``, ``y_true`` ``(N, ...)`` or ``(N, ..., 1)``;
    output ``(N, ...)``.

    Raises:
        ValueError: when the labels' shape does not fit ``y_pred``.

    >>> import numpy as np
    >>> sparse_categorical_accuracy(np.array([[2], [1]]), np.array([[0.1, 0.6, 0.3], [0.05, 0.95, 0]]))
    array([0., 1.])
    """
    y_pred = as_array(y_pred)
    y_true = _sparse_labels(y_true, y_pred, "sparse_categorical_accuracy")
    return (y_pred.argmax(axis=-1) == y_true).astype(xp.float64)


def _in_top_k(labels, y_pred, k):
    """Whether each label's score is among the ``k`` largest (ties at the boundary count, as TF)."""
    labels = labels.astype(xp.intp)
    scores = xp.take_along_axis(y_pred, labels[..., None], axis=-1)  # (..., 1)
    return (y_pred > scores).sum(axis=-1) < k


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the one-hot label's class is among the ``k`` highest predictions, per sample.

    Shapes: ``(N, ..., C)`` both; output ``(N, ...)``.

    Raises:
        ValueError: when the shapes differ.
    """
    y_true, y_pred = as_array(y_true), as_array(y_pred)
    _check_same_shape(y_true, y_pred, "top_k_categorical_accuracy")
    return _in_top_k(y_true.argmax(axis=-1), y_pred, k).astype(xp.float64)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the integer label is among the ``k`` highest predictions, per sample.

    Shapes: ``y_pred`` ``(N, ..., C)``, ``y_true`` ``(N, ...)`` or ``(N, ..., 1)``;
    output ``(N, ...)``.

    Raises:
        ValueError: when the labels' shape does not fit ``y_pred``.
    """
    y_pred = as_array(y_pred)
    labels = _sparse_labels(y_true, y_pred, "sparse_top_k_categorical_accuracy")
    return _in_top_k(labels, y_pred, k).astype(xp.float64)


class Accuracy(MeanMetricWrapper):
    """How often ``y_pred`` equals ``y_true`` exactly (for labels, not scores).

    Args:
        name, dtype: as :class:`~striate.metrics.Metric`.

    >>> m = Accuracy()
    >>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]]); m.result()
    0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches binary labels.

    Args:
        name, dtype: as :class:`~striate.metrics.Metric`.
        threshold: in (0, 1); for logits use a loss's probabilities or compare
            against 0 yourself.

    Raises:
        ValueError: for a threshold outside (0, 1).

    >>> m = BinaryAccuracy()
    >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], sample_weight=[1, 0, 0, 1])
    >>> m.result()
    0.5
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        if threshold is not None and not 0 < threshold < 1:
            raise ValueError(f"Invalid value for argument `threshold`. Expected a value in interval (0, 1). "
                             f"Received: threshold={threshold}")
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of ``y_pred`` is the one-hot label.

    Args:
        name, dtype: as :class:`~striate.metrics.Metric`.

    >>> m = CategoricalAccuracy()
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]); m.result()
    0.5
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of ``y_pred`` is the integer label.

    Args:
        name, dtype: as :class:`~striate.metrics.Metric`.

    >>> m = SparseCategoricalAccuracy()
    >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3])
    >>> round(m.result(), 6)
    0.3
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is among the ``k`` highest predictions.

    Args:
        k: how many top predictions count (default 5).
        name, dtype: as :class:`~striate.metrics.Metric`.

    >>> m = TopKCategoricalAccuracy(k=1)
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]); m.result()
    0.5
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` highest predictions.

    Args:
        k: how many top predictions count (default 5).
        name, dtype: as :class:`~striate.metrics.Metric`.

    >>> m = SparseTopKCategoricalAccuracy(k=1)
    >>> m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]); m.result()
    0.5
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}

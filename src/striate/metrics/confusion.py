"""Confusion-matrix metrics: true/false positive/negative counts, precision, recall, and the confusion matrix.

A prediction is positive at threshold ``t`` when ``y_pred > t`` (strictly, as
Keras); ``y_true`` is read as booleans. Counts are weighted by ``sample_weight``.

>>> import numpy as np
>>> confusion_matrix([1, 2, 2, 0], [2, 2, 1, 0], num_classes=3)
array([[1, 0, 0],
       [0, 0, 1],
       [0, 1, 1]], dtype=int32)
"""

from striate.backend import xp
from striate.metrics.metric import Metric, as_array, squeeze_or_expand_to_same_rank

__all__ = ["TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives", "Precision", "Recall",
           "confusion_matrix", "update_confusion_matrix_variables", "NEG_INF"]

NEG_INF = -1e10  # the threshold that makes every kept top-k prediction positive (Keras's value)


def parse_thresholds(thresholds, default):
    """A list of thresholds (``default`` when None), checked to lie in [0, 1].

    Raises:
        ValueError: naming the thresholds outside [0, 1].
    """
    if thresholds is None:
        return [default]
    values = list(thresholds) if isinstance(thresholds, (list, tuple)) or xp.ndim(thresholds) else [thresholds]
    bad = [t for t in values if t is None or not 0 <= t <= 1]
    if bad:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
    return [float(t) for t in values]


def _filter_top_k(y_pred, k):
    """``y_pred`` with all but its ``k`` largest values (per row, first index wins ties) set to NEG_INF."""
    keep = xp.argsort(-y_pred, axis=-1, kind="stable")[..., :k]
    out = xp.full_like(y_pred, NEG_INF)
    xp.put_along_axis(out, keep, xp.take_along_axis(y_pred, keep, axis=-1), axis=-1)
    return out


def update_confusion_matrix_variables(variables, y_true, y_pred, thresholds, top_k=None, class_id=None,
                                      sample_weight=None, multi_label=False, label_weights=None, name="metric"):
    """Add the weighted tp/fp/tn/fn counts of one batch to ``variables`` (arrays, updated in place).

    Args:
        variables: dict with some of the keys ``'tp', 'fp', 'tn', 'fn'``; each
            array has shape ``(T,)``, or ``(T, L)`` for ``multi_label``.
        y_true, y_pred: arrays of the same shape (a trailing size-1 axis may differ).
        thresholds: list of T thresholds (any order).
        top_k: keep only the k highest predictions per row positive.
        class_id: look only at column ``class_id`` of the last axis.
        sample_weight: scalar, per sample ``(N,)``, or per value; broadcast to ``y_pred``.
        multi_label: count each label (last axis) separately instead of flattening.
        label_weights: optional ``(L,)`` weights of the labels when flattening.
        name: the metric's name, for error messages.

    Raises:
        ValueError: for mismatched shapes or a ``class_id`` on 1-D predictions.
    """
    y_true, y_pred = as_array(y_true, xp.float64), as_array(y_pred, xp.float64)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{name}: y_true and y_pred must have the same shape, got "
                         f"y_true.shape={y_true.shape} and y_pred.shape={y_pred.shape}")
    weights = None
    if sample_weight is not None:
        weights = as_array(sample_weight, xp.float64)[..., None]  # per sample -> broadcast over the last axis
        _, weights = squeeze_or_expand_to_same_rank(y_true, weights, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(f"{name}: when class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {y_pred.shape}")
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    try:
        weights = xp.ones_like(y_pred) if weights is None else xp.broadcast_to(weights, y_pred.shape)
    except ValueError:
        raise ValueError(f"{name}: sample_weight of shape {xp.shape(sample_weight)} does not fit y_pred of "
                         f"shape {y_pred.shape}") from None
    if label_weights is not None and not multi_label:
        weights = weights * as_array(label_weights, xp.float64)
    if multi_label:
        labels = y_pred.shape[-1]
        y_true, y_pred, weights = (a.reshape(-1, labels).T for a in (y_true, y_pred, weights))  # (L, M)
    else:
        y_true, y_pred, weights = (a.reshape(1, -1) for a in (y_true, y_pred, weights))  # (1, M)
    _add_counts(variables, y_true != 0, y_pred, weights, thresholds, squeeze=not multi_label)


def _add_counts(variables, positive, y_pred, weights, thresholds, squeeze):
    """Counts at every threshold in one pass: each prediction's bucket is the number
    of thresholds below it, and a reversed cumulative sum turns buckets into counts."""
    thresholds = xp.asarray(thresholds, dtype=xp.float64)
    order = xp.argsort(thresholds, kind="stable")
    T, L = len(thresholds), y_pred.shape[0]  # y_pred: (L, M), M predictions per label
    below = xp.searchsorted(thresholds[order], y_pred, side="left")  # (L, M): how many thresholds < p
    below = xp.where(xp.isnan(y_pred), 0, below)  # NaN > t is False: never positive
    offsets = below + (T + 1) * xp.arange(L)[:, None]  # one bincount for every label

    def buckets(w):
        counts = xp.bincount(offsets.ravel(), weights=w.ravel(), minlength=L * (T + 1)).reshape(L, T + 1)
        at_or_above = xp.cumsum(counts[:, ::-1], axis=1)[:, ::-1]  # [m] = sum of buckets >= m
        sorted_counts = at_or_above[:, 1:]  # positive at sorted threshold j iff bucket > j
        out = xp.empty_like(sorted_counts)
        out[:, order] = sorted_counts
        return out.T  # (T, L)

    true_w, false_w = weights * positive, weights * ~positive
    tp, fp = buckets(true_w), buckets(false_w)
    found = {"tp": tp, "fp": fp, "fn": true_w.sum(axis=1) - tp, "tn": false_w.sum(axis=1) - fp}
    for key, variable in variables.items():
        variable += found[key][:, 0] if squeeze else found[key]


class _ConfusionMatrixConditionCount(Metric):
    """The weighted count of one confusion-matrix cell at one or more thresholds."""

    _key = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_thresholds(thresholds, default=0.5)
        self.accumulator = self._add_state((len(self.thresholds),), name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables({self._key: self.accumulator}, y_true, y_pred, self.thresholds,
                                          sample_weight=sample_weight, name=self.name)

    def result(self):
        return float(self.accumulator[0]) if len(self.thresholds) == 1 else self.accumulator.copy()

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """Weighted number of true positives (label true, ``y_pred > threshold``).

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); with a
            list, ``result()`` is an array with one count per threshold.
        name, dtype: as :class:`~striate.metrics.Metric`.

    >>> m = TruePositives()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); m.result()
    2.0
    """

    _key = "tp"


class FalsePositives(_ConfusionMatrixConditionCount):
    """Weighted number of false positives; arguments as :class:`TruePositives`.

    >>> m = FalsePositives()
    >>> m.update_state([0, 1, 0, 0], [0, 0, 1, 1]); m.result()
    2.0
    """

    _key = "fp"


class TrueNegatives(_ConfusionMatrixConditionCount):
    """Weighted number of true negatives; arguments as :class:`TruePositives`.

    >>> m = TrueNegatives()
    >>> m.update_state([0, 1, 0, 0], [1, 1, 0, 0]); m.result()
    2.0
    """

    _key = "tn"


class FalseNegatives(_ConfusionMatrixConditionCount):
    """Weighted number of false negatives; arguments as :class:`TruePositives`.

    >>> m = FalseNegatives()
    >>> m.update_state([0, 1, 1, 1], [0, 1, 0, 0]); m.result()
    2.0
    """

    _key = "fn"


class _PrecisionRecall(Metric):
    """Shared by Precision and Recall: ``tp / (tp + other)`` per threshold."""

    _other = None

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = parse_thresholds(thresholds, default=0.5 if top_k is None else NEG_INF)
        self.true_positives = self._add_state((len(self.thresholds),), name="true_positives")
        self._other_counts = self._add_state((len(self.thresholds),), name=self._other)

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables(
            {"tp": self.true_positives, self._other: self._other_counts}, y_true, y_pred, self.thresholds,
            top_k=self.top_k, class_id=self.class_id, sample_weight=sample_weight, name=self.name)

    def result(self):
        denominator = self.true_positives + self._other_counts
        ratio = xp.divide(self.true_positives, denominator, out=xp.zeros_like(denominator),
                          where=denominator != 0)  # divide_no_nan
        return float(ratio[0]) if len(self.thresholds) == 1 else ratio

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """Precision ``tp / (tp + fp)``: how many predicted positives are positive.

    Args:
        thresholds: a float or list in [0, 1] (default 0.5; use 0 for logits);
            with a list, ``result()`` is an array, one value per threshold.
        top_k: only the k highest predictions of each row count as positive.
        class_id: compute the binary precision of this class (last-axis column).
        name, dtype: as :class:`~striate.metrics.Metric`.

    Raises:
        ValueError: for thresholds outside [0, 1].

    >>> m = Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); round(m.result(), 6)
    0.666667
    """

    _other = "fp"

    @property
    def false_positives(self):
        return self._other_counts


class Recall(_PrecisionRecall):
    """Recall ``tp / (tp + fn)``: how many positives are predicted positive.

    Args, Raises as :class:`Precision`.

    >>> m = Recall()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0]); m.result()
    1.0
    """

    _other = "fn"

    @property
    def false_negatives(self):
        return self._other_counts


def confusion_matrix(y_true, y_pred, num_classes, weights=None, dtype=None):
    """The ``(num_classes, num_classes)`` confusion matrix: rows are true classes, columns predicted.

    Args:
        y_true: integer labels ``(N,)`` (or ``(N, 1)``), or one-hot ``(N, num_classes)``.
        y_pred: integer labels ``(N,)``, scores ``(N, num_classes)`` (their argmax
            is used), or for ``num_classes=2`` probabilities ``(N,)``/``(N, 1)``
            (positive above 0.5).
        num_classes: number of classes.
        weights: optional per-sample weights ``(N,)`` added instead of 1.
        dtype: result dtype; int32 without weights, float64 with them.

    Raises:
        ValueError: for labels that are not integers in ``[0, num_classes)`` or mismatched lengths.
    """
    num_classes = int(num_classes)
    true = _class_indices(y_true, num_classes, "y_true")
    pred = _class_indices(y_pred, num_classes, "y_pred")
    if true.shape != pred.shape:
        raise ValueError(f"confusion_matrix: y_true gives {true.shape[0]} labels but y_pred gives {pred.shape[0]}")
    w = None if weights is None else as_array(weights, xp.float64).reshape(-1)
    counts = xp.bincount(true * num_classes + pred, weights=w, minlength=num_classes * num_classes)
    dtype = dtype or (xp.int32 if weights is None else xp.float64)
    return counts.reshape(num_classes, num_classes).astype(dtype)


def _class_indices(y, num_classes, what):
    y = as_array(y)
    if y.ndim == 2 and y.shape[-1] == num_classes and num_classes > 1:
        y = y.argmax(axis=-1)
    elif y.ndim == 2 and y.shape[-1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"confusion_matrix: {what} must be labels (N,) or scores (N, {num_classes}), "
                         f"got shape {y.shape}")
    if y.dtype.kind == "f" and num_classes == 2 and xp.any(y != xp.round(y)):
        y = y > 0.5  # probabilities of the positive class
    if y.dtype.kind == "f" and not xp.all(y == xp.round(y)):
        raise ValueError(f"confusion_matrix: {what} must hold integer class labels, got non-integer values")
    y = y.astype(xp.intp)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"confusion_matrix: {what} labels must be in [0, {num_classes}), "
                         f"got values in [{y.min()}, {y.max()}]")
    return y

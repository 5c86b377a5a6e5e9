"""AUC: the area under the ROC or precision-recall curve, from counts at fixed thresholds (as Keras).

>>> m = AUC(num_thresholds=3)
>>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
>>> m.result()   # thresholds [-eps, 0.5, 1 + eps]: tpr [1, 0.5, 0], fpr [1, 0, 0]
0.75
"""

from striate import backend
from striate.backend import xp
from striate.metrics.confusion import update_confusion_matrix_variables
from striate.metrics.metric import Metric, as_array

__all__ = ["AUC"]

_CURVES = ("ROC", "PR")
_SUMMATIONS = ("interpolation", "minoring", "majoring")


def _divide_no_nan(a, b):
    return xp.divide(a, b, out=xp.zeros(xp.broadcast_shapes(xp.shape(a), xp.shape(b))), where=b != 0)


class AUC(Metric):
    """Approximate area under the ROC curve (default) or the precision-recall curve.

    Predictions are counted at ``num_thresholds`` evenly spaced thresholds in
    [0, 1] (plus ``-eps`` and ``1 + eps`` so that exact 0 and 1 are counted),
    and the curve through those points is integrated with a Riemann sum.

    Args:
        num_thresholds: number of thresholds (> 1), default 200.
        curve: ``'ROC'`` or ``'PR'``.
        summation_method: ``'interpolation'`` (trapezoids for ROC; Davis &
            Goadrich's interpolation for PR), ``'minoring'`` or ``'majoring'``.
        name, dtype: as :class:`~striate.metrics.Metric`.
        thresholds: explicit thresholds in [0, 1] instead of ``num_thresholds``.
        multi_label: compute one AUC per label (last axis) and average them,
            instead of flattening the labels into one binary problem.
        num_labels: number of labels for ``multi_label`` (else taken from the first batch).
        label_weights: weights of the labels: of their AUCs when ``multi_label``,
            else of their predictions in the counts.
        from_logits: apply a sigmoid to ``y_pred`` first.

    Input shape: ``y_true`` and ``y_pred`` ``(N, ...)``, ``y_pred`` in [0, 1]
    (values outside are clipped).

    Raises:
        ValueError: for a bad ``curve``, ``summation_method``, ``num_thresholds``
            or thresholds; ``num_labels`` without ``multi_label``; non-2-D inputs
            with ``multi_label``.

    >>> m = AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    >>> m.result()
    1.0
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        if str(curve).upper() not in _CURVES:
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC"]')
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". '
                             f"Expected values are {list(_SUMMATIONS)}")
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            interior = sorted(float(t) for t in thresholds)
            if any(not 0 <= t <= 1 for t in interior):
                raise ValueError(f"Threshold values must be in [0, 1]. Received: {list(thresholds)}")
            self.num_thresholds = len(interior) + 2
        else:
            if num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = int(num_thresholds)
            interior = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        eps = backend.epsilon()
        self._thresholds = [0.0 - eps] + interior + [1.0 + eps]
        self.curve = str(curve).upper()
        self.summation_method = str(summation_method).lower()
        self.multi_label = bool(multi_label)
        if num_labels and not multi_label:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else as_array(label_weights, xp.float64)
        self._from_logits = bool(from_logits)
        self._built = False
        if not self.multi_label or num_labels:
            self._build(num_labels)

    @property
    def thresholds(self):
        """The thresholds, endpoints included."""
        return list(self._thresholds)

    def _build(self, num_labels):
        shape = (self.num_thresholds, num_labels) if self.multi_label else (self.num_thresholds,)
        self.true_positives = self._add_state(shape, name="true_positives")
        self.false_positives = self._add_state(shape, name="false_positives")
        self.true_negatives = self._add_state(shape, name="true_negatives")
        self.false_negatives = self._add_state(shape, name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = as_array(y_pred, xp.float64)
        if self.multi_label and y_pred.ndim != 2:
            raise ValueError(f"`y_pred` must have rank 2 when `multi_label=True`. Found rank {y_pred.ndim}. "
                             f"Full shape received for `y_pred`: {y_pred.shape}")
        if not self._built:
            self._build(y_pred.shape[-1])
        if self._from_logits:
            y_pred = 0.5 * (1.0 + xp.tanh(0.5 * y_pred))  # sigmoid without overflow
        update_confusion_matrix_variables(
            {"tp": self.true_positives, "fp": self.false_positives, "tn": self.true_negatives,
             "fn": self.false_negatives},
            y_true, xp.clip(y_pred, 0.0, 1.0), self._thresholds, sample_weight=sample_weight,
            multi_label=self.multi_label, label_weights=None if self.multi_label else self.label_weights,
            name=self.name)

    def _average(self, per_threshold):
        """Sum over thresholds, then (multi-label) the (weighted) mean over labels."""
        by_label = per_threshold.sum(axis=0)
        if not self.multi_label:
            return float(by_label)
        if self.label_weights is None:
            return float(by_label.mean())
        return float(_divide_no_nan((by_label * self.label_weights).sum(), self.label_weights.sum()))

    def interpolate_pr_auc(self):
        """PR-AUC with precision interpolated between thresholds (Davis & Goadrich 2006), as Keras."""
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, xp.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        ratio = xp.where((p[:-1] > 0) & (p[1:] > 0), _divide_no_nan(p[:-1], xp.maximum(p[1:], 0)), 1.0)
        increments = _divide_no_nan(slope * (dtp + intercept * xp.log(ratio)), xp.maximum(tp[1:] + fn[1:], 0))
        return self._average(increments)

    def result(self):
        if not self._built:
            return 0.0
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = xp.minimum(y[:-1], y[1:])
        else:
            heights = xp.maximum(y[:-1], y[1:])
        return self._average((x[:-1] - x[1:]) * heights)

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels,
                  "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self._thresholds[1:-1]
        return config

"""Running sums and means, and the wrapper that turns a per-sample function into a running mean.

>>> m = Mean()
>>> m.update_state([1, 3, 5, 7]); m.result()
4.0
>>> m.update_state([10], sample_weight=[4]); m.result()       # (16 + 40) / (4 + 4)
7.0
"""

from striate.backend import xp
from striate.metrics.metric import Metric, as_array, squeeze_or_expand_to_same_rank

__all__ = ["Sum", "Mean", "MeanMetricWrapper", "reduce_to_samplewise_values"]


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, name="metric"):
    """``(values, sample_weight)`` reduced to one value (and weight) per sample, as Keras 3.

    Values are weighted by ``sample_weight`` (a scalar, one per sample, or one
    per value), then every axis after the first is reduced with ``reduce_fn``
    (``xp.mean`` for Mean, ``xp.sum`` for Sum).

    Raises:
        ValueError: when ``sample_weight`` does not broadcast to the values.
    """
    values = as_array(values, xp.float64)
    if sample_weight is not None:
        sample_weight = as_array(sample_weight, xp.float64)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim = sample_weight.ndim
        if values.ndim > weight_ndim:
            values = reduce_fn(values, axis=tuple(range(weight_ndim, values.ndim)))
        try:
            sample_weight = xp.broadcast_to(sample_weight, values.shape)
        except ValueError:
            raise ValueError(f"{name}: sample_weight of shape {sample_weight.shape} does not fit values of "
                             f"shape {values.shape}") from None
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """The running (weighted) sum of the values.

    Args:
        name, dtype: as :class:`~striate.metrics.Metric`.

    >>> m = Sum()
    >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0]); m.result()
    4.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self._add_state((), name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, xp.sum, self.name)
        self.total += values.sum()

    def result(self):
        return float(self.total)


class Mean(Metric):
    """The running (weighted) mean: ``total / count`` with ``total = sum(w * v)`` and ``count = sum(w)``.

    Values with more than one axis are first averaged per sample (over every
    axis after the first), so ``count`` counts samples, as Keras 3.

    Args:
        name, dtype: as :class:`~striate.metrics.Metric`.

    >>> m = Mean()
    >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0]); m.result()
    2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self._add_state((), name="total")
        self.count = self._add_state((), name="count")

    def update_state(self, values, sample_weight=None):
        if isinstance(sample_weight, (int, float)) and xp.ndim(values) == 0:
            # One number with one weight (the loss of a batch of that size): no array work.
            self.total += float(as_array(values)) * sample_weight
            self.count += sample_weight
            return
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, xp.mean, self.name)
        self.total += values.sum()
        if sample_weight is not None:
            self.count += sample_weight.sum()
        else:
            self.count += values.shape[0] if values.ndim else 1

    def result(self):
        count = float(self.count)
        return float(self.total) / count if count else 0.0  # divide_no_nan, as Keras


class MeanMetricWrapper(Mean):
    """The running mean of ``fn(y_true, y_pred, **kwargs)``, a function of per-sample values.

    Args:
        fn: function of NumPy arrays returning one value per sample (or per element).
        name: the metric's name; defaults to ``fn``'s name.
        dtype: as :class:`~striate.metrics.Metric`.
        **kwargs: passed on to ``fn``.

    >>> import numpy as np
    >>> m = MeanMetricWrapper(lambda t, p: np.abs(t - p).mean(axis=-1), name="mae")
    >>> m.update_state(np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]])); m.result()
    0.5
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None) or "mean_metric_wrapper", dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(as_array(y_true), as_array(y_pred), **self._fn_kwargs)
        super().update_state(as_array(values), sample_weight=sample_weight)

    def get_config(self):
        from striate.metrics.registry import serialize

        return {**super().get_config(), "fn": serialize(self._fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        from striate.metrics.registry import deserialize

        config = dict(config)
        if "fn" in config:
            config["fn"] = deserialize(config["fn"])
        return cls(**config)

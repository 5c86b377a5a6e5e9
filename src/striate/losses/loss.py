"""Loss: the base class of every loss, and Keras 3's reduction of per-sample losses.

A loss turns ``(y_true, y_pred)`` into one number to minimise, in two steps:

1. ``call(y_true, y_pred)`` gives one loss per sample, usually of shape
   ``y_pred.shape[:-1]`` (the last axis is averaged or summed away);
2. the reduction multiplies those by ``sample_weight`` and sums them, divided by
   the number of per-sample values for ``'sum_over_batch_size'`` (the default).

The built-in losses describe step 1 as *terms* and constant *coefficients*: the
per-sample loss is ``sum(terms * coefficients, axis=-1)``, e.g. ``log p`` and
``-y_true`` for a cross-entropy, or ``(y_pred - y_true)**2`` and ``1/K`` for a
mean squared error. The reduced loss then folds the sample weights and the
``1/N`` into the coefficients, so it costs one multiply and one sum: a softmax
cross-entropy is three primitive ops (log-softmax, multiply, sum).

>>> import numpy as np
>>> from striate import losses
>>> loss = losses.MeanSquaredError()
>>> float(loss(np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]])).item())
0.5
"""

import math
import re

from striate import backend
from striate.backend import xp
from striate.tensor import Tensor

__all__ = ["Loss", "LossFunctionWrapper", "standardize_reduction", "squeeze_or_expand_to_same_rank",
           "match_targets", "mean_coefficient", "reduction_weights", "align_sample_weight"]

_REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def standardize_reduction(reduction):
    """``reduction`` itself when Keras accepts it.

    Raises:
        ValueError: for any other value, listing the accepted ones.
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"Invalid value for argument `reduction`. Expected one of {_REDUCTIONS}. "
                         f"Received: reduction={reduction!r}")
    return reduction


def _snake_case(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Loss:
    """The base class of losses: per-sample losses, then a weighted reduction.

    Subclass it and implement ``call(y_true, y_pred)`` (per-sample losses as a
    Tensor, composed from Tensor ops: never a backward).

    Args:
        name: name of the loss; defaults to the class name in snake case.
        reduction: ``'sum_over_batch_size'`` (default: the weighted sum divided
            by the number of per-sample values), ``'mean'`` (the same),
            ``'sum'``, ``'mean_with_sample_weight'`` (divided by the sum of the
            sample weights), or ``'none'``/``None`` (the weighted per-sample losses).
        dtype: dtype of the computation. ``None`` keeps ``y_pred``'s float dtype
            (so float32 stays float32 and float64 gradient checks stay float64).

    Call args:
        y_true: targets, a NumPy array, list or Tensor (never differentiated).
        y_pred: predictions, a Tensor (the model's output, with its graph) or an array.
        sample_weight: optional weights: a scalar, one per sample ``(N,)``, or
            one per per-sample value; constant.

    Returns:
        A 0-d Tensor, or the per-sample Tensor for ``reduction='none'``.

    Raises:
        ValueError: for an unknown reduction, or a ``sample_weight`` whose shape
            does not fit the per-sample losses.

    >>> import numpy as np
    >>> class Cube(Loss):
    ...     def call(self, y_true, y_pred):
    ...         error = y_pred - y_true
    ...         return (error * error * error).mean(axis=-1)
    >>> loss = Cube(reduction="sum")
    >>> loss.name, float(loss(np.zeros((2, 1)), np.full((2, 1), 2.0), sample_weight=[1.0, 0.5]).item())
    ('cube', 12.0)
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or _snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self.dtype = None if dtype is None else xp.dtype(dtype).name

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = self._prediction(y_pred)
        y_true = y_true.data if isinstance(y_true, Tensor) else xp.asarray(y_true)
        if type(self).call is not Loss.call:  # a loss that defines call(): Keras's generic path
            if y_true.dtype.kind in "biuf":
                y_true = y_true.astype(y_pred.dtype, copy=False)  # as Keras: targets in the loss's dtype
            values = self.call(y_true, y_pred)
            values = values if isinstance(values, Tensor) else Tensor(values, dtype=y_pred.dtype)
            weights = reduction_weights(values.shape, sample_weight, None, self.reduction, values.dtype, self.name)
            return _reduce(values, weights, self.reduction)
        terms, coefficients, mask = self._terms(y_true, y_pred)
        shape = terms.shape[:-1]  # the per-sample shape
        weights = reduction_weights(shape, sample_weight, mask, self.reduction, terms.dtype, self.name)
        if self.reduction in ("none", None) or xp.broadcast_shapes(xp.shape(weights), shape) != shape:
            return _reduce(_sum_last(terms, coefficients), weights, self.reduction)
        # Fold the weights into the constant coefficients: one multiply and one sum in all.
        if xp.ndim(coefficients) == 0 and xp.ndim(weights) == 0:
            total, factor = terms.sum(), float(coefficients * weights)
            return total if factor == 1.0 else total * factor
        return (terms * _expand_last(weights, coefficients, terms.dtype)).sum()

    def call(self, y_true, y_pred):
        """Per-sample losses as a Tensor (built-in losses derive it from ``_terms``)."""
        terms, coefficients, mask = self._terms(y_true, y_pred)
        return _weighted(_sum_last(terms, coefficients), None if mask is None else mask.astype(terms.dtype))

    def _terms(self, y_true, y_pred):
        """``(terms, coefficients, mask)``: per-sample loss = ``sum(terms * coefficients, -1)``.

        ``coefficients`` is a constant (array or number) broadcastable to
        ``terms``; ``mask`` is None or a boolean array over the per-sample shape
        marking the values that count (Keras's loss mask, e.g. ``ignore_class``).
        """
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def _prediction(self, y_pred):
        """``y_pred`` as a float Tensor of the loss's dtype (arrays become constants)."""
        if not isinstance(y_pred, Tensor):
            y_pred = Tensor(xp.asarray(y_pred), dtype=self.dtype or backend.floatx())
        if self.dtype is not None and y_pred.dtype != self.dtype:
            return _cast_keeping_activation(y_pred, self.dtype)
        if y_pred.dtype.kind != "f":
            return y_pred.astype(backend.floatx())
        return y_pred

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _cast_keeping_activation(y_pred, dtype):
    """Cast ``y_pred``; a softmax/sigmoid output keeps its logits (cast too)."""
    cast = y_pred.astype(dtype)
    if y_pred._activation is not None:
        kind, logits = y_pred._activation
        cast._activation = (kind, logits.astype(dtype))
    return cast


def _sum_last(terms, coefficients):
    """``sum(terms * coefficients, axis=-1)``, skipping the multiply by a plain 1."""
    if xp.ndim(coefficients) == 0:
        c = float(coefficients)
        summed = terms.sum(axis=-1)
        return summed if c == 1.0 else summed * c
    return (terms * coefficients.astype(terms.dtype, copy=False)).sum(axis=-1)


def _expand_last(weights, coefficients, dtype):
    """Per-sample ``weights`` (shape S) times ``coefficients`` (shape S + (K,)), as one constant."""
    if xp.ndim(weights) == 0:
        combined = coefficients * float(weights)
    else:
        combined = xp.asarray(weights)[..., None] * coefficients
    return xp.asarray(combined, dtype=dtype)


def _reduce(values, weights, reduction):
    """Per-sample ``values`` times ``weights``: kept for 'none', summed otherwise."""
    if reduction in ("none", None):
        return _weighted(values, weights)
    if xp.ndim(weights) == 0:
        return values.sum() * float(weights)
    return (values * weights).sum()


def _weighted(values, weights):
    if weights is None:
        return values
    if xp.ndim(weights) == 0:
        return values * float(weights)
    return values * weights


def _as_weight_array(sample_weight, dtype):
    if isinstance(sample_weight, Tensor):
        sample_weight = sample_weight.data
    return xp.asarray(sample_weight, dtype=dtype)


def align_sample_weight(sample_weight, shape, dtype, name):
    """``sample_weight`` as an array that broadcasts against per-sample losses of ``shape``.

    As Keras: a trailing axis of size 1 is squeezed or added to match ranks.
    Beyond Keras, per-sample weights ``(N,)`` apply to every value of a sample
    when the losses have more axes, e.g. ``(N, T)`` for sequences.

    Raises:
        ValueError: naming the loss and both shapes when they do not fit.
    """
    sw = _as_weight_array(sample_weight, dtype)
    if sw.ndim == len(shape) + 1 and sw.shape[-1] == 1:
        sw = sw[..., 0]
    elif sw.ndim and len(shape) == sw.ndim + 1 and shape[-1] == 1:
        sw = sw[..., None]
    if 0 < sw.ndim < len(shape):
        sw = sw.reshape(sw.shape + (1,) * (len(shape) - sw.ndim))  # (N,) -> (N, 1, ...)
    try:
        xp.broadcast_shapes(sw.shape, shape)
    except ValueError:
        raise ValueError(f"{name}: sample_weight of shape {sw.shape} does not fit the per-sample "
                         f"losses of shape {tuple(shape)}") from None
    return sw


def reduction_weights(shape, sample_weight, mask, reduction, dtype, name):
    """The constant ``w`` such that the reduced loss is ``sum(per_sample * w)``.

    Keras 3's ``reduce_weighted_values``: per-sample losses are multiplied by
    the sample weights (and by the loss mask, e.g. ``ignore_class``), summed,
    and for ``'sum_over_batch_size'``/``'mean'`` divided by the number of
    per-sample values (by the number of unmasked ones when there is a mask);
    for ``'mean_with_sample_weight'`` by the sum of the weights (broadcast
    to the per-sample shape, so it is a weighted mean). For
    ``'none'`` it is just the weights (None when there are none).
    """
    w = None
    if sample_weight is not None:
        w = align_sample_weight(sample_weight, shape, dtype, name)
    if mask is not None:
        w = mask.astype(dtype) if w is None else w * mask
    if reduction in ("none", None):
        return w
    if reduction == "sum":
        return 1.0 if w is None else w
    full = tuple(xp.broadcast_shapes(shape, xp.shape(w))) if w is not None else tuple(shape)
    if reduction == "mean_with_sample_weight" and w is not None:
        divisor = float(xp.broadcast_to(w, full).sum())
    elif mask is not None:
        divisor = float(xp.count_nonzero(mask))
    else:
        divisor = float(math.prod(full))
    scale = 0.0 if divisor == 0 else 1.0 / divisor  # divide_no_nan, as Keras
    return scale if w is None else w * xp.asarray(scale, dtype=dtype)


def squeeze_or_expand_to_same_rank(y_true, y_pred):
    """Keras's rank fix-up: drop or add a trailing axis of size 1 so the ranks match.

    ``y_true`` is an array; ``y_pred`` a Tensor (reshaped only when Keras does).
    E.g. ``(N,)`` targets against ``(N, 1)`` predictions become ``(N, 1)``.
    """
    t_rank, p_rank = y_true.ndim, y_pred.ndim
    if p_rank == t_rank + 1 and y_pred.shape[-1] == 1:
        if t_rank == 1:
            y_true = y_true[:, None]
        else:
            y_pred = y_pred.reshape(y_pred.shape[:-1])
    elif t_rank == p_rank + 1 and y_true.shape[-1] == 1:
        if p_rank == 1:
            y_pred = y_pred.reshape(y_pred.shape + (1,))
        else:
            y_true = y_true[..., 0]
    return y_true, y_pred


class LossFunctionWrapper(Loss):
    """A Loss around a function ``fn(y_true, y_pred, **kwargs)`` of per-sample losses.

    Args:
        fn: the function; it receives ``y_true`` as an array and ``y_pred`` as
            a Tensor (after Keras's rank fix-up) and returns a Tensor.
        reduction, name, dtype: as :class:`Loss`; ``name`` defaults to ``fn``'s name.
        **kwargs: passed on to ``fn``.

    >>> import numpy as np
    >>> wrapped = LossFunctionWrapper(lambda t, p: ((p - t) * (p - t)).sum(axis=-1), name="sse")
    >>> float(wrapped(np.ones((2, 3)), np.zeros((2, 3))).item())
    3.0
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        from striate.losses.registry import serialize

        return {**super().get_config(), "fn": serialize(self.fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        from striate.losses.registry import deserialize

        config = dict(config)
        if "fn" in config:
            config["fn"] = deserialize(config["fn"])
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


def match_targets(y_true, y_pred, name):
    """``y_true`` cast to ``y_pred``'s dtype, both with the same shape after Keras's rank fix-up.

    Raises:
        ValueError: naming the loss and both shapes when they still differ
            (striate does not broadcast targets silently, unlike Keras).
    """
    if y_pred.ndim == 0:
        raise ValueError(f"{name}: y_pred must have at least one axis, got a scalar")
    shapes = (y_true.shape, y_pred.shape)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{name}: y_true and y_pred must have the same shape, got "
                         f"y_true.shape={shapes[0]} and y_pred.shape={shapes[1]}")
    return _float_targets(y_true, y_pred.dtype, name), y_pred


def _float_targets(y_true, dtype, name):
    if y_true.dtype.kind not in "biuf":
        raise ValueError(f"{name}: y_true must be numeric, got dtype {y_true.dtype}")
    return y_true.astype(dtype, copy=False)


def mean_coefficient(terms):
    """The constant that turns a sum over the last axis into a mean."""
    return 1.0 / terms.shape[-1] if terms.shape[-1] else 0.0

"""Reductions over axes: sums, means, extremes, products, spreads, running sums and quantiles.

Integer results follow Keras (JAX): ``bool``, ``int8``, ``int16`` and ``uint8``
sum and multiply as int32; means, variances and quantiles of integers are
``floatx()``; ``argmax``/``argmin``/``count_nonzero`` are int32 constants.

>>> import numpy as np
>>> from striate import ops
>>> x = np.array([[1, 2], [3, 4]], "int8")
>>> ops.sum(x).dtype.name, ops.mean(x, axis=0).tolist(), ops.prod(x, axis=1).tolist()
('int32', [2.0, 3.0], [2, 12])
"""

from striate.autograd import Max, Reshape, Sum, Transpose, Where
from striate.autograd.cumulative import CumProd, CumSum
from striate.backend import xp
from striate.ops._convert import array_op, constant, floating, normalize_axis, promote, to_tensor
from striate.ops._dtypes import is_float, standardize_dtype
from striate.tensor import Tensor
from striate.ops.arithmetic import maximum, minimum
from striate.ops.indexing import diagonal, sort, take_along_axis

__all__ = ["sum", "mean", "max", "min", "amax", "amin", "prod", "var", "std", "argmax", "argmin",
           "any", "all", "count_nonzero", "cumsum", "cumprod", "average", "ptp", "median", "quantile",
           "percentile", "trace", "nansum", "nanmean", "nanmax", "nanmin", "nanvar", "nanstd", "nanprod"]


def _accumulator(dtype):
    """The dtype integer sums and products run in (JAX's rule)."""
    dtype = str(dtype)
    if dtype in ("bool", "int8", "int16", "uint8"):
        return "int32"
    return "uint32" if dtype == "uint16" else dtype


def _reduce_args(x, axis, caller):
    t = to_tensor(x, caller=caller)
    return t, normalize_axis(axis, t.ndim, caller)


def _count(shape, axis):
    if axis is None:
        axis = tuple(range(len(shape)))
    n = 1
    for a in (axis if isinstance(axis, tuple) else (axis,)):
        n *= shape[a]
    return n


@array_op("x")
def sum(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """The sum over ``axis`` (all axes when None)."""
    t, axis = _reduce_args(x, axis, "sum")
    if is_float(t.dtype):
        return Sum.apply(t, axis=axis, keepdims=keepdims)
    return constant(xp.sum(t.data, axis=axis, keepdims=keepdims, dtype=_accumulator(t.dtype)))


@array_op("x")
def mean(x, axis=None, keepdims=False):
    """The arithmetic mean over ``axis``; integers average to ``floatx()``."""
    t, axis = _reduce_args(x, axis, "mean")
    t = floating(t)
    n = _count(t.shape, axis)
    if n == 0:
        raise ValueError(f"mean: the reduced axes of shape {t.shape} are empty")
    return Sum.apply(t, axis=axis, keepdims=keepdims) * (1.0 / n)


def _extreme(x, axis, keepdims, initial, largest, caller):
    t, axis = _reduce_args(x, axis, caller)
    if _count(t.shape, axis) == 0 and initial is None:
        raise ValueError(f"{caller}: zero-size reduction over shape {t.shape} needs `initial`")
    if not is_float(t.dtype):
        fn = xp.max if largest else xp.min
        out = fn(t.data, axis=axis, keepdims=keepdims, **({} if initial is None else {"initial": initial}))
        return constant(out)
    out = Max.apply(t, axis=axis, keepdims=keepdims) if largest else -Max.apply(-t, axis=axis, keepdims=keepdims)
    if initial is not None:
        out = (maximum if largest else minimum)(out, initial)
    return out


@array_op("x")
def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - Keras's name
    """The largest value over ``axis`` (``initial`` joins the comparison); ties share the gradient."""
    return _extreme(x, axis, keepdims, initial, True, "max")


@array_op("x")
def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - Keras's name
    """The smallest value over ``axis``; ties share the gradient."""
    return _extreme(x, axis, keepdims, initial, False, "min")


def amax(x, axis=None, keepdims=False):
    """:func:`max` without ``initial``."""
    return max(x, axis=axis, keepdims=keepdims)


def amin(x, axis=None, keepdims=False):
    """:func:`min` without ``initial``."""
    return min(x, axis=axis, keepdims=keepdims)


def _to_last(t, axis):
    """``t`` with the reduced axes moved to the end and merged: ``(*kept, K)``, and the kept shape."""
    axes = tuple(range(t.ndim)) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    kept = [i for i in range(t.ndim) if i not in axes]
    if axes != tuple(range(t.ndim - len(axes), t.ndim)):
        t = Transpose.apply(t, axes=tuple(kept + list(axes)))
    kept_shape = tuple(t.shape[:len(kept)])
    return Reshape.apply(t, shape=kept_shape + (-1,)), kept_shape, axes


def _keep(out, shape, axes):
    return Reshape.apply(out, shape=tuple(1 if i in axes else n for i, n in enumerate(shape)))


@array_op("x")
def prod(x, axis=None, keepdims=False, dtype=None):
    """The product over ``axis``; exact gradients with zeros (the last running product, see CumProd)."""
    t, axis = _reduce_args(x, axis, "prod")
    out_dtype = standardize_dtype(dtype, "prod") if dtype is not None else _accumulator(t.dtype)
    if not is_float(out_dtype):
        return constant(xp.prod(t.data, axis=axis, keepdims=keepdims, dtype=out_dtype))
    t = to_tensor(t, out_dtype)
    if t.ndim == 0:
        return t
    flat, kept_shape, axes = _to_last(t, axis)  # (*kept, K)
    if flat.shape[-1] == 0:
        out = constant(xp.ones(kept_shape, dtype=out_dtype))
    else:
        out = CumProd.apply(flat, axis=-1)[..., -1]
    return _keep(out, t.shape, axes) if keepdims else out


@array_op("x")
def var(x, axis=None, keepdims=False):
    """The population variance ``mean((x - mean(x))^2)`` over ``axis``."""
    t, axis = _reduce_args(x, axis, "var")
    t = floating(t)
    centred = t - mean(t, axis=axis, keepdims=True)
    return mean(centred * centred, axis=axis, keepdims=keepdims)


@array_op("x")
def std(x, axis=None, keepdims=False):
    """The population standard deviation over ``axis``."""
    return var(x, axis=axis, keepdims=keepdims) ** 0.5


def _arg(x, axis, keepdims, fn, caller):
    t = to_tensor(x, caller=caller)
    if t.size == 0:
        raise ValueError(f"{caller}: the input of shape {t.shape} is empty")
    axis = normalize_axis(axis, t.ndim, caller) if t.ndim else None
    return constant(fn(t.data, axis=axis, keepdims=keepdims).astype("int32"))


@array_op("x")
def argmax(x, axis=None, keepdims=False):
    """The index (int32) of the first largest value along ``axis`` (of the flattened ``x`` when None)."""
    return _arg(x, axis, keepdims, xp.argmax, "argmax")


@array_op("x")
def argmin(x, axis=None, keepdims=False):
    """The index (int32) of the first smallest value along ``axis``."""
    return _arg(x, axis, keepdims, xp.argmin, "argmin")


@array_op("x")
def any(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """Whether any element along ``axis`` is non-zero."""
    t, axis = _reduce_args(x, axis, "any")
    return constant(xp.any(t.data, axis=axis, keepdims=keepdims))


@array_op("x")
def all(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """Whether every element along ``axis`` is non-zero."""
    t, axis = _reduce_args(x, axis, "all")
    return constant(xp.all(t.data, axis=axis, keepdims=keepdims))


@array_op("x")
def count_nonzero(x, axis=None):
    """The number (int32) of non-zero elements along ``axis``."""
    t, axis = _reduce_args(x, axis, "count_nonzero")
    return constant(xp.asarray(xp.count_nonzero(t.data, axis=axis)).astype("int32"))


def _running(x, axis, dtype, primitive, fn, caller):
    t = to_tensor(x, caller=caller)
    if axis is None:
        t, axis = Reshape.apply(t, shape=(-1,)), 0
    axis = normalize_axis(axis, t.ndim, caller)
    # unlike sum, running sums keep small integer types (as Keras); booleans count as int32
    out_dtype = standardize_dtype(dtype, caller) if dtype is not None else (
        "int32" if t.dtype == bool else t.dtype.name)
    if not is_float(out_dtype):
        return constant(fn(t.data, axis=axis, dtype=out_dtype))
    return primitive.apply(to_tensor(t, out_dtype), axis=axis)


@array_op("x")
def cumsum(x, axis=None, dtype=None):
    """Running sums along ``axis`` (of the flattened ``x`` when None)."""
    return _running(x, axis, dtype, CumSum, xp.cumsum, "cumsum")


@array_op("x")
def cumprod(x, axis=None, dtype=None):
    """Running products along ``axis``, with exact gradients where elements are 0."""
    return _running(x, axis, dtype, CumProd, xp.cumprod, "cumprod")


@array_op("x", "weights")
def average(x, axis=None, weights=None):
    """The weighted mean ``sum(x w) / sum(w)`` over ``axis``; 1-D ``weights`` run along ``axis``."""
    if weights is None:
        return mean(x, axis=axis)
    t, w = promote(x, weights, caller="average")
    t, w = floating(t), floating(w)
    if w.shape != t.shape:
        if axis is None or w.ndim != 1 or w.shape[0] != t.shape[normalize_axis(axis, t.ndim, "average")]:
            raise ValueError(f"average: weights of shape {w.shape} must match x {t.shape} or be 1-D along axis")
        a = normalize_axis(axis, t.ndim, "average")
        w = Reshape.apply(w, shape=tuple(-1 if i == a else 1 for i in range(t.ndim)))
    return sum(t * w, axis=axis) / sum(w, axis=axis)


@array_op("x")
def ptp(x, axis=None, keepdims=False):
    """``max - min`` over ``axis``."""
    return max(x, axis=axis, keepdims=keepdims) - min(x, axis=axis, keepdims=keepdims)


_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


@array_op("x")
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th quantiles (``0 <= q <= 1``) over ``axis``, differentiable through sorting.

    Output shape: ``q.shape + reduced shape`` (as NumPy).
    """
    return quantile_of(x, q, axis, method, keepdims, ignore_nan=False, caller="quantile")


def _probabilities(q):
    """``q`` in float64 (a Python 0.3 must not pass through float32)."""
    return xp.asarray(q.data if isinstance(q, Tensor) else q, dtype=xp.float64)


def quantile_of(x, q, axis, method, keepdims, ignore_nan, caller):
    """:func:`quantile`, or over the non-NaN values only (NaN sorts last; each slice counts its own)."""
    if method not in _METHODS:
        raise ValueError(f"{caller}: method must be one of {_METHODS}, got {method!r}")
    t, axis = _reduce_args(x, axis, caller)
    t = floating(t)
    qs = _probabilities(q)
    if qs.ndim > 1 or xp.any((qs < 0) | (qs > 1)):
        raise ValueError(f"{caller}: q must be a number or 1-D, within [0, 1], got {qs}")
    flat, kept_shape, axes = _to_last(t, axis)  # (*kept, K)
    ordered = sort(flat, axis=-1)
    counts = (~xp.isnan(flat.data)).sum(axis=-1, keepdims=True) if ignore_nan else \
        xp.full(kept_shape + (1,), flat.shape[-1])
    position = qs.reshape(-1) * xp.maximum(counts - 1, 0)  # (*kept, nq)
    lo, hi = xp.floor(position).astype(int), xp.ceil(position).astype(int)
    frac = position - lo
    if method == "lower":
        hi, frac = lo, frac * 0
    elif method == "higher":
        lo, frac = hi, frac * 0
    elif method == "midpoint":
        frac = xp.where(hi > lo, 0.5, 0.0)
    elif method == "nearest":
        lo = hi = xp.round(position).astype(int)  # half to even, as NumPy
        frac = frac * 0
    v_lo, v_hi = take_along_axis(ordered, lo, axis=-1), take_along_axis(ordered, hi, axis=-1)
    out = v_lo + (v_hi - v_lo) * constant(frac.astype(t.dtype))  # (*kept, nq)
    if ignore_nan and xp.any(counts == 0):
        out = Where.apply(xp.nan, out, condition=xp.broadcast_to(counts == 0, out.shape))
    out = Transpose.apply(out, axes=(out.ndim - 1,) + tuple(range(out.ndim - 1)))  # (nq, *kept)
    shape = tuple(1 if i in axes else s for i, s in enumerate(t.shape)) if keepdims else kept_shape
    return Reshape.apply(out, shape=qs.shape + shape)


@array_op("x")
def percentile(x, q, axis=None, method="linear", keepdims=False):
    """:func:`quantile` with ``q`` in percent."""
    return quantile(x, _probabilities(q) / 100.0, axis=axis, method=method, keepdims=keepdims)


@array_op("x")
def median(x, axis=None, keepdims=False):
    """The median over ``axis`` (the mean of the two middle values for even counts)."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


@array_op("x")
def trace(x, offset=0, axis1=0, axis2=1):
    """The sum along a diagonal (integers sum as int32, as :func:`sum`)."""
    return sum(diagonal(x, offset, axis1, axis2), axis=-1)


def _nan(fn, fill, caller):
    def op(x, axis=None, keepdims=False):
        t = to_tensor(x, caller=caller)
        if not is_float(t.dtype):
            return fn(t, axis=axis, keepdims=keepdims)
        nan = xp.isnan(t.data)
        if fill == "count":
            valid = constant((~nan).astype(t.dtype))
            total = sum(Where.apply(0.0, t, condition=nan), axis=axis, keepdims=keepdims)
            return total / sum(valid, axis=axis, keepdims=keepdims)
        return fn(Where.apply(fill, t, condition=nan), axis=axis, keepdims=keepdims)

    op.__name__ = op.__qualname__ = caller
    op.__doc__ = f"``{caller[3:]}`` ignoring NaN values."
    return array_op("x")(op)


nansum = _nan(sum, 0.0, "nansum")
nanprod = _nan(prod, 1.0, "nanprod")
nanmax = _nan(max, -xp.inf, "nanmax")
nanmin = _nan(min, xp.inf, "nanmin")
nanmean = _nan(mean, "count", "nanmean")


@array_op("x")
def nanvar(x, axis=None, keepdims=False):
    """The variance ignoring NaN values."""
    t = floating(x, "nanvar")
    centred = t - nanmean(t, axis=axis, keepdims=True)
    return nanmean(centred * centred, axis=axis, keepdims=keepdims)


@array_op("x")
def nanstd(x, axis=None, keepdims=False):
    """The standard deviation ignoring NaN values."""
    return nanvar(x, axis=axis, keepdims=keepdims) ** 0.5

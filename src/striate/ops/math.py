"""``keras.ops.math``: segment reductions, top-k, logsumexp, framing and a few special functions.

>>> import numpy as np
>>> from striate import ops
>>> values, indices = ops.top_k(np.array([1.0, 3.0, 2.0]), 2)
>>> values.tolist(), indices.tolist(), ops.segment_sum(np.ones(4), np.array([0, 0, 1, 2])).tolist()
([3.0, 2.0], [1, 2], [2.0, 1.0, 1.0])
"""

from striate.autograd import GetItem, Where
from striate.autograd.decompositions import LogAbsDet
from striate.autograd.scatter import ScatterAdd
from striate.backend import xp
from striate.ops._convert import array_op, constant, floating, normalize_axis, to_tensor
from striate.ops._dtypes import is_float
from striate.ops.elementwise import erf, erfc, erfinv, rsqrt
from striate.ops.indexing import argsort, take_along_axis
from striate.ops.reductions import sum as _sum

__all__ = ["segment_sum", "segment_max", "segment_min", "segment_prod", "top_k", "in_top_k", "logsumexp",
           "cdist", "extract_sequences", "rsqrt", "erf", "erfc", "erfinv", "logdet"]


def _segments(data, segment_ids, num_segments, caller):
    t = to_tensor(data, caller=caller)
    ids = to_tensor(segment_ids, caller=caller).data
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{caller}: segment_ids must be integers, got dtype {ids.dtype}")
    if ids.ndim != 1 or t.ndim == 0 or ids.shape[0] != t.shape[0]:
        raise ValueError(f"{caller}: segment_ids must be 1-D with one id per row of data; got ids {ids.shape} "
                         f"for data {t.shape}")
    n = int(num_segments) if num_segments is not None else (int(ids.max()) + 1 if ids.size else 0)
    keep = (ids >= 0) & (ids < n)  # ids outside [0, num_segments) are dropped (as JAX and TensorFlow)
    return t, ids, n, keep


@array_op("data", "segment_ids")
def segment_sum(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002 - Keras's name
    """The sum of the rows of ``data`` that share a segment id: shape ``(num_segments, *data.shape[1:])``."""
    t, ids, n, keep = _segments(data, segment_ids, num_segments, "segment_sum")
    if not is_float(t.dtype):
        out = xp.zeros((n,) + t.shape[1:], dtype=t.dtype)
        xp.add.at(out, ids[keep], t.data[keep])
        return constant(out)
    rows = t if keep.all() else GetItem.apply(t, index=(xp.flatnonzero(keep),))
    return ScatterAdd.apply(rows, index=(ids[keep],), shape=(n,) + t.shape[1:])


def _segment_extreme(data, segment_ids, num_segments, largest, caller):
    t, ids, n, keep = _segments(data, segment_ids, num_segments, caller)
    fill = -xp.inf if largest else xp.inf
    if not is_float(t.dtype):
        info = xp.iinfo(t.dtype) if t.dtype.kind in "iu" else None
        fill = (info.min if largest else info.max) if info else (not largest)
    best = xp.full((n,) + t.shape[1:], fill, dtype=t.dtype)
    (xp.maximum if largest else xp.minimum).at(best, ids[keep], t.data[keep])
    if not is_float(t.dtype):
        return constant(best)
    # The extremes as a differentiable sum: each row weighted by whether it attains its segment's
    # extreme, shared among ties (as Max does); empty segments keep the identity (+-inf, as JAX).
    idx = xp.flatnonzero(keep)
    rows = GetItem.apply(t, index=(idx,))
    hit = (rows.data == best[ids[idx]]).astype(t.dtype)
    ties = xp.zeros_like(best)
    xp.add.at(ties, ids[idx], hit)
    weight = hit / xp.maximum(ties[ids[idx]], 1)
    out = ScatterAdd.apply(rows * weight, index=(ids[idx],), shape=best.shape)
    return out + constant(xp.where(ties == 0, fill, 0).astype(t.dtype))


@array_op("data", "segment_ids")
def segment_max(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """The largest row of each segment (``-inf`` for an empty one); ties share the gradient."""
    return _segment_extreme(data, segment_ids, num_segments, True, "segment_max")


@array_op("data", "segment_ids")
def segment_min(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """The smallest row of each segment (``+inf`` for an empty one)."""
    return _segment_extreme(data, segment_ids, num_segments, False, "segment_min")


@array_op("data", "segment_ids")
def segment_prod(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """The product of the rows of each segment (1 for an empty one); a constant (no gradient)."""
    t, ids, n, keep = _segments(data, segment_ids, num_segments, "segment_prod")
    out = xp.ones((n,) + t.shape[1:], dtype=t.dtype)
    xp.multiply.at(out, ids[keep], t.data[keep])
    return constant(out)


@array_op("x")
def top_k(x, k, sorted=True):  # noqa: A002 - Keras's name
    """The ``k`` largest values along the last axis and their int32 indices (earlier index first on ties).

    Returns ``(values, indices)``, each of shape ``x.shape[:-1] + (k,)``; values are
    always in descending order.
    """
    t = to_tensor(x, caller="top_k")
    if t.ndim == 0 or not 0 <= k <= t.shape[-1]:
        raise ValueError(f"top_k: k={k} must be within [0, {t.shape[-1] if t.ndim else 0}] for shape {t.shape}")
    order = argsort(constant(-t.data.astype(xp.float64) if t.dtype.kind != "u" else -t.data.astype(xp.int64)),
                    axis=-1).data[..., :k]
    return take_along_axis(t, order, axis=-1), constant(order.astype("int32"))


@array_op("targets", "predictions")
def in_top_k(targets, predictions, k):
    """Whether each target's prediction is among the ``k`` largest of its row (ties at the boundary count)."""
    target = to_tensor(targets, caller="in_top_k").data
    pred = to_tensor(predictions, caller="in_top_k").data
    if pred.ndim != 2 or target.shape != pred.shape[:1]:
        raise ValueError(f"in_top_k: expected targets (N,) and predictions (N, C); got {target.shape}, {pred.shape}")
    if k <= 0:
        return constant(xp.zeros(target.shape, dtype=bool))
    kth = -xp.sort(-pred, axis=-1)[:, min(k, pred.shape[1]) - 1]
    return constant(pred[xp.arange(len(target)), target] >= kth)


@array_op("x")
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x), axis))`` without overflow (shifted by the largest value, a constant)."""
    t = floating(x, "logsumexp")
    axis = normalize_axis(axis, t.ndim, "logsumexp")
    m = t.data.max(axis=axis, keepdims=True) if t.size else xp.zeros((1,) * t.ndim, t.dtype)
    m = xp.where(xp.isfinite(m), m, 0).astype(t.dtype)
    out = _sum((t - m).exp(), axis=axis, keepdims=True).log() + m
    if keepdims:
        return out
    return out.reshape(tuple(n for i, n in enumerate(out.shape)
                             if not (axis is None or i in (axis if isinstance(axis, tuple) else (axis,)))))


@array_op("x1", "x2")
def cdist(x1, x2):
    """Euclidean distances between the rows of ``x1 (..., P, M)`` and ``x2 (..., R, M)``: ``(..., P, R)``."""
    a, b = floating(x1, "cdist"), floating(x2, "cdist")
    if a.ndim < 2 or a.shape[-1] != b.shape[-1]:
        raise ValueError(f"cdist: expected (..., P, M) and (..., R, M), got {a.shape} and {b.shape}")
    diff = a.reshape(a.shape[:-1] + (1, a.shape[-1])) - b.reshape(b.shape[:-2] + (1,) + b.shape[-2:])
    return _sum(diff * diff, axis=-1) ** 0.5


@array_op("x")
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of ``sequence_length`` samples every ``sequence_stride`` along the last axis:
    ``(..., T) -> (..., 1 + (T - sequence_length) // sequence_stride, sequence_length)``."""
    t = to_tensor(x, caller="extract_sequences")
    if sequence_length <= 0 or sequence_stride <= 0 or t.ndim == 0 or sequence_length > t.shape[-1]:
        raise ValueError(f"extract_sequences: need 0 < sequence_length <= {t.shape[-1] if t.ndim else 0} and "
                         f"sequence_stride > 0, got {sequence_length}, {sequence_stride}")
    frames = (t.shape[-1] - sequence_length) // sequence_stride + 1
    index = xp.arange(frames)[:, None] * sequence_stride + xp.arange(sequence_length)  # (frames, length)
    return GetItem.apply(t, index=(Ellipsis, index))


@array_op("x")
def logdet(x):
    """``log(det(x))`` of (stacks of) matrices, through ``slogdet``; NaN where the determinant is negative."""
    t = floating(x, "logdet")
    if t.ndim < 2 or t.shape[-1] != t.shape[-2]:
        raise ValueError(f"logdet: expected square matrices (..., n, n), got shape {t.shape}")
    sign = xp.linalg.slogdet(t.data)[0]
    return Where.apply(xp.nan, LogAbsDet.apply(t), condition=sign < 0)

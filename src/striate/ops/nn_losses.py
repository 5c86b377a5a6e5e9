"""One-hot encodings and the cross-entropies of ``keras.ops.nn`` (per-sample values, no reduction).

Probabilities are renormalised along ``axis`` and clipped to
``[epsilon, 1 - epsilon]`` before the logarithm, as Keras does; ``from_logits=True``
goes through the stable log-softmax / softplus forms instead.

>>> import numpy as np
>>> from striate import ops
>>> ops.one_hot(np.array([0, 2]), 3).tolist()
[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
>>> round(float(ops.sparse_categorical_crossentropy(np.array([1]), np.array([[0.0, 0.0]]), from_logits=True)[0]), 4)
0.6931
"""

from striate import backend
from striate import functional as F
from striate.autograd import GetItem
from striate.backend import xp
from striate.ops._convert import array_op, constant, floating, normalize_axis, promote, to_tensor
from striate.ops._dtypes import float_dtype, standardize_dtype
from striate.ops.elementwise import log1p
from striate.ops.reductions import sum as _sum

__all__ = ["one_hot", "multi_hot", "categorical_crossentropy", "sparse_categorical_crossentropy",
           "binary_crossentropy"]


def _labels(x, caller):
    labels = to_tensor(x, caller=caller).data
    if labels.dtype.kind not in "iub" and not (labels.dtype.kind == "f" and xp.all(labels == xp.round(labels))):
        raise TypeError(f"{caller}: expected integer class ids, got dtype {labels.dtype}")
    return labels.astype(xp.int64)


@array_op("x")
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """Integer ids to one-hot vectors along a new ``axis``; ids outside ``[0, num_classes)`` give zeros.

    Output shape: ``x.shape`` with ``num_classes`` inserted at ``axis``; dtype ``floatx()`` by default.
    """
    if sparse:
        raise ValueError("one_hot: sparse=True is not supported (striate has no sparse tensors)")
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, xp.integer)) or num_classes <= 0:
        raise ValueError(f"one_hot: num_classes must be a positive int, got {num_classes!r}")
    labels = _labels(x, "one_hot")
    out = (labels[..., None] == xp.arange(num_classes)).astype(standardize_dtype(dtype, "one_hot"))
    axis = normalize_axis(axis, out.ndim, "one_hot")
    return constant(xp.moveaxis(out, -1, axis))


@array_op("inputs")
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Each row of integer ids to one vector with 1 at every id present (a 1-D input is one row)."""
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)  # Keras's legacy name
    if kwargs:
        raise TypeError(f"multi_hot: unexpected arguments {sorted(kwargs)}")
    if num_classes is None:
        raise ValueError("multi_hot: num_classes is required")
    hot = one_hot(to_tensor(inputs, caller="multi_hot"), num_classes, axis=axis, dtype=dtype, sparse=sparse)
    return constant(hot.data.max(axis=1 if hot.ndim > 2 else 0))


def _clipped_log(p, axis):
    eps = backend.epsilon()
    p = p / _sum(p, axis=axis, keepdims=True)
    return F.clip(p, eps, 1.0 - eps).log()


@array_op("target", "output")
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """``-sum(target * log(output), axis)`` per sample; ``target`` holds probabilities of the same shape."""
    t, o = promote(target, output, caller="categorical_crossentropy")
    t, o = floating(t), floating(o)
    if t.shape != o.shape or t.ndim < 1:
        raise ValueError(f"categorical_crossentropy: target and output must have one shape of rank >= 1, "
                         f"got {t.shape} and {o.shape}")
    axis = normalize_axis(axis, o.ndim, "categorical_crossentropy")
    log_p = F.log_softmax(o, axis=axis) if from_logits else _clipped_log(o, axis)
    return -_sum(t * log_p, axis=axis)


@array_op("target", "output")
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """``-log(output[target])`` per sample; ``target`` holds integer class ids (shape of ``output``
    without ``axis``, or with it of size 1)."""
    o = floating(output, "sparse_categorical_crossentropy")
    if o.ndim < 1:
        raise ValueError(f"sparse_categorical_crossentropy: output must be at least 1-D, got shape {o.shape}")
    axis = normalize_axis(axis, o.ndim, "sparse_categorical_crossentropy")
    labels = _labels(target, "sparse_categorical_crossentropy")
    if labels.ndim == o.ndim and labels.shape[axis] == 1:
        labels = xp.squeeze(labels, axis)
    expected = o.shape[:axis] + o.shape[axis + 1:]
    if labels.shape != expected:
        raise ValueError(f"sparse_categorical_crossentropy: target shape {labels.shape} must be output shape "
                         f"{o.shape} without axis {axis}, i.e. {expected}")
    n = o.shape[axis]
    if labels.size and (labels.min() < 0 or labels.max() >= n):
        raise ValueError(f"sparse_categorical_crossentropy: class ids must be in [0, {n}), "
                         f"got {labels.min()} to {labels.max()}")
    log_p = F.log_softmax(o, axis=axis) if from_logits else _clipped_log(o, axis)
    grid = list(xp.indices(labels.shape, sparse=True))
    grid.insert(axis, labels)
    return -GetItem.apply(log_p, index=tuple(grid))


@array_op("target", "output")
def binary_crossentropy(target, output, from_logits=False):
    """``-(t log(o) + (1 - t) log(1 - o))`` element-wise; with logits ``max(o, 0) - o t + log(1 + exp(-|o|))``."""
    t, o = promote(target, output, caller="binary_crossentropy")
    dtype = float_dtype(o.dtype)
    t, o = to_tensor(t, dtype), to_tensor(o, dtype)
    if t.shape != o.shape:
        raise ValueError(f"binary_crossentropy: target and output must have one shape, got {t.shape} and {o.shape}")
    if from_logits:
        return F.relu(o) - o * t + log1p((-o.abs()).exp())
    eps = backend.epsilon()
    o = F.clip(o, eps, 1.0 - eps)
    return -(t * o.log() + (1.0 - t) * (1.0 - o).log())

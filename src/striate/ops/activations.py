"""Activation functions of ``keras.ops.nn`` (also at ``ops.*``), with Keras's defaults.

Each is a composition of the engine's primitives (ReLU, Sigmoid, Tanh,
LogSoftmax ...), so gradients come for free; integer inputs compute in
``floatx()`` except for ``relu``, which keeps integers as Keras does.
``gelu`` defaults to the tanh approximation (``approximate=True``), as Keras.

>>> import numpy as np
>>> from striate import ops
>>> ops.relu(np.array([-1.0, 2.0])).tolist(), round(float(ops.gelu(1.0)), 4)
([0.0, 2.0], 0.8412)
"""

import math

from striate import functional as F
from striate.autograd import Where
from striate.backend import xp
from striate.ops._convert import array_op, constant, floating, normalize_axis, to_tensor
from striate.ops._dtypes import is_float
from striate.ops.elementwise import erf, log1p
from striate.ops.indexing import sort
from striate.ops.math import logsumexp
from striate.ops.reductions import max as _max, sum as _sum

__all__ = ["relu", "relu6", "sigmoid", "sparse_sigmoid", "softplus", "softsign", "soft_shrink", "sparse_plus",
           "silu", "swish", "squareplus", "log_sigmoid", "leaky_relu", "hard_sigmoid", "hard_silu", "hard_swish",
           "elu", "selu", "gelu", "celu", "glu", "tanh_shrink", "hard_tanh", "hard_shrink", "threshold",
           "softmax", "log_softmax", "sparsemax"]


@array_op("x")
def relu(x):
    """``max(x, 0)``; the gradient at 0 is 0."""
    t = to_tensor(x, caller="relu")
    return F.relu(t) if is_float(t.dtype) else constant(xp.maximum(t.data, 0).astype(t.dtype))


@array_op("x")
def relu6(x):
    """``min(max(x, 0), 6)``."""
    return F.relu6(floating(x, "relu6"))


@array_op("x")
def sigmoid(x):
    """``1 / (1 + exp(-x))``, stable for any ``x``."""
    return F.sigmoid(floating(x, "sigmoid"))


@array_op("x")
def sparse_sigmoid(x):
    """0 for ``x <= -1``, 1 for ``x >= 1``, ``(x + 1) / 2`` between."""
    t = floating(x, "sparse_sigmoid")
    return F.clip((t + 1.0) * 0.5, 0.0, 1.0)


@array_op("x")
def softplus(x):
    """``log(1 + exp(x))`` without overflow."""
    t = floating(x, "softplus")
    return F.relu(t) + log1p((-t.abs()).exp())


@array_op("x")
def softsign(x):
    """``x / (1 + |x|)``."""
    return F.softsign(floating(x, "softsign"))


@array_op("x")
def soft_shrink(x, threshold=0.5):
    """``x - t`` above ``t``, ``x + t`` below ``-t``, 0 between (``t = threshold``)."""
    t = floating(x, "soft_shrink")
    return Where.apply(t - threshold, Where.apply(t + threshold, 0.0, condition=t.data < -threshold),
                       condition=t.data > threshold)


@array_op("x")
def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0."""
    t = floating(x, "hard_shrink")
    return Where.apply(t, 0.0, condition=xp.abs(t.data) > threshold)


@array_op("x")
def sparse_plus(x):
    """0 for ``x <= -1``, ``x`` for ``x >= 1``, ``(x + 1)^2 / 4`` between (a smooth ReLU)."""
    t = floating(x, "sparse_plus")
    middle = (t + 1.0) * (t + 1.0) * 0.25
    return Where.apply(0.0, Where.apply(t, middle, condition=t.data >= 1), condition=t.data <= -1)


@array_op("x")
def silu(x):
    """``x * sigmoid(x)`` (swish)."""
    return F.silu(floating(x, "silu"))


swish = silu


@array_op("x")
def squareplus(x, b=4):
    """``(x + sqrt(x^2 + b)) / 2``."""
    t = floating(x, "squareplus")
    return (t + (t * t + b) ** 0.5) * 0.5


@array_op("x")
def log_sigmoid(x):
    """``log(sigmoid(x)) = -softplus(-x)``, finite for any ``x``."""
    return -softplus(-floating(x, "log_sigmoid"))


@array_op("x")
def leaky_relu(x, negative_slope=0.2):
    """``x`` for ``x > 0``, ``negative_slope * x`` otherwise (Keras's default slope 0.2)."""
    return F.leaky_relu(floating(x, "leaky_relu"), negative_slope)


@array_op("x")
def hard_sigmoid(x):
    """``relu6(x + 3) / 6``, Keras 3's piecewise-linear sigmoid."""
    return F.hard_sigmoid(floating(x, "hard_sigmoid"))


@array_op("x")
def hard_silu(x):
    """``x * relu6(x + 3) / 6`` (hard swish)."""
    t = floating(x, "hard_silu")
    return t * F.hard_sigmoid(t)


hard_swish = hard_silu


@array_op("x")
def elu(x, alpha=1.0):
    """``x`` for ``x > 0``, ``alpha (exp(x) - 1)`` otherwise."""
    return F.elu(floating(x, "elu"), alpha)


@array_op("x")
def selu(x):
    """``scale * elu(x, alpha)`` with the self-normalising constants of Klambauer et al."""
    return F.selu(floating(x, "selu"))


@array_op("x")
def gelu(x, approximate=True):
    """``x * Phi(x)``; ``approximate=True`` (Keras's default) uses the tanh form, else the exact erf."""
    t = floating(x, "gelu")
    if approximate:
        return F.gelu(t, approximate=True)
    return t * (erf(t * (1.0 / math.sqrt(2.0))) + 1.0) * 0.5


@array_op("x")
def celu(x, alpha=1.0):
    """``max(0, x) + min(0, alpha (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    t = floating(x, "celu")
    negative = (F.minimum(t, 0.0) * (1.0 / alpha)).exp() * alpha - alpha
    return Where.apply(t, negative, condition=t.data > 0)


@array_op("x")
def glu(x, axis=-1):
    """``a * sigmoid(b)`` for the two halves ``a, b`` of ``x`` along ``axis``."""
    t = floating(x, "glu")
    axis = normalize_axis(axis, t.ndim, "glu")
    n = t.shape[axis]
    if n % 2:
        raise ValueError(f"glu: axis {axis} must have an even size, got {n}")
    head = (slice(None),) * axis
    return t[head + (slice(0, n // 2),)] * F.sigmoid(t[head + (slice(n // 2, n),)])


@array_op("x")
def tanh_shrink(x):
    """``x - tanh(x)``."""
    t = floating(x, "tanh_shrink")
    return t - F.tanh(t)


@array_op("x")
def hard_tanh(x):
    """``x`` clipped to ``[-1, 1]``."""
    return F.clip(floating(x, "hard_tanh"), -1.0, 1.0)


@array_op("x")
def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``."""
    t = floating(x, "threshold")
    return Where.apply(t, float(default_value), condition=t.data > threshold)


def _axes(t, axis, caller):
    axis = normalize_axis(axis, t.ndim, caller)
    return axis if isinstance(axis, int) else tuple(axis)


@array_op("x")
def log_softmax(x, axis=-1):
    """``x - logsumexp(x, axis)``, stable; ``axis`` may be a tuple."""
    t = floating(x, "log_softmax")
    if t.ndim == 0:
        return t * 0.0
    axis = _axes(t, axis, "log_softmax")
    if isinstance(axis, int):
        return F.log_softmax(t, axis=axis)
    return t - logsumexp(t, axis=axis, keepdims=True)


@array_op("x")
def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x), axis)``, stable; ``axis`` may be a tuple."""
    t = floating(x, "softmax")
    if t.ndim == 0:
        return t * 0.0 + 1.0
    axis = _axes(t, axis, "softmax")
    if isinstance(axis, int):
        return F.softmax(t, axis=axis)
    return log_softmax(t, axis=axis).exp()


@array_op("x")
def sparsemax(x, axis=-1):
    """The Euclidean projection of ``x`` onto the probability simplex along ``axis`` (Martins & Astudillo 2016).

    ``max(x - tau, 0)`` where ``tau`` is set by the sorted values; the support is
    held fixed (a constant), so the gradient is the projection's Jacobian.
    """
    t = floating(x, "sparsemax")
    axis = normalize_axis(axis, t.ndim, "sparsemax")
    z = t - _max(t, axis=axis, keepdims=True).detach()  # shift for range; the projection is shift-invariant
    ordered = -sort(-z.data, axis=axis)
    n = t.shape[axis]
    k = xp.arange(1, n + 1, dtype=t.dtype).reshape([-1 if i == axis else 1 for i in range(t.ndim)])
    support = 1.0 + k * ordered > xp.cumsum(ordered, axis=axis)
    count = support.sum(axis=axis, keepdims=True).astype(t.dtype)
    kth = xp.take_along_axis(ordered, count.astype(int) - 1, axis=axis)
    in_support = constant((z.data >= kth).astype(t.dtype))  # (..., n): elements inside the support
    tau = (_sum(z * in_support, axis=axis, keepdims=True) - 1.0) / constant(count)
    return F.relu(z - tau)

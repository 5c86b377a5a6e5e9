"""The rest of ``keras.ops.numpy``: differences, integrals, integer and bit ops, windows, NaN-aware
variants, ``unique``, ``histogram`` and the real-valued stand-ins for complex ops.

>>> import numpy as np
>>> from striate import ops
>>> ops.diff(np.array([1.0, 4.0, 9.0])).tolist(), ops.ndim(np.ones((2, 3))), ops.size(np.ones((2, 3)))
([3.0, 5.0], 2, 6)
"""

import math

from striate.autograd import Where
from striate.backend import xp
from striate.ops._convert import array_op, broadcast, constant, floating, normalize_axis, promote, to_tensor
from striate.ops._dtypes import float_dtype, is_float, standardize_dtype
from striate.ops.arithmetic import logaddexp, maximum, minimum
from striate.ops.products import matmul
from striate.ops.reductions import argmax, argmin, cumprod, cumsum, mean, quantile_of, sum as _sum
from striate.ops.reductions import _probabilities
from striate.ops.shape_ops import pad, stack

__all__ = ["ndim", "size", "diff", "fmax", "fmin", "logaddexp2", "gcd", "lcm", "bitwise_and", "bitwise_or",
           "bitwise_xor", "bitwise_not", "bitwise_invert", "bitwise_left_shift", "bitwise_right_shift",
           "left_shift", "right_shift", "ldexp", "nextafter", "i0", "trapezoid", "vander", "corrcoef",
           "correlate", "histogram", "unique", "unravel_index", "bartlett", "blackman", "hamming", "hanning",
           "kaiser", "real", "imag", "conj", "conjugate", "angle", "nancumsum", "nancumprod", "nanargmax",
           "nanargmin", "nanquantile", "nanpercentile", "nanmedian", "view"]


def ndim(x):
    """The rank of ``x`` (a Python int)."""
    return to_tensor(x, caller="ndim").ndim


def size(x):
    """The number of elements of ``x`` (a Python int)."""
    return int(to_tensor(x, caller="size").size)


@array_op("a")
def diff(a, n=1, axis=-1):
    """The ``n``-th discrete difference ``out[i] = a[i + 1] - a[i]`` along ``axis``."""
    t = to_tensor(a, caller="diff")
    axis = normalize_axis(axis, t.ndim, "diff")
    if n < 0:
        raise ValueError(f"diff: n must be non-negative, got {n}")
    head = (slice(None),) * axis
    for _ in range(n):
        if t.dtype == bool:
            t = constant(t.data[head + (slice(1, None),)] != t.data[head + (slice(None, -1),)])
        else:
            t = t[head + (slice(1, None),)] - t[head + (slice(None, -1),)]
    return t


@array_op("x1", "x2")
def fmax(x1, x2):
    """The element-wise maximum, ignoring a NaN on one side."""
    a, b = broadcast(x1, x2, caller="fmax")
    if not is_float(a.dtype):
        return maximum(a, b)
    best = maximum(a, b)
    return Where.apply(b, Where.apply(a, best, condition=xp.isnan(b.data)), condition=xp.isnan(a.data))


@array_op("x1", "x2")
def fmin(x1, x2):
    """The element-wise minimum, ignoring a NaN on one side."""
    a, b = broadcast(x1, x2, caller="fmin")
    if not is_float(a.dtype):
        return minimum(a, b)
    best = minimum(a, b)
    return Where.apply(b, Where.apply(a, best, condition=xp.isnan(b.data)), condition=xp.isnan(a.data))


@array_op("x1", "x2")
def logaddexp2(x1, x2):
    """``log2(2 ** x1 + 2 ** x2)`` without overflow."""
    a, b = broadcast(x1, x2, caller="logaddexp2")
    return logaddexp(a * math.log(2.0), b * math.log(2.0)) * (1.0 / math.log(2.0))


def _integer(name, fn, unary=False):
    def check(tensors):
        if any(t.dtype.kind not in "biu" for t in tensors):
            raise TypeError(f"{name}: expected integer or boolean tensors, got {[str(t.dtype) for t in tensors]}")
        return constant(fn(*[t.data for t in tensors]))

    def unary_op(x):
        return check([to_tensor(x, caller=name)])

    def binary_op(x, y):
        return check(broadcast(x, y, caller=name))

    op = unary_op if unary else binary_op
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Element-wise ``{fn.__name__}`` of integers (a constant)."
    return array_op("x")(op) if unary else array_op("x", "y")(op)


gcd = _integer("gcd", xp.gcd)
lcm = _integer("lcm", xp.lcm)
bitwise_and = _integer("bitwise_and", xp.bitwise_and)
bitwise_or = _integer("bitwise_or", xp.bitwise_or)
bitwise_xor = _integer("bitwise_xor", xp.bitwise_xor)
bitwise_left_shift = left_shift = _integer("left_shift", xp.left_shift)
bitwise_right_shift = right_shift = _integer("right_shift", xp.right_shift)
bitwise_not = bitwise_invert = _integer("bitwise_invert", xp.invert, unary=True)


@array_op("x1", "x2")
def ldexp(x1, x2):
    """``x1 * 2 ** x2`` (integer ``x2``); differentiable in ``x1``."""
    a = floating(x1, "ldexp")
    e = to_tensor(x2, caller="ldexp").data
    if e.dtype.kind not in "iu":
        raise TypeError(f"ldexp: the exponent must be integer, got dtype {e.dtype}")
    return a * constant(xp.ldexp(xp.ones((), a.dtype), e))


@array_op("x1", "x2")
def nextafter(x1, x2):
    """The next float after ``x1`` towards ``x2`` (a constant)."""
    a, b = broadcast(x1, x2, caller="nextafter")
    dtype = float_dtype(a.dtype)
    return constant(xp.nextafter(a.data.astype(dtype), b.data.astype(dtype)))


@array_op("x")
def i0(x):
    """The modified Bessel function of the first kind, order 0 (a constant: no gradient)."""
    t = floating(x, "i0")
    return constant(xp.i0(t.data).astype(t.dtype))


@array_op("y", "x")
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of ``y`` along ``axis`` by the trapezoidal rule (sample points ``x`` or spacing ``dx``)."""
    t = floating(y, "trapezoid")
    axis = normalize_axis(axis, t.ndim, "trapezoid")
    head = (slice(None),) * axis
    upper, lower = t[head + (slice(1, None),)], t[head + (slice(None, -1),)]
    if x is None:
        width = dx
    else:
        xs = floating(x, "trapezoid")
        if xs.ndim == 1:
            xs = xs.reshape(tuple(-1 if i == axis else 1 for i in range(t.ndim)))
        width = xs[head + (slice(1, None),)] - xs[head + (slice(None, -1),)] if xs.ndim == t.ndim else xs
    return _sum((upper + lower) * width * 0.5, axis=axis)


@array_op("x")
def vander(x, N=None, increasing=False):
    """The Vandermonde matrix: columns ``x ** (N-1), ..., x, 1`` (ascending when ``increasing``)."""
    t = to_tensor(x, caller="vander")
    if t.ndim != 1:
        raise ValueError(f"vander: expected a 1-D tensor, got shape {t.shape}")
    n = t.shape[0] if N is None else int(N)
    powers = range(n) if increasing else range(n - 1, -1, -1)
    columns = [t ** p if is_float(t.dtype) else constant(t.data ** p) for p in powers]
    return stack(columns, axis=1) if columns else constant(xp.zeros((t.shape[0], 0), t.dtype))


@array_op("x")
def corrcoef(x):
    """Pearson correlation coefficients between the rows (variables) of ``x``."""
    t = floating(x, "corrcoef")
    if t.ndim == 1:
        t = t.reshape((1, -1))
    if t.ndim != 2:
        raise ValueError(f"corrcoef: expected 1-D or 2-D, got shape {t.shape}")
    c = t - mean(t, axis=1, keepdims=True)
    cov = matmul(c, c.transpose())
    d = (cov * constant(xp.eye(cov.shape[0], dtype=t.dtype))).sum(axis=1) ** 0.5
    return cov / d.reshape((-1, 1)) / d.reshape((1, -1))


@array_op("x1", "x2")
def correlate(x1, x2, mode="valid"):
    """The cross-correlation ``c[k] = sum_n x1[n + k] x2[n]`` of two 1-D tensors (NumPy's modes)."""
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate: mode must be 'valid', 'same' or 'full', got {mode!r}")
    a, v = promote(x1, x2, caller="correlate")
    a, v = floating(a), floating(v)
    if a.ndim != 1 or v.ndim != 1 or not a.shape[0] or not v.shape[0]:
        raise ValueError(f"correlate: expected two non-empty 1-D tensors, got {a.shape} and {v.shape}")
    m, n = a.shape[0], v.shape[0]
    padded = pad(a, (n - 1, n - 1))
    frames = padded[xp.arange(m + n - 1)[:, None] + xp.arange(n)]  # (M + N - 1, N)
    full = matmul(frames, v)
    if mode == "full":
        return full
    if mode == "valid":
        start, length = min(m, n) - 1, max(m, n) - min(m, n) + 1
    else:
        start, length = ((n - 1) // 2 if m >= n else m // 2), max(m, n)
    return full[start:start + length]


@array_op("x")
def histogram(x, bins=10, range=None):  # noqa: A002 - Keras's name
    """``(counts, bin_edges)`` of a 1-D tensor (constants; counts int32)."""
    t = to_tensor(x, caller="histogram")
    if t.ndim != 1:
        raise ValueError(f"histogram: expected a 1-D tensor, got shape {t.shape}")
    counts, edges = xp.histogram(t.data, bins=bins, range=range)
    return constant(counts.astype("int32")), constant(edges.astype(float_dtype(t.dtype)))


@array_op("x")
def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False, axis=None,  # noqa: A002
           size=None, fill_value=None):
    """The sorted unique values of ``x`` (constants), with indices, inverse and counts on request;
    ``size`` pads (with ``fill_value``, default the smallest value) or truncates to a fixed length."""
    t = to_tensor(x, caller="unique")
    results = xp.unique(t.data, return_index=True, return_inverse=True, return_counts=True, axis=axis)
    values, index, inverse, counts = results
    if size is not None:
        fill = values.min() if fill_value is None and values.size else (0 if fill_value is None else fill_value)
        grow = max(0, int(size) - values.shape[0])
        values = xp.concatenate([values[:size], xp.full((grow,) + values.shape[1:], fill, values.dtype)])
        index = xp.concatenate([index[:size], xp.zeros(grow, index.dtype)])
        counts = xp.concatenate([counts[:size], xp.zeros(grow, counts.dtype)])
    out = [constant(values)]
    out += [constant(index.astype("int32"))] if return_index else []
    out += [constant(inverse.reshape(t.shape if axis is None else -1).astype("int32"))] if return_inverse else []
    out += [constant(counts.astype("int32"))] if return_counts else []
    return out[0] if len(out) == 1 else tuple(out)


@array_op("indices")
def unravel_index(indices, shape):
    """Flat indices to a tuple of int32 coordinate arrays for ``shape``."""
    idx = to_tensor(indices, caller="unravel_index").data
    return tuple(constant(c.astype("int32")) for c in xp.unravel_index(idx, tuple(shape)))


def _window(fn, name):
    def op(x, *args):
        m = int(to_tensor(x).data)
        return fn(m, *args).astype(standardize_dtype(None))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"The {name.capitalize()} window of ``x`` points (``floatx()``)."
    return op


bartlett, blackman = _window(xp.bartlett, "bartlett"), _window(xp.blackman, "blackman")
hamming, hanning = _window(xp.hamming, "hamming"), _window(xp.hanning, "hanning")
kaiser = _window(xp.kaiser, "kaiser")


@array_op("x")
def real(x):
    """``x`` itself: striate tensors are real."""
    return to_tensor(x, caller="real")


@array_op("x")
def imag(x):
    """Zeros: striate tensors are real."""
    t = to_tensor(x, caller="imag")
    return constant(xp.zeros(t.shape, t.dtype))


conj = conjugate = real


@array_op("x")
def angle(x):
    """The argument of a real number: ``pi`` for negatives, 0 otherwise (a constant)."""
    t = floating(x, "angle")
    return constant(xp.where(t.data < 0, math.pi, 0.0).astype(t.dtype))


def _without_nan(x, fill, caller):
    t = to_tensor(x, caller=caller)
    return Where.apply(fill, t, condition=xp.isnan(t.data)) if is_float(t.dtype) else t


@array_op("x")
def nancumsum(x, axis=None, dtype=None):
    """:func:`cumsum` with NaN counted as 0."""
    return cumsum(_without_nan(x, 0.0, "nancumsum"), axis=axis, dtype=dtype)


@array_op("x")
def nancumprod(x, axis=None, dtype=None):
    """:func:`cumprod` with NaN counted as 1."""
    return cumprod(_without_nan(x, 1.0, "nancumprod"), axis=axis, dtype=dtype)


@array_op("x")
def nanargmax(x, axis=None, keepdims=False):
    """:func:`argmax` ignoring NaN (0 where a slice is all NaN)."""
    return argmax(_without_nan(x, -xp.inf, "nanargmax"), axis=axis, keepdims=keepdims)


@array_op("x")
def nanargmin(x, axis=None, keepdims=False):
    """:func:`argmin` ignoring NaN (0 where a slice is all NaN)."""
    return argmin(_without_nan(x, xp.inf, "nanargmin"), axis=axis, keepdims=keepdims)


@array_op("x")
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """:func:`quantile` of the non-NaN values (NaN where a slice has none)."""
    return quantile_of(x, q, axis, method, keepdims, ignore_nan=True, caller="nanquantile")


@array_op("x")
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """:func:`nanquantile` with ``q`` in percent."""
    return nanquantile(x, _probabilities(q) / 100.0, axis=axis, method=method, keepdims=keepdims)


@array_op("x")
def nanmedian(x, axis=None, keepdims=False):
    """The median of the non-NaN values."""
    return nanquantile(x, 0.5, axis=axis, keepdims=keepdims)


@array_op("x")
def view(x, dtype=None):
    """The same bytes read as ``dtype`` (a constant; the last axis rescales by the item sizes)."""
    t = to_tensor(x, caller="view")
    return t if dtype is None else constant(t.data.view(standardize_dtype(dtype, "view")))

"""Element-wise arithmetic on two operands, rounding and clipping.

Operands broadcast as in NumPy and are promoted by Keras's rules
(``ops._dtypes``); float results are differentiable, integer and boolean ones
are constants (as in Keras, they carry no gradient). Rounding (``floor``,
``round``, ``sign`` ...) returns constants: their derivative is zero almost everywhere.

>>> import numpy as np
>>> from striate import ops
>>> ops.add(np.array([1, 2], "int8"), 1).dtype.name, ops.divide(1, 2).item()
('int8', 0.5)
"""

import math

from striate.autograd import Div, Maximum, Pow, Where
from striate.backend import xp
from striate.ops._convert import array_op, broadcast, constant, floating, to_tensor
from striate.ops._dtypes import float_dtype, is_float, result_type

__all__ = ["add", "subtract", "multiply", "divide", "true_divide", "divide_no_nan", "floor_divide", "mod",
           "fmod", "power", "negative", "abs", "absolute", "fabs", "square", "reciprocal", "sign", "floor",
           "ceil", "round", "trunc", "clip", "maximum", "minimum", "hypot", "logaddexp", "nan_to_num",
           "heaviside", "deg2rad", "rad2deg", "copysign"]


@array_op("x1", "x2")
def add(x1, x2):
    """``x1 + x2``."""
    a, b = broadcast(x1, x2, caller="add")
    return a + b if is_float(a.dtype) else constant(a.data + b.data)


@array_op("x1", "x2")
def subtract(x1, x2):
    """``x1 - x2``."""
    a, b = broadcast(x1, x2, caller="subtract")
    if a.dtype == bool:
        raise TypeError("subtract: boolean operands are not supported (use logical_xor)")
    return a - b if is_float(a.dtype) else constant(a.data - b.data)


@array_op("x1", "x2")
def multiply(x1, x2):
    """``x1 * x2``."""
    a, b = broadcast(x1, x2, caller="multiply")
    return a * b if is_float(a.dtype) else constant(a.data * b.data)


@array_op("x1", "x2")
def divide(x1, x2):
    """``x1 / x2`` as floats (integers divide to ``floatx()``, as in Keras)."""
    a, b = broadcast(x1, x2, caller="divide")
    dtype = float_dtype(a.dtype)
    return to_tensor(a, dtype) / to_tensor(b, dtype)


true_divide = divide


@array_op("x1", "x2")
def divide_no_nan(x1, x2):
    """``x1 / x2``, and 0 where ``x2 == 0`` (with a zero gradient there, not NaN)."""
    a, b = broadcast(x1, x2, caller="divide_no_nan")
    dtype = float_dtype(a.dtype)
    a, b = to_tensor(a, dtype), to_tensor(b, dtype)
    zero = b.data == 0
    safe = Where.apply(xp.ones((), dtype), b, condition=zero)
    return Where.apply(xp.zeros((), dtype), Div.apply(a, safe), condition=zero)


@array_op("x1", "x2")
def floor_divide(x1, x2):
    """``floor(x1 / x2)`` in the operands' type (a constant)."""
    a, b = broadcast(x1, x2, caller="floor_divide")
    return constant(xp.floor_divide(a.data, b.data))


@array_op("x1", "x2")
def mod(x1, x2):
    """The remainder with the sign of ``x2`` (NumPy's ``mod``); for floats ``x1 - floor(x1 / x2) x2``."""
    a, b = broadcast(x1, x2, caller="mod")
    if not is_float(a.dtype):
        return constant(xp.mod(a.data, b.data))
    return a - constant(xp.floor(a.data / b.data)) * b


@array_op("x1", "x2")
def fmod(x1, x2):
    """The remainder with the sign of ``x1`` (C's ``fmod``); for floats ``x1 - trunc(x1 / x2) x2``."""
    a, b = broadcast(x1, x2, caller="fmod")
    if not is_float(a.dtype):
        return constant(xp.fmod(a.data, b.data))
    return a - constant(xp.trunc(a.data / b.data)) * b


@array_op("x1", "x2")
def power(x1, x2):
    """``x1 ** x2`` (differentiable in both for floats)."""
    a, b = broadcast(x1, x2, caller="power")
    if not is_float(a.dtype):
        if xp.any(b.data < 0):
            raise ValueError("power: integers to negative integer powers are not allowed; cast to float first")
        return constant(xp.power(a.data, b.data))
    return Pow.apply(a, b)


def _numeric(x, caller):
    t = to_tensor(x, caller=caller)
    return to_tensor(t, "int32") if t.dtype == bool else t  # Keras computes bools as int32 here


@array_op("x")
def negative(x):
    """``-x``."""
    t = _numeric(x, "negative")
    return -t if is_float(t.dtype) else constant(-t.data)


@array_op("x")
def abs(x):  # noqa: A001 - Keras's name
    """``|x|``; the gradient at 0 is 0."""
    t = to_tensor(x, caller="abs")
    if t.dtype == bool:
        return t  # |x| of a boolean is itself (Keras keeps bool)
    return t.abs() if is_float(t.dtype) else constant(xp.abs(t.data))


absolute = abs


@array_op("x")
def fabs(x):
    """``|x|`` as floats."""
    return floating(x, "fabs").abs()


@array_op("x")
def square(x):
    """``x * x``."""
    t = _numeric(x, "square")
    return t * t if is_float(t.dtype) else constant(t.data * t.data)


@array_op("x")
def reciprocal(x):
    """``1 / x`` as floats."""
    t = floating(x, "reciprocal")
    return 1.0 / t


@array_op("x")
def sign(x):
    """-1, 0 or 1 (a constant); booleans stay booleans."""
    t = to_tensor(x, caller="sign")
    return constant(t.data if t.dtype == bool else xp.sign(t.data))


def _rounding(fn, x, caller):
    t = to_tensor(x, caller=caller)
    return constant(fn(t.data).astype(float_dtype(t.dtype)))


@array_op("x")
def floor(x):
    """The largest integer ``<= x``, as floats (integer inputs give ``floatx()``, as in Keras)."""
    return _rounding(xp.floor, x, "floor")


@array_op("x")
def ceil(x):
    """The smallest integer ``>= x``, as floats."""
    return _rounding(xp.ceil, x, "ceil")


@array_op("x")
def trunc(x):
    """``x`` rounded towards zero (integers stay integers)."""
    t = to_tensor(x, caller="trunc")
    return constant(xp.trunc(t.data) if is_float(t.dtype) else t.data)


@array_op("x")
def round(x, decimals=0):  # noqa: A001 - Keras's name
    """``x`` rounded half to even to ``decimals`` digits, in its own dtype (a constant)."""
    t = to_tensor(x, caller="round")
    return constant(xp.round(t.data, decimals))


@array_op("x", "x_min", "x_max")
def clip(x, x_min, x_max):
    """``x`` limited to ``[x_min, x_max]``; the gradient passes where ``x_min <= x <= x_max``."""
    t = to_tensor(x, caller="clip")
    if t.dtype == bool:
        t = to_tensor(t, "int32")
    dtype = result_type(t, x_min, x_max)
    t, lo, hi = (to_tensor(v, dtype, "clip") for v in (t, x_min, x_max))
    clipped = xp.minimum(xp.maximum(t.data, lo.data), hi.data)
    if not is_float(dtype):
        return constant(clipped)
    return Where.apply(t, clipped, condition=(t.data >= lo.data) & (t.data <= hi.data))


@array_op("x1", "x2")
def maximum(x1, x2):
    """The larger of ``x1`` and ``x2``; ties share the gradient."""
    a, b = broadcast(x1, x2, caller="maximum")
    return Maximum.apply(a, b) if is_float(a.dtype) else constant(xp.maximum(a.data, b.data))


@array_op("x1", "x2")
def minimum(x1, x2):
    """The smaller of ``x1`` and ``x2``; ties share the gradient."""
    a, b = broadcast(x1, x2, caller="minimum")
    return -Maximum.apply(-a, -b) if is_float(a.dtype) else constant(xp.minimum(a.data, b.data))


def _scale(*tensors):
    """A constant ``m > 0`` of the magnitudes: dividing by it and multiplying back is exact
    and keeps squares and exponentials in range; the result does not depend on ``m``."""
    m = tensors[0].data
    for t in tensors[1:]:
        m = xp.maximum(m, t.data)
    return xp.where(xp.isfinite(m) & (m != 0), m, 1).astype(tensors[0].dtype)


@array_op("x1", "x2")
def hypot(x1, x2):
    """``sqrt(x1^2 + x2^2)`` without overflow."""
    a, b = broadcast(x1, x2, caller="hypot")
    a, b = to_tensor(a, float_dtype(a.dtype)), to_tensor(b, float_dtype(a.dtype))
    m = _scale(a.abs(), b.abs())
    sa, sb = a / m, b / m
    return (sa * sa + sb * sb) ** 0.5 * m


@array_op("x1", "x2")
def logaddexp(x1, x2):
    """``log(exp(x1) + exp(x2))`` without overflow."""
    a, b = broadcast(x1, x2, caller="logaddexp")
    a, b = to_tensor(a, float_dtype(a.dtype)), to_tensor(b, float_dtype(a.dtype))
    # shifting by the (constant) larger value is exact, keeps exp <= 1, and the result does not depend on it
    m = xp.maximum(a.data, b.data)
    m = constant(xp.where(xp.isfinite(m), m, 0).astype(a.dtype))
    return m + ((a - m).exp() + (b - m).exp()).log()


@array_op("x")
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """``x`` with NaN, +inf and -inf replaced (by 0 and the largest finite values by default)."""
    t = to_tensor(x, caller="nan_to_num")
    if not is_float(t.dtype):
        return t
    filled = xp.nan_to_num(t.data, nan=nan, posinf=posinf, neginf=neginf)
    return Where.apply(t, filled, condition=xp.isfinite(t.data))


@array_op("x1", "x2")
def heaviside(x1, x2):
    """0 for ``x1 < 0``, ``x2`` for ``x1 == 0``, 1 for ``x1 > 0`` (a constant)."""
    a, b = broadcast(x1, x2, caller="heaviside")
    dtype = float_dtype(a.dtype)
    return constant(xp.heaviside(a.data.astype(dtype), b.data.astype(dtype)))


@array_op("x1", "x2")
def copysign(x1, x2):
    """``|x1|`` with the sign of ``x2``; differentiable in ``x1``."""
    a, b = broadcast(x1, x2, caller="copysign")
    a = to_tensor(a, float_dtype(a.dtype))
    flip = xp.signbit(a.data) != xp.signbit(b.data)
    return Where.apply(-a, a, condition=flip)


@array_op("x")
def deg2rad(x):
    """Degrees to radians."""
    return floating(x, "deg2rad") * (math.pi / 180.0)


@array_op("x")
def rad2deg(x):
    """Radians to degrees."""
    return floating(x, "rad2deg") * (180.0 / math.pi)

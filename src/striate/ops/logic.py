"""Comparisons, logical operators and tests of float values; all return boolean constants.

>>> import numpy as np
>>> from striate import ops
>>> ops.greater(np.array([1, 2, 3]), 2).tolist(), ops.isnan(np.array([1.0, np.nan])).tolist()
([False, False, True], [False, True])
"""

from striate.backend import xp
from striate.ops._convert import array_op, broadcast, constant, to_tensor
from striate.ops._dtypes import is_float

__all__ = ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
           "logical_or", "logical_xor", "logical_not", "isnan", "isinf", "isfinite", "isposinf",
           "isneginf", "isreal", "signbit", "isclose", "allclose", "isin"]


def _comparison(name, fn):
    def op(x1, x2):
        a, b = broadcast(x1, x2, caller=name)
        return constant(fn(a.data, b.data))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Element-wise ``{name}`` after broadcasting and Keras's type promotion (a boolean constant)."
    return array_op("x1", "x2")(op)


equal = _comparison("equal", xp.equal)
not_equal = _comparison("not_equal", xp.not_equal)
less = _comparison("less", xp.less)
less_equal = _comparison("less_equal", xp.less_equal)
greater = _comparison("greater", xp.greater)
greater_equal = _comparison("greater_equal", xp.greater_equal)
logical_and = _comparison("logical_and", xp.logical_and)
logical_or = _comparison("logical_or", xp.logical_or)
logical_xor = _comparison("logical_xor", xp.logical_xor)


def _test(name, fn, default):
    def op(x):
        t = to_tensor(x, caller=name)
        return constant(fn(t.data) if is_float(t.dtype) else xp.full(t.shape, default))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Element-wise ``{name}`` (a boolean constant; integers are always finite)."
    return array_op("x")(op)


isnan = _test("isnan", xp.isnan, False)
isinf = _test("isinf", xp.isinf, False)
isfinite = _test("isfinite", xp.isfinite, True)
isposinf = _test("isposinf", xp.isposinf, False)
isneginf = _test("isneginf", xp.isneginf, False)


@array_op("x")
def signbit(x):
    """Whether the sign bit is set (True for -0.0 and negative numbers)."""
    t = to_tensor(x, caller="signbit")
    return constant(xp.signbit(t.data) if t.dtype != bool else xp.zeros(t.shape, bool))


@array_op("x")
def isreal(x):
    """True everywhere: striate has no complex tensors."""
    return constant(xp.ones(to_tensor(x, caller="isreal").shape, dtype=bool))


@array_op("x")
def logical_not(x):
    """``not x`` element-wise (non-zero is true)."""
    return constant(xp.logical_not(to_tensor(x, caller="logical_not").data))


@array_op("x1", "x2")
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """``|x1 - x2| <= atol + rtol |x2|`` element-wise."""
    a, b = broadcast(x1, x2, caller="isclose")
    return constant(xp.isclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=equal_nan))


@array_op("x1", "x2")
def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether :func:`isclose` holds everywhere (a 0-d boolean)."""
    a, b = broadcast(x1, x2, caller="allclose")
    return constant(xp.asarray(xp.allclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=equal_nan)))


@array_op("x1", "x2")
def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of ``x1`` occurs in ``x2``."""
    a, b = to_tensor(x1, caller="isin"), to_tensor(x2, caller="isin")
    return constant(xp.isin(a.data, b.data, assume_unique=assume_unique, invert=invert))

"""Element-wise functions of one float operand: exp, log, sqrt, the trigonometric family, erf.

Integer and boolean inputs compute in ``floatx()`` (as in Keras). ``exp``,
``log`` and ``tanh`` use the engine's primitives; the others go through
:class:`~striate.autograd.unary.Unary`, whose table holds each function beside
its derivative.

>>> import numpy as np
>>> from striate import ops
>>> ops.log1p(np.float32(1e-8)).item() > 0, ops.sqrt(4).dtype.name
(True, 'float32')
"""

import math

from striate.autograd import Exp, Log, Tanh, Where
from striate.autograd.unary import Arctan2, Unary
from striate.ops._convert import array_op, broadcast, floating, to_tensor
from striate.ops._dtypes import float_dtype

__all__ = ["exp", "exp2", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "cbrt",
           "sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh",
           "arcsinh", "arccosh", "arctanh", "erf", "erfc", "erfinv", "sinc"]


@array_op("x")
def exp(x):
    """``e ** x``."""
    return Exp.apply(floating(x, "exp"))


@array_op("x")
def log(x):
    """The natural logarithm (``-inf`` at 0, NaN below, as NumPy)."""
    return Log.apply(floating(x, "log"))


@array_op("x")
def tanh(x):
    """The hyperbolic tangent."""
    return Tanh.apply(floating(x, "tanh"))


def _unary(name, summary):
    def op(x):
        return Unary.apply(floating(x, name), fn=name)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = summary
    return array_op("x")(op)


exp2 = _unary("exp2", "``2 ** x``.")
expm1 = _unary("expm1", "``exp(x) - 1``, exact for small ``x``.")
log1p = _unary("log1p", "``log(1 + x)``, exact for small ``x``.")
log2 = _unary("log2", "The base-2 logarithm.")
log10 = _unary("log10", "The base-10 logarithm.")
sqrt = _unary("sqrt", "The non-negative square root.")
cbrt = _unary("cbrt", "The real cube root.")
sin = _unary("sin", "The sine (radians).")
cos = _unary("cos", "The cosine (radians).")
tan = _unary("tan", "The tangent (radians).")
arcsin = _unary("arcsin", "The inverse sine, in ``[-pi/2, pi/2]``.")
arccos = _unary("arccos", "The inverse cosine, in ``[0, pi]``.")
arctan = _unary("arctan", "The inverse tangent, in ``(-pi/2, pi/2)``.")
sinh = _unary("sinh", "The hyperbolic sine.")
cosh = _unary("cosh", "The hyperbolic cosine.")
arcsinh = _unary("arcsinh", "The inverse hyperbolic sine.")
arccosh = _unary("arccosh", "The inverse hyperbolic cosine (``x >= 1``).")
arctanh = _unary("arctanh", "The inverse hyperbolic tangent (``|x| < 1``).")
erf = _unary("erf", "The error function ``2/sqrt(pi) * integral_0^x exp(-t^2) dt``, to full precision.")
erfinv = _unary("erfinv", "The inverse error function on ``(-1, 1)`` (+-inf at +-1).")


@array_op("x")
def erfc(x):
    """``1 - erf(x)``."""
    return 1.0 - erf(x)


@array_op("x")
def rsqrt(x):
    """``1 / sqrt(x)``."""
    return 1.0 / sqrt(x)


@array_op("x1", "x2")
def arctan2(x1, x2):
    """The angle of the point ``(x2, x1)`` in ``[-pi, pi]``: element-wise ``arctan(x1 / x2)`` by quadrant."""
    a, b = broadcast(x1, x2, caller="arctan2")
    dtype = float_dtype(a.dtype)
    return Arctan2.apply(to_tensor(a, dtype), to_tensor(b, dtype))


@array_op("x")
def sinc(x):
    """``sin(pi x) / (pi x)``, 1 at 0 (NumPy's normalised sinc); 0 is replaced before dividing,
    so the gradient there is 0 (the true slope), not NaN."""
    t = floating(x, "sinc")
    zero = t.data == 0
    safe = Where.apply(1.0, t, condition=zero) * math.pi
    return Where.apply(1.0, Unary.apply(safe, fn="sin") / safe, condition=zero)

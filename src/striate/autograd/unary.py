"""Element-wise math functions with their derivatives side by side, as one table.

Why primitives: sin, arcsin, erf ... cannot be composed from the other ops on
real arrays, and the compositions that exist lose precision where the function
matters most (``log(1 + x)`` returns 0 for ``|x| < 6e-8`` in float32 where
``log1p`` keeps all digits; ``exp(x) - 1`` likewise). Each entry is
``name: (forward(a), derivative(a, y))`` with ``y`` the forward's result, and
:class:`Unary` applies one of them (the lecture's local chain rule, once).

>>> import striate
>>> from striate.autograd.unary import Unary
>>> x = striate.Tensor([0.0], requires_grad=True)
>>> Unary.apply(x, fn="sin").backward(striate.Tensor([1.0]))
>>> x.grad.tolist()
[1.0]
"""

import math

from striate.autograd.function import Function, unbroadcast
from striate.backend import xp

__all__ = ["Unary", "Arctan2", "FUNCTIONS", "erf_array"]

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_exact_erf = xp.frompyfunc(math.erf, 1, 1)


def erf_array(a):
    """erf to full float64 precision through ``math.erf`` (NumPy has no erf; ~80 ns per element)."""
    return xp.asarray(_exact_erf(a), dtype=xp.float64).astype(a.dtype, copy=False)


def _erfinv(y):
    # Giles's single-precision approximation as a start, then two Newton steps on the exact erf.
    with xp.errstate(divide="ignore", invalid="ignore"):  # |y| >= 1 gives +-inf / nan, as NumPy would
        return _erfinv_unchecked(y)


def _erfinv_unchecked(y):
    y64 = xp.clip(y.astype(xp.float64), -1.0, 1.0)
    w = -xp.log((1.0 - y64) * (1.0 + y64))
    small = w < 5.0
    ws, wb = w - 2.5, xp.sqrt(xp.maximum(w, 5.0)) - 3.0
    ps = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):
        ps = c + ps * ws
    pb = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):
        pb = c + pb * wb
    x = xp.where(small, ps, pb) * y64
    finite = xp.abs(y64) < 1.0
    for _ in range(2):
        step = (erf_array(xp.where(finite, x, 0.0)) - y64) / (_TWO_OVER_SQRT_PI * xp.exp(-x * x))
        x = xp.where(finite, x - step, x)
    x = xp.where(xp.abs(y64) == 1.0, xp.sign(y64) * xp.inf, x)
    x = xp.where(xp.abs(y) > 1.0, xp.nan, x)
    return x.astype(y.dtype, copy=False)


FUNCTIONS = {
    "sin": (xp.sin, lambda a, y: xp.cos(a)),
    "cos": (xp.cos, lambda a, y: -xp.sin(a)),
    "tan": (xp.tan, lambda a, y: 1.0 + y * y),
    "arcsin": (xp.arcsin, lambda a, y: 1.0 / xp.sqrt(1.0 - a * a)),
    "arccos": (xp.arccos, lambda a, y: -1.0 / xp.sqrt(1.0 - a * a)),
    "arctan": (xp.arctan, lambda a, y: 1.0 / (1.0 + a * a)),
    "sinh": (xp.sinh, lambda a, y: xp.cosh(a)),
    "cosh": (xp.cosh, lambda a, y: xp.sinh(a)),
    "arcsinh": (xp.arcsinh, lambda a, y: 1.0 / xp.sqrt(a * a + 1.0)),
    "arccosh": (xp.arccosh, lambda a, y: 1.0 / xp.sqrt(a * a - 1.0)),
    "arctanh": (xp.arctanh, lambda a, y: 1.0 / (1.0 - a * a)),
    "sqrt": (xp.sqrt, lambda a, y: 0.5 / y),
    "cbrt": (xp.cbrt, lambda a, y: 1.0 / (3.0 * y * y)),
    "log1p": (xp.log1p, lambda a, y: 1.0 / (1.0 + a)),
    "expm1": (xp.expm1, lambda a, y: y + 1.0),
    "log2": (xp.log2, lambda a, y: 1.0 / (a * _LN2)),
    "log10": (xp.log10, lambda a, y: 1.0 / (a * _LN10)),
    "exp2": (xp.exp2, lambda a, y: y * _LN2),
    "erf": (erf_array, lambda a, y: _TWO_OVER_SQRT_PI * xp.exp(-a * a)),
    "erfinv": (_erfinv, lambda a, y: (0.5 * math.sqrt(math.pi)) * xp.exp(y * y)),
}


class Unary(Function):
    """``FUNCTIONS[fn]`` applied element-wise; backward multiplies by its derivative."""

    def forward(self, a, fn):
        forward, derivative = FUNCTIONS[fn]
        y = forward(a)
        self.saved = (a, y, derivative)
        return y

    def backward(self, dy):
        a, y, derivative = self.saved
        return ((dy * derivative(a, y)).astype(dy.dtype, copy=False),)


class Arctan2(Function):
    """The angle of the point ``(b, a)``: ``arctan2(a, b)``, a primitive for the same reason as
    :class:`Unary` (the quadrant logic has no smooth composition); d/da = b/r², d/db = -a/r²."""

    def forward(self, a, b):
        self.saved = (a, b)
        return xp.arctan2(a, b)

    def backward(self, dy):
        a, b = self.saved
        r2 = a * a + b * b
        da = unbroadcast(dy * b / r2, xp.shape(a)) if self.needs_grad[0] else None
        db = unbroadcast(-dy * a / r2, xp.shape(b)) if self.needs_grad[1] else None
        return da, db

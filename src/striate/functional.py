"""Differentiable functions composed from the primitives: no backward here.

Activations, softmax, dropout and friends are short compositions of the ops in
``striate.autograd``, so their gradients come from the chain rule for free.

>>> import striate
>>> from striate import functional as F
>>> F.relu(striate.Tensor([-1.0, 0.0, 2.0])).data.tolist()
[0.0, 0.0, 2.0]
"""

import math

from striate.autograd import (Abs, Concatenate, Exp, Log, LogSoftmax, Maximum, Noise, ReLU, Sigmoid, Tanh,
                              Where)
from striate.backend import xp
from striate.tensor import Tensor, as_tensor

__all__ = [
    "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "hard_sigmoid", "tanh",
    "softplus", "softsign", "silu", "swish", "exponential", "linear", "softmax", "log_softmax",
    "maximum", "minimum", "where", "clip", "concatenate", "dropout", "exp", "log", "abs", "square",
]


def _tensor(x):
    return x if isinstance(x, Tensor) else as_tensor(x)


# ---- element-wise basics ---------------------------------------------------
def exp(x):
    return Exp.apply(_tensor(x))


def log(x):
    return Log.apply(_tensor(x))


def abs(x):  # noqa: A001 - Keras's name
    return Abs.apply(_tensor(x))


def square(x):
    x = _tensor(x)
    return x * x


def maximum(a, b):
    return Maximum.apply(a, b)


def minimum(a, b):
    """min(a, b) = -max(-a, -b)."""
    return -Maximum.apply(-a, -b)


def where(condition, a, b):
    """``a`` where ``condition`` is true, else ``b`` (condition gets no gradient)."""
    if isinstance(condition, Tensor):
        condition = condition.data
    return Where.apply(a, b, condition=condition)


def clip(x, low, high):
    """``x`` limited to ``[low, high]``; the gradient is 0 outside (as ``np.clip``)."""
    x = _tensor(x)
    data = x.data
    return where((data >= low) & (data <= high), x, xp.clip(data, low, high))


def concatenate(tensors, axis=-1):
    return Concatenate.apply(*tensors, axis=axis)


# ---- activations -------------------------------------------------------------
def linear(x):
    return x


def relu(x):
    """max(x, 0), with gradient 0 at 0 (as TensorFlow and PyTorch)."""
    return ReLU.apply(_tensor(x))


def relu6(x):
    return minimum(relu(x), 6.0)


def leaky_relu(x, negative_slope=0.2):
    """x for x > 0, else ``negative_slope * x`` (Keras's default slope 0.2)."""
    x = _tensor(x)
    return Where.apply(x, x * negative_slope, condition=x.data > 0)


def elu(x, alpha=1.0):
    x = _tensor(x)
    negative = (exp(minimum(x, 0.0)) - 1.0) * alpha  # min(): exp never overflows
    return Where.apply(x, negative, condition=x.data > 0)


_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


def selu(x):
    return elu(x, _SELU_ALPHA) * _SELU_SCALE


def sigmoid(x):
    """1 / (1 + exp(-x)); remembers ``x`` so a binary cross-entropy can use the logits."""
    x = _tensor(x)
    y = Sigmoid.apply(x)
    y._activation = ("sigmoid", x)
    return y


def hard_sigmoid(x):
    """Keras 3's piecewise-linear sigmoid: relu6(x + 3) / 6."""
    return relu6(_tensor(x) + 3.0) * (1.0 / 6.0)


def tanh(x):
    return Tanh.apply(_tensor(x))


def softplus(x):
    """log(1 + exp(x)) as max(x, 0) + log(1 + exp(-|x|)): finite for any x."""
    x = _tensor(x)
    return relu(x) + log(exp(-abs(x)) + 1.0)


def softsign(x):
    x = _tensor(x)
    return x / (abs(x) + 1.0)


def silu(x):
    """x * sigmoid(x), also called swish."""
    x = _tensor(x)
    return x * Sigmoid.apply(x)


swish = silu


def gelu(x, approximate=False):
    """x * Phi(x). Exact form through erf (an Abramowitz-Stegun fit, |error| < 1.5e-7)."""
    x = _tensor(x)
    if approximate:
        inner = (x + x * x * x * 0.044715) * math.sqrt(2.0 / math.pi)
        return x * (tanh(inner) + 1.0) * 0.5
    return x * (_erf(x * (1.0 / math.sqrt(2.0))) + 1.0) * 0.5


def _erf(z):
    # Abramowitz & Stegun 7.1.26, applied to |z| and mirrored: erf(-z) = -erf(z).
    sign = xp.sign(z.data)
    a = abs(z)
    t = 1.0 / (a * 0.3275911 + 1.0)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return (1.0 - poly * exp(-(a * a))) * sign


def exponential(x):
    return exp(x)


def log_softmax(x, axis=-1):
    return LogSoftmax.apply(_tensor(x), axis=axis)


def softmax(x, axis=-1):
    """exp(log_softmax(x)); remembers ``x`` so a cross-entropy can use the logits."""
    x = _tensor(x)
    y = exp(log_softmax(x, axis=axis))
    y._activation = ("softmax", x) if axis in (-1, x.ndim - 1) else None
    return y


# ---- regularisation ----------------------------------------------------------
def dropout(x, rate, rng=None, noise_shape=None):
    """Inverted dropout: zero each element with probability ``rate``, scale the rest by 1/(1-rate).

    Args:
        x: Tensor.
        rate: float in [0, 1).
        rng: a ``numpy.random.Generator``, or None for striate's global one (host: the mask
            is drawn there and moved to the device, so a seed gives the same masks on every backend).
        noise_shape: shape of the mask, broadcast against ``x`` (e.g. ``(N, 1, 1, C)``
            drops whole feature maps); defaults to ``x.shape``.

    The mask is drawn inside the :class:`~striate.autograd.Noise` primitive, so a
    compiled step draws a new one at every step.
    """
    x = _tensor(x)
    if rate == 0:
        return x
    return Noise.apply(x, kind="dropout", rate=float(rate), rng=rng,
                       noise_shape=None if noise_shape is None else tuple(noise_shape))

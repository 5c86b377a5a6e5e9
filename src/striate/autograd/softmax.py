"""Log-softmax, the numerically stable core of softmax and cross-entropy."""

from striate.autograd.function import Function
from striate.backend import xp

__all__ = ["LogSoftmax"]


class LogSoftmax(Function):
    """``a - logsumexp(a)`` along ``axis``.

    A primitive because composing it from exp, sum and log overflows for large
    logits and loses every digit for saturated ones; here the maximum is
    subtracted first, so results stay finite for any finite input.
    Backward: ``dy - softmax(a) * sum(dy)``.
    """

    def forward(self, a, axis=-1):
        shifted = a - a.max(axis=axis, keepdims=True)
        y = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        self.saved = (y, axis)
        return y

    def backward(self, dy):
        y, axis = self.saved
        return (dy - xp.exp(y) * dy.sum(axis=axis, keepdims=True),)

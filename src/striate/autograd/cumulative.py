"""Running sums and products along one axis.

Why primitives: the only compositions are a product with a triangular matrix of
ones (O(n^2) work and memory along the axis) for the sum, and
``exp(cumsum(log x))`` for the product, which is wrong for zeros and negative
numbers. As ops they cost one pass forward and one or two passes backward.

>>> import striate
>>> from striate.autograd.cumulative import CumSum
>>> x = striate.Tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> y = CumSum.apply(x, axis=0); y.data.tolist()
[1.0, 3.0, 6.0]
>>> y.backward(striate.Tensor([1.0, 1.0, 1.0])); x.grad.tolist()  # x_i counts in n - i sums
[3.0, 2.0, 1.0]
"""

from striate.autograd.function import Function
from striate.backend import xp

__all__ = ["CumSum", "CumProd"]


def _reverse_cumsum(a, axis):
    return xp.flip(xp.cumsum(xp.flip(a, axis), axis=axis), axis)


class CumSum(Function):
    """``y_i = sum_{j <= i} x_j`` along ``axis``; backward is the sum from the other end."""

    def forward(self, a, axis):
        self.saved = axis
        return xp.cumsum(a, axis=axis, dtype=a.dtype)

    def backward(self, dy):
        return (_reverse_cumsum(dy, self.saved),)


class CumProd(Function):
    """``y_i = prod_{j <= i} x_j`` along ``axis``, with an exact gradient where some ``x_j = 0``.

    ``dx_i = P_i * S_i`` with ``P_i = prod_{j < i} x_j`` (the exclusive product) and
    ``S_i = sum_{k >= i} dy_k prod_{i < j <= k} x_j``, which obeys the backward
    recurrence ``S_i = dy_i + x_{i+1} S_{i+1}``: one step per position along the
    axis, each vectorised over the other axes, and no division by ``x``.
    """

    def forward(self, a, axis):
        y = xp.cumprod(a, axis=axis, dtype=a.dtype)
        self.saved = (a, y, axis)
        return y

    def backward(self, dy):
        a, y, axis = self.saved
        a_, y_, dy_ = (xp.moveaxis(v, axis, 0) for v in (a, y, dy))  # (n, ...) views
        n = a_.shape[0]
        dx = xp.empty_like(dy_)
        s = dy_[n - 1].copy()
        for i in range(n - 1, -1, -1):
            if i < n - 1:
                s = dy_[i] + a_[i + 1] * s
            dx[i] = s if i == 0 else y_[i - 1] * s  # y_{i-1} is the exclusive product P_i
        return (xp.moveaxis(dx, 0, axis),)

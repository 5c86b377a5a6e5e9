"""Reductions over axes: sum and max (mean is sum times 1/count, see Tensor.mean)."""

from striate.autograd.function import Function
from striate.backend import xp

__all__ = ["Sum", "Max"]


def _normalize_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % ndim for a in axes)


class Sum(Function):
    def forward(self, a, axis=None, keepdims=False):
        self.saved = (a.shape, _normalize_axes(axis, a.ndim), keepdims)
        return xp.asarray(a.sum(axis=axis, keepdims=keepdims))

    def backward(self, dy):
        shape, axes, keepdims = self.saved
        if not keepdims:
            dy = xp.expand_dims(dy, axes)
        return (xp.broadcast_to(dy, shape),)

    @staticmethod
    def reduced_size(shape, axis, keepdims=False):
        """Number of elements in the result of summing ``shape`` over ``axis``."""
        axes = _normalize_axes(axis, len(shape))
        size = 1
        for i, n in enumerate(shape):
            if i not in axes:
                size *= n
        return size


class Max(Function):
    """Maximum over axes; tied maxima share the gradient equally (as ``torch.amax``)."""

    def forward(self, a, axis=None, keepdims=False):
        y = a.max(axis=axis, keepdims=True)
        self.saved = (a, y, _normalize_axes(axis, a.ndim), keepdims)
        return xp.asarray(y if keepdims else y.squeeze(axis=_normalize_axes(axis, a.ndim)))

    def backward(self, dy):
        a, y, axes, keepdims = self.saved
        if not keepdims:
            dy = xp.expand_dims(dy, axes)
        mask = (a == y).astype(dy.dtype)
        mask /= mask.sum(axis=axes, keepdims=True)
        return (mask * dy,)

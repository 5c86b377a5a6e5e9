"""Reductions over axes: sum and max (mean is sum times 1/count, see Tensor.mean)."""

import math

from striate.autograd._workspace import workspace
from striate.autograd.function import Function
from striate.backend import xp

__all__ = ["Sum", "Max"]


def _normalize_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % ndim for a in axes)


class Sum(Function):
    """Sum over ``axis`` (None: all). A run of middle axes of a contiguous float array
    (the spatial axes of a channels-last activation: global average pooling) is summed
    as a product with a vector of ones: BLAS does that 10-20x faster than NumPy's sum
    over the middle axes of a ``(N, P, C)`` array."""

    def forward(self, a, axis=None, keepdims=False):
        axes = _normalize_axes(axis, a.ndim)
        self.saved = (a.shape, axes, keepdims, None)
        first = min(axes) if axes else 0
        if (axes and 0 < first and max(axes) < a.ndim - 1 and len(axes) == max(axes) - first + 1
                and a.dtype.kind == "f" and a.flags.c_contiguous):
            pre, positions = math.prod(a.shape[:first]), math.prod(a.shape[first:first + len(axes)])
            ones = workspace("sum-ones", (positions,), a.dtype, fill=1)
            y = ones @ a.reshape(pre, positions, -1)  # (pre, post)
            kept = [n for i, n in enumerate(a.shape) if i not in axes] if not keepdims else \
                [1 if i in axes else n for i, n in enumerate(a.shape)]
            self.saved = (a.shape, axes, keepdims, (pre, positions))
            return y.reshape(kept)
        return xp.asarray(a.sum(axis=axis, keepdims=keepdims))

    def backward(self, dy):
        shape, axes, keepdims, middle = self.saved
        if middle is not None:
            # The gradient of a sum over middle axes, written out: the op that reads it next
            # (a ReLU's backward) took 3x longer on a broadcast view, whose runs are one
            # pixel's channels. Doubling copies along the summed axis keep the runs long.
            pre, positions = middle
            out = xp.empty((pre, positions, dy.size // max(pre, 1)), dtype=dy.dtype)  # (pre, P, post)
            out[:, 0] = dy.reshape(pre, -1)
            done = 1
            while done < positions:
                step = min(done, positions - done)
                out[:, done:done + step] = out[:, :step]
                done += step
            return (out.reshape(shape),)
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

"""Batch normalization's training pass as one primitive.

Why a primitive (DESIGN rule 2 composes batch norm by default): composed from
Sum, Sub, Mul, Pow and Add, the training pass of ``BatchNormalization`` makes
about 15 passes over the activation, most with a temporary, and its reductions
over (N, H, W) walk rows of only C values. On network (e)'s activation,
64x32x32x16 float32, forward plus backward took 10-19 ms composed against
3.4-3.7 ms for this primitive, and 4.8-5.1 ms for PyTorch's ``BatchNorm2d``
(medians of alternating runs on the 2-core machine, three runs; 3-5x). In
network (e)'s training step (seven such layers) that is 523 against 426 ms.
The backward below is the closed form

    dx = gamma / sqrt(var + eps) * (dy - mean(dy) - x_hat * mean(dy * x_hat)),
    dgamma = sum(dy * x_hat),  dbeta = sum(dy),

(means and sums over every axis but the features axis), which needs three
passes and no graph. Inference stays a composition (``x * scale + shift``:
two passes), and the layer tests check this primitive against the composed
formula, finite differences and PyTorch.

>>> import numpy as np
>>> from striate.tensor import Tensor
>>> x = Tensor(np.array([[1.0, 2.0], [3.0, 6.0]]), requires_grad=True)
>>> stats = {}
>>> BatchNorm.apply(x, None, None, axis=-1, epsilon=0.0, statistics=stats).data.tolist()
[[-1.0, -1.0], [1.0, 1.0]]
>>> stats["mean"].tolist(), stats["variance"].tolist()
([2.0, 4.0], [1.0, 4.0])
"""

import math

from striate.autograd._parallel import over_batch
from striate.autograd._workspace import zeros
from striate.autograd.function import Function
from striate.backend import xp

__all__ = ["BatchNorm", "ChannelAffine"]


class _Layout:
    """The ``(M, C)`` values (channels last) viewed as ``(M / k, k * C)`` rows of ``k`` positions.

    NumPy broadcasts a ``(C,)`` vector over ``(M, C)`` one short row at a time; with
    C = 16 that is 2-3x slower than over rows of ~1,000 values, and its column sums
    were 10x slower than a BLAS matrix-vector product. So per-channel vectors are
    tiled ``k`` times (``wide``) and column sums are folded back (``fold``).
    """

    def __init__(self, m, c):
        self.k = math.gcd(m, max(1, 1024 // c))
        self.c, self.shape = c, (m // self.k, self.k * c)

    def wide(self, v):
        return xp.tile(v, self.k)                                    # (C,) -> (k*C,)

    def column_sums(self, a):
        ones = xp.ones(a.shape[0], dtype=a.dtype)
        return (ones @ a).reshape(self.k, self.c).sum(axis=0)       # (k*C,) -> (C,)

    def column_dots(self, a, b):
        return xp.einsum("ij,ij->j", a, b).reshape(self.k, self.c).sum(axis=0)  # (C,)


class BatchNorm(Function):
    """``gamma * (x - mean) / sqrt(var + epsilon) + beta`` with the batch's mean and biased variance.

    Forward arguments: ``x`` (any rank), ``gamma`` and ``beta`` (``(C,)`` or None),
    ``moving_mean`` and ``moving_variance`` (optional ``(C,)`` arrays, updated in place:
    ``moving = moving * momentum + batch * (1 - momentum)``; they get no gradient),
    ``axis`` (the features axis; every other axis is reduced), ``epsilon``,
    ``momentum``, and ``statistics``: an optional dict that receives the batch
    ``'mean'`` and ``'variance'`` ``(C,)``.

    The moving averages are updated inside the op so that a compiled step
    (``striate.jit``), which replays the recorded primitives and nothing else,
    updates them at every step as the eager layer does.

    ``relu=True`` returns ``max(., 0)`` of the result: each block is rectified while it
    is in the cache, and backward gates ``dy`` with the saved output first. Compiled
    steps use it for a batch norm whose only reader is a ReLU (network (e)'s
    ``relu(BN(conv(x)))``): it saves the ReLU's own pass and output array forward, and
    gives bit-identical values to the two ops (a compiled step equals the eager one).

    Each pass over the activation runs on striate's threads, each thread on its own
    rows (reductions add the threads' partial sums). The forward writes one array,
    which becomes the output; the backward keeps no normalised copy, only ``x``
    (which the graph holds anyway), and rebuilds ``x - mean`` in cache-sized blocks
    where the variance-like sums need it, so cancellation never eats their digits.
    """

    def forward(self, x, gamma, beta, moving_mean=None, moving_variance=None, axis=-1, epsilon=1e-3,
                statistics=None, momentum=0.99, relu=False):
        axis %= x.ndim
        moved = xp.moveaxis(x, axis, -1)                      # (..., C), a view
        c = moved.shape[-1]
        n = moved.size // c
        layout = _Layout(n, c)
        xw = moved.reshape(layout.shape)                      # (M/k, k*C); copies only when axis is not last
        rows = xw.shape[0]
        mean = _total(over_batch(lambda a, b: layout.column_sums(xw[a:b]), rows, xw.nbytes)) / n
        out = xp.empty_like(xw)
        wide_mean = layout.wide(mean)

        def centre(a, b):  # out = x - mean, and its sum of squares
            xp.subtract(xw[a:b], wide_mean, out=out[a:b])
            return layout.column_dots(out[a:b], out[a:b])

        variance = _total(over_batch(centre, rows, xw.nbytes)) / n
        inv = 1.0 / xp.sqrt(variance + epsilon)
        scale = inv if gamma is None else gamma * inv
        wide_scale = layout.wide(scale)
        wide_beta = None if beta is None else layout.wide(beta)

        zero = zeros(out.shape[1:], out.dtype) if relu else None

        def finish(a, b):  # out = (x - mean) * scale + beta (then max(., 0)), in place, block by block
            for i in range(a, b, _BLOCK_ROWS):
                block = out[i:min(b, i + _BLOCK_ROWS)]
                block *= wide_scale
                if wide_beta is not None:
                    block += wide_beta
                if relu:
                    xp.maximum(block, zero, out=block)

        over_batch(finish, rows, xw.nbytes)
        if statistics is not None:
            statistics["mean"], statistics["variance"] = mean, variance
        for moving, batch in ((moving_mean, mean), (moving_variance, variance)):
            if moving is not None:  # in place: the caller's array (a Variable's) is the state
                moving[...] = moving * momentum + batch.reshape(moving.shape).astype(moving.dtype, copy=False) * (
                    1.0 - momentum)
        self.saved = (xw, mean, inv, scale, axis, moved.shape, layout, out if relu else None)
        return xp.moveaxis(out.reshape(moved.shape), -1, axis)

    def backward(self, dy):
        xw, mean, inv, scale, axis, moved_shape, layout, relu_out = self.saved
        dw = xp.moveaxis(dy, axis, -1).reshape(layout.shape)  # (M/k, k*C)
        n, rows = xw.size // layout.c, xw.shape[0]
        wide_mean = layout.wide(mean)

        if relu_out is not None:
            # The fused ReLU's gradient first, as its own op would make it (the same values,
            # so the sums below add exactly what they add after a separate ReLU).
            gated = xp.empty_like(dw)
            over_batch(lambda a, b: xp.multiply(dw[a:b], relu_out[a:b] > 0, out=gated[a:b]), rows, dw.nbytes)
            dw = gated

        def sums(a, b):  # sum(dy) and sum(dy * (x - mean)), the centring done block by block
            total_dy, total_dyx = layout.column_sums(dw[a:b]), 0.0
            for i in range(a, b, _BLOCK_ROWS):
                j = min(b, i + _BLOCK_ROWS)
                total_dyx = total_dyx + layout.column_dots(dw[i:j], xw[i:j] - wide_mean)
            return xp.stack([total_dy, total_dyx])

        dbeta, centred_dot = _total(over_batch(sums, rows, 2 * xw.nbytes))
        dgamma = centred_dot * inv                            # sum(dy * x_hat)
        dx = None
        if self.needs_grad[0]:
            # dx = scale * (dy - dbeta/n - x_hat * dgamma/n) = A dy + B x + C, per channel
            b_coef = -scale * inv * dgamma / n
            c_coef = -scale * dbeta / n - b_coef * mean
            wide_a, wide_b, wide_c = layout.wide(scale), layout.wide(b_coef), layout.wide(c_coef)
            dxw = xp.empty_like(dw)

            def gradient(a, b):
                xp.multiply(dw[a:b], wide_a, out=dxw[a:b])
                for i in range(a, b, _BLOCK_ROWS):
                    j = min(b, i + _BLOCK_ROWS)
                    dxw[i:j] += xw[i:j] * wide_b
                dxw[a:b] += wide_c

            over_batch(gradient, rows, 2 * xw.nbytes)
            dx = xp.moveaxis(dxw.reshape(moved_shape), -1, axis)
        return (dx, dgamma if self.needs_grad[1] else None, dbeta if self.needs_grad[2] else None, None, None)


class ChannelAffine(Function):
    """``x * scale + shift`` with per-channel ``scale`` and ``shift`` (``(C,)``) on the last axis.

    Batch normalisation in inference mode. Why a primitive: the composition makes
    two passes over the activation, each broadcasting a short vector row by row
    and on one thread; this makes one pass, over wide rows, on striate's threads
    (network (e) at batch 256: 3 passes of ~2.5 ms per layer -> 1). Backward:
    ``dx = dy * scale``, ``dscale = sum(dy * x)``, ``dshift = sum(dy)``.
    """

    def forward(self, x, scale, shift):
        c = x.shape[-1]
        layout = _Layout(x.size // c, c)
        xw = x.reshape(layout.shape)                          # (M/k, k*C)
        out = xp.empty_like(xw)
        wide_scale, wide_shift = layout.wide(scale), layout.wide(shift)

        def part(a, b):
            xp.multiply(xw[a:b], wide_scale, out=out[a:b])
            out[a:b] += wide_shift

        over_batch(part, xw.shape[0], xw.nbytes)
        self.saved = (xw, scale, layout, x.shape)
        return out.reshape(x.shape)

    def backward(self, dy):
        xw, scale, layout, shape = self.saved
        dw = dy.reshape(layout.shape)
        dx = dscale = dshift = None
        if self.needs_grad[0]:
            dx = (dw * layout.wide(scale)).reshape(shape)
        if self.needs_grad[1]:
            dscale = layout.column_dots(dw, xw)
        if self.needs_grad[2]:
            dshift = layout.column_sums(dw)
        return dx, dscale, dshift


# Rows of the (M/k, k*C) view per block of the temporaries above: ~256 KiB, so they stay in the cache.
_BLOCK_ROWS = 64


def _total(parts):
    """The sum of the threads' partial results."""
    total = parts[0]
    for extra in parts[1:]:
        total = total + extra
    return total

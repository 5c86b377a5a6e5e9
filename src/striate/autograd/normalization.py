"""Batch normalization's training pass as one primitive.

Why a primitive (DESIGN rule 2 composes batch norm by default): composed from
Sum, Sub, Mul, Pow and Add, the training pass of ``BatchNormalization`` makes
about 15 passes over the activation (6 forward, 9 backward, most with a
temporary). On network (e)'s activation, 64x32x32x16 float32, forward plus
backward took 23-64 ms (medians of four alternating runs on the shared, busy
2-core machine) against 13-30 ms for this fused form in the same runs: 1.7-2.2x.
Network (e) has seven such layers, so the composition alone (160-450 ms a step)
cost more than PyTorch's whole training step there (~107 ms at 600 samples/s,
BENCHMARKS.md).
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

from striate.autograd.function import Function
from striate.backend import xp

__all__ = ["BatchNorm"]


class BatchNorm(Function):
    """``gamma * (x - mean) / sqrt(var + epsilon) + beta`` with the batch's mean and biased variance.

    Forward arguments: ``x`` (any rank), ``gamma`` and ``beta`` (``(C,)`` or None),
    ``axis`` (the features axis; every other axis is reduced), ``epsilon``, and
    ``statistics``: an optional dict that receives the batch ``'mean'`` and
    ``'variance'`` ``(C,)`` for the layer's moving averages.
    """

    def forward(self, x, gamma, beta, axis=-1, epsilon=1e-3, statistics=None):
        axis %= x.ndim
        moved = xp.moveaxis(x, axis, -1)                 # (..., C), a view
        x2 = moved.reshape(-1, moved.shape[-1])          # (M, C); copies only when axis is not last
        n = x2.shape[0]
        mean = x2.mean(axis=0)
        x_hat = x2 - mean
        variance = xp.einsum("ij,ij->j", x_hat, x_hat) / n
        inv = 1.0 / xp.sqrt(variance + epsilon)
        x_hat *= inv
        y = x_hat * gamma if gamma is not None else x_hat.copy()
        if beta is not None:
            y += beta
        if statistics is not None:
            statistics["mean"], statistics["variance"] = mean, variance
        self.saved = (x_hat, inv, gamma, axis, moved.shape)
        return xp.moveaxis(y.reshape(moved.shape), -1, axis)

    def backward(self, dy):
        x_hat, inv, gamma, axis, moved_shape = self.saved
        d2 = xp.moveaxis(dy, axis, -1).reshape(x_hat.shape)  # (M, C)
        n = d2.shape[0]
        dbeta = d2.sum(axis=0)
        dgamma = xp.einsum("ij,ij->j", d2, x_hat)
        dx = None
        if self.needs_grad[0]:
            scale = inv if gamma is None else gamma * inv
            dx = d2 * scale
            dx -= x_hat * (scale * dgamma / n)
            dx -= scale * dbeta / n
            dx = xp.moveaxis(dx.reshape(moved_shape), -1, axis)
        return (dx, dgamma if self.needs_grad[1] else None, dbeta if self.needs_grad[2] else None)

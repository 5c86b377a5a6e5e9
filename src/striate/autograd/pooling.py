"""N-d max and average pooling on channels-last arrays.

Both work tap by tap: for each offset ``t`` inside the pooling window, the
strided slice ``x[:, t1::s1, t2::s2, ..., :]`` lines up the ``t``-th element of
every window with the output, so a pool of ``P`` taps costs ``P`` whole-array
NumPy passes over the output and never a loop over pixels or samples, and
never a copy of the windows.

>>> import numpy as np
>>> x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
>>> MaxPool.apply(x, pool=(2, 2)).data[0, :, :, 0].tolist()
[[5.0, 7.0], [13.0, 15.0]]
>>> AvgPool.apply(x, pool=(2, 2)).data[0, :, :, 0].tolist()
[[2.5, 4.5], [10.5, 12.5]]
"""

import math

from striate._windows import as_tuple, padding_amounts
from striate.autograd._parallel import over_batch
from striate.autograd._workspace import workspace
from striate.autograd.function import Function
from striate.backend import xp

__all__ = ["MaxPool", "AvgPool", "PoolGeometry"]


class PoolGeometry:
    """Sizes of one pooling: output sizes, padding, and the slice of each tap.

    Output size per axis: 'valid' ``(n - p) // s + 1``, 'same' ``ceil(n / s)``
    (Keras/TensorFlow padding, the odd element after).
    """

    _cache = {}

    @classmethod
    def get(cls, x_shape, pool, strides, padding):
        key = (x_shape, pool, strides, padding)
        geo = cls._cache.get(key)
        if geo is None:
            if len(cls._cache) > 256:
                cls._cache.clear()
            geo = cls._cache[key] = cls(x_shape, pool, strides, padding)
        return geo

    def __init__(self, x_shape, pool, strides, padding):
        rank = len(pool)
        if len(x_shape) != rank + 2:
            raise ValueError(f"pooling: a {rank}-D pool needs input (N, *{rank} spatial axes, C), got shape {x_shape}")
        self.rank, self.pool, self.strides = rank, pool, strides
        self.spatial = tuple(x_shape[1:-1])
        self.pads = tuple(padding_amounts(n, p, s, 1, padding) for n, p, s in zip(self.spatial, pool, strides))
        self.padded = tuple(n + b + a for n, (b, a) in zip(self.spatial, self.pads))
        self.out = tuple((n - p) // s + 1 for n, p, s in zip(self.padded, pool, strides))
        if any(o <= 0 for o in self.out):
            raise ValueError(f"pooling: pool {pool} is larger than the (padded) input {self.padded} "
                             f"(input shape {x_shape})")
        self.has_pad = any(p != (0, 0) for p in self.pads)
        self.inner = (slice(None),) + tuple(slice(b, b + n) for (b, _), n in zip(self.pads, self.spatial))
        # One slice tuple per tap: the tap's element of every window, aligned with the output.
        self.taps = [(slice(None),) + tuple(slice(t, t + (o - 1) * s + 1, s) for t, o, s in zip(tap, self.out, strides))
                     for tap in xp.ndindex(*pool)]
        # Windows that neither overlap nor leave gaps: backward assigns instead of adding.
        self.disjoint = all(s == p for s, p in zip(strides, pool))
        self.covers_all = all((o - 1) * s + p == n for o, s, p, n in zip(self.out, strides, pool, self.padded))

    def padded_input(self, x, fill, tag):
        """``x`` inside a border of ``fill`` (a kept workspace), or ``x`` itself without padding."""
        if not self.has_pad:
            return x
        buf = workspace((tag, self.padded, self.pads), x.shape[:1] + self.padded + x.shape[-1:], x.dtype, fill=fill)
        buf[self.inner] = x
        return buf

    def counts(self, dtype):
        """Number of real (non-padding) inputs under each window, broadcastable to ``(N, *O, C)``.

        Keras/TensorFlow's 'same' average pooling divides by this count, not by the
        pool size (PyTorch's ``count_include_pad=False``).
        """
        if not self.has_pad:
            return float(math.prod(self.pool))
        total = xp.ones((1,) * (self.rank + 2), dtype=dtype)
        for axis, (n, p, s, (b, _), o) in enumerate(zip(self.spatial, self.pool, self.strides, self.pads, self.out)):
            start = xp.arange(o) * s - b  # first input index under each window
            count = xp.minimum(start + p, n) - xp.maximum(start, 0)  # (O_axis,)
            shape = [1] * (self.rank + 2)
            shape[axis + 1] = o
            total = total * count.astype(dtype).reshape(shape)
        return total

    def gradient_buffer(self, x_shape, dtype):
        """A fresh ``(N, *padded, C)`` array for the input gradient: zeros where no window
        reaches or windows overlap (taps add up), uninitialised when disjoint windows
        cover every input (each tap assigns its own inputs)."""
        shape = x_shape[:1] + self.padded + x_shape[-1:]
        return (xp.empty if self.disjoint and self.covers_all else xp.zeros)(shape, dtype=dtype)

    def put(self, dx, tap, part):
        """Add (or, for disjoint windows, write) one tap's share into the gradient."""
        if self.disjoint:
            dx[tap] = part
        else:
            dx[tap] += part

    def crop(self, dx):
        return dx[self.inner] if self.has_pad else dx


def _geometry(x, pool, strides, padding):
    rank = x.ndim - 2
    pool = pool if type(pool) is tuple else as_tuple(pool, rank, "pool_size")
    strides = pool if strides is None else (strides if type(strides) is tuple else as_tuple(strides, rank, "strides"))
    return PoolGeometry.get(x.shape, pool, strides, padding)


class MaxPool(Function):
    """Maximum over each window, channels last.

    Why a primitive: composed from window views and ``max`` it would copy the
    windows; tap by tap it reads ``x`` in place. The gradient goes to the first
    maximum of each window (row-major order), as in PyTorch and TensorFlow, so
    ties never double a gradient. 'same' padding pads with ``-inf``.

    Args (of ``apply``): ``x (N, *spatial, C)``, ``pool`` (ints per axis),
    ``strides`` (default ``pool``), ``padding`` ('valid' or 'same').

    Output shape: ``(N, *O, C)``, per axis 'valid' ``O = (n - p) // s + 1``, 'same' ``ceil(n / s)``.

    Raises:
        ValueError: when the pool is larger than the (padded) input.
    """

    def forward(self, x, pool, strides=None, padding="valid"):
        geo = _geometry(x, pool, strides, padding)
        y = xp.empty(x.shape[:1] + geo.out + x.shape[-1:], dtype=x.dtype)

        def part(start, stop):  # samples start..stop, on one of striate's threads
            xp_ = geo.padded_input(x[start:stop], -xp.inf, "maxpool-pad")
            out = y[start:stop]
            xp.copyto(out, xp_[geo.taps[0]])
            for tap in geo.taps[1:]:
                xp.maximum(out, xp_[tap], out=out)

        over_batch(part, x.shape[0], x.nbytes)
        self.saved = (x, y, geo)
        return y

    def backward(self, dy):
        x, y, geo = self.saved
        dx = geo.gradient_buffer(x.shape, dy.dtype)

        def part(start, stop):
            xp_ = geo.padded_input(x[start:stop], -xp.inf, "maxpool-pad")
            ys, dys, dxs = y[start:stop], dy[start:stop], dx[start:stop]
            taken = None  # windows whose maximum already got the gradient
            for i, tap in enumerate(geo.taps):
                hit = xp_[tap] == ys
                if taken is None:
                    taken = hit
                else:
                    xp.greater(hit, taken, out=hit)  # hit and not taken: only the first maximum
                    if i + 1 < len(geo.taps):
                        taken |= hit
                if geo.disjoint:
                    xp.multiply(dys, hit, out=dxs[tap])  # a multiply: np.where with a mask is ~10x slower
                else:
                    dxs[tap] += dys * hit

        over_batch(part, x.shape[0], x.nbytes)
        return (geo.crop(dx),)


class AvgPool(Function):
    """Mean over each window, channels last; 'same' divides by the real (unpadded) inputs.

    Why a primitive: as for :class:`MaxPool`, the windows are read tap by tap in
    place; the backward spreads ``dy / count`` back the same way.

    Args and output shape as for :class:`MaxPool`.
    """

    def forward(self, x, pool, strides=None, padding="valid"):
        geo = _geometry(x, pool, strides, padding)
        xp_ = geo.padded_input(x, 0, "avgpool-pad")
        y = xp_[geo.taps[0]].copy()
        for tap in geo.taps[1:]:
            y += xp_[tap]
        counts = geo.counts(x.dtype)
        if isinstance(counts, float):
            y *= 1.0 / counts
        else:
            y /= counts
        self.saved = (x.shape, geo, counts)
        return y

    def backward(self, dy):
        shape, geo, counts = self.saved
        share = dy * (1.0 / counts) if isinstance(counts, float) else dy / counts
        dx = geo.gradient_buffer(shape, dy.dtype)
        for tap in geo.taps:
            geo.put(dx, tap, share)
        return (geo.crop(dx),)

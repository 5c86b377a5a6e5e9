"""The convolution primitive's passes on a GPU backend: whole-batch im2col and one GEMM each.

The CPU passes in ``conv.py`` cut the batch into cache-sized chunks, split them over
threads and reuse host scratch buffers; on a GPU none of that pays: a GEMM needs the
whole batch to fill the device, and CuPy's memory pool already recycles blocks. So
here every pass is one strided window view copied to columns (one elementwise
kernel), one cuBLAS GEMM through ``xp.matmul``, and for the input gradient a
``col2im`` of one strided add per kernel tap. Only arrays of the current module are
touched; :class:`~striate.autograd.conv.Conv` calls these when ``backend.is_numpy()``
is false, with the same :class:`~striate.autograd.conv.ConvGeometry` (shapes,
padding) as the CPU passes.

>>> import numpy as np
>>> from striate.autograd.conv import ConvGeometry
>>> geo = ConvGeometry.get((1, 5, 1), (3, 1, 1), (1,), "valid", (1,))
>>> x = np.arange(5, dtype="float32").reshape(1, 5, 1)      # (N, W, C)
>>> w = np.array([1, 0, -1], dtype="float32").reshape(3, 1, 1)
>>> forward(geo, x, w, None).ravel().tolist()                # x[o] - x[o + 2]
[-2.0, -2.0, -2.0]
"""

from striate import backend
from striate.backend import xp

__all__ = ["forward", "backward"]


def _taps(geo):
    """Per kernel tap, the slices of the padded input that line up with the output (cached on ``geo``)."""
    taps = getattr(geo, "_device_taps", None)
    if taps is None:
        taps = []
        for index in range(geo.ksize):
            tap, rest = [], index
            for k in reversed(geo.kernel):  # row-major tap order, as the kernel's reshape
                rest, t = divmod(rest, k)
                tap.insert(0, t)
            taps.append((slice(None),) + tuple(slice(t * d, t * d + (o - 1) * s + 1, s)
                                               for t, o, s, d in zip(tap, geo.out, geo.strides, geo.dilation)))
        geo._device_taps = taps
    return taps


def _padded(geo, x):
    """``x`` inside its zero padding: ``(N, *P, C)``."""
    if not geo.has_pad:
        return xp.ascontiguousarray(x)
    buf = xp.zeros((x.shape[0],) + geo.padded + (geo.c,), dtype=x.dtype)
    buf[geo.inner] = x
    return buf


def _columns(geo, xpad):
    """Every window of the padded input as the matrix ``(N*O, K*C)`` (a copy of a strided view)."""
    item = xpad.itemsize
    steps = [geo.c * item]  # byte strides of the spatial axes, last first
    for p in reversed(geo.padded[1:]):
        steps.insert(0, steps[0] * p)
    n = xpad.shape[0]
    shape = (n,) + geo.out + geo.kernel + (geo.c,)  # (N, *O, *K, C)
    strides = ((steps[0] * geo.padded[0],) + tuple(st * s for st, s in zip(steps, geo.strides))
               + tuple(st * d for st, d in zip(steps, geo.dilation)) + (item,))
    view = backend.strided_view(xpad, shape, strides)
    return xp.ascontiguousarray(view).reshape(-1, geo.ksize * geo.c)  # (N*O, K*C)


def forward(geo, x, w, b, relu=False):
    """``y (N, *O, F)`` = windows of ``x`` times the kernel, plus ``b``, rectified if ``relu``."""
    n = x.shape[0]
    w2 = w.reshape(geo.ksize * geo.c, geo.f)  # (K*C, F)
    cols = x.reshape(-1, geo.c) if geo.pointwise else _columns(geo, _padded(geo, x))  # (N*O, K*C)
    y = cols @ w2  # (N*O, F)
    if b is not None:
        y += b
    if relu:
        xp.maximum(y, 0, out=y)
    return y.reshape((n,) + geo.out + (geo.f,))


def backward(geo, x, w, dy, need_x, need_w, need_b=False, y=None):
    """``(dx, dw, db)``, each None when not needed; ``y``: the output of a fused ReLU."""
    f, c = geo.f, geo.c
    dy2 = dy.reshape(-1, f)  # (N*O, F)
    if y is not None:
        dy2 = dy2 * (y.reshape(-1, f) > 0)
    db = dy2.sum(axis=0) if need_b else None
    dw = dx = None
    if need_w:
        cols = x.reshape(-1, c) if geo.pointwise else _columns(geo, _padded(geo, x))
        dw = (cols.T @ dy2).reshape(w.shape)  # (K*C, F)
    if need_x:
        dcols = dy2 @ w.reshape(geo.ksize * c, f).T  # (N*O, K*C)
        if geo.pointwise:
            dx = dcols.reshape(x.shape)
        else:
            dx = _col2im(geo, dcols.reshape((x.shape[0],) + geo.out + (geo.ksize, c)), x)
    return dx, dw, db


def _col2im(geo, dcols, x):
    """Add every window's gradient ``dcols (N, *O, K, C)`` back where it was read from."""
    target = xp.zeros((x.shape[0],) + geo.padded + (geo.c,), dtype=dcols.dtype)  # (N, *P, C)
    lead = (slice(None),) * (1 + geo.rank)
    for index, tap in enumerate(_taps(geo)):
        target[tap] += dcols[lead + (index,)]  # (N, *O, C)
    return xp.ascontiguousarray(target[geo.inner]) if geo.has_pad else target

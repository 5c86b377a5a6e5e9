"""Direct correlation: a sum of shifted slices, or banded matrix products (GEMM).

Ways to compute ``y[i] = sum_m x[i*s + m*d - before] * w[m]`` term by term:

``taps``
    One strided multiply-add per non-zero kernel tap, over the whole output
    (``prod(k)`` passes; taps of +-1 skip the multiply). The slices are clipped
    at the borders instead of padding the data, so 'same' and 'full' cost no copy.
    Best for tiny kernels, and exact for integer data (wrapping like SciPy).

``numpy`` (1-D, stride 1)
    ``numpy.correlate``: NumPy's own single-threaded loop, what SciPy runs for
    1-D data too; exact for integers as well.

``gemm``
    Block the last axis into ``b`` outputs; the ``b`` outputs of one block are a
    small matrix product of the ``(b - 1) * s + span`` inputs under it with a
    banded (Toeplitz) matrix ``T`` holding one kernel row. A strided view from
    ``_windows.window_view`` makes every block of every row one operand of a
    batched ``matmul`` (one BLAS call per block, no im2col copy); the rows of
    the kernel along the other axes add up. It spends ``(b*s + span - 1) / k``
    times the multiply-adds of ``taps`` but runs them at BLAS speed.

>>> import numpy as np
>>> from striate.signal._geometry import Geometry
>>> x, w = np.arange(6.0), np.array([1.0, 2.0])
>>> taps(x, w, Geometry(x.shape, w.shape, "valid")).tolist()
[2.0, 5.0, 8.0, 11.0, 14.0]
"""

import math

from striate._windows import pad, window_view
from striate.backend import xp
from striate.signal._geometry import Geometry

__all__ = ["taps", "gemm", "gemm_axis", "line", "toeplitz", "block_size"]


def _tap_slices(geo, index):
    """Output and input slices that tap ``index`` touches, or None if it touches nothing."""
    out_sl, in_sl = [], []
    for a, m in enumerate(index):
        n, _, s, d, _, before, o = geo.axis(a)
        offset = m * d - before  # input position read by output 0
        lo = 0 if offset >= 0 else (-offset + s - 1) // s
        hi = min(o, (n - 1 - offset) // s + 1)
        if lo >= hi:
            return None
        start = lo * s + offset
        out_sl.append(slice(lo, hi))
        in_sl.append(slice(start, start + (hi - lo - 1) * s + 1, s))
    return tuple(out_sl), tuple(in_sl)


def taps(x, w, geo, out=None):
    """Correlation as a sum of shifted, strided slices of ``x`` weighted by the taps of ``w``.

    Works for every dtype (integers wrap around like SciPy). ``out`` (shape
    ``geo.out_shape``) is written if given.
    """
    out = xp.empty(geo.out_shape, dtype=x.dtype) if out is None else out
    tmp, filled = None, False
    for index in xp.ndindex(*w.shape):
        tap = w[index]
        if tap == 0:
            continue
        slices = _tap_slices(geo, index)
        if slices is None:
            continue
        out_sl, in_sl = slices
        src = x[in_sl]
        if not filled:
            filled = True
            if src.shape == out.shape:  # the tap covers the whole output: no zeroing
                xp.multiply(src, tap, out=out)
                continue
            out[...] = 0
        dst = out[out_sl]
        if tap == 1:
            xp.add(dst, src, out=dst)
        elif tap == -1:
            xp.subtract(dst, src, out=dst)
        else:
            tmp = xp.empty(out.shape, dtype=out.dtype) if tmp is None else tmp
            part = tmp[tuple(slice(0, n) for n in dst.shape)]
            xp.multiply(src, tap, out=part)
            xp.add(dst, part, out=dst)
    if not filled:
        out[...] = 0
    return out


def toeplitz(rows, b, s=1, d=1):
    """Banded matrices that correlate a block of inputs into ``b`` outputs.

    Args:
        rows: ``(r, k)`` kernel rows.
        b, s, d: outputs per block, stride, dilation.

    Returns:
        ``(r, (b - 1) * s + (k - 1) * d + 1, b)`` array ``T`` with
        ``T[:, c*s + m*d, c] = rows[:, m]``, so ``block @ T[j]`` correlates.
    """
    r, k = rows.shape
    span = (k - 1) * d + 1
    t = xp.zeros((r, (b - 1) * s + span, b), dtype=rows.dtype)
    c = xp.arange(b)
    at = c[None, :] * s + xp.arange(k)[:, None] * d  # (k, b) input index of tap m for output c
    t[:, at, xp.broadcast_to(c, (k, b))] = rows[:, :, None]
    return t


def block_size(n_out):
    """Outputs per GEMM block. Each output costs ``(b - 1) * s + span`` multiply-adds
    in the band, so small blocks waste least; below about 16 the BLAS calls get
    too thin to run well (measured: 8-32 are within noise of each other, for
    kernels of 3 to 41 taps)."""
    return max(1, min(16, n_out))


def _block_view(x, geo, offsets, b, count, start):
    """Strided view ``(O_0, ..., O_{r-3}, count, O_{r-2}, block_in)`` of padded ``x``:
    for every row of the output and every one of ``count`` blocks along the last
    axis, the ``block_in`` inputs under it, for the kernel row at ``offsets``."""
    r = x.ndim
    _, _, s, _, span, _, _ = geo.axis(r - 1)
    block_in = (b - 1) * s + span
    lead = tuple(slice(t * d, None) for t, d in zip(offsets, geo.dilation))
    base = x[lead + (slice(start, None),)]
    view = window_view(base, (1,) * (r - 1) + (block_in,), axes=tuple(range(r)),
                       strides=geo.stride[:-1] + (b * s,))
    # (*O'[:-1], nblocks, 1, ..., 1, block_in) -> keep the windows we need, drop the 1s
    view = view[tuple(slice(0, o) for o in geo.out_shape[:-1]) + (slice(0, count),)]
    view = view.reshape(view.shape[: r] + (block_in,))  # (O_0, ..., O_{r-2}, count, block_in)
    return xp.moveaxis(view, r - 1, r - 2)  # (O_0, ..., O_{r-3}, count, O_{r-2}, block_in)


def _gemm_nd(x, w, geo, out, b):
    """Banded GEMM for ``x.ndim >= 2`` on already padded, C-contiguous ``x``."""
    k_last, s_last, o_last = w.shape[-1], geo.stride[-1], geo.out_shape[-1]
    rows = w.reshape(-1, k_last)  # (prod(k[:-1]), k_last): one kernel row per offset
    keep = [j for j in range(rows.shape[0]) if rows[j].any()]
    if not keep:
        out[...] = 0
        return out
    nb = o_last // b
    for size, count, start in ((b, nb, 0), (o_last - nb * b, 1, nb * b)):
        if size == 0 or count == 0:
            continue
        t = toeplitz(rows[keep], size, s_last, geo.dilation[-1])  # (len(keep), block_in, size)
        region = out[..., start:start + count * size]
        region = region.reshape(region.shape[:-1] + (count, size))  # (..., O_{r-2}, count, size)
        region = xp.swapaxes(region, -2, -3)  # (..., count, O_{r-2}, size)
        tmp = xp.empty(region.shape, dtype=out.dtype) if len(keep) > 1 else None
        for j, row in enumerate(keep):
            offsets = divmod_index(row, w.shape[:-1])  # host ints: slice bounds below
            view = _block_view(x, geo, offsets, size, count, start * s_last)
            if j == 0:
                xp.matmul(view, t[j], out=region)
            else:
                xp.matmul(view, t[j], out=tmp)
                region += tmp
    return out


def _gemm_1d(x, v, s, d, out, b):
    """Banded GEMM for one axis: ``out[i] = sum_m x[i*s + m*d] v[m]`` ('valid').

    ``x`` is cut into rows of ``b*s`` samples (a reshape, no copy): one GEMM with
    the top of the band gives each block's outputs, a second, thin GEMM adds the
    part of the band that reaches into the next row.
    """
    span = (len(v) - 1) * d + 1
    n_out = out.shape[0]
    nb = n_out // b
    if nb:
        t = toeplitz(v[None, :], b, s, d)[0]  # ((b - 1) * s + span, b)
        main = out[: nb * b].reshape(nb, b)  # (nb, b)
        xp.matmul(x[: nb * b * s].reshape(nb, b * s), t[: b * s], out=main)  # (nb, b*s) @ (b*s, b)
        spill = span - s  # band rows that read the next row's first samples
        if spill > 0:
            ahead = window_view(x[b * s:], (spill,), axes=(0,), strides=(b * s,))[:nb]  # (nb, spill)
            main += ahead @ t[b * s:]  # (nb, spill) @ (spill, b)
    tail = n_out - nb * b
    if tail:
        piece = x[nb * b * s:]
        taps(piece, v, Geometry(piece.shape, v.shape, "valid", s, d), out=out[nb * b:])
    return out


def line(x, w, geo, kind="gemm", b=None):
    """1-D correlation by banded GEMM (``kind='gemm'``) or ``numpy.correlate`` ('numpy').

    The GEMM, in 'same' and 'full' mode with stride 1, pads only the two edges
    (taps on a few samples) and reads the long interior in place instead of
    copying the signal.
    """
    n, _, s, d, span, before, o = geo.axis(0)
    if kind == "numpy":
        # NumPy's own loop; its modes are SciPy's (SciPy calls it for 1-D data)
        # except 'same' with a kernel longer than the data, left to taps.
        if s == 1 and (geo.mode != "same" or n >= span):
            return xp.correlate(x, dilate_1d(w, d), geo.mode)
        return taps(x, w, geo)
    out = xp.empty(geo.out_shape, dtype=x.dtype)
    if span < s:  # a band wider than its stride would skip samples
        return taps(x, w, geo, out=out)
    b = b or block_size(o)
    run = lambda xs, o_: _gemm_1d(xs, w, s, d, o_, b)  # noqa: E731
    if geo.needs_padding and s == 1 and n >= span:
        after = geo.after[0]
        if before:
            left = xp.concatenate([xp.zeros(before, x.dtype), x[: span - 1]])
            taps(left, w, Geometry(left.shape, w.shape, "valid", 1, d), out=out[:before])
        if after:
            right = xp.concatenate([x[n - span + 1:], xp.zeros(after, x.dtype)])
            taps(right, w, Geometry(right.shape, w.shape, "valid", 1, d), out=out[o - after:])
        run(xp.ascontiguousarray(x), out[before:o - after])
        return out
    return run(xp.ascontiguousarray(pad(x, [(before, geo.after[0])], (0,))), out)


def dilate_1d(v, d):
    """``v`` with ``d - 1`` zeros between taps."""
    if d == 1:
        return v
    out = xp.zeros((len(v) - 1) * d + 1, dtype=v.dtype)
    out[::d] = v
    return out


def gemm(x, w, geo, b=None):
    """Correlation by banded matrix products; floats only, ``x`` in the compute dtype."""
    if x.ndim == 1:
        return line(x, w, geo, "gemm", b)
    out = xp.empty(geo.out_shape, dtype=x.dtype)
    b = b or block_size(geo.out_shape[-1])
    padded = xp.ascontiguousarray(pad(x, list(zip(geo.before, geo.after)), tuple(range(x.ndim))))
    return _gemm_nd(padded, w, geo, out, b)


def gemm_axis(x, v, axis, geo, b=None):
    """One 1-D correlation with ``v`` along ``axis`` (not the last) by banded GEMM.

    The axes after ``axis`` are one contiguous run of ``rest`` samples, so each
    block of ``b`` outputs is ``T.T @ x[block_in rows, rest]``: a left product whose
    operand is a strided view (no copy), batched over the axes before ``axis``.
    ``geo`` has kernel size 1 on every other axis.
    """
    _, _, s, d, span, before, o = geo.axis(axis)
    pads = [(0, 0)] * x.ndim
    pads[axis] = (before, geo.after[axis])
    x = xp.ascontiguousarray(pad(x, pads, tuple(range(x.ndim))))
    pre, rest = math.prod(x.shape[:axis]), math.prod(x.shape[axis + 1:])
    x3 = x.reshape(pre, x.shape[axis], rest)  # (pre, padded n, rest)
    out = xp.empty((pre, o, rest), dtype=x.dtype)
    b = b or block_size(o)
    nb = o // b
    for size, count, start in ((b, nb, 0), (o - nb * b, 1, nb * b)):
        if size == 0 or count == 0:
            continue
        t = toeplitz(v[None, :], size, s, d)[0].T  # (size, block_in)
        view = window_view(x3[:, start * s:], (t.shape[1],), axes=(1,), strides=(size * s,))
        view = xp.swapaxes(view[:, :count], -1, -2)  # (pre, count, rest, block_in) -> (pre, count, block_in, rest)
        region = out[:, start:start + count * size].reshape(pre, count, size, rest)  # a view of out
        xp.matmul(t, view, out=region)  # (size, block_in) @ (pre, count, block_in, rest)
    return out.reshape(x.shape[:axis] + (o,) + x.shape[axis + 1:])  # (pre, o, rest) -> (..., o, ...)


def divmod_index(flat, shape):
    """``numpy.unravel_index`` of one Python int as Python ints (CuPy's returns device arrays,
    which cannot bound a slice)."""
    index = []
    for size in reversed(shape):
        flat, i = divmod(int(flat), size)
        index.insert(0, i)
    return tuple(index)

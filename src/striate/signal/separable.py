"""Separable kernels: find the 1-D factors of a rank-1 kernel and correlate axis by axis.

A kernel is separable when it is an outer product ``w = f0 (x) f1 (x) ... (x) f_{r-1}``
(Gaussian, box and Sobel kernels are). Correlating with it is then ``r``
successive 1-D correlations, ``k0 + k1 + ...`` multiply-adds per sample instead of
``k0 * k1 * ...``.

Rank 1 is checked exactly the way a 2-D SVD would see it, but for any rank: the
fibres through the largest entry (one per axis) are the factors, and the kernel
is separable when their outer product, divided by the pivot ``r - 1`` times,
gives back ``w`` to rounding.

>>> import numpy as np
>>> [f.tolist() for f in separate(np.outer([1.0, 2.0, 1.0], [1.0, 0.0, -1.0]))]
[[0.5, 1.0, 0.5], [2.0, 0.0, -2.0]]
>>> separate(np.eye(2)) is None
True
"""

from striate.backend import xp
from striate.signal import _cost, _direct
from striate.signal._checks import as_data
from striate.signal._geometry import Geometry

__all__ = ["separate", "outer_product", "correlate_separable", "pass_geometry", "separable_cost"]


def outer_product(factors):
    """The N-d array ``f0 (x) f1 (x) ...`` of 1-D ``factors``."""
    out = factors[0]
    for f in factors[1:]:
        out = xp.multiply.outer(out, f)
    return out


def separate(w, rtol=None):
    """The 1-D factors of a separable (rank-1) kernel, or None when it is not separable.

    Args:
        w: kernel of any rank.
        rtol: allowed error of the outer product relative to ``max|w|``
            (default: a few hundred units of rounding of ``w``'s float type).

    Returns:
        A list of ``w.ndim`` 1-D arrays (float; the scale sits in the first) whose
        outer product is ``w``, or None.

    Raises:
        ValueError, TypeError: for empty, non-finite or non-numeric ``w``.

    >>> import numpy as np
    >>> [f.tolist() for f in separate(np.ones((2, 3)))]
    [[1.0, 1.0], [1.0, 1.0, 1.0]]
    """
    w = as_data(w, "w", "separate")
    if w.dtype.kind != "f":
        w = w.astype(xp.float64)
    if w.ndim == 1:
        return [w]
    peak = xp.unravel_index(xp.argmax(xp.abs(w)), w.shape)
    pivot = w[peak]
    if pivot == 0:  # the zero kernel is the outer product of zeros and ones
        return [xp.zeros(w.shape[0], w.dtype)] + [xp.ones(k, w.dtype) for k in w.shape[1:]]
    factors = []
    for a in range(w.ndim):
        fibre = list(peak)
        fibre[a] = slice(None)
        factors.append(w[tuple(fibre)].copy())
    factors[0] = factors[0] / pivot ** (w.ndim - 1)
    rtol = 256 * xp.finfo(w.dtype).eps if rtol is None else rtol
    if xp.max(xp.abs(outer_product(factors) - w)) > rtol * abs(pivot):
        return None
    return factors


def pass_geometry(shape, axis, k, geo):
    """Geometry of the 1-D pass along ``axis`` inside the N-d correlation ``geo``."""
    ones = [1] * len(shape)
    kernel, stride, dilation = list(ones), list(ones), list(ones)
    kernel[axis], stride[axis], dilation[axis] = k, geo.stride[axis], geo.dilation[axis]
    return Geometry(shape, kernel, geo.mode, stride, dilation)


def _pass_order(factors, geo):
    """Axes with a factor longer than 1, those whose pass shrinks the data most first."""
    return sorted((a for a, f in enumerate(factors) if len(f) > 1), key=lambda a: geo.out_shape[a] / geo.shape[a])


def correlate_separable(x, factors, geo, choose_pass=_cost.pass_kind):
    """Correlate float ``x`` with the outer product of ``factors``, one axis at a time.

    ``choose_pass(shape, axis, k, pass_geo, dtype)`` names the method of one
    pass: 'taps' or 'gemm'. Passes that shrink the data (valid mode, strides) go first.
    """
    factors = [xp.asarray(f, dtype=x.dtype) for f in factors]
    scale = 1.0
    for a, f in enumerate(factors):  # 1-tap factors are plain scales
        if f.shape[0] == 1:
            scale *= float(f[0])
    axes = _pass_order(factors, geo)
    y = x[tuple(slice(None, None, s) if f.shape[0] == 1 else slice(None)
                for f, s in zip(factors, geo.stride))]
    if not axes:
        return xp.multiply(y, scale, dtype=x.dtype)
    factors[axes[0]] = factors[axes[0]] * xp.asarray(scale, dtype=x.dtype)
    last = x.ndim - 1
    for a in axes:
        f = factors[a]
        pg = pass_geometry(y.shape, a, f.shape[0], geo)
        kind = choose_pass(y.shape, a, f.shape[0], pg, x.dtype)
        if kind == "taps":
            y = _direct.taps(y, f.reshape(pg.kernel), pg)  # (k,) -> (1, .., k, .., 1)
        elif a == last:
            y = _direct.gemm(y, f.reshape(pg.kernel), pg)  # (k,) -> (1, ..., 1, k)
        else:
            y = _direct.gemm_axis(y, f, a, pg)
    return y


def separable_cost(shape, factors, geo, pass_cost):
    """Estimated seconds of :func:`correlate_separable`, given a per-pass cost function."""
    total, current = 0.0, list(shape)
    for a in _pass_order(factors, geo):
        pg = pass_geometry(tuple(current), a, len(factors[a]), geo)
        total += pass_cost(tuple(current), a, len(factors[a]), pg)
        current[a] = pg.out_shape[a]
    return total

"""N-d correlation and convolution of plain arrays, with the fastest method per call.

``correlate(x, w)[i] = sum_m x[i + m] * w[m]`` (no flip: what a convnet layer and the
lecture call convolution); ``convolve`` flips ``w`` first. Modes, results and dtypes
agree with ``scipy.signal.correlate`` / ``scipy.signal.convolve``; see
``striate.signal._geometry`` for the padding table and ``_checks`` for the dtype rules.

Methods: 'direct' (shifted slices or banded GEMM, exact for integers), 'fft'
(``numpy.fft``, overlap-save for long 1-D signals), 'separable' (1-D passes, for
rank-1 kernels) and 'auto', which takes the cheapest by a cost model the way
SciPy's ``method='auto'`` does; :func:`choose_method` says which one that is.

>>> import numpy as np
>>> correlate(np.array([1, 2, 3, 4]), np.array([1, -1]))
array([-1, -1, -1])
>>> convolve(np.array([1, 2, 3, 4]), np.array([1, -1]), mode="full")
array([ 1,  1,  1,  1, -4])
"""

import math
import time

from striate.backend import xp
from striate.signal import _cost, _direct, _fft
from striate.signal._checks import check_mode, compute_dtype, data_and_kernel, result_dtype
from striate.signal._geometry import Geometry
from striate.signal.separable import correlate_separable, separable_cost, separate

__all__ = ["correlate", "convolve", "choose_method", "METHODS"]

METHODS = ("auto", "direct", "fft", "separable")


def _prepare(x, w, mode, stride, dilation, where, flip=False):
    x, w = data_and_kernel(x, w, where)
    check_mode(mode, where)
    if flip:
        w = w[(slice(None, None, -1),) * w.ndim]
    return x, w, Geometry(x.shape, w.shape, mode, stride, dilation, where)


def _kinds(w, geo, method, itemsize, exact):
    """``{kind: estimated seconds}`` of the ways to run ``method`` ('direct' or 'fft')."""
    if method == "fft":
        return _cost.fft_costs(geo, itemsize)
    rows = w.reshape(-1, w.shape[-1])  # (prod(k[:-1]), k_last): one row per leading offset
    n_rows, n_taps = int(xp.count_nonzero(rows.any(axis=1))), int(xp.count_nonzero(rows))
    return _cost.direct_costs(geo, n_rows, n_taps, itemsize, exact=exact)


def _plans(x, w, geo):
    """``({method: {kind: estimated seconds}}, separable factors or None)`` for the
    methods that 'auto' weighs: integers only 'direct' (exact, as SciPy does)."""
    dtype = result_dtype(x, w)
    exact, itemsize = dtype.kind in "biu", compute_dtype(dtype).itemsize
    plans = {"direct": _kinds(w, geo, "direct", itemsize, exact)}
    factors = None
    if not exact:
        plans["fft"] = _kinds(w, geo, "fft", itemsize, exact)
        factors = separate(w) if w.ndim > 1 else None
        if factors is not None:
            pass_cost = lambda shape, axis, k, pg: _cost.pass_cost(shape, axis, k, pg, itemsize)[0]  # noqa: E731
            plans["separable"] = {"separable": separable_cost(x.shape, factors, geo, pass_cost)}
    return plans, factors


def _cheapest(plans):
    return min(plans, key=lambda method: min(plans[method].values()))


_KINDS = {
    "taps": _direct.taps,
    "gemm": _direct.gemm,
    "numpy": lambda x, w, geo: _direct.line(x, w, geo, "numpy"),
    "fft": _fft.fft_correlate,
    "overlap_save": _fft.overlap_save,
}


def _run(x, w, geo, method, where):
    if method not in METHODS:
        raise ValueError(f"{where}: method must be one of {METHODS}, got {method!r}")
    plans, factors = _plans(x, w, geo)
    method = _cheapest(plans) if method == "auto" else method
    out_dtype = result_dtype(x, w)
    exact = out_dtype.kind in "biu"
    if exact:  # directly in the integer type (wrapping like SciPy), else in float64
        dtype = out_dtype if method == "direct" else xp.dtype(xp.float64)
    else:
        dtype = compute_dtype(out_dtype)
    x, w = x.astype(dtype, copy=False), w.astype(dtype, copy=False)
    if method == "separable":
        factors = factors if factors is not None else separate(w)
        if factors is None:
            raise ValueError(f"{where}: method='separable' needs a rank-1 kernel; "
                             f"w of shape {w.shape} is not separable")
        y = correlate_separable(x, factors, geo)
    else:
        kinds = plans[method] if method in plans else _kinds(w, geo, method, dtype.itemsize, exact=False)
        y = _KINDS[min(kinds, key=kinds.get)](x, w, geo)
    if exact and method != "direct":
        y = xp.rint(y)  # like SciPy: round the float result back
    return y.astype(out_dtype, copy=False)


def correlate(x, w, mode="valid", *, method="auto", stride=1, dilation=1):
    """N-d cross-correlation ``y[i] = sum_m x[i*stride + m*dilation - before] * w[m]``.

    Args:
        x: data, any rank (a colour image ``(H, W, 3)`` with a ``(k, k, 3)`` kernel is
            the lecture's 3-D convolution; take ``[..., 0]`` of the result).
        w: kernel with as many dimensions as ``x``.
        mode: 'valid' (only full overlaps), 'same' (zero-padded to ``x``'s size,
            centred like SciPy: the odd zero goes before) or 'full'.
        method: 'auto', 'direct', 'fft' or 'separable' (see :func:`choose_method`).
        stride, dilation: int or one per axis; the result is the stride-1 result of
            the kernel with ``dilation - 1`` zeros between taps, sampled every ``stride``.

    Shapes:
        Per axis, with ``span = (k - 1) * dilation + 1``: 'valid' gives
        ``(n - span) // stride + 1``, 'same' ``(n - 1) // stride + 1``,
        'full' ``(n + span - 2) // stride + 1``.

    Returns:
        Array of ``numpy.result_type(x, w)`` (float32 stays float32; integers are exact).

    Raises:
        ValueError: kernel with more (or fewer) dimensions than the data, unknown
            mode or method, kernel larger than the data in 'valid' mode, empty
            arrays, NaN or infinity, non-positive stride or dilation.
        TypeError: complex or non-numeric input.

    >>> import numpy as np
    >>> correlate(np.arange(5.0), np.ones(2), mode="same").tolist()
    [0.0, 1.0, 3.0, 5.0, 7.0]
    >>> correlate(np.ones((4, 4)), np.ones((2, 2)), stride=2).tolist()
    [[4.0, 4.0], [4.0, 4.0]]
    """
    x, w, geo = _prepare(x, w, mode, stride, dilation, "correlate")
    return _run(x, w, geo, method, "correlate")


def convolve(x, w, mode="valid", *, method="auto", stride=1, dilation=1):
    """N-d convolution: :func:`correlate` with ``w`` flipped along every axis.

    Same arguments, shapes, dtypes and errors as :func:`correlate`; agrees with
    ``scipy.signal.convolve`` (including where 'same' puts the odd zero).

    >>> import numpy as np
    >>> convolve(np.array([0.0, 1.0, 0.0]), np.array([1.0, 2.0, 3.0]), mode="same").tolist()
    [1.0, 2.0, 3.0]
    """
    x, w, geo = _prepare(x, w, mode, stride, dilation, "convolve", flip=True)
    return _run(x, w, geo, method, "convolve")


def choose_method(x, w, mode="valid", *, stride=1, dilation=1, measure=False):
    """The method that ``correlate(x, w, mode, method='auto', ...)`` uses.

    Args:
        x, w, mode, stride, dilation: as for :func:`correlate`.
        measure: time every applicable method on these arrays instead of
            estimating (like ``scipy.signal.choose_conv_method``).

    Returns:
        'direct', 'fft' or 'separable'; with ``measure=True`` a pair
        ``(fastest, {method: seconds})``.

    >>> import numpy as np
    >>> choose_method(np.zeros((512, 512)), np.ones((31, 31)))
    'separable'
    >>> choose_method(np.zeros(100, dtype=np.int32), np.arange(5))
    'direct'
    """
    x, w, geo = _prepare(x, w, mode, stride, dilation, "choose_method")
    plans, _ = _plans(x, w, geo)
    if not measure:
        return _cheapest(plans)
    times = {}
    for name in plans:
        best = math.inf
        for _ in range(3):
            start = time.perf_counter()
            _run(x, w, geo, name, "choose_method")
            best = min(best, time.perf_counter() - start)
        times[name] = best
    return min(times, key=times.get), times

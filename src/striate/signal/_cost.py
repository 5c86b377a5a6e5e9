"""The cost model behind ``method='auto'``: estimated seconds of each way to correlate.

Like SciPy's ``choose_conv_method``: a few counted operations times constants
fitted to timings on a 2-core AVX2 machine with OpenBLAS (the constants below;
``python benchmarks/bench_signal.py --calibrate`` times the methods again on
the machine at hand). Only the ranking matters, so the model can be rough;
where it guesses wrong, ``choose_method(..., measure=True)`` times instead.

>>> from striate.signal._geometry import Geometry
>>> geo = Geometry((512, 512), (31, 31), "valid")
>>> fft_costs(geo, 8)["fft"] < min(direct_costs(geo, 31, 31 * 31, 8).values())
True
"""

import math

from striate.signal._direct import block_size
from striate.signal._fft import fft_sizes, fft_work, overlap_save_size

__all__ = ["direct_costs", "fft_costs", "pass_cost", "pass_kind"]

# Seconds per unit, for 4-byte and 8-byte floats (integers count as their size).
_CALL = 4e-6  # Python + NumPy overhead of one array operation
_TAP = {4: 0.28e-9, 8: 0.55e-9}  # one tap of one output sample (a multiply and an add pass)
_NUMPY_MAC = {4: 0.17e-9, 8: 0.18e-9}  # one multiply-add inside numpy.correlate
_MAC = {4: 0.025e-9, 8: 0.05e-9}  # one multiply-add inside a banded GEMM, zeros included
_GEMM_CALL = 1e-6  # one BLAS call inside a batched matmul
_COPY = {4: 0.25e-9, 8: 0.45e-9}  # one sample copied (padding) or added (accumulation)
_FFT = {4: 0.22e-9, 8: 0.3e-9}  # per n*log2(n) of one real transform of a cache-sized length
_LONG_FFT = 3.5  # transforms longer than 2**16 samples per axis miss the cache


def _size(itemsize):
    return 4 if itemsize <= 4 else 8


def _gemm_cost(out_size, n_rows, block_in, calls, copied, size):
    return n_rows * (out_size * (block_in * _MAC[size] + _COPY[size]) + calls * _GEMM_CALL + _CALL) + copied * _COPY[
        size]


def direct_costs(geo, n_rows, n_taps, itemsize, exact=False):
    """``{kind: seconds}`` of the direct kinds: 'taps' always, 'gemm' for floats,
    'numpy' (``numpy.correlate``) for 1-D data with stride 1.

    Args:
        geo: the correlation's ``Geometry``.
        n_rows: non-zero rows of the kernel along its last axis.
        n_taps: non-zero taps.
        exact: integer data: only the exact kinds.
    """
    size = _size(itemsize)
    out_size = math.prod(geo.out_shape)
    costs = {"taps": n_taps * (_CALL + out_size * _TAP[size])}
    n, k, s, d, span, _, o = geo.axis(geo.ndim - 1)
    if geo.ndim == 1 and s == 1:
        costs["numpy"] = out_size * span * _NUMPY_MAC[size] + 4 * _CALL
    if exact or "numpy" in costs:
        # 1-D floats: no banded GEMM. Its one big BLAS call is multi-threaded,
        # and OpenBLAS threads spin-wait: with other processes on the cores it
        # ran 20-70x slower (0.6 ms -> 22 ms), while numpy.correlate stays put.
        return costs
    b = block_size(o)
    block_in = (b - 1) * s + span
    calls = math.prod(geo.out_shape[:-2]) * (-(-o // b)) if geo.ndim > 1 else 2
    copied = math.prod(geo.padded) if geo.needs_padding and geo.ndim > 1 else 0
    costs["gemm"] = _gemm_cost(out_size, n_rows, block_in, calls, copied, size)
    return costs


def _transform_cost(sizes, size):
    penalty = _LONG_FFT if max(sizes) > 2 ** 16 else 1.0
    return _FFT[size] * penalty * fft_work(sizes)


def fft_costs(geo, itemsize):
    """``{kind: seconds}`` of the FFT kinds: 'fft' (one N-d transform: forward,
    kernel, inverse) and, for 1-D data, 'overlap_save'."""
    size = _size(itemsize)
    sizes, _ = fft_sizes(geo)
    costs = {"fft": 2.5 * _transform_cost(sizes, size) + 8 * _CALL * geo.ndim}
    if geo.ndim == 1:
        _, _, s, _, span, _, o = geo.axis(0)
        block = overlap_save_size(span)
        blocks = -(-((o - 1) * s + 1) // (block - span + 1))
        costs["overlap_save"] = 2 * blocks * _transform_cost((block,), size) + 10 * _CALL
    return costs


def pass_cost(shape, axis, k, pass_geo, itemsize):
    """One 1-D pass of a separable correlation: ``(seconds, 'taps' or 'gemm')``."""
    size = _size(itemsize)
    out_size = math.prod(pass_geo.out_shape)
    taps = k * (_CALL + out_size * _TAP[size])
    _, _, s, _, span, _, o = pass_geo.axis(axis)
    b = block_size(o)
    batch = shape[:axis] if axis < len(shape) - 1 else pass_geo.out_shape[:-2]
    calls = math.prod(batch) * (-(-o // b))  # one BLAS call per block per batch item
    copied = math.prod(pass_geo.padded) if pass_geo.needs_padding else 0
    gemm = _gemm_cost(out_size, 1, (b - 1) * s + span, calls, copied, size)
    return (taps, "taps") if taps <= gemm else (gemm, "gemm")


def pass_kind(shape, axis, k, pass_geo, dtype):
    """'taps' or 'gemm': the cheaper way to run one separable pass."""
    return pass_cost(shape, axis, k, pass_geo, dtype.itemsize)[1]

"""Correlation through the FFT (``numpy.fft``), with transform sizes cut to the need.

The correlation theorem: the circular correlation of ``x`` and ``w`` at size ``L``
is ``irfftn(rfftn(x) * conj(rfftn(w)))``. It equals the linear one wherever no
sample wraps around, which needs only ``L >= n + max(before, after)`` per axis:
``n`` in 'valid' mode (a power of two stays a power of two) rather than the
``n + k - 1`` of a full convolution. The kernel is placed rotated by ``before`` so
the answer starts at index 0 and is a plain slice.

Two more savings: the kernel's transform runs axis by axis on its small support
(each axis is padded to ``L`` only when it is transformed), and the inverse
transform drops unwanted rows after each axis. A long 1-D signal with a short
kernel goes by overlap-save: many small transforms (cache-sized, batched in one
call) instead of one huge one.

Two things about speed on NumPy, both measured: single-precision transforms
that do not scale run several times slower than scaled ones, so the forward
transforms use ``norm="forward"``; and NumPy releases the GIL, so the lines of a
big transform stage are split over the cores that are idle (``_lines``).

>>> next_fast_len(1000001)
1012500
"""

import functools
import inspect
import math
import os
from concurrent.futures import ThreadPoolExecutor

from striate import backend
from striate._windows import pad, window_view
from striate.backend import xp

__all__ = ["next_fast_len", "dilate", "fft_sizes", "fft_correlate", "overlap_save", "overlap_save_size", "fft_work"]


def next_fast_len(n):
    """The smallest ``2**a * 3**b * 5**c >= n``: sizes that ``numpy.fft`` transforms fastest.

    Raises:
        ValueError: when ``n`` is not a positive integer.

    >>> next_fast_len(527), next_fast_len(512)
    (540, 512)
    """
    if isinstance(n, bool) or not isinstance(n, (int, xp.integer)) or n < 1:
        raise ValueError(f"next_fast_len: n must be a positive integer, got {n!r}")
    return _next_fast_len(int(n))


@functools.lru_cache(maxsize=512)  # the cost model asks for the same sizes again and again
def _next_fast_len(n):
    best = 1 << (n - 1).bit_length()  # the next power of two always qualifies
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            quotient = -(-n // p35)  # ceil(n / p35)
            candidate = p35 * (1 << (quotient - 1).bit_length())
            best = min(best, candidate)
            p35 *= 3
        p5 *= 5
    return best


# NumPy's FFT releases the GIL, so the independent lines of one N-d transform
# stage can run on several cores, as BLAS does for the direct method. Only
# cores that other processes leave idle are used: on a busy machine the
# hand-offs between threads cost more than they gain (measured: 0.5-0.9x with
# two other busy processes on 2 cores, 1.7-1.9x on an idle machine). Arrays
# under 2**16 samples always stay on one thread. STRIATE_NUM_THREADS caps it.
def _cores():
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, int(os.environ.get("STRIATE_NUM_THREADS", 8))))


_MAX_WORKERS = _cores()
_FFT_OUT = "out" in inspect.signature(xp.fft.rfft).parameters
_PARALLEL_MIN = 2**16
_pool = None


def _forget_pool():
    global _pool
    _pool = None  # a forked child has none of the parent's threads


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _workers():
    """Threads for one transform stage: the cores idle apart from this process."""
    if _MAX_WORKERS < 2:
        return 1
    try:
        others = os.getloadavg()[0] - 1.0  # the load average counts this process too
    except OSError:
        return _MAX_WORKERS
    return max(1, min(_MAX_WORKERS, int(_MAX_WORKERS - others + 0.5)))


def _lines(fn, a, axis, n=None, norm=None):
    """``fn`` (a 1-D ``numpy.fft`` function) along ``axis`` of ``a``, the other axes'
    lines split into one chunk per core."""
    others = [ax for ax in range(a.ndim) if ax != axis]
    split = max(others, key=lambda ax: a.shape[ax]) if others else None
    # threads split host transforms only: on a GPU backend the device runs all lines at once
    workers = _workers() if a.size >= _PARALLEL_MIN and split is not None and backend.uses_host_threads() else 1
    if workers < 2 or a.shape[split] < 2 * workers:
        return fn(a, n=n, axis=axis, norm=norm)
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_MAX_WORKERS, thread_name_prefix="striate-fft")
    length = a.shape[axis] if n is None else n
    shape = list(a.shape)
    if fn is xp.fft.rfft:
        shape[axis], dtype = length // 2 + 1, xp.result_type(a.dtype, xp.complex64)
    elif fn is xp.fft.irfft:
        shape[axis], dtype = length, xp.float32 if a.dtype == xp.complex64 else xp.float64
    else:
        shape[axis], dtype = length, xp.result_type(a.dtype, xp.complex64)
    out = xp.empty(shape, dtype=dtype)
    bounds = [a.shape[split] * i // workers for i in range(workers + 1)]

    def work(lo, hi):
        part = (slice(None),) * split + (slice(lo, hi),)
        if _FFT_OUT:  # NumPy >= 2 writes each chunk's transform in place
            fn(a[part], n=n, axis=axis, norm=norm, out=out[part])
        else:
            out[part] = fn(a[part], n=n, axis=axis, norm=norm)

    for future in [_pool.submit(work, lo, hi) for lo, hi in zip(bounds, bounds[1:])]:
        future.result()
    return out


def dilate(w, dilation):
    """``w`` with ``d - 1`` zeros between neighbouring taps along each axis."""
    if all(d == 1 for d in dilation):
        return w
    shape = tuple((k - 1) * d + 1 for k, d in zip(w.shape, dilation))
    out = xp.zeros(shape, dtype=w.dtype)
    out[tuple(slice(None, None, d) for d in dilation)] = w
    return out


def fft_sizes(geo):
    """Per axis: transform size ``L`` and stride-1 outputs needed ``m``."""
    sizes, needed = [], []
    for a in range(geo.ndim):
        n, _, s, _, span, before, o = geo.axis(a)
        m = (o - 1) * s + 1
        sizes.append(next_fast_len(max(n + before, m + span - 1 - before, span)))
        needed.append(m)
    return tuple(sizes), tuple(needed)


def _zero_extend(a, axis, size):
    """``a`` with zeros appended along ``axis`` up to ``size``. What ``n=size`` does
    inside ``numpy.fft``, but there it made float32 transforms twice as slow
    (measured: rfft of 512x512 to 540, 1.41 ms with n=540 against 0.67 ms)."""
    if a.shape[axis] == size:
        return a
    shape = list(a.shape)
    n, shape[axis] = shape[axis], size
    out = xp.empty(shape, dtype=a.dtype)
    head = [slice(None)] * a.ndim
    head[axis] = slice(0, n)
    out[tuple(head)] = a
    head[axis] = slice(n, size)
    out[tuple(head)] = 0
    return out


def _place(a, axis, size, before):
    """``a`` zero-padded to ``size`` along ``axis`` and rotated left by ``before``."""
    shape = list(a.shape)
    k = shape[axis]
    shape[axis] = size
    out = xp.zeros(shape, dtype=a.dtype)
    head = [slice(None)] * a.ndim
    head[axis] = slice(0, k - before)
    src = [slice(None)] * a.ndim
    src[axis] = slice(before, k)
    out[tuple(head)] = a[tuple(src)]
    if before:
        head[axis] = slice(size - before, size)
        src[axis] = slice(0, before)
        out[tuple(head)] = a[tuple(src)]
    return out


# NumPy 2.x runs single-precision transforms several times slower when it does
# not scale them (measured: rfft of 512x512 float32, 2.2 ms unscaled vs 0.32 ms
# with norm="forward"; float64 is fast either way). So forward transforms scale
# by 1/L (norm="forward"), inverse ones by 1/L as usual, and the kernel is
# multiplied by prod(L)**2 beforehand to undo both.
_FORWARD = "forward"


def _kernel_spectrum(w, sizes, befores):
    """``conj(rfftn(kernel placed at -before))`` times ``prod(sizes)``, the small support first."""
    last = w.ndim - 1
    w = w * w.dtype.type(math.prod(sizes)) ** 2  # undoes the 1/L of both forward transforms
    spec = _lines(xp.fft.rfft, _place(w, last, sizes[last], befores[last]), last, norm=_FORWARD)
    for a in reversed(range(last)):
        spec = _lines(xp.fft.fft, _place(spec, a, sizes[a], befores[a]), a, norm=_FORWARD)
    return xp.conjugate(spec, out=spec)


def fft_correlate(x, w, geo):
    """Correlation of float ``x`` and ``w`` (compute dtype) through one N-d FFT."""
    w = dilate(w, geo.dilation)
    sizes, needed = fft_sizes(geo)
    last = x.ndim - 1
    spec = _lines(xp.fft.rfft, _zero_extend(x, last, sizes[last]), last, norm=_FORWARD)
    for a in reversed(range(last)):
        spec = _lines(xp.fft.fft, _zero_extend(spec, a, sizes[a]), a, norm=_FORWARD)
    spec *= _kernel_spectrum(w, sizes, geo.before)
    for a in range(last):
        spec = _lines(xp.fft.ifft, spec, a)
        keep = [slice(None)] * x.ndim
        keep[a] = slice(0, needed[a], geo.stride[a])  # drop rows before the next axis' work
        spec = spec[tuple(keep)]
    y = _lines(xp.fft.irfft, spec, last, n=sizes[last])[..., : needed[last]: geo.stride[last]]
    return xp.ascontiguousarray(y, dtype=x.dtype)


def overlap_save_size(span):
    """Block transform size for overlap-save with a kernel covering ``span`` samples."""
    return next_fast_len(max(8 * span, 1024))


def overlap_save(x, w, geo, size=None):
    """1-D correlation by overlap-save: the padded signal in overlapping blocks of
    ``size`` samples, each block's ``size - span + 1`` clean outputs kept."""
    w = dilate(w, geo.dilation)
    n, _, s, _, span, before, o = geo.axis(0)
    size = size or overlap_save_size(span)
    keep = size - span + 1
    m = (o - 1) * s + 1
    blocks = -(-m // keep)
    total = (blocks - 1) * keep + size
    padded = pad(x, [(before, max(total - n - before, 0))], (0,))
    view = window_view(padded, (size,), axes=(0,), strides=(keep,))[:blocks]  # (blocks, size)
    spec = _lines(xp.fft.rfft, view, 1, norm=_FORWARD)  # (blocks, size // 2 + 1)
    spec *= xp.conjugate(xp.fft.rfft(w * w.dtype.type(size) ** 2, n=size, norm=_FORWARD))
    y = _lines(xp.fft.irfft, spec, 1, n=size)[:, :keep]  # (blocks, keep)
    return xp.ascontiguousarray(y.reshape(-1)[:m:s], dtype=x.dtype)  # (blocks * keep,) -> (o,)


def fft_work(sizes):
    """Rough cost of one forward plus one inverse transform of this size (for the cost model)."""
    total = math.prod(sizes)
    return total * math.log2(max(total, 2))

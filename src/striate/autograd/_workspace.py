"""Scratch buffers reused between calls, and the batch chunks that keep them in the cache.

Convolution and pooling copy windows (im2col) before every matrix multiply.
Allocating those copies afresh costs page faults for every large array (the
allocator maps big blocks straight from the kernel, and the kernel zeroes each
page on first touch); copying the whole batch at once also spills the columns
out of the cache before the GEMM reads them. So the primitives process the
batch in chunks whose columns fit in about ``CHUNK_BYTES`` and copy them into
buffers kept here.

A buffer is scratch: it never leaves the op that fills it (outputs and
gradients are always fresh arrays). Buffers made with ``fill`` keep
constant borders from call to call, so their key must pin down which region is
ever written (e.g. the padding of one layer's geometry).

>>> import numpy as np
>>> a = workspace("demo", (4, 3), "float32", fill=0.0)
>>> b = workspace("demo", (2, 3), "float32", fill=0.0)   # the same memory, first two rows
>>> np.shares_memory(a, b)
True
>>> chunks(10, 1 << 20, target=4 << 20)          # 1 MiB per sample, 4 MiB per chunk
[(0, 4), (4, 8), (8, 10)]
"""

import math
import threading

from striate import backend
from striate.backend import xp

__all__ = ["workspace", "zeros", "chunks", "clear", "CHUNK_BYTES", "MAX_CACHED_BYTES"]

# Columns per chunk: they stay in a core's L2 cache (2 MiB on the Xeon measured) until
# the GEMM reads them. 1 MiB was as fast as 4 MiB for the reference networks' layers
# (or up to 10 % faster) and keeps a few MiB less scratch per thread.
CHUNK_BYTES = 1 << 20
# Larger scratch arrays are made per call instead of being kept alive.
MAX_CACHED_BYTES = 64 << 20


class _Kept(threading.local):
    """Per thread, so two threads running convolutions never share scratch memory."""

    def __init__(self):
        self.buffers = {}
        self.views = {}  # (key, shape, dtype, fill) -> the view last handed out: the hot path is one lookup


_KEPT = _Kept()


def workspace(key, shape, dtype, fill=None):
    """A scratch array of ``shape``, carved from a flat buffer kept under ``key``.

    The buffer grows to the largest size asked for, so a batch's last, smaller
    chunk reuses it. ``fill``: value the buffer is made with; callers that only
    ever write an interior keep constant borders from call to call. Such a
    buffer is kept per trailing shape, so the leading (batch) slice of it always
    has the same layout; ``key`` must then also fix which region callers write.
    """
    shape = tuple(shape)
    kept = _KEPT
    view = kept.views.get((key, shape, dtype, fill))
    if view is not None:
        return view
    dtype = xp.dtype(dtype)
    size = math.prod(shape)
    full_key = (key, dtype.str) if fill is None else (key, shape[1:], dtype.str, fill)
    buf = kept.buffers.get(full_key)
    if buf is None or buf.size < size:
        buf = xp.empty(size, dtype) if fill is None else xp.full(size, fill, dtype)
        if buf.nbytes > MAX_CACHED_BYTES:
            return buf.reshape(shape)
        kept.buffers[full_key] = buf
        # views of the old, smaller buffer must not be handed out again
        for stale in [k for k in kept.views if k[0] == key]:
            del kept.views[stale]
    view = buf[:size].reshape(shape)
    if len(kept.views) > 4096:
        kept.views.clear()
    kept.views[(key, shape, dtype, fill)] = view
    return view


_ZEROS = {}  # dtype -> flat read-only zeros, shared by every thread
_ZEROS_LOCK = threading.Lock()


def zeros(shape, dtype):
    """A read-only array of zeros of ``shape``: a view of one flat buffer per dtype.

    ``maximum(a, zeros)`` is twice as fast as ``maximum(a, 0)`` in NumPy, and as the
    buffer is never written, all threads share it (a per-thread workspace would keep
    a copy per thread and per trailing shape).
    """
    dtype = xp.dtype(dtype)
    size = math.prod(shape)
    buf = _ZEROS.get(dtype)
    if buf is None or buf.size < size:
        with _ZEROS_LOCK:
            buf = _ZEROS.get(dtype)
            if buf is None or buf.size < size:
                buf = xp.zeros(size, dtype)
                if backend.is_numpy():  # CuPy's flags are read-only facts
                    buf.flags.writeable = False
                if buf.nbytes <= MAX_CACHED_BYTES:
                    _ZEROS[dtype] = buf  # views of a smaller, older buffer stay valid
    return buf[:size].reshape(shape)


def chunks(n, bytes_per_sample, target=None):
    """``(start, stop)`` ranges over ``n`` samples, each holding about ``target`` bytes of columns."""
    per = max(1, (target or CHUNK_BYTES) // max(1, bytes_per_sample))
    return [(i, min(i + per, n)) for i in range(0, n, per)]


def clear():
    """Drop every buffer this thread keeps (frees their memory)."""
    _KEPT.buffers.clear()
    _KEPT.views.clear()


@backend.on_backend_change
def _forget_all():
    """After ``set_backend``: every thread's buffers and the shared zeros belong to the old module."""
    global _KEPT
    _KEPT = _Kept()
    _ZEROS.clear()

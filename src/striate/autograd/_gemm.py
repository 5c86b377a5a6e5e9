"""Skinny matrix products in row blocks that the BLAS multiplies without packing.

A convolution's products are tall and narrow: ``(N*O, K*C) @ (K*C, F)`` with
``F`` of 6 to 64 and ``N*O`` in the tens of thousands. On OpenBLAS's
SkylakeX-class kernels (``backend.small_gemm_mnk``) a product with
``M*N*K <= 1e6`` runs on a kernel that reads its operands in place, while a
larger one first copies both into packed panels, which for such shapes costs
as much as the arithmetic. So the products below are cut into row blocks under
that limit when the output is at most 32 wide (wider ones gained nothing,
measured) — 20-40 % faster for the 3x3 layers of the reference networks — and
made in one call otherwise (other BLAS builds, several BLAS threads, float64).

>>> import numpy as np
>>> a, b = np.ones((1000, 144), "float32"), np.ones((144, 16), "float32")
>>> out = np.empty((1000, 16), "float32")
>>> float(mm(a, b, out, limit=10**6)[999, 0]), float(mm_tn(a, out, limit=10**6)[0, 0])
(144.0, 144000.0)
"""

from striate import backend
from striate.backend import xp

__all__ = ["gemm_limit", "mm", "mm_tn"]

_MAX_WIDTH = 32  # outputs wider than this were as fast in one call
_MIN_ROWS = 32   # blocks thinner than this cost more in calls than they save


def gemm_limit():
    """``M*N*K`` under which products run unpacked here (0: do not block).

    Blocked or not does not depend on the BLAS's threads: a row's value depends on
    which kernel computed it (the unpacked and the packed kernels round differently),
    so the same product cut into other chunks — a batch split over two threads
    instead of one — still gives bit-identical rows only if every block is unpacked.
    """
    return backend.small_gemm_mnk()


def _rows(k, n, dtype, limit):
    if not limit or n > _MAX_WIDTH or dtype != xp.float32:
        return 0
    rows = limit // max(1, k * n)
    return rows if rows >= _MIN_ROWS else 0


def _stack(m, rows):
    """Row blocks of at most ``rows`` rows covering ``range(m)``, as ``(start, count, size)``
    groups of ``count`` consecutive blocks of ``size`` rows: ``count`` blocks of about
    ``m / count`` rows (sizes differ by one at most). A block is never one row (BLAS
    computes a one-row product as a matrix-vector product, which rounds differently):
    with ``count >= 2`` a block holds at least ``rows / 2`` rows."""
    count = -(-m // rows)
    size, longer = divmod(m, count)  # the first ``longer`` blocks get one row more
    groups = [(0, longer, size + 1), (longer * (size + 1), count - longer, size)]
    return [group for group in groups if group[1]]


def mm(a, b, out, limit=0):
    """``out[...] = a @ b`` for ``a (M, K)`` (any strides BLAS reads, e.g. a transposed view)
    and ``b (K, N)``; returns ``out``.

    The blocks go to BLAS as one stacked ``matmul`` of ``(count, size, K)`` by ``(K, N)``:
    NumPy loops over them in C without the GIL, where a Python loop took and released it
    once per block (several hundred times per convolution pass, which the other thread
    waits on)."""
    rows = _rows(a.shape[1], b.shape[1], a.dtype, limit)
    m = a.shape[0]
    if not rows or m <= rows:
        return xp.matmul(a, b, out=out)
    for start, count, size in _stack(m, rows):
        stop = start + count * size
        stacked = out[start:stop].view()
        stacked.shape = (count, size, b.shape[1])  # raises rather than copy: matmul must write into out
        xp.matmul(a[start:stop].reshape(count, size, a.shape[1]), b, out=stacked)
    return out


def mm_tn(a, b, limit=0):
    """``a.T @ b`` for ``a (M, K)`` and ``b (M, N)``: a sum over ``M`` (a weight gradient),
    made block by block of rows (one stacked ``matmul``, as in ``mm``), the blocks' products
    added in order."""
    rows = _rows(a.shape[1], b.shape[1], a.dtype, limit)
    m = a.shape[0]
    if not rows or m <= rows:
        return a.T @ b
    total = None
    for start, count, size in _stack(m, rows):
        stop = start + count * size
        a3 = a[start:stop].reshape(count, size, a.shape[1]).transpose(0, 2, 1)  # (count, K, size)
        parts = xp.matmul(a3, b[start:stop].reshape(count, size, b.shape[1]))  # (count, K, N)
        total = parts.sum(axis=0) if total is None else total + parts.sum(axis=0)
    return total

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
    """``M*N*K`` under which products run unpacked here and now (0: do not block)."""
    limit = backend.small_gemm_mnk()
    if limit and backend.current_blas_threads() not in (None, 1):
        return 0  # a threaded BLAS splits one big product itself
    return limit


def _rows(k, n, dtype, limit):
    if not limit or n > _MAX_WIDTH or dtype != xp.float32:
        return 0
    rows = limit // max(1, k * n)
    return rows if rows >= _MIN_ROWS else 0


def mm(a, b, out, limit=0):
    """``out[...] = a @ b`` for ``a (M, K)`` (any strides BLAS reads, e.g. a transposed view)
    and ``b (K, N)``; returns ``out``."""
    rows = _rows(a.shape[1], b.shape[1], a.dtype, limit)
    m = a.shape[0]
    if not rows or m <= rows:
        return xp.matmul(a, b, out=out)
    for start in range(0, m, rows):
        xp.matmul(a[start:start + rows], b, out=out[start:start + rows])
    return out


def mm_tn(a, b, limit=0):
    """``a.T @ b`` for ``a (M, K)`` and ``b (M, N)``: a sum over ``M`` (a weight gradient),
    made block by block of rows."""
    rows = _rows(a.shape[1], b.shape[1], a.dtype, limit)
    m = a.shape[0]
    if not rows or m <= rows:
        return a.T @ b
    total = a[:rows].T @ b[:rows]
    part = xp.empty_like(total)
    for start in range(rows, m, rows):
        xp.matmul(a[start:start + rows].T, b[start:start + rows], out=part)
        total += part
    return total

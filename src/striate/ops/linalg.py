"""``keras.ops.linalg``: inverse, solve, determinant, factorisations and norms, batched over leading axes.

Each factorisation is one primitive of ``striate.autograd.decompositions`` with
its closed-form gradient; the rest (``solve_triangular``, ``pinv``, ``lstsq``,
``norm``) are compositions. Gradients of ``svd`` need distinct singular values
and ``full_matrices=False`` (or a square matrix), as in PyTorch.

>>> import numpy as np
>>> from striate import ops
>>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
>>> [round(float(v), 6) for v in (ops.linalg.det(a), ops.linalg.cholesky(a)[1, 1] ** 2, ops.linalg.norm(a[0]))]
[8.0, 2.0, 4.472136]
"""

from striate.autograd import Where
from striate.autograd.decompositions import QR, SVD, Cholesky, Det, Eigh, Inv, LogAbsDet, Solve
from striate.backend import xp
from striate.ops._convert import array_op, constant, floating, normalize_axis, promote
from striate.ops.indexing import tril, triu
from striate.ops.products import matmul
from striate.ops.reductions import max as _max, min as _min, sum as _sum
from striate.ops.shape_ops import swapaxes

__all__ = ["inv", "solve", "solve_triangular", "det", "slogdet", "cholesky", "cholesky_inverse", "qr", "svd",
           "eigh", "eig", "lu_factor", "lstsq", "pinv", "matrix_rank", "norm"]


def _matrices(x, caller, square=True):
    t = floating(x, caller)
    if t.ndim < 2 or (square and t.shape[-1] != t.shape[-2]):
        kind = "square matrices (..., n, n)" if square else "matrices (..., m, n)"
        raise ValueError(f"{caller}: expected {kind}, got shape {t.shape}")
    return t


def _linalg_error(caller, error):
    return ValueError(f"{caller}: {error}")


@array_op("x")
def inv(x):
    """The inverse of (stacks of) square matrices."""
    t = _matrices(x, "inv")
    try:
        return Inv.apply(t)
    except xp.linalg.LinAlgError as error:
        raise _linalg_error("inv", error) from None


@array_op("a", "b")
def solve(a, b):
    """``x`` with ``a x = b``; ``b`` is ``(..., n, k)`` or a vector ``(..., n)`` (when its rank is one less)."""
    a_, b_ = promote(a, b, caller="solve")
    a_, b_ = _matrices(a_, "solve"), floating(b_, "solve")
    vector = b_.ndim == a_.ndim - 1
    if vector:
        b_ = b_.reshape(b_.shape + (1,))
    if b_.ndim < 2 or b_.shape[-2] != a_.shape[-1]:
        raise ValueError(f"solve: b of shape {b_.shape} does not fit a of shape {a_.shape}")
    try:
        x_ = Solve.apply(a_, b_)
    except xp.linalg.LinAlgError as error:
        raise _linalg_error("solve", error) from None
    return x_.reshape(x_.shape[:-1]) if vector else x_


@array_op("a", "b")
def solve_triangular(a, b, lower=False):
    """:func:`solve` reading only the lower (``lower=True``) or upper triangle of ``a``."""
    return solve(tril(a) if lower else triu(a), b)


@array_op("x")
def det(x):
    """The determinant (its gradient needs an invertible matrix)."""
    return Det.apply(_matrices(x, "det"))


@array_op("x")
def slogdet(x):
    """``(sign, log|det|)``: the sign a constant, the logarithm differentiable."""
    t = _matrices(x, "slogdet")
    return constant(xp.linalg.slogdet(t.data)[0].astype(t.dtype)), LogAbsDet.apply(t)


@array_op("x")
def cholesky(x, upper=False):
    """The Cholesky factor of symmetric positive-definite matrices: lower ``l`` with ``x = l l^T``
    (``upper=True``: ``u = l^T``). Reads the lower triangle; the gradient is symmetrised."""
    t = _matrices(x, "cholesky")
    try:
        factor = Cholesky.apply(t)
    except xp.linalg.LinAlgError as error:
        raise ValueError(f"cholesky: the matrix is not positive definite ({error})") from None
    return swapaxes(factor, -1, -2) if upper else factor


@array_op("x")
def cholesky_inverse(x, upper=False):
    """The inverse of ``a`` from its Cholesky factor ``x`` (``a = x x^T``, or ``x^T x`` when ``upper``)."""
    t = _matrices(x, "cholesky_inverse")
    a = matmul(swapaxes(t, -1, -2), t) if upper else matmul(t, swapaxes(t, -1, -2))
    return inv(a)


@array_op("x")
def qr(x, mode="reduced"):
    """``(q, r)`` with ``x = q r``; ``mode`` 'reduced' (differentiable for ``m >= n``) or 'complete' (constant)."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: mode must be 'reduced' or 'complete', got {mode!r}")
    t = _matrices(x, "qr", square=False)
    m, n = t.shape[-2:]
    if mode == "complete" and m > n or m < n:
        if t.requires_grad:
            raise ValueError(f"qr: gradients need mode='reduced' and m >= n; got mode={mode!r}, shape {t.shape}")
        q, r = xp.linalg.qr(t.data, mode=mode)
        return constant(q), constant(r)
    packed = QR.apply(t)  # (..., m + n, n)
    return packed[..., :m, :], packed[..., m:, :]


@array_op("x")
def svd(x, full_matrices=True, compute_uv=True):
    """``(u, s, vh)`` with ``x = u diag(s) vh``, ``s`` descending; ``s`` alone with ``compute_uv=False``."""
    t = _matrices(x, "svd", square=False)
    m, n = t.shape[-2:]
    k = min(m, n)
    if full_matrices and m != n and compute_uv:
        if t.requires_grad:
            raise ValueError(f"svd: gradients need full_matrices=False for a non-square matrix {t.shape}")
        u, s, vh = xp.linalg.svd(t.data, full_matrices=True)
        return constant(u), constant(s), constant(vh)
    packed = SVD.apply(t)  # (..., m + n + 1, k): u, v, then s
    s = packed[..., m + n, :]
    if not compute_uv:
        return s
    return packed[..., :m, :], s, swapaxes(packed[..., m:m + n, :], -1, -2)


@array_op("x")
def eigh(x):
    """``(w, v)``: ascending eigenvalues and orthonormal eigenvectors (columns) of symmetric matrices."""
    t = _matrices(x, "eigh")
    n = t.shape[-1]
    packed = Eigh.apply(t)  # (..., n + 1, n)
    return packed[..., n, :], packed[..., :n, :]


@array_op("x")
def eig(x):
    """Eigen-decomposition of a general matrix: not supported (the results are complex; striate has
    no complex tensors). Use :func:`eigh` for symmetric matrices."""
    raise TypeError("eig: complex results are not supported; use eigh for symmetric matrices")


@array_op("x")
def lu_factor(x):
    """``(lu, pivots)`` of LAPACK's ``getrf``: not supported (NumPy exposes no LU factorisation)."""
    raise TypeError("lu_factor: not supported (NumPy has no LU factorisation); use solve or inv")


@array_op("x")
def pinv(x, rcond=None):
    """The Moore-Penrose pseudo-inverse from the SVD; singular values below ``rcond * s_max`` count as 0."""
    t = _matrices(x, "pinv", square=False)
    u, s, vh = svd(t, full_matrices=False)
    rcond = 10.0 * max(t.shape[-2:]) * xp.finfo(t.dtype).eps if rcond is None else rcond
    keep = s.data > rcond * s.data.max(axis=-1, keepdims=True)
    s_inv = Where.apply(1.0 / Where.apply(s, 1.0, condition=keep), 0.0, condition=keep)
    return matmul(swapaxes(vh, -1, -2) * s_inv.reshape(s_inv.shape[:-1] + (1, -1)), swapaxes(u, -1, -2))


@array_op("a", "b")
def lstsq(a, b, rcond=None):
    """The least-squares solution of ``a x = b`` (``pinv(a) @ b``)."""
    a_, b_ = promote(a, b, caller="lstsq")
    return matmul(pinv(a_, rcond), floating(b_))


@array_op("x")
def matrix_rank(x, tol=None):
    """The number (int32) of singular values above ``tol``."""
    t = _matrices(x, "matrix_rank", square=False)
    return constant(xp.asarray(xp.linalg.matrix_rank(t.data, tol=tol)).astype("int32"))


def _vector_norm(t, ord, axis, keepdims):
    a = t.abs()
    if ord is None or ord == 2:
        return _sum(t * t, axis=axis, keepdims=keepdims) ** 0.5
    if ord == xp.inf:
        return _max(a, axis=axis, keepdims=keepdims)
    if ord == -xp.inf:
        return _min(a, axis=axis, keepdims=keepdims)
    if ord == 0:
        return constant(xp.sum(t.data != 0, axis=axis, keepdims=keepdims).astype(t.dtype))
    if ord == 1:
        return _sum(a, axis=axis, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError(f"norm: ord={ord!r} is only for matrices")
    return _sum(a ** float(ord), axis=axis, keepdims=keepdims) ** (1.0 / float(ord))


def _matrix_norm(t, ord, axes, keepdims):
    r, c = axes
    if ord in (None, "fro"):
        return _sum(t * t, axis=axes, keepdims=keepdims) ** 0.5
    if ord in (1, -1, xp.inf, -xp.inf):
        summed_axis, extreme_axis = (r, c) if ord in (1, -1) else (c, r)
        sums = _sum(t.abs(), axis=summed_axis, keepdims=True)
        out = (_max if ord in (1, xp.inf) else _min)(sums, axis=extreme_axis, keepdims=True)
    elif ord in ("nuc", 2, -2):
        moved = _move_last(t, r, c)
        s = svd(moved, compute_uv=False)
        out = {"nuc": _sum, 2: _max, -2: _min}[ord](s, axis=-1)
        out = out.reshape(tuple(1 if i in axes else n for i, n in enumerate(t.shape)))
    else:
        raise ValueError(f"norm: ord={ord!r} is not a matrix norm (use 'fro', 'nuc', 1, -1, 2, -2, inf, -inf)")
    return out if keepdims else out.reshape(tuple(n for i, n in enumerate(out.shape) if i not in axes))


def _move_last(t, r, c):
    order = [i for i in range(t.ndim) if i not in (r, c)] + [r, c]
    return t.transpose(tuple(order))


@array_op("x")
def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - Keras's name
    """Vector norms over one axis (``ord`` None/2, 1, p, 0, inf, -inf) or matrix norms over two
    (``'fro'``, ``'nuc'``, 1, -1, 2, -2, inf, -inf); with ``axis=None`` the whole tensor is a vector
    when ``ord`` is None, else a 1-D or 2-D tensor by its rank."""
    t = floating(x, "norm")
    axis = normalize_axis(axis, t.ndim, "norm")
    if axis is None:
        if ord is None:
            out = _sum(t * t) ** 0.5
            return out.reshape((1,) * t.ndim) if keepdims else out
        if t.ndim not in (1, 2):
            raise ValueError(f"norm: ord={ord!r} with axis=None needs a 1-D or 2-D tensor, got shape {t.shape}")
        axis = 0 if t.ndim == 1 else (0, 1)
    if isinstance(axis, int) or len(axis) == 1:
        return _vector_norm(t, ord, axis if isinstance(axis, int) else axis[0], keepdims)
    if len(axis) != 2:
        raise ValueError(f"norm: axis must name one or two axes, got {axis}")
    return _matrix_norm(t, ord, axis, keepdims)

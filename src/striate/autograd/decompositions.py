"""Matrix inverse, solve, determinant and the factorisations, batched over leading axes.

Why primitives: none of these can be composed from element-wise ops and
products; each backward is the known closed form (Giles 2008, "Collected matrix
derivative results"; Murray 2016 for Cholesky; Townsend 2016 for the SVD),
written with the same LAPACK calls as the forward. Inputs are ``(..., n, n)``
(or ``(..., m, n)`` for QR and SVD); ``T`` below swaps the last two axes.

>>> import numpy as np, striate
>>> from striate.autograd.decompositions import Det
>>> a = striate.Tensor(np.diag([2.0, 3.0]), requires_grad=True)
>>> d = Det.apply(a); d.backward(striate.Tensor(1.0)); a.grad.tolist()  # det * inv(a)^T
[[3.0, 0.0], [0.0, 2.0]]
"""

from striate.autograd.function import Function
from striate.backend import xp

__all__ = ["Inv", "Solve", "Det", "LogAbsDet", "Cholesky", "QR", "SVD", "Eigh"]


def _t(a):
    return xp.swapaxes(a, -1, -2)


def _eye_like(a):
    return xp.eye(a.shape[-1], dtype=a.dtype)


class Inv(Function):
    """``y = a^-1``; ``da = -y^T dy y^T``."""

    def forward(self, a):
        self.saved = y = xp.linalg.inv(a)
        return y

    def backward(self, dy):
        y = self.saved
        return (-_t(y) @ dy @ _t(y),)


class Solve(Function):
    """``x = a^-1 b`` for a matrix ``b (..., n, k)``; ``db = a^-T dx``, ``da = -db x^T``."""

    def forward(self, a, b):
        x = xp.linalg.solve(a, b)
        self.saved = (a, x)
        return x

    def backward(self, dx):
        a, x = self.saved
        db = xp.linalg.solve(_t(a), dx)
        da = -db @ _t(x) if self.needs_grad[0] else None
        return da, db if self.needs_grad[1] else None


class Det(Function):
    """``det(a)``; ``da = dy det(a) a^-T`` (needs an invertible ``a``)."""

    def forward(self, a):
        y = xp.asarray(xp.linalg.det(a))
        self.saved = (a, y)
        return y

    def backward(self, dy):
        a, y = self.saved
        return ((dy * y)[..., None, None] * _t(xp.linalg.inv(a)),)


class LogAbsDet(Function):
    """``log|det(a)|`` from ``slogdet`` (no overflow); ``da = dy a^-T``."""

    def forward(self, a):
        self.saved = a
        return xp.asarray(xp.linalg.slogdet(a)[1])

    def backward(self, dy):
        return (dy[..., None, None] * _t(xp.linalg.inv(self.saved)),)


class Cholesky(Function):
    """Lower ``l`` with ``a = l l^T``; reads the lower triangle of ``a``.

    ``da = sym(l^-T Phi(l^T dl) l^-1)`` where ``Phi`` keeps the lower triangle and
    halves the diagonal (Murray 2016); the gradient is symmetric, as in PyTorch.
    """

    def forward(self, a):
        self.saved = l = xp.linalg.cholesky(a)
        return l

    def backward(self, dl):
        l = self.saved
        phi = xp.tril(_t(l) @ dl)
        d = xp.einsum("...ii->...i", phi)
        d *= 0.5
        inv_l = xp.linalg.inv(l)
        s = _t(inv_l) @ phi @ inv_l
        return (0.5 * (s + _t(s)),)


class QR(Function):
    """Reduced QR of ``a (..., m, n)``, ``m >= n``; the output packs ``q`` and ``r``.

    The forward returns ``concatenate([q, r], axis=-2)`` of shape ``(..., m + n, n)``
    so that one op carries both factors (the caller slices them apart). Backward
    (Walter and Lehmann 2018, as TensorFlow's QrGrad):
    ``M = tril(q^T dq - dq^T q + r dr^T - dr r^T)``,
    ``da = q (dr + M r^-T) + (dq - q q^T dq) r^-T``.
    """

    def forward(self, a):
        m, n = a.shape[-2:]
        if m < n:
            raise ValueError(f"QR gradient needs m >= n, got a matrix of shape {(m, n)}")
        q, r = xp.linalg.qr(a, mode="reduced")
        self.saved = (q, r)
        return xp.concatenate([q, r], axis=-2)  # (..., m + n, n)

    def backward(self, dy):
        q, r = self.saved
        m = q.shape[-2]
        dq, dr = dy[..., :m, :], dy[..., m:, :]
        qdq, rdr = _t(q) @ dq, r @ _t(dr)
        tri = xp.tril(qdq - _t(qdq) + rdr - _t(rdr))
        r_inv_t = _t(xp.linalg.inv(r))
        return (q @ (dr + tri @ r_inv_t) + (dq - q @ qdq) @ r_inv_t,)


class SVD(Function):
    """Thin SVD ``a = u diag(s) v^T`` of ``a (..., m, n)``, ``k = min(m, n)``; the output packs the factors.

    Forward returns ``concatenate([u, v], axis=-2)`` of shape ``(..., m + n, k)``
    with ``s`` appended as one more row: ``(..., m + n + 1, k)``. Backward
    (Townsend 2016) with ``F_ij = 1 / (s_j^2 - s_i^2)`` off the diagonal:
    ``da = u [diag(ds) + (F o (u^T du - du^T u)) S + S (F o (v^T dv - dv^T v))] v^T
    + (I - u u^T) du S^-1 v^T + u S^-1 dv^T (I - v v^T)``; defined for distinct,
    non-zero singular values.
    """

    def forward(self, a):
        u, s, vh = xp.linalg.svd(a, full_matrices=False)
        v = _t(vh)
        self.saved = (u, s, v)
        return xp.concatenate([u, v, s[..., None, :]], axis=-2)  # (..., m + n + 1, k)

    def backward(self, dy):
        u, s, v = self.saved
        m, n = u.shape[-2], v.shape[-2]
        du, dv, ds = dy[..., :m, :], dy[..., m:m + n, :], dy[..., m + n, :]
        s2 = s * s
        diff = s2[..., None, :] - s2[..., :, None]  # (..., k, k): s_j^2 - s_i^2
        off = ~xp.eye(s.shape[-1], dtype=bool)
        f = xp.divide(1.0, diff, out=xp.zeros_like(diff), where=off & (diff != 0))
        udu, vdv = _t(u) @ du, _t(v) @ dv
        inner = (f * (udu - _t(udu))) * s[..., None, :] + s[..., :, None] * (f * (vdv - _t(vdv)))
        inner = inner + ds[..., :, None] * xp.eye(s.shape[-1], dtype=s.dtype)
        da = u @ inner @ _t(v)
        s_inv = 1.0 / s
        if m > s.shape[-1]:
            da = da + (du - u @ udu) * s_inv[..., None, :] @ _t(v)
        if n > s.shape[-1]:
            da = da + (u * s_inv[..., None, :]) @ _t(dv - v @ vdv)
        return (da,)


class Eigh(Function):
    """Eigenvalues ``w`` (ascending) and vectors ``v`` of a symmetric ``a``; output ``concatenate([v, w])``.

    Forward returns ``(..., n + 1, n)``: the eigenvectors, then the eigenvalues as a
    last row. Backward: ``da = v (diag(dw) + F o (v^T dv)) v^T`` with
    ``F_ij = 1 / (w_j - w_i)``, symmetrised (only the lower triangle is read).
    """

    def forward(self, a):
        w, v = xp.linalg.eigh(a)
        self.saved = (w, v)
        return xp.concatenate([v, w[..., None, :]], axis=-2)

    def backward(self, dy):
        w, v = self.saved
        n = w.shape[-1]
        dv, dw = dy[..., :n, :], dy[..., n, :]
        diff = w[..., None, :] - w[..., :, None]
        off = ~xp.eye(n, dtype=bool)
        f = xp.divide(1.0, diff, out=xp.zeros_like(diff), where=off & (diff != 0))
        inner = f * (_t(v) @ dv) + dw[..., :, None] * xp.eye(n, dtype=w.dtype)
        g = v @ inner @ _t(v)
        return (0.5 * (g + _t(g)),)

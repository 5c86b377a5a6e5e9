"""Matrix multiplication, the op where dense networks spend their time."""

from striate.autograd import _parallel
from striate.autograd.function import Function, unbroadcast
from striate.backend import xp

__all__ = ["MatMul"]


class MatMul(Function):
    """``a @ b`` with NumPy's rules for stacks of matrices (both at least 1-D).

    A 2-D ``b`` (a Dense kernel) gets its gradient from one GEMM over all leading
    axes of ``a``; the input gradient is skipped when the input needs none (the
    first layer), which saves a third of a dense layer's training work.
    """

    def forward(self, a, b):
        self.saved = (a, b)
        if a.ndim == 2 and b.ndim == 2:
            return _parallel.matmul(a, b)
        return a @ b

    def backward(self, dy):
        a, b = self.saved
        if a.ndim == 1 or b.ndim == 1:
            return self._backward_vector(dy)
        da = db = None
        if self.needs_grad[0]:
            if a.ndim == 2 and b.ndim == 2:
                da = _parallel.matmul(dy, b.T)
            else:
                da = unbroadcast(dy @ xp.swapaxes(b, -1, -2), a.shape)
        if self.needs_grad[1]:
            if b.ndim == 2:
                # (K, M) = (N*..., K)^T (N*..., M)
                db = _parallel.matmul_tn(a.reshape(-1, a.shape[-1]), dy.reshape(-1, dy.shape[-1]))
            else:
                db = unbroadcast(xp.swapaxes(a, -1, -2) @ dy, b.shape)
        return da, db

    def _backward_vector(self, dy):
        # Promote 1-D operands to matrices, as NumPy does, then drop the added axis.
        a, b = self.saved
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        dy2 = xp.expand_dims(dy, -1) if b.ndim == 1 else dy
        dy2 = xp.expand_dims(dy2, -2) if a.ndim == 1 else dy2
        da = db = None
        if self.needs_grad[0]:
            da = unbroadcast(dy2 @ xp.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        if self.needs_grad[1]:
            db = unbroadcast(xp.swapaxes(a2, -1, -2) @ dy2, b2.shape).reshape(b.shape)
        return da, db

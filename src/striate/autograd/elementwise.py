"""Element-wise primitives with NumPy broadcasting.

Each backward returns one gradient per input, summed back to the input's shape
by ``unbroadcast`` (the adjoint of broadcasting), and skips the inputs that need
no gradient.
"""

from striate.autograd._parallel import over_batch
from striate.autograd._workspace import zeros as shared_zeros
from striate.autograd.function import Function, unbroadcast
from striate.backend import xp

__all__ = ["Add", "Sub", "Mul", "Div", "Neg", "Pow", "Exp", "Log", "Abs",
           "Maximum", "Where", "ReLU", "Sigmoid", "Tanh", "Cast"]


def _shape(a):
    return xp.shape(a)


_PARALLEL_BYTES = 1 << 20  # smaller sums are not worth a second thread


class Add(Function):
    def forward(self, a, b):
        self.saved = (_shape(a), _shape(b))
        if type(a) is xp.ndarray and type(b) is xp.ndarray and a.shape == b.shape and a.ndim \
                and a.dtype == b.dtype and a.nbytes >= _PARALLEL_BYTES:
            # a residual connection's sum of two activations: split over striate's threads
            out = xp.empty_like(a)
            over_batch(lambda i, j: xp.add(a[i:j], b[i:j], out=out[i:j]), len(a), a.nbytes)
            return out
        return a + b

    def backward(self, dy):
        sa, sb = self.saved
        return unbroadcast(dy, sa), unbroadcast(dy, sb)


class Sub(Function):
    def forward(self, a, b):
        self.saved = (_shape(a), _shape(b))
        return a - b

    def backward(self, dy):
        sa, sb = self.saved
        return unbroadcast(dy, sa), (unbroadcast(-dy, sb) if self.needs_grad[1] else None)


class Mul(Function):
    def forward(self, a, b):
        self.saved = (a, b)
        return a * b

    def backward(self, dy):
        a, b = self.saved
        da = unbroadcast(dy * b, _shape(a)) if self.needs_grad[0] else None
        db = unbroadcast(dy * a, _shape(b)) if self.needs_grad[1] else None
        return da, db


class Div(Function):
    def forward(self, a, b):
        self.saved = (a, b)
        return a / b

    def backward(self, dy):
        a, b = self.saved
        da = unbroadcast(dy / b, _shape(a)) if self.needs_grad[0] else None
        db = unbroadcast(-dy * a / (b * b), _shape(b)) if self.needs_grad[1] else None
        return da, db


class Neg(Function):
    def forward(self, a):
        return -a

    def backward(self, dy):
        return (-dy,)


class Pow(Function):
    """``a ** p`` for a tensor or constant exponent ``p``."""

    def forward(self, a, p):
        y = a ** p
        self.saved = (a, p, y)
        return y

    def backward(self, dy):
        a, p, y = self.saved
        da = unbroadcast(dy * p * a ** (p - 1), _shape(a)) if self.needs_grad[0] else None
        # d(a^p)/dp = a^p log a, defined for a > 0 (0 elsewhere, as PyTorch does at a = 0).
        dp = unbroadcast(dy * y * xp.log(xp.where(a > 0, a, 1)), _shape(p)) if self.needs_grad[1] else None
        return da, dp


class Exp(Function):
    def forward(self, a):
        self.saved = xp.exp(a)
        return self.saved

    def backward(self, dy):
        return (dy * self.saved,)


class Log(Function):
    def forward(self, a):
        self.saved = a
        return xp.log(a)

    def backward(self, dy):
        return (dy / self.saved,)


class Abs(Function):
    def forward(self, a):
        self.saved = a
        return xp.abs(a)

    def backward(self, dy):
        return (dy * xp.sign(self.saved),)


class Maximum(Function):
    """Element-wise maximum; on ties each input gets half the gradient (as PyTorch)."""

    def forward(self, a, b):
        self.saved = (a, b)
        return xp.maximum(a, b)

    def backward(self, dy):
        a, b = self.saved
        share = (a > b).astype(dy.dtype) + (a == b).astype(dy.dtype) * 0.5
        da = unbroadcast(dy * share, _shape(a)) if self.needs_grad[0] else None
        db = unbroadcast(dy * (1.0 - share), _shape(b)) if self.needs_grad[1] else None
        return da, db


class Where(Function):
    """``a`` where ``condition`` holds, else ``b``; the condition (a keyword) gets no gradient."""

    def forward(self, a, b, condition):
        self.saved = (condition, _shape(a), _shape(b))
        return xp.where(condition, a, b)

    def backward(self, dy):
        condition, sa, sb = self.saved
        da = unbroadcast(xp.where(condition, dy, 0), sa) if self.needs_grad[0] else None
        db = unbroadcast(xp.where(condition, 0, dy), sb) if self.needs_grad[1] else None
        return da, db


class ReLU(Function):
    """max(a, 0), with gradient 0 at 0 (as TensorFlow and PyTorch).

    A primitive for speed and memory, though ``where(a > 0, a, 0)`` computes the
    same: ``np.where`` branches per element and runs 15-25x slower than a
    branch-free maximum on inputs of random sign, and ``np.maximum`` with a
    scalar 0 is 2x slower than with an array of zeros (one read-only buffer shared by all). Backward
    reads the mask from the output, which the graph keeps anyway: no extra memory.
    """

    def forward(self, a):
        if a.ndim == 0:
            self.saved = y = xp.maximum(a, 0)
            return y
        zeros = shared_zeros(a.shape, a.dtype)
        y = xp.empty_like(a)
        over_batch(lambda i, j: xp.maximum(a[i:j], zeros[i:j], out=y[i:j]), len(a), a.nbytes)
        self.saved = y
        return y

    def backward(self, dy):
        y = self.saved
        if dy.ndim == 0:
            return (dy * (y > 0),)
        dx = xp.empty_like(dy)
        over_batch(lambda i, j: xp.multiply(dy[i:j], y[i:j] > 0, out=dx[i:j]), len(dy), dy.nbytes)
        return (dx,)


class Sigmoid(Function):
    """1 / (1 + exp(-a)). A primitive because the composed form overflows exp for
    large negative inputs; 0.5 (1 + tanh(a / 2)) is exact there and one pass."""

    def forward(self, a):
        y = xp.tanh(a * 0.5)
        y += 1.0
        y *= 0.5
        self.saved = y
        return y

    def backward(self, dy):
        y = self.saved
        g = xp.subtract(1.0, y)  # dy * y * (1 - y), one temporary
        g *= y
        g *= dy
        return (g,)


class Tanh(Function):
    """A primitive because exp-based compositions overflow; dy (1 - y^2)."""

    def forward(self, a):
        self.saved = xp.tanh(a)
        return self.saved

    def backward(self, dy):
        y = self.saved
        g = xp.multiply(y, y)  # dy * (1 - y^2), one temporary
        xp.subtract(1.0, g, out=g)
        g *= dy
        return (g,)


class Cast(Function):
    def forward(self, a, dtype):
        self.saved = a.dtype
        return a.astype(dtype)

    def backward(self, dy):
        return (dy.astype(self.saved),)

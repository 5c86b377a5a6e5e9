"""Tensor: an array that remembers how it was made, and reverse-mode backprop.

Every op on Tensors records the op (a :class:`~striate.autograd.function.Function`)
on its output. ``backward()`` walks that graph from the output back to the
leaves in reverse topological order and applies the chain rule once per node,
summing the contributions of every path (the lecture's multi-path chain rule).
The walk is iterative, so a chain of 100,000 ops needs no recursion.

>>> import striate
>>> x = striate.Tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> y = (x * x).sum()          # y = sum(x_i^2)
>>> y.backward()
>>> x.grad.tolist()            # dy/dx = 2x
[2.0, 4.0, 6.0]
"""

from striate import backend
from striate.backend import xp

__all__ = ["Tensor", "as_tensor"]


class Tensor:
    """A NumPy array with an optional gradient.

    Args:
        data: anything ``numpy.asarray`` accepts; floats become ``floatx()``
            unless ``dtype`` is given.
        requires_grad: whether ``backward`` should compute ``.grad`` for it.
        dtype: optional NumPy dtype.
        name: optional label (shown in ``repr``).

    Attributes:
        data: the ``numpy.ndarray``.
        grad: the gradient after ``backward`` (same shape as ``data``) or None.
    """

    __slots__ = ("data", "grad", "requires_grad", "name", "_ctx", "_retain", "_activation", "__weakref__")
    # Make NumPy defer to Tensor's reflected operators: ``array * tensor`` stays a Tensor.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        if isinstance(data, Tensor):
            data = data.data
        self.data = backend.to_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"only float tensors can require gradients, got dtype {self.data.dtype}")
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self._ctx = None
        self._retain = False
        # (activation name, pre-activation Tensor), set by softmax/sigmoid so that a
        # cross-entropy loss can work from the logits: exact for saturated outputs.
        self._activation = None

    @classmethod
    def _wrap(cls, array, requires_grad):
        """A Tensor around an op's result, skipping conversion (hot path)."""
        t = cls.__new__(cls)
        t.data, t.grad, t.requires_grad, t.name = array, None, requires_grad, None
        t._ctx, t._retain, t._activation = None, False, None
        return t

    # ---- array-like facts -------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def size(self):
        return self.data.size

    def __len__(self):
        return len(self.data)

    def numpy(self):
        """The values as a NumPy array: the underlying array on NumPy (not a copy), a host
        copy on a GPU backend (as Keras's ``numpy()``)."""
        return backend.to_host(self.data)

    def item(self):
        """The single value of a one-element tensor as a Python number."""
        return self.data.item()

    def __array__(self, dtype=None, copy=None):
        data = backend.to_host(self.data)  # NumPy asked for it: the host copy on a GPU backend
        return data if dtype is None else data.astype(dtype)

    def __repr__(self):
        extra = ", requires_grad=True" if self.requires_grad else ""
        label = f", name={self.name!r}" if self.name else ""
        return f"Tensor({xp.array2string(self.data, precision=4, threshold=20)}, dtype={self.dtype}{extra}{label})"

    # ---- the graph ----------------------------------------------------------
    def detach(self):
        """The same data (shared, not copied) cut off from the graph."""
        return Tensor._wrap(self.data, False)

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after ``backward`` (as PyTorch does)."""
        self._retain = True
        return self

    def backward(self, grad=None):
        """Compute d(self)/d(leaf) for every leaf that requires a gradient.

        Gradients are *added* to each leaf's ``.grad`` (set ``.grad = None`` to
        start afresh). ``grad`` is the seed dL/d(self); it defaults to 1 and may
        be omitted only for a single-element tensor.

        Raises:
            RuntimeError: when the tensor does not require a gradient.
            ValueError: when ``grad`` is omitted for a non-scalar or has the wrong shape.
        """
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad (made under no_grad, or from constants)")
        if grad is None:
            if self.data.size != 1:
                raise ValueError(f"backward() without a gradient needs a single-element tensor, got shape {self.shape}")
            grad = xp.ones_like(self.data)
        else:
            grad = xp.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=self.dtype)
            if grad.shape != self.shape:
                raise ValueError(f"backward(): gradient shape {grad.shape} does not match tensor shape {self.shape}")
        grads = {id(self): grad}
        for node in reversed(self._topological_order()):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            fn = node._ctx
            if fn is None or node._retain:
                node.grad = g if node.grad is None else node.grad + g
            if fn is None:
                continue
            input_grads = fn.backward(g)
            for parent, needed, pg in zip(fn.parents, fn.needs_grad, input_grads):
                if not needed or pg is None:
                    continue
                key = id(parent)
                # Out of place: an op may hand the same array to several inputs.
                grads[key] = pg if key not in grads else grads[key] + pg

    def _topological_order(self):
        """Nodes that need gradients, each after all of its inputs (iterative DFS)."""
        order, visited = [], set()
        stack = [(self, False)]
        while stack:
            node, inputs_done = stack.pop()
            if inputs_done:
                order.append(node)
                continue
            if id(node) in visited:
                continue
            visited.add(id(node))
            stack.append((node, True))
            if node._ctx is not None:
                for parent, needed in zip(node._ctx.parents, node._ctx.needs_grad):
                    if needed and id(parent) not in visited:
                        stack.append((parent, False))
        return order

    # ---- operators (each one primitive or a short composition) --------------
    def __add__(self, other):
        return _ew.Add.apply(self, other)

    def __radd__(self, other):
        return _ew.Add.apply(other, self)

    def __sub__(self, other):
        return _ew.Sub.apply(self, other)

    def __rsub__(self, other):
        return _ew.Sub.apply(other, self)

    def __mul__(self, other):
        return _ew.Mul.apply(self, other)

    def __rmul__(self, other):
        return _ew.Mul.apply(other, self)

    def __truediv__(self, other):
        return _ew.Div.apply(self, other)

    def __rtruediv__(self, other):
        return _ew.Div.apply(other, self)

    def __neg__(self):
        return _ew.Neg.apply(self)

    def __pow__(self, exponent):
        return _ew.Pow.apply(self, exponent)

    def __rpow__(self, base):
        return _ew.Pow.apply(base, self)

    def __matmul__(self, other):
        return _linalg.MatMul.apply(self, other)

    def __rmatmul__(self, other):
        return _linalg.MatMul.apply(other, self)

    def __getitem__(self, index):
        if isinstance(index, Tensor):
            index = index.data
        return _movement.GetItem.apply(self, index=index)

    # Comparisons give constant boolean tensors: they have no gradient.
    def _compare(self, other, op):
        other = other.data if isinstance(other, Tensor) else other
        return Tensor._wrap(op(self.data, other), False)

    def __lt__(self, other):
        return self._compare(other, xp.less)

    def __le__(self, other):
        return self._compare(other, xp.less_equal)

    def __gt__(self, other):
        return self._compare(other, xp.greater)

    def __ge__(self, other):
        return self._compare(other, xp.greater_equal)

    __hash__ = object.__hash__

    # ---- methods ------------------------------------------------------------
    def exp(self):
        return _ew.Exp.apply(self)

    def log(self):
        return _ew.Log.apply(self)

    def sqrt(self):
        return _ew.Pow.apply(self, 0.5)

    def abs(self):
        return _ew.Abs.apply(self)

    def sum(self, axis=None, keepdims=False):
        return _reduce.Sum.apply(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return _reduce.Max.apply(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return -_reduce.Max.apply(-self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        """Mean by composition: sum divided by the number of summed elements."""
        count = self.data.size // max(_reduce.Sum.reduced_size(self.shape, axis, keepdims), 1)
        return _reduce.Sum.apply(self, axis=axis, keepdims=keepdims) * (1.0 / count)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _movement.Reshape.apply(self, shape=shape)

    def flatten(self):
        """``(N, ...)`` to ``(N, prod(...))``: every axis after the first merged."""
        return self.reshape(self.shape[0], -1)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _movement.Transpose.apply(self, axes=axes or None)

    @property
    def T(self):
        return self.transpose()

    def astype(self, dtype):
        return _ew.Cast.apply(self, dtype=xp.dtype(dtype))


def as_tensor(value, dtype=None):
    """``value`` itself if it is a Tensor (cast to ``dtype`` if given), else a new constant Tensor."""
    if isinstance(value, Tensor):
        return value if dtype is None or value.dtype == dtype else value.astype(dtype)
    return Tensor(value, dtype=dtype)


# The ops import Tensor, so they are bound here, after the class exists.
from striate.autograd import elementwise as _ew  # noqa: E402
from striate.autograd import linalg as _linalg  # noqa: E402
from striate.autograd import movement as _movement  # noqa: E402
from striate.autograd import reduce as _reduce  # noqa: E402

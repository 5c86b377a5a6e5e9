"""A user-supplied gradient: the op behind ``ops.custom_gradient``.

Why a primitive: it *is* the escape hatch for a hand-written backward (a
numerically stable gradient, a straight-through estimator); the user's forward
runs without recording a graph, and backward calls the user's gradient function.

>>> import striate
>>> from striate.autograd.custom import CustomGradient
>>> x = striate.Tensor([2.0], requires_grad=True)
>>> y = CustomGradient.apply(x, forward=lambda t: t * t, gradient=lambda dy: dy * 10.0)
>>> y.backward(striate.Tensor([1.0])); x.grad.tolist()
[10.0]
"""

from striate.autograd.function import Function, no_grad
from striate.backend import xp
from striate.tensor import Tensor

__all__ = ["CustomGradient"]


class CustomGradient(Function):
    """Forward ``forward(*Tensors) -> Tensor``; backward ``gradient(dy Tensor)`` returns one
    gradient (Tensor, array or None) per input."""

    def forward(self, *inputs, forward, gradient):
        with no_grad():
            y = forward(*[Tensor._wrap(a, False) if isinstance(a, xp.ndarray) else a for a in inputs])
        if not isinstance(y, Tensor):
            raise TypeError(f"custom_gradient: the function must return (Tensor, grad_fn), got {type(y).__name__}")
        self.saved = (gradient, [xp.shape(a) for a in inputs])
        return y.data

    def backward(self, dy):
        gradient, shapes = self.saved
        with no_grad():
            grads = gradient(Tensor._wrap(dy, False))
        grads = grads if isinstance(grads, (tuple, list)) else (grads,)
        if len(grads) != len(shapes):
            raise ValueError(f"custom_gradient: grad_fn returned {len(grads)} gradients for {len(shapes)} inputs")
        out = []
        for g, shape in zip(grads, shapes):
            if g is None:
                out.append(None)
                continue
            g = xp.asarray(g.data if isinstance(g, Tensor) else g, dtype=dy.dtype)
            if g.shape != tuple(shape):
                raise ValueError(f"custom_gradient: gradient of shape {g.shape} for an input of shape {tuple(shape)}")
            out.append(g)
        return tuple(out)

"""The base of every primitive op and the switch that turns graph recording off.

A primitive is a subclass of :class:`Function` with ``forward`` (arrays in, one
array out) and ``backward`` (the output's gradient in, one gradient per input
out, each already reduced to that input's shape). ``Function.apply`` wraps the
arrays in Tensors and records the op in the graph only when some input needs a
gradient and recording is on, so inference pays for no bookkeeping.
"""

import contextlib
import threading

from striate.backend import xp

__all__ = ["Function", "no_grad", "enable_grad", "is_grad_enabled", "unbroadcast", "set_tracer"]

class _GradMode(threading.local):
    """Per thread, as in PyTorch: a data worker's ``no_grad`` (a teacher model's predict in a
    PyDataset) must not switch off the gradients of the training step running beside it, and
    a step being traced (striate.jit) must not record the ops a data worker applies meanwhile."""
    enabled = True
    tracer = None  # the recorder of striate.jit while it traces a step in this thread (set_tracer)


_mode = _GradMode()


def is_grad_enabled():
    """Whether new ops are recorded for backward (in this thread)."""
    return _mode.enabled


@contextlib.contextmanager
def _grad_mode(enabled):
    previous, _mode.enabled = _mode.enabled, enabled
    try:
        yield
    finally:
        _mode.enabled = previous


def no_grad():
    """Context manager: ops inside record no graph (inference, weight updates).

    >>> import striate
    >>> w = striate.Tensor([1.0, 2.0], requires_grad=True)
    >>> with striate.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """
    return _grad_mode(False)


def set_tracer(tracer):
    """Make ``tracer.record(fn, inputs, arrays, kwargs, out)`` see every op this thread applies
    from now on (None: stop); returns the previous tracer. Used by :mod:`striate.jit` only."""
    previous, _mode.tracer = _mode.tracer, tracer
    return previous


def enable_grad():
    """Context manager: record the graph again inside a ``no_grad`` block."""
    return _grad_mode(True)


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: the adjoint of NumPy broadcasting.

    Broadcasting copies a value along new leading axes and along axes of size 1,
    so the gradient of that value is the sum over those axes.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1
    )
    if not axes:
        return grad.reshape(shape)
    if axes == tuple(range(len(axes))) and grad.dtype.kind == "f" and grad.flags.c_contiguous:
        # Only leading axes (a bias): one matrix-vector product, 10-20x faster than
        # NumPy's sum over the first axis of a tall, narrow array.
        rows = grad.size // max(1, _prod(grad.shape[len(axes):]))
        return (xp.ones(rows, dtype=grad.dtype) @ grad.reshape(rows, -1)).reshape(shape)  # (rows,) @ (rows, rest)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


def _prod(values):
    out = 1
    for v in values:
        out *= v
    return out


class Function:
    """One primitive op: ``forward`` and ``backward`` side by side.

    Attributes set by :meth:`apply` before ``forward`` runs:
        needs_grad: tuple of bools, one per input: which gradients backward
            must return (the others may be ``None``, which saves work, e.g. the
            input gradient of a network's first layer).
        parents: the input Tensors (``None`` for plain constants), kept only
            when the op is recorded.
    """

    __slots__ = ("needs_grad", "parents", "saved")

    def forward(self, *inputs, **kwargs):  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, dy):  # pragma: no cover - interface
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **kwargs):
        """Run the op on Tensors, arrays or numbers and return a Tensor.

        Plain numeric arrays take the float dtype of the first Tensor input, so a
        float64 or integer constant never silently turns a float32 network into float64.
        """
        fn = cls()
        dtype = next((t.data.dtype for t in inputs if isinstance(t, Tensor)), None)
        arrays = [
            t.data if isinstance(t, Tensor) else _constant(t, dtype)
            for t in inputs
        ]
        mode = _mode
        record = mode.enabled and any(isinstance(t, Tensor) and t.requires_grad for t in inputs)
        if record:
            fn.needs_grad = tuple(isinstance(t, Tensor) and t.requires_grad for t in inputs)
        out = Tensor._wrap(fn.forward(*arrays, **kwargs), record)
        if record:
            fn.parents = tuple(t if isinstance(t, Tensor) else None for t in inputs)
            out._ctx = fn
        if mode.tracer is not None:  # a compiled step is being recorded in this thread (striate.jit)
            mode.tracer.record(fn, inputs, arrays, kwargs, out)
        return out


def _constant(value, dtype):
    """A non-Tensor operand: Python numbers stay weakly typed, float arrays take ``dtype``."""
    if isinstance(value, xp.generic) and value.dtype.kind == "f":
        return float(value)  # NumPy float scalars would promote float32 arrays
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    value = xp.asarray(value)
    if dtype is not None and dtype.kind == "f" and value.dtype.kind in "fbiu" and value.dtype != dtype:
        return value.astype(dtype)  # a float Tensor sets the type: no silent float64 or int promotion
    return value


# Tensor's operators call these ops, so the import goes last: either module may be imported first.
from striate.tensor import Tensor  # noqa: E402

"""``keras.ops.core``: conversion, shapes and dtypes, casts, gradients, scatter and slices.

``convert_to_tensor`` gives a striate Tensor and ``convert_to_numpy`` a NumPy
array; every other op returns Tensors when given Tensors and arrays otherwise.

>>> import numpy as np
>>> from striate import ops
>>> t = ops.convert_to_tensor([1.0, 2.0]); type(t).__name__, ops.dtype(t), ops.shape(t)
('Tensor', 'float32', (2,))
>>> ops.scatter(np.array([[0], [2], [0]]), np.array([1.0, 2.0, 3.0]), (4,)).tolist()
[4.0, 0.0, 2.0, 0.0]
"""

import functools


from striate import backend
from striate.autograd import GetItem, Pad, Where
from striate.autograd.custom import CustomGradient
from striate.autograd.function import no_grad
from striate.autograd.scatter import ScatterAdd
from striate.backend import xp
from striate.ops._convert import (array_op, cast_tensor, constant, normalize_axis, promote, to_tensor,
                                  unwrap)
from striate.ops._dtypes import standardize_dtype
from striate.ops.arithmetic import maximum, minimum
from striate.ops.math import segment_max, segment_min
from striate.tensor import Tensor

__all__ = ["convert_to_tensor", "convert_to_numpy", "is_tensor", "shape", "dtype", "cast", "saturate_cast",
           "stop_gradient", "scatter", "scatter_update", "slice", "slice_update", "unstack", "custom_gradient"]


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """``x`` as a striate Tensor (a Tensor is returned as is, or cast to ``dtype``).

    Python ints become int32 and Python floats ``floatx()``, as in Keras.
    """
    if sparse or ragged:
        raise ValueError("convert_to_tensor: sparse and ragged tensors are not supported")
    return to_tensor(x, None if dtype is None else standardize_dtype(dtype, "convert_to_tensor"),
                     caller="convert_to_tensor")


def convert_to_numpy(x):
    """``x`` (a Tensor, array, list or number) as a NumPy array."""
    # the boundary back to the host: a NumPy array on every backend
    return backend.to_host(x.data if isinstance(x, Tensor) else to_tensor(x, caller="convert_to_numpy").data)


def is_tensor(x):
    """Whether ``x`` is a striate Tensor."""
    return isinstance(x, Tensor)


def shape(x):
    """The static shape of ``x`` as a tuple of ints."""
    return tuple(to_tensor(x, caller="shape").shape)


def dtype(x):
    """The dtype name of ``x`` (``'float32'``, ``'int32'`` ...)."""
    return standardize_dtype(to_tensor(x, caller="dtype").dtype)


@array_op("x")
def cast(x, dtype):  # noqa: F811 - Keras's argument name
    """``x`` as ``dtype``; differentiable between float types."""
    return cast_tensor(to_tensor(x, caller="cast"), standardize_dtype(dtype, "cast"))


@array_op("x")
def saturate_cast(x, dtype):  # noqa: F811
    """``x`` clipped to the range of ``dtype``, then cast (no wrap-around for out-of-range values)."""
    target = standardize_dtype(dtype, "saturate_cast")
    t = to_tensor(x, caller="saturate_cast")
    if target != "bool" and t.dtype != bool:
        info = xp.iinfo(target) if target[0] in "iu" else xp.finfo(target)
        low, high = info.min, info.max
        if t.dtype.kind in "iu":  # compare in the wider integer or float type
            low, high = max(low, xp.iinfo(t.dtype).min), min(high, xp.iinfo(t.dtype).max)
        t = maximum(minimum(t, to_tensor(xp.asarray(high).astype(t.dtype))), to_tensor(xp.asarray(low).astype(t.dtype)))
    return cast_tensor(t, target)


@array_op("variable")
def stop_gradient(variable):
    """The same values, cut off from the graph: no gradient flows back through it."""
    t = to_tensor(variable, caller="stop_gradient")
    return t.detach()


def _positions(indices, shape_, caller):
    """Integer ``indices (N, k)`` as a tuple of ``k`` index arrays, checked against ``shape_``."""
    idx = to_tensor(indices, caller=caller).data
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{caller}: indices must be integers, got dtype {idx.dtype}")
    if idx.ndim == 1:
        idx = idx[:, None]
    k = idx.shape[-1]
    if idx.ndim != 2 or k > len(shape_):
        raise ValueError(f"{caller}: indices must be (num_updates, k) with k <= {len(shape_)}, got {idx.shape}")
    bounds = xp.asarray(shape_[:k])
    if idx.size and (xp.any(idx < 0) or xp.any(idx >= bounds)):
        raise ValueError(f"{caller}: indices out of range for shape {tuple(shape_)}")
    return tuple(idx.T)


@array_op("indices", "values")
def scatter(indices, values, shape):  # noqa: F811
    """A zero tensor of ``shape`` with ``values`` added at ``indices (N, k)``; repeated indices add up.

    ``values`` has shape ``(N, *shape[k:])``.
    """
    shape = tuple(int(n) for n in shape)
    index = _positions(indices, shape, "scatter")
    (v,) = promote(values, caller="scatter")
    expected = (len(index[0]),) + shape[len(index):]
    if v.shape != expected:
        raise ValueError(f"scatter: values of shape {v.shape} for indices of shape ({len(index[0])}, "
                         f"{len(index)}) into {shape}; expected {expected}")
    if v.dtype.kind != "f":
        out = xp.zeros(shape, dtype=v.dtype)
        xp.add.at(out, index, v.data)
        return constant(out)
    return ScatterAdd.apply(v, index=index, shape=shape)


@array_op("inputs", "indices", "updates")
def scatter_update(inputs, indices, updates, reduction=None):
    """``inputs`` with ``updates`` written at ``indices (N, k)``.

    ``reduction``: None (replace; for repeated indices the last update wins),
    'add', 'max' or 'min' (differentiable), 'mul' (a constant).
    """
    if reduction not in (None, "add", "max", "min", "mul"):
        raise ValueError(f"scatter_update: reduction must be None, 'add', 'max', 'min' or 'mul', got {reduction!r}")
    x = to_tensor(inputs, caller="scatter_update")
    index = _positions(indices, x.shape, "scatter_update")
    u = to_tensor(updates, x.dtype, caller="scatter_update")
    expected = (len(index[0]),) + x.shape[len(index):]
    if u.shape != expected:
        raise ValueError(f"scatter_update: updates of shape {u.shape}, expected {expected}")
    if x.dtype.kind != "f" or reduction == "mul":
        out = x.data.copy()
        {None: lambda: out.__setitem__(index, u.data), "add": lambda: xp.add.at(out, index, u.data),
         "max": lambda: xp.maximum.at(out, index, u.data), "min": lambda: xp.minimum.at(out, index, u.data),
         "mul": lambda: xp.multiply.at(out, index, u.data)}[reduction]()
        return constant(out)
    k = len(index)
    if reduction == "add":
        return x + ScatterAdd.apply(u, index=index, shape=x.shape)
    linear = xp.ravel_multi_index(index, x.shape[:k])  # one id per updated position
    cells = int(xp.prod(x.shape[:k]))
    if reduction in ("max", "min"):
        rows = u.reshape((len(linear), -1))
        best = (segment_max if reduction == "max" else segment_min)(rows, linear, num_segments=cells)
        return (maximum if reduction == "max" else minimum)(x, best.reshape(x.shape))
    _, first_of_reversed = xp.unique(linear[::-1], return_index=True)
    last = len(linear) - 1 - first_of_reversed  # the last update of each position wins
    kept = tuple(i[last] for i in index)
    written = ScatterAdd.apply(GetItem.apply(u, index=(last,)), index=kept, shape=x.shape)
    mask = xp.zeros(x.shape[:k], dtype=bool)
    mask[kept] = True
    return Where.apply(written, x, condition=mask.reshape(mask.shape + (1,) * (x.ndim - k)))


def _window(t, start_indices, size, caller):
    starts = [int(s) for s in to_tensor(start_indices, caller=caller).data.reshape(-1)]
    if len(starts) != t.ndim or len(size) != t.ndim:
        raise ValueError(f"{caller}: need one start and size per axis of {t.shape}, got {starts} and {tuple(size)}")
    if any(s < 0 or s + n > d for s, n, d in zip(starts, size, t.shape)):
        raise ValueError(f"{caller}: the window {tuple(size)} at {tuple(starts)} does not fit in {t.shape}")
    return starts


@array_op("inputs", "start_indices")
def slice(inputs, start_indices, shape):  # noqa: A001, F811 - Keras's names
    """The block of ``inputs`` of ``shape`` starting at ``start_indices`` (one per axis)."""
    t = to_tensor(inputs, caller="slice")
    size = tuple(int(n) if n != -1 else t.shape[i] - int(to_tensor(start_indices).data.reshape(-1)[i])
                 for i, n in enumerate(shape))
    starts = _window(t, start_indices, size, "slice")
    return GetItem.apply(t, index=tuple(xp.s_[s:s + n] for s, n in zip(starts, size)))


@array_op("inputs", "start_indices", "updates")
def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block at ``start_indices`` replaced by ``updates`` (differentiable in both)."""
    t = to_tensor(inputs, caller="slice_update")
    u = to_tensor(updates, t.dtype, caller="slice_update")
    starts = _window(t, start_indices, u.shape, "slice_update")
    pads = tuple((s, d - s - n) for s, n, d in zip(starts, u.shape, t.shape))
    mask = xp.zeros(t.shape, dtype=bool)
    mask[tuple(xp.s_[s:s + n] for s, n in zip(starts, u.shape))] = True
    if t.dtype.kind != "f":
        out = t.data.copy()
        out[mask] = u.data.reshape(-1)
        return constant(out)
    return Where.apply(Pad.apply(u, pads=pads), t, condition=mask)


@array_op("x")
def unstack(x, num=None, axis=0):
    """The slices of ``x`` along ``axis`` as a list."""
    t = to_tensor(x, caller="unstack")
    axis = normalize_axis(axis, t.ndim, "unstack")
    if num is not None and num != t.shape[axis]:
        raise ValueError(f"unstack: num={num} but axis {axis} has size {t.shape[axis]}")
    return [t[(xp.s_[:],) * axis + (i,)] for i in range(t.shape[axis])]


def custom_gradient(f):
    """Decorator: ``f(*args)`` returns ``(y, grad_fn)``; backward calls ``grad_fn(upstream)`` instead of
    differentiating ``f``, which runs without recording a graph.

    ``grad_fn`` returns one gradient per Tensor argument (a tuple for several).
    With no Tensor argument, the decorated function returns ``y`` as an array.

    >>> import striate
    >>> from striate import ops
    >>> @ops.custom_gradient
    ... def clip_gradient(x):
    ...     return x * 1.0, lambda upstream: ops.clip(upstream, -0.1, 0.1)
    >>> x = striate.Tensor([3.0], requires_grad=True)
    >>> (clip_gradient(x) * 5.0).sum().backward(); round(float(x.grad[0]), 6)
    0.1
    """
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        tensors = [a for a in args if isinstance(a, Tensor)]
        with no_grad():
            result = f(*[a.detach() if isinstance(a, Tensor) else a for a in args], **kwargs)
        if not isinstance(result, tuple) or len(result) != 2 or not callable(result[1]):
            raise TypeError(f"custom_gradient: {f.__name__} must return (output, grad_fn)")
        y, grad_fn = result
        if not tensors:
            return unwrap(y)
        y = to_tensor(y, caller="custom_gradient")
        return CustomGradient.apply(*tensors, forward=lambda *_: y, gradient=grad_fn)

    return wrapper

"""Arrays made from a shape or a range: ``ones``, ``zeros``, ``full``, ``arange``, ``linspace``, ``eye`` ...

Ops with no array argument return NumPy arrays (constants), as every op does
when no argument is a Tensor; ``ops.convert_to_tensor`` makes a Tensor of one.
Float results default to ``floatx()`` as in Keras.

>>> from striate import ops
>>> ops.ones((2, 3)).dtype.name, ops.arange(4).dtype.name, ops.eye(2).tolist()
('float32', 'int32', [[1.0, 0.0], [0.0, 1.0]])
"""

from striate.autograd import BroadcastTo, Reshape
from striate.backend import xp
from striate.ops._convert import array_op, to_tensor
from striate.ops._dtypes import float_dtype, result_type, standardize_dtype
from striate.tensor import Tensor

__all__ = ["ones", "zeros", "full", "empty", "ones_like", "zeros_like", "full_like", "empty_like",
           "arange", "linspace", "logspace", "geomspace", "eye", "identity", "tri", "array", "meshgrid"]


def _shape(shape, caller):
    if isinstance(shape, (int, xp.integer)) and not isinstance(shape, bool):
        shape = (int(shape),)
    try:
        shape = tuple(int(n) for n in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{caller}: shape must be an int or a tuple of ints, got {shape!r}") from None
    if any(n < 0 for n in shape):
        raise ValueError(f"{caller}: shape must not have negative sizes, got {shape}")
    return shape


def _constant(array):
    return Tensor._wrap(array, False)


def ones(shape, dtype=None):
    """An array of ones, ``floatx()`` unless ``dtype`` is given."""
    return xp.ones(_shape(shape, "ones"), dtype=standardize_dtype(dtype, "ones"))


def zeros(shape, dtype=None):
    """An array of zeros, ``floatx()`` unless ``dtype`` is given."""
    return xp.zeros(_shape(shape, "zeros"), dtype=standardize_dtype(dtype, "zeros"))


def empty(shape, dtype=None):
    """An array of ``shape`` (filled with zeros, so that nothing uninitialised escapes)."""
    return xp.zeros(_shape(shape, "empty"), dtype=standardize_dtype(dtype, "empty"))


@array_op("fill_value")
def full(shape, fill_value, dtype=None):
    """``shape`` filled with ``fill_value``; ``floatx()`` unless ``dtype`` is given (as Keras)."""
    dtype = standardize_dtype(dtype, "full")
    fill = to_tensor(fill_value, caller="full")
    return _constant(xp.full(_shape(shape, "full"), fill.data, dtype=dtype))


def _like(x, dtype, caller):
    x = to_tensor(x, caller=caller)
    return x, (x.dtype.name if dtype is None else standardize_dtype(dtype, caller))


@array_op("x")
def ones_like(x, dtype=None):
    x, dtype = _like(x, dtype, "ones_like")
    return _constant(xp.ones(x.shape, dtype=dtype))


@array_op("x")
def zeros_like(x, dtype=None):
    x, dtype = _like(x, dtype, "zeros_like")
    return _constant(xp.zeros(x.shape, dtype=dtype))


@array_op("x")
def empty_like(x, dtype=None):
    x, dtype = _like(x, dtype, "empty_like")
    return _constant(xp.zeros(x.shape, dtype=dtype))


@array_op("x", "fill_value")
def full_like(x, fill_value, dtype=None):
    x, dtype = _like(x, dtype, "full_like")
    return _constant(xp.full(x.shape, to_tensor(fill_value).data, dtype=dtype))


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in ``[start, stop)``; int32 for ints, ``floatx()`` for floats (as Keras).

    >>> arange(1, 7, 2).tolist()
    [1, 3, 5]
    """
    values = [v for v in (start, stop, step) if v is not None]
    dtype = standardize_dtype(dtype, "arange") if dtype is not None else result_type(*values)
    if step == 0:
        raise ValueError("arange: step must not be 0")
    if stop is None:
        start, stop = 0, start
    return xp.arange(start, stop, 1 if step is None else step).astype(dtype)


@array_op("start", "stop")
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop``; ``floatx()`` unless the inputs are wider."""
    _check_num(num, "linspace")
    start, stop = to_tensor(start), to_tensor(stop)
    dtype = standardize_dtype(dtype, "linspace") if dtype is not None else float_dtype(result_type(start, stop))
    values, step = xp.linspace(start.data, stop.data, num, endpoint=endpoint, retstep=True, axis=axis)
    out = _constant(values.astype(dtype))
    return (out, _constant(xp.asarray(step, dtype=dtype))) if retstep else out


@array_op("start", "stop")
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """``base ** linspace(start, stop, num)``."""
    _check_num(num, "logspace")
    start, stop = to_tensor(start), to_tensor(stop)
    dtype = standardize_dtype(dtype, "logspace") if dtype is not None else float_dtype(result_type(start, stop))
    return _constant(xp.logspace(start.data, stop.data, num, endpoint=endpoint, base=base, axis=axis).astype(dtype))


@array_op("start", "stop")
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """``num`` values from ``start`` to ``stop`` spaced evenly on a log scale."""
    _check_num(num, "geomspace")
    start, stop = to_tensor(start), to_tensor(stop)
    if xp.any(start.data == 0) or xp.any(stop.data == 0):
        raise ValueError("geomspace: start and stop must be non-zero")
    dtype = standardize_dtype(dtype, "geomspace") if dtype is not None else float_dtype(result_type(start, stop))
    return _constant(xp.geomspace(start.data, stop.data, num, endpoint=endpoint, axis=axis).astype(dtype))


def _check_num(num, caller):
    if isinstance(num, bool) or not isinstance(num, (int, xp.integer)) or num < 0:
        raise ValueError(f"{caller}: num must be a non-negative int, got {num!r}")


def eye(N, M=None, k=0, dtype=None):
    """``N x M`` with ones on diagonal ``k``; ``floatx()`` by default."""
    return xp.eye(N, M, k=k or 0, dtype=standardize_dtype(dtype, "eye"))


def identity(n, dtype=None):
    """The ``n x n`` identity matrix."""
    return xp.identity(n, dtype=standardize_dtype(dtype, "identity"))


def tri(N, M=None, k=0, dtype=None):
    """Ones at and below diagonal ``k`` of an ``N x M`` array."""
    return xp.tri(N, M, k=k, dtype=standardize_dtype(dtype, "tri"))


@array_op("x")
def array(x, dtype=None):
    """``x`` as an array (a Tensor stays a Tensor)."""
    x = to_tensor(x, caller="array")
    return x if dtype is None else to_tensor(x, standardize_dtype(dtype, "array"))


@array_op(sequences=("x",))
def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D arrays (``indexing='xy'`` or ``'ij'``), differentiable by broadcasting.

    >>> [g.shape for g in meshgrid([1, 2, 3], [4, 5])]
    [(2, 3), (2, 3)]
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    vectors = [to_tensor(v, caller="meshgrid") for v in x]
    if any(v.ndim != 1 for v in vectors):
        raise ValueError(f"meshgrid: expected 1-D inputs, got shapes {[v.shape for v in vectors]}")
    sizes = [v.shape[0] for v in vectors]
    if indexing == "xy" and len(vectors) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, v in enumerate(vectors):
        axis = (1 - i if i < 2 else i) if indexing == "xy" and len(vectors) >= 2 else i
        shape = [1] * len(vectors)
        shape[axis] = v.shape[0]
        grids.append(BroadcastTo.apply(Reshape.apply(v, shape=tuple(shape)), shape=tuple(sizes)))
    return grids

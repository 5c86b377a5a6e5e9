"""The one place where op arguments become Tensors and results go back to arrays.

Every public op is decorated with :func:`array_op`, naming its array arguments.
When one of them is a striate Tensor the op returns Tensors (differentiable
where the op is); when none is, every result comes back as a NumPy array, so
``ops`` works on plain arrays and Python numbers too. Python numbers are passed
through untouched, so that the op can apply Keras's weak-type rule to them
(``int8 array + 1`` stays int8).

>>> import numpy as np, striate
>>> from striate.ops._convert import array_op, promote
>>> @array_op("a", "b")
... def add(a, b):
...     a, b = promote(a, b)
...     return a + b
>>> type(add(np.ones(2), 1)).__name__, type(add(striate.Tensor([1.0]), 1)).__name__
('ndarray', 'Tensor')
"""

import functools
import inspect

from striate.autograd import Cast
from striate.backend import xp
from striate.ops._dtypes import float_dtype, name_of, result_type, standardize_dtype
from striate.tensor import Tensor

__all__ = ["array_op", "to_tensor", "promote", "floating", "cast_tensor", "is_python_number", "unwrap",
           "constant", "broadcast", "normalize_axis"]

_PYTHON_NUMBERS = (int, float, bool)


def is_python_number(x):
    return type(x) in _PYTHON_NUMBERS


def _as_array(x, caller):
    """Any array-like as an array of a supported dtype, without copying arrays."""
    if isinstance(x, xp.ndarray):
        array = x
    else:
        try:
            array = xp.asarray(x)
        except (ValueError, TypeError) as error:
            raise TypeError(f"{caller}: expected a tensor, array or number, got {type(x).__name__}") from error
        if array.dtype.kind == "f" and not isinstance(x, xp.generic):
            array = array.astype(float_dtype("int"), copy=False)  # Python floats: floatx() (Keras)
        elif array.dtype.kind == "i" and not isinstance(x, xp.generic):
            array = array.astype("int32", copy=False)  # Python ints: int32 (Keras)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{caller}: dtype {array.dtype} is not supported (expected bool, int, uint or float)")
    return array


def to_tensor(x, dtype=None, caller="ops"):
    """``x`` as a Tensor: Tensors as they are, anything else as a constant of its own dtype.

    Python ints become int32 and Python floats ``floatx()``, as in Keras;
    ``dtype`` casts (differentiably for floats).
    """
    if dtype is not None and (is_python_number(x) or isinstance(x, (list, tuple))) and not _contains_tensor(x):
        # straight to the target type: 0.1 must not pass through float32 on its way to float64
        dtype = standardize_dtype(dtype, caller)
        try:
            return Tensor._wrap(xp.asarray(x, dtype=dtype), False)
        except OverflowError:
            raise ValueError(f"{caller}: {x!r} does not fit in {dtype}") from None
    t = x if isinstance(x, Tensor) else Tensor._wrap(_as_array(x, caller), False)
    return t if dtype is None else cast_tensor(t, dtype)


def cast_tensor(t, dtype):
    dtype = standardize_dtype(dtype)
    if name_of(t.dtype) == dtype:
        return t
    if t.requires_grad and dtype.startswith("float"):
        return Cast.apply(t, dtype=xp.dtype(dtype))
    return Tensor._wrap(t.data.astype(dtype), False)  # to an int or bool: no gradient, as in Keras


def promote(*values, caller="ops"):
    """Tensors of ``values`` all cast to their Keras result type (Python numbers weakly typed)."""
    dtype = result_type(*values)
    return [to_tensor(v, dtype, caller) for v in values]


def constant(array):
    """A Tensor around an array that has no gradient (indices, masks, rounded values)."""
    return Tensor._wrap(xp.asarray(array), False)


def broadcast(*values, caller="ops"):
    """Tensors of ``values`` promoted to one dtype, after checking that their shapes broadcast.

    Raises:
        ValueError: naming ``caller`` and the shapes, instead of NumPy's error from deep inside.
    """
    tensors = promote(*values, caller=caller)
    shape = tensors[0].shape
    if all(t.shape == shape for t in tensors[1:]):
        return tensors
    try:
        xp.broadcast_shapes(*[t.shape for t in tensors])
    except ValueError:
        raise ValueError(f"{caller}: shapes {' and '.join(str(t.shape) for t in tensors)} do not broadcast") from None
    return tensors


def normalize_axis(axis, ndim, caller="ops"):
    """``axis`` (None, an int or a sequence of ints) with negative axes resolved, checked against ``ndim``.

    Returns None, an int or a tuple of ints.

    Raises:
        ValueError: for an axis out of range or repeated; TypeError for a non-integer axis.
    """
    if axis is None:
        return None
    many = isinstance(axis, (tuple, list))
    items = tuple(axis) if many else (axis,)
    out = []
    for a in items:
        if isinstance(a, bool) or not isinstance(a, (int, xp.integer)):
            raise TypeError(f"{caller}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"{caller}: axis {a} is out of range for a tensor of rank {ndim}")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{caller}: repeated axis in {axis!r}")
    return tuple(out) if many else out[0]


def floating(x, caller="ops"):
    """``x`` as a float Tensor: float inputs keep their type, ints and bools become ``floatx()``."""
    t = to_tensor(x, caller=caller)
    return cast_tensor(t, float_dtype(t.dtype))


def unwrap(value):
    """Tensors (also inside tuples and lists) back to their arrays."""
    if isinstance(value, Tensor):
        return xp.asarray(value.data)  # an op on 0-d arrays may leave a NumPy scalar
    if isinstance(value, (tuple, list)):
        return type(value)(unwrap(v) for v in value)
    return value


def _contains_tensor(value):
    if isinstance(value, Tensor):
        return True
    if isinstance(value, (tuple, list)):
        return any(_contains_tensor(v) for v in value)
    return False


def _convert(value, caller):
    if isinstance(value, Tensor) or is_python_number(value) or value is None:
        return value
    if isinstance(value, (tuple, list)) and any(isinstance(v, Tensor) for v in value):
        return type(value)(_convert(v, caller) for v in value)
    return to_tensor(value, caller=caller)


def _sequence(items, name, caller):
    """A list argument with each item converted (a tensor counts as the list of its rows)."""
    if isinstance(items, (Tensor, xp.ndarray)):
        items = [items[i] for i in range(len(items))]  # rows along the first axis
    elif not isinstance(items, (tuple, list)):
        raise TypeError(f"{caller}: {name} must be a list of tensors, got {type(items).__name__}")
    return type(items)(_convert(v, caller) for v in items)


def array_op(*names, sequences=()):
    """Decorator: the parameters ``names`` are arrays, ``sequences`` are lists of arrays.

    Arrays and lists become constant Tensors (Tensors and Python numbers pass as
    they are); the result is unwrapped to arrays when no array argument was a
    Tensor. The wrapped function therefore is written once, for Tensors.
    """
    def decorate(fn):
        params = list(inspect.signature(fn).parameters.values())
        positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        varargs = next((p.name for p in params if p.kind is p.VAR_POSITIONAL), None)
        caller = fn.__name__
        # (name, position among the positional parameters or None for *args, is a sequence)
        plan = [(n, positional.index(n) if n != varargs else None, False) for n in names]
        plan += [(n, positional.index(n) if n != varargs else None, True) for n in sequences]

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            args = list(args)
            has_tensor = False
            for name, position, sequence in plan:
                if position is None:  # *args: every remaining positional argument is one item
                    items = args[len(positional):]
                    has_tensor = has_tensor or _contains_tensor(items)
                    args[len(positional):] = [_convert(v, caller) for v in items]
                    continue
                if position < len(args):
                    value = args[position]
                elif name in kwargs:
                    value = kwargs[name]
                else:
                    continue
                has_tensor = has_tensor or _contains_tensor(value)
                value = _sequence(value, name, caller) if sequence else _convert(value, caller)
                if position < len(args):
                    args[position] = value
                else:
                    kwargs[name] = value
            out = fn(*args, **kwargs)
            return out if has_tensor else unwrap(out)

        return wrapper

    return decorate

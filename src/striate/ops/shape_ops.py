"""Ops that move values without arithmetic: reshaping, joining, splitting, tiling, padding, flipping.

All are compositions of the engine's ``Reshape``, ``Transpose``, ``GetItem``,
``Concatenate``, ``Pad`` and ``BroadcastTo``, so they are differentiable for
float tensors; integer and boolean tensors move the same way.

>>> import numpy as np
>>> from striate import ops
>>> x = np.arange(6).reshape(2, 3)
>>> ops.tile(x, (1, 2)).shape, ops.repeat(x, 2, axis=0).shape, ops.pad(x, 1).shape
((2, 6), (4, 3), (4, 5))
"""

from striate.autograd import BroadcastTo, Concatenate, GetItem, Pad, Reshape, Transpose
from striate.backend import xp
from striate.ops._convert import array_op, constant, normalize_axis, promote, to_tensor
from striate.ops._dtypes import is_float

__all__ = ["reshape", "transpose", "expand_dims", "squeeze", "ravel", "concatenate", "stack", "hstack",
           "vstack", "dstack", "split", "array_split", "hsplit", "vsplit", "dsplit", "tile", "repeat", "pad",
           "flip", "fliplr", "flipud", "roll", "rot90", "swapaxes", "moveaxis", "broadcast_to", "append", "copy"]


@array_op("x")
def reshape(x, newshape):
    """``x`` with a new shape of the same size (one entry may be -1)."""
    t = to_tensor(x, caller="reshape")
    shape = (newshape,) if isinstance(newshape, (int, xp.integer)) else tuple(int(n) for n in newshape)
    known = 1
    for n in shape:
        known *= n if n != -1 else 1
    if shape.count(-1) > 1 or (-1 not in shape and known != t.size) or (-1 in shape and (known == 0 or t.size % known)):
        raise ValueError(f"reshape: cannot reshape a tensor of shape {t.shape} ({t.size} elements) into {shape}")
    return Reshape.apply(t, shape=shape)


@array_op("x")
def transpose(x, axes=None):
    """``x`` with its axes permuted (reversed when ``axes`` is None)."""
    t = to_tensor(x, caller="transpose")
    if axes is not None:
        axes = normalize_axis(tuple(axes), t.ndim, "transpose")
        if len(axes) != t.ndim:
            raise ValueError(f"transpose: axes {axes} must permute all {t.ndim} axes")
    return Transpose.apply(t, axes=axes)


@array_op("x")
def expand_dims(x, axis):
    """``x`` with new axes of size 1 at the positions ``axis`` (of the result)."""
    t = to_tensor(x, caller="expand_dims")
    axes = (axis,) if not isinstance(axis, (tuple, list)) else tuple(axis)
    axes = normalize_axis(axes, t.ndim + len(axes), "expand_dims")
    shape, rest = [], iter(t.shape)
    for i in range(t.ndim + len(axes)):
        shape.append(1 if i in axes else next(rest))
    return Reshape.apply(t, shape=tuple(shape))


@array_op("x")
def squeeze(x, axis=None):
    """``x`` without its axes of size 1 (only those in ``axis`` when given)."""
    t = to_tensor(x, caller="squeeze")
    if axis is None:
        axes = tuple(i for i, n in enumerate(t.shape) if n == 1)
    else:
        axes = normalize_axis(axis if isinstance(axis, (tuple, list)) else (axis,), t.ndim, "squeeze")
        if any(t.shape[a] != 1 for a in axes):
            raise ValueError(f"squeeze: axis {axis} of shape {t.shape} does not have size 1")
    return Reshape.apply(t, shape=tuple(n for i, n in enumerate(t.shape) if i not in axes))


@array_op("x")
def ravel(x):
    """``x`` flattened to 1-D."""
    return Reshape.apply(to_tensor(x, caller="ravel"), shape=(-1,))


@array_op(sequences=("xs",))
def concatenate(xs, axis=0):
    """The tensors joined along an existing ``axis`` (promoted to one dtype)."""
    if not len(xs):
        raise ValueError("concatenate: expected at least one tensor")
    tensors = promote(*xs, caller="concatenate")
    ndim = tensors[0].ndim
    if ndim == 0:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated (use stack)")
    axis = normalize_axis(axis, ndim, "concatenate")
    rest = tensors[0].shape[:axis] + tensors[0].shape[axis + 1:]
    for t in tensors:
        if t.ndim != ndim or t.shape[:axis] + t.shape[axis + 1:] != rest:
            raise ValueError(f"concatenate: shapes {[t.shape for t in tensors]} differ outside axis {axis}")
    if len(tensors) == 1:
        return tensors[0]
    return Concatenate.apply(*tensors, axis=axis)


@array_op(sequences=("x",))
def stack(x, axis=0):
    """The tensors (all of one shape) joined along a new ``axis``."""
    if not len(x):
        raise ValueError("stack: expected at least one tensor")
    tensors = promote(*x, caller="stack")
    if any(t.shape != tensors[0].shape for t in tensors):
        raise ValueError(f"stack: all tensors must have one shape, got {[t.shape for t in tensors]}")
    axis = normalize_axis(axis, tensors[0].ndim + 1, "stack")
    return concatenate([expand_dims(t, axis) for t in tensors], axis=axis)


@array_op(sequences=("xs",))
def hstack(xs):
    """Join along axis 1 (axis 0 for 1-D tensors)."""
    tensors = [to_tensor(v) for v in xs]
    return concatenate(tensors, axis=0 if tensors and tensors[0].ndim == 1 else 1)


@array_op(sequences=("xs",))
def vstack(xs):
    """Join along axis 0, 1-D tensors as rows."""
    return concatenate([_at_least(to_tensor(v), 2) for v in xs], axis=0)


@array_op(sequences=("xs",))
def dstack(xs):
    """Join along axis 2 (depth), lower-rank tensors raised to 3-D first."""
    return concatenate([_at_least(to_tensor(v), 3) for v in xs], axis=2)


def _at_least(t, rank):
    if t.ndim >= rank:
        return t
    shape = (1,) + t.shape if t.ndim < 2 else t.shape
    shape = shape + (1,) * (rank - len(shape))
    return Reshape.apply(t, shape=shape)


def _pieces(t, indices_or_sections, axis, even, caller):
    axis = normalize_axis(axis, t.ndim, caller)
    n = t.shape[axis]
    if isinstance(indices_or_sections, (int, xp.integer)):
        k = int(indices_or_sections)
        if k <= 0 or (even and n % k):
            raise ValueError(f"{caller}: cannot split an axis of size {n} into {k} equal parts")
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
        bounds = list(xp.cumsum([0] + sizes))
    else:
        bounds = [0] + [min(max(int(i), 0), n) for i in indices_or_sections] + [n]
    head = (slice(None),) * axis
    return [GetItem.apply(t, index=head + (slice(int(a), int(max(a, b))),)) for a, b in zip(bounds[:-1], bounds[1:])]


@array_op("x")
def split(x, indices_or_sections, axis=0):
    """``x`` cut along ``axis`` into equal sections or at the given indices."""
    return _pieces(to_tensor(x, caller="split"), indices_or_sections, axis, True, "split")


@array_op("x")
def array_split(x, indices_or_sections, axis=0):
    """As :func:`split`, but sections may differ in size by one."""
    return _pieces(to_tensor(x, caller="array_split"), indices_or_sections, axis, False, "array_split")


@array_op("x")
def hsplit(x, indices_or_sections):
    """:func:`split` along axis 1 (axis 0 for 1-D)."""
    t = to_tensor(x, caller="hsplit")
    return _pieces(t, indices_or_sections, 0 if t.ndim == 1 else 1, True, "hsplit")


@array_op("x")
def vsplit(x, indices_or_sections):
    """:func:`split` along axis 0."""
    return _pieces(to_tensor(x, caller="vsplit"), indices_or_sections, 0, True, "vsplit")


@array_op("x")
def dsplit(x, indices_or_sections):
    """:func:`split` along axis 2."""
    return _pieces(to_tensor(x, caller="dsplit"), indices_or_sections, 2, True, "dsplit")


@array_op("x")
def tile(x, repeats):
    """``x`` repeated ``repeats[i]`` times along each axis (by broadcasting, so the gradient sums)."""
    t = to_tensor(x, caller="tile")
    reps = (int(repeats),) if isinstance(repeats, (int, xp.integer)) else tuple(int(r) for r in repeats)
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: repeats must be non-negative, got {reps}")
    rank = max(t.ndim, len(reps))
    shape = (1,) * (rank - t.ndim) + t.shape
    reps = (1,) * (rank - len(reps)) + reps
    interleaved = tuple(v for n in shape for v in (1, n))  # (1, n0, 1, n1, ...)
    target = tuple(v for r, n in zip(reps, shape) for v in (r, n))  # (r0, n0, r1, n1, ...)
    grid = BroadcastTo.apply(Reshape.apply(t, shape=interleaved), shape=target)
    return Reshape.apply(grid, shape=tuple(r * n for r, n in zip(reps, shape)))


@array_op("x")
def repeat(x, repeats, axis=None):
    """Each element repeated ``repeats`` times along ``axis`` (the flattened ``x`` when None)."""
    t = to_tensor(x, caller="repeat")
    if axis is None:
        t, axis = ravel(t), 0
    axis = normalize_axis(axis, t.ndim, "repeat")
    counts = xp.asarray(to_tensor(repeats).data)
    if counts.dtype.kind not in "iu" or xp.any(counts < 0):
        raise ValueError(f"repeat: repeats must be non-negative ints, got {counts}")
    if counts.ndim == 0:
        r, n = int(counts), t.shape[axis]
        wide = t.shape[:axis + 1] + (1,) + t.shape[axis + 1:]
        grid = BroadcastTo.apply(Reshape.apply(t, shape=wide), shape=wide[:axis + 1] + (r,) + wide[axis + 2:])
        return Reshape.apply(grid, shape=t.shape[:axis] + (n * r,) + t.shape[axis + 1:])
    if counts.shape != (t.shape[axis],):
        raise ValueError(f"repeat: {counts.shape[0]} repeats for an axis of size {t.shape[axis]}")
    index = xp.repeat(xp.arange(t.shape[axis]), counts)
    return GetItem.apply(t, index=(slice(None),) * axis + (index,))


_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


@array_op("x", "constant_values")
def pad(x, pad_width, mode="constant", constant_values=None):
    """``x`` padded by ``pad_width`` (an int, a ``(before, after)`` pair or one pair per axis).

    Modes: 'constant' (with ``constant_values``, default 0), 'edge', 'reflect',
    'symmetric' and 'wrap' (as NumPy); the others Keras lists are not supported.
    """
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of {_PAD_MODES}, got {mode!r}")
    t = to_tensor(x, caller="pad")
    try:
        widths = xp.broadcast_to(xp.asarray(pad_width, dtype=int), (t.ndim, 2))
    except ValueError:
        raise ValueError(f"pad: pad_width {pad_width!r} does not fit a tensor of rank {t.ndim}") from None
    if xp.any(widths < 0):
        raise ValueError(f"pad: pad_width must be non-negative, got {pad_width!r}")
    pads = tuple((int(b), int(a)) for b, a in widths)
    if mode == "constant":
        c = to_tensor(0 if constant_values is None else constant_values, t.dtype)
        if c.ndim:
            raise ValueError(f"pad: constant_values must be a number, got shape {c.shape}")
        if c.data == 0:
            return Pad.apply(t, pads=pads)
        if not is_float(t.dtype):
            return constant(xp.pad(t.data, pads, constant_values=c.data))
        return Pad.apply(t - c, pads=pads) + c  # zeros padded around x - c, then c added back
    if mode != "wrap" and any(n == 0 and (b or a) for n, (b, a) in zip(t.shape, pads)):
        raise ValueError(f"pad: mode {mode!r} cannot pad an empty axis of shape {t.shape}")
    for axis, (b, a) in enumerate(pads):
        if b or a:  # NumPy pads an index ramp the same way: its values say which element goes where
            index = xp.pad(xp.arange(t.shape[axis]), (b, a), mode=mode)
            t = GetItem.apply(t, index=(slice(None),) * axis + (index,))
    return t


@array_op("x")
def flip(x, axis=None):
    """``x`` reversed along ``axis`` (all axes when None)."""
    t = to_tensor(x, caller="flip")
    axes = range(t.ndim) if axis is None else normalize_axis(
        axis if isinstance(axis, (tuple, list)) else (axis,), t.ndim, "flip")
    return GetItem.apply(t, index=tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(t.ndim)))


def fliplr(x):
    """``x`` reversed along axis 1."""
    return flip(x, axis=1)


def flipud(x):
    """``x`` reversed along axis 0."""
    return flip(x, axis=0)


@array_op("x")
def roll(x, shift, axis=None):
    """``x`` shifted cyclically by ``shift`` along ``axis`` (the flattened ``x`` when None)."""
    t = to_tensor(x, caller="roll")
    if axis is None:
        return reshape(roll(ravel(t), shift, axis=0), t.shape)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    shifts = shift if isinstance(shift, (tuple, list)) else (shift,) * len(axes)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: {len(shifts)} shifts for {len(axes)} axes")
    for a, s in zip(normalize_axis(tuple(axes), t.ndim, "roll"), shifts):
        n = t.shape[a]
        if n:
            t = GetItem.apply(t, index=(slice(None),) * a + ((xp.arange(n) - int(s)) % n,))
    return t


@array_op("array")
def rot90(array, k=1, axes=(0, 1)):
    """``array`` rotated by 90 degrees ``k`` times in the plane ``axes`` (from the first axis towards the second)."""
    t = to_tensor(array, caller="rot90")
    a, b = normalize_axis(tuple(axes), t.ndim, "rot90")
    if a == b:
        raise ValueError("rot90: the two axes must differ")
    k %= 4
    if k == 0:
        return t
    if k == 2:
        return flip(t, axis=(a, b))
    order = list(range(t.ndim))
    order[a], order[b] = order[b], order[a]
    return Transpose.apply(flip(t, axis=b), axes=tuple(order)) if k == 1 else \
        flip(Transpose.apply(t, axes=tuple(order)), axis=b)


@array_op("x")
def swapaxes(x, axis1, axis2):
    """``x`` with two axes exchanged."""
    t = to_tensor(x, caller="swapaxes")
    order = list(range(t.ndim))
    a, b = normalize_axis(axis1, t.ndim, "swapaxes"), normalize_axis(axis2, t.ndim, "swapaxes")
    order[a], order[b] = order[b], order[a]
    return Transpose.apply(t, axes=tuple(order))


@array_op("x")
def moveaxis(x, source, destination):
    """``x`` with axes moved from ``source`` to ``destination`` (others keep their order)."""
    t = to_tensor(x, caller="moveaxis")
    src = normalize_axis(source if isinstance(source, (tuple, list)) else (source,), t.ndim, "moveaxis")
    dst = normalize_axis(destination if isinstance(destination, (tuple, list)) else (destination,), t.ndim, "moveaxis")
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination must have the same number of axes")
    order = [i for i in range(t.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return Transpose.apply(t, axes=tuple(order))


@array_op("x")
def broadcast_to(x, shape):
    """``x`` broadcast to ``shape`` (the gradient sums over the copies)."""
    t = to_tensor(x, caller="broadcast_to")
    shape = tuple(int(n) for n in shape)
    try:
        fits = xp.broadcast_shapes(t.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"broadcast_to: cannot broadcast shape {t.shape} to {shape}")
    return BroadcastTo.apply(t, shape=shape)


@array_op("x1", "x2")
def append(x1, x2, axis=None):
    """``x2`` joined after ``x1`` along ``axis`` (both flattened when None)."""
    if axis is None:
        return concatenate([ravel(x1), ravel(x2)], axis=0)
    return concatenate([x1, x2], axis=axis)


@array_op("x")
def copy(x):
    """A copy of ``x`` that shares no memory with it (differentiable for floats)."""
    t = to_tensor(x, caller="copy")
    return t * 1.0 if is_float(t.dtype) else constant(t.data.copy())

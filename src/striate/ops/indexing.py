"""Gathering and selecting: ``take``, ``take_along_axis``, ``where``, sorting, triangles and diagonals.

Values are gathered with the engine's ``GetItem`` (its backward adds repeated
indices up) and selected with ``Where`` (the condition gets no gradient);
index results (``argsort``, ``nonzero`` ...) are int32 constants, as in Keras.

>>> import numpy as np
>>> from striate import ops
>>> ops.take(np.array([10, 20, 30]), [2, 0]).tolist(), ops.argsort(np.array([3.0, 1.0, 2.0])).tolist()
([30, 10], [1, 2, 0])
"""

from striate.autograd import BroadcastTo, GetItem, Reshape, Transpose, Where
from striate.backend import xp
from striate.ops._convert import array_op, broadcast, constant, normalize_axis, promote, to_tensor
from striate.ops._dtypes import is_float

__all__ = ["take", "take_along_axis", "where", "nonzero", "sort", "argsort", "tril", "triu", "diag",
           "diagonal", "diagflat", "get_item", "select", "searchsorted", "digitize",
           "bincount", "argpartition"]


def _indices(indices, size, caller):
    """Integer indices with negatives wrapped, checked against ``size``."""
    idx = to_tensor(indices, caller=caller).data
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{caller}: indices must be integers, got dtype {idx.dtype}")
    if idx.size and (idx.min() < -size or idx.max() >= size):
        raise ValueError(f"{caller}: indices must be in [{-size}, {size}), got values from {idx.min()} to {idx.max()}")
    return xp.where(idx < 0, idx + size, idx)


def _flat(t):
    return t if t.ndim == 1 else Reshape.apply(t, shape=(-1,))


@array_op("x", "indices")
def take(x, indices, axis=None):
    """Elements of ``x`` at ``indices`` along ``axis`` (of the flattened ``x`` when None).

    Output shape: ``x.shape[:axis] + indices.shape + x.shape[axis+1:]``.
    """
    t = to_tensor(x, caller="take")
    if axis is None:
        t, axis = _flat(t), 0
    axis = normalize_axis(axis, t.ndim, "take")
    idx = _indices(indices, t.shape[axis], "take")
    return GetItem.apply(t, index=(slice(None),) * axis + (idx,))


@array_op("x", "indices")
def take_along_axis(x, indices, axis=None):
    """``x`` gathered by ``indices`` of the same rank (broadcast with ``x`` except along ``axis``)."""
    t = to_tensor(x, caller="take_along_axis")
    idx = to_tensor(indices, caller="take_along_axis").data
    if axis is None:
        t, axis, idx = _flat(t), 0, idx.reshape(-1)
    axis = normalize_axis(axis, t.ndim, "take_along_axis")
    if idx.ndim != t.ndim:
        raise ValueError(f"take_along_axis: indices of rank {idx.ndim} for x of rank {t.ndim}; they must match")
    idx = _indices(idx, t.shape[axis], "take_along_axis")
    try:
        shape = xp.broadcast_shapes(t.shape[:axis] + (1,) + t.shape[axis + 1:],
                                    idx.shape[:axis] + (1,) + idx.shape[axis + 1:])
    except ValueError:
        raise ValueError(f"take_along_axis: shapes {t.shape} and {idx.shape} do not broadcast") from None
    if t.shape[:axis] + t.shape[axis + 1:] != shape[:axis] + shape[axis + 1:]:
        t = BroadcastTo.apply(t, shape=shape[:axis] + (t.shape[axis],) + shape[axis + 1:])
    idx = xp.broadcast_to(idx, shape[:axis] + (idx.shape[axis],) + shape[axis + 1:])
    grid = [xp.arange(n).reshape((1,) * k + (n,) + (1,) * (idx.ndim - k - 1)) for k, n in enumerate(idx.shape)]
    grid[axis] = idx
    return GetItem.apply(t, index=tuple(grid))


@array_op("condition", "x1", "x2")
def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` holds, else ``x2``; with neither, :func:`nonzero` of ``condition``."""
    cond = to_tensor(condition, caller="where").data
    if x1 is None and x2 is None:
        return nonzero(cond)
    if x1 is None or x2 is None:
        raise ValueError("where: give both x1 and x2, or neither")
    a, b = broadcast(x1, x2, caller="where")
    try:
        xp.broadcast_shapes(cond.shape, a.shape, b.shape)
    except ValueError:
        raise ValueError(f"where: condition {cond.shape} does not broadcast with {a.shape} and {b.shape}") from None
    cond = cond.astype(bool, copy=False)
    return Where.apply(a, b, condition=cond) if is_float(a.dtype) else constant(xp.where(cond, a.data, b.data))


@array_op("x")
def nonzero(x):
    """A tuple of int32 index arrays, one per axis, of the non-zero elements."""
    return tuple(constant(i.astype("int32")) for i in xp.nonzero(to_tensor(x, caller="nonzero").data))


@array_op("x")
def argsort(x, axis=-1):
    """Indices (int32) that sort ``x`` along ``axis`` (stable: ties keep their order). ``axis=None`` flattens."""
    t = to_tensor(x, caller="argsort")
    if axis is None:
        t, axis = _flat(t), 0
    axis = normalize_axis(axis, max(t.ndim, 1), "argsort")
    return constant(xp.argsort(t.data, axis=axis, kind="stable").astype("int32"))


@array_op("x")
def sort(x, axis=-1):
    """``x`` sorted ascending along ``axis``; the gradient follows each value to its place."""
    t = to_tensor(x, caller="sort")
    if axis is None:
        t, axis = _flat(t), 0
    if t.ndim == 0:
        return t
    order = argsort(t, axis=axis).data
    return take_along_axis(t, order, axis=axis) if is_float(t.dtype) else constant(xp.sort(t.data, axis=axis))


@array_op("x")
def argpartition(x, kth, axis=-1):
    """Indices (int32) that put the ``kth`` element in its sorted place along ``axis``."""
    t = to_tensor(x, caller="argpartition")
    return constant(xp.argpartition(t.data, kth, axis=axis).astype("int32"))


def _triangle(x, k, lower, caller):
    t = to_tensor(x, caller=caller)
    if t.ndim < 2:
        raise ValueError(f"{caller}: expected a tensor of rank >= 2, got shape {t.shape}")
    rows, cols = t.shape[-2:]
    keep = xp.tri(rows, cols, k=k, dtype=bool) if lower else ~xp.tri(rows, cols, k=k - 1, dtype=bool)
    zero = xp.zeros((), dtype=t.dtype)
    return Where.apply(t, zero, condition=keep) if is_float(t.dtype) else constant(xp.where(keep, t.data, zero))


@array_op("x")
def tril(x, k=0):
    """The lower triangle of the last two axes (at and below diagonal ``k``), zeros above."""
    return _triangle(x, k, True, "tril")


@array_op("x")
def triu(x, k=0):
    """The upper triangle of the last two axes (at and above diagonal ``k``), zeros below."""
    return _triangle(x, k, False, "triu")


@array_op("x")
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal ``offset`` of the plane ``(axis1, axis2)``, as the last axis of the result."""
    t = to_tensor(x, caller="diagonal")
    if t.ndim < 2:
        raise ValueError(f"diagonal: expected a tensor of rank >= 2, got shape {t.shape}")
    a1, a2 = normalize_axis(axis1, t.ndim, "diagonal"), normalize_axis(axis2, t.ndim, "diagonal")
    if a1 == a2:
        raise ValueError("diagonal: axis1 and axis2 must differ")
    rest = [i for i in range(t.ndim) if i not in (a1, a2)]
    t = Transpose.apply(t, axes=tuple(rest + [a1, a2]))  # (..., n1, n2)
    n1, n2 = t.shape[-2:]
    start_r, start_c = (0, offset) if offset >= 0 else (-offset, 0)
    length = max(0, min(n1 - start_r, n2 - start_c))
    steps = xp.arange(length)
    return GetItem.apply(t, index=(Ellipsis, steps + start_r, steps + start_c))


@array_op("x")
def diag(x, k=0):
    """The ``k``-th diagonal of a matrix, or a square matrix with the vector ``x`` on diagonal ``k``."""
    t = to_tensor(x, caller="diag")
    if t.ndim == 2:
        return diagonal(t, offset=k)
    if t.ndim != 1:
        raise ValueError(f"diag: expected a vector or a matrix, got shape {t.shape}")
    n = t.shape[0] + abs(k)
    rows, cols = xp.indices((n, n))
    on = (cols - rows) == k
    position = xp.where(on, xp.minimum(rows, cols), 0)  # index of x on the diagonal, 0 elsewhere
    gathered = GetItem.apply(t, index=(position,)) if t.shape[0] else constant(xp.zeros((n, n), t.dtype))
    zero = xp.zeros((), dtype=t.dtype)
    if not is_float(t.dtype):
        return constant(xp.where(on, gathered.data, zero))
    return Where.apply(gathered, zero, condition=on)


@array_op("x")
def diagflat(x, k=0):
    """A matrix with the flattened ``x`` on diagonal ``k``."""
    return diag(_flat(to_tensor(x, caller="diagflat")), k)


@array_op("x")
def get_item(x, key):
    """``x[key]`` for ints, slices, None, Ellipsis and integer or boolean arrays."""
    t = to_tensor(x, caller="get_item")
    return t[key]


@array_op("default", sequences=("condlist", "choicelist"))
def select(condlist, choicelist, default=0):
    """The choice of the first true condition, element-wise; ``default`` where none holds."""
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)) \
            or len(condlist) != len(choicelist) or not condlist:
        raise ValueError("select: condlist and choicelist must be non-empty lists of the same length")
    out = default
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        out = where(cond, choice, out)
    return out


@array_op("sorted_sequence", "values")
def searchsorted(sorted_sequence, values, side="left"):
    """Insertion indices (int32) of ``values`` into the 1-D ``sorted_sequence``."""
    seq = to_tensor(sorted_sequence, caller="searchsorted")
    if seq.ndim != 1:
        raise ValueError(f"searchsorted: sorted_sequence must be 1-D, got shape {seq.shape}")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    return constant(xp.searchsorted(seq.data, to_tensor(values).data, side=side).astype("int32"))


@array_op("x", "bins")
def digitize(x, bins):
    """The index (int32) of the bin of each element (NumPy's ``digitize``)."""
    return constant(xp.digitize(to_tensor(x).data, to_tensor(bins).data).astype("int32"))


@array_op("x", "weights")
def bincount(x, weights=None, minlength=0, sparse=False):
    """Counts of each non-negative integer in the 1-D ``x`` (weighted sums with ``weights``)."""
    if sparse:
        raise ValueError("bincount: sparse=True is not supported")
    t = to_tensor(x, caller="bincount")
    if t.ndim != 1 or t.dtype.kind not in "iu" or (t.size and t.data.min() < 0):
        raise ValueError(f"bincount: expected a 1-D array of non-negative ints, got {t.dtype} {t.shape}")
    if weights is None:
        return constant(xp.bincount(t.data, minlength=minlength).astype("int32"))
    (w,) = promote(weights)
    return constant(xp.bincount(t.data, weights=w.data, minlength=minlength).astype(w.dtype))

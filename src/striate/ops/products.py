"""Products of tensors: ``matmul``, ``dot``, ``tensordot``, ``outer``, ``inner``, ``einsum``, ``kron``, ``cross``.

Float products run on the engine's ``MatMul`` and ``Einsum`` primitives;
integer products are exact constants in the promoted integer type.

>>> import numpy as np
>>> from striate import ops
>>> a, b = np.ones((2, 3)), np.ones((3, 4))
>>> ops.matmul(a, b).shape, ops.einsum("ij,jk->ik", a, b)[0, 0].item(), ops.tensordot(a, b, axes=1).shape
((2, 4), 3.0, (2, 4))
"""

from striate.autograd import MatMul, Reshape
from striate.autograd.einsum import Einsum, parse_subscripts
from striate.backend import xp
from striate.ops._convert import array_op, constant, normalize_axis, promote
from striate.ops._dtypes import is_float
from striate.ops.shape_ops import moveaxis, ravel, stack

__all__ = ["matmul", "dot", "tensordot", "outer", "inner", "vdot", "einsum", "kron", "cross"]

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@array_op("x1", "x2")
def matmul(x1, x2):
    """The matrix product with NumPy's rules: stacks of matrices broadcast, 1-D operands are vectors."""
    a, b = promote(x1, x2, caller="matmul")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: operands must be at least 1-D, got shapes {a.shape} and {b.shape}")
    inner_a, inner_b = a.shape[-1], b.shape[-2] if b.ndim > 1 else b.shape[0]
    if inner_a != inner_b:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not align ({inner_a} != {inner_b})")
    try:
        xp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"matmul: batch shapes of {a.shape} and {b.shape} do not broadcast") from None
    return MatMul.apply(a, b) if is_float(a.dtype) else constant(xp.matmul(a.data, b.data))


def _contract(a, b, axes_a, axes_b, caller):
    """``a`` and ``b`` summed over paired axes, as one einsum (result: free axes of a, then of b)."""
    if any(a.shape[i] != b.shape[j] for i, j in zip(axes_a, axes_b)):
        raise ValueError(f"{caller}: contracted axes of {a.shape} and {b.shape} differ in size")
    sa = list(_LETTERS[:a.ndim])
    sb = list(_LETTERS[a.ndim:a.ndim + b.ndim])
    for i, j in zip(axes_a, axes_b):
        sb[j] = sa[i]
    out = [c for k, c in enumerate(sa) if k not in axes_a] + [c for k, c in enumerate(sb) if k not in axes_b]
    return einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", a, b)


@array_op("x1", "x2")
def tensordot(x1, x2, axes=2):
    """The sum of products over ``axes``: the last ``axes`` of ``x1`` with the first of ``x2``, or
    explicit ``(axes_of_x1, axes_of_x2)``."""
    a, b = promote(x1, x2, caller="tensordot")
    if isinstance(axes, (int, xp.integer)):
        if axes < 0 or axes > min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: axes={axes} does not fit shapes {a.shape} and {b.shape}")
        axes_a, axes_b = tuple(range(a.ndim - axes, a.ndim)), tuple(range(axes))
    else:
        first, second = axes
        first = (first,) if isinstance(first, (int, xp.integer)) else tuple(first)
        second = (second,) if isinstance(second, (int, xp.integer)) else tuple(second)
        if len(first) != len(second):
            raise ValueError(f"tensordot: axes {axes} pair {len(first)} axes with {len(second)}")
        axes_a, axes_b = normalize_axis(first, a.ndim, "tensordot"), normalize_axis(second, b.ndim, "tensordot")
    return _contract(a, b, axes_a, axes_b, "tensordot")


@array_op("x1", "x2")
def dot(x1, x2):
    """NumPy's ``dot``: a product for scalars, the inner product of vectors, else the sum over the
    last axis of ``x1`` and the second-to-last of ``x2``."""
    a, b = promote(x1, x2, caller="dot")
    if a.ndim == 0 or b.ndim == 0:
        return a * b if is_float(a.dtype) else constant(a.data * b.data)
    axis_b = 0 if b.ndim == 1 else b.ndim - 2
    return _contract(a, b, (a.ndim - 1,), (axis_b,), "dot")


@array_op("x1", "x2")
def inner(x1, x2):
    """The sum of products over the last axes of both."""
    a, b = promote(x1, x2, caller="inner")
    if a.ndim == 0 or b.ndim == 0:
        return a * b if is_float(a.dtype) else constant(a.data * b.data)
    return _contract(a, b, (a.ndim - 1,), (b.ndim - 1,), "inner")


@array_op("x1", "x2")
def vdot(x1, x2):
    """The inner product of the flattened operands."""
    return dot(ravel(x1), ravel(x2))


@array_op("x1", "x2")
def outer(x1, x2):
    """``x1[i] * x2[j]`` for the flattened operands: shape ``(x1.size, x2.size)``."""
    a, b = promote(x1, x2, caller="outer")
    a, b = Reshape.apply(a, shape=(-1, 1)), Reshape.apply(b, shape=(1, -1))
    return a * b if is_float(a.dtype) else constant(a.data * b.data)


@array_op(sequences=("operands",))
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation (``'ij,jk->ik'``, ellipses, implicit output) over any operands.

    Raises:
        ValueError: when the subscripts do not fit the operands; TypeError for unknown keywords.
    """
    if kwargs:
        raise TypeError(f"einsum: unsupported keyword arguments {sorted(kwargs)}")
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: subscripts must be a string, got {type(subscripts).__name__}")
    tensors = promote(*operands, caller="einsum")
    terms, output = parse_subscripts(subscripts, [t.shape for t in tensors])
    sizes = {}
    for term, t in zip(terms, tensors):
        for c, n in zip(term, t.shape):
            if sizes.setdefault(c, n) != n and 1 not in (n, sizes[c]):
                raise ValueError(f"einsum: letter '{c}' has sizes {sizes[c]} and {n} in '{subscripts}'")
    if is_float(tensors[0].dtype):
        return Einsum.apply(*tensors, subscripts=subscripts)
    return constant(xp.einsum(f"{','.join(terms)}->{output}", *[t.data for t in tensors]))


@array_op("x1", "x2")
def kron(x1, x2):
    """The Kronecker product: blocks ``x1[i, j] * x2``."""
    a, b = promote(x1, x2, caller="kron")
    rank = max(a.ndim, b.ndim)
    sa, sb = (1,) * (rank - a.ndim) + a.shape, (1,) * (rank - b.ndim) + b.shape
    a = Reshape.apply(a, shape=tuple(v for n in sa for v in (n, 1)))  # (a0, 1, a1, 1, ...)
    b = Reshape.apply(b, shape=tuple(v for n in sb for v in (1, n)))  # (1, b0, 1, b1, ...)
    product = a * b if is_float(a.dtype) else constant(a.data * b.data)
    return Reshape.apply(product, shape=tuple(m * n for m, n in zip(sa, sb)))


@array_op("x1", "x2")
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors along ``axisa``/``axisb``, placed along ``axisc`` (``axis`` sets all three)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = promote(x1, x2, caller="cross")
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    if a.shape[-1] != 3 or b.shape[-1] != 3:
        raise ValueError(f"cross: only 3-vectors are supported, got sizes {a.shape[-1]} and {b.shape[-1]}")
    ax, ay, az = (a[..., i] for i in range(3))
    bx, by, bz = (b[..., i] for i in range(3))
    c = stack([ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx], axis=-1)
    return moveaxis(c, -1, axisc)

"""Control flow of ``keras.ops``: ``cond``, ``switch``, ``while_loop``, ``fori_loop``, ``scan``,
``associative_scan``, ``map`` and ``vectorized_map``, run eagerly as Python loops.

striate executes eagerly, so these are plain loops over Tensor ops: gradients flow
through every iteration that ran. Structures of tensors (tuples, lists, dicts)
are accepted wherever Keras accepts them.

>>> import numpy as np
>>> from striate import ops
>>> ops.fori_loop(0, 4, lambda i, total: total + i, 0)
6
>>> carry, ys = ops.scan(lambda c, x: (c + x, c * x), 0.0, np.array([1.0, 2.0, 3.0]))
>>> float(carry), [float(y) for y in ys]
(6.0, [0.0, 2.0, 9.0])
"""

from striate.backend import xp
from striate.ops._convert import to_tensor, unwrap
from striate.ops.shape_ops import flip, moveaxis, stack
from striate.tensor import Tensor

__all__ = ["cond", "switch", "while_loop", "fori_loop", "scan", "associative_scan", "map", "vectorized_map"]


def _leaves(tree):
    """The tensors of a nested tuple/list/dict, in order, and a function that rebuilds the structure."""
    if isinstance(tree, dict):
        keys = sorted(tree)
        parts = [_leaves(tree[k]) for k in keys]
        return ([leaf for p in parts for leaf in p[0]],
                lambda leaves: _rebuild(parts, leaves, lambda values: dict(zip(keys, values))))
    if isinstance(tree, (tuple, list)):
        parts = [_leaves(v) for v in tree]
        return ([leaf for p in parts for leaf in p[0]],
                lambda leaves: _rebuild(parts, leaves, type(tree)))
    return [tree], lambda leaves: leaves[0]


def _rebuild(parts, leaves, make):
    values, start = [], 0
    for flat, build in parts:
        values.append(build(leaves[start:start + len(flat)]))
        start += len(flat)
    return make(values)


def _truth(pred, caller):
    value = pred.data if isinstance(pred, Tensor) else xp.asarray(pred)
    if value.size != 1:
        raise ValueError(f"{caller}: the predicate must be a single boolean, got shape {value.shape}")
    return bool(value.reshape(()))


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()``."""
    return true_fn() if _truth(pred, "cond") else false_fn()


def switch(index, branches, *operands):
    """``branches[index](*operands)``, with ``index`` clamped to ``[0, len(branches) - 1]`` (as Keras)."""
    if not branches:
        raise ValueError("switch: branches must not be empty")
    i = int(index.data if isinstance(index, Tensor) else xp.asarray(index))
    return branches[min(max(i, 0), len(branches) - 1)](*operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):  # noqa: F811 - Keras's argument name
    """Repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (at most ``maximum_iterations``).

    A single (non-tuple) ``loop_vars`` is passed and returned as is.
    """
    single = not isinstance(loop_vars, (tuple, list))
    state = (loop_vars,) if single else tuple(loop_vars)
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and _truth(cond(*state), "while_loop"):
        out = body(*state)
        out = (out,) if single else tuple(out) if isinstance(out, (tuple, list)) else (out,)
        if len(out) != len(state):
            raise ValueError(f"while_loop: body returned {len(out)} values for {len(state)} loop variables")
        state, steps = out, steps + 1
    return state[0] if single else type(loop_vars)(state)


def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``; returns the final ``val``."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def _stacked(values, caller, tensor_in):
    """A list of (structures of) per-step results stacked along a new first axis."""
    flat = [_leaves(v) for v in values]
    build = flat[0][1]
    columns = list(zip(*[f[0] for f in flat]))
    out = build([None if col[0] is None else stack(list(col), axis=0) for col in columns])
    return out if tensor_in else unwrap(out)


def _rows(xs):
    """The slices along the first axis of every tensor in ``xs`` (a structure), and how many."""
    leaves, build = _leaves(xs)
    tensors = [to_tensor(leaf, caller="scan") for leaf in leaves]
    n = {t.shape[0] if t.ndim else None for t in tensors}
    if len(n) != 1 or None in n:
        raise ValueError(f"scan: every input needs the same leading axis, got shapes {[t.shape for t in tensors]}")
    length = n.pop()
    tensor_in = any(isinstance(v, Tensor) for v in leaves)
    # rows of Tensors stay Tensors (differentiable slices); rows of arrays stay arrays
    return length, (lambda i: build([t[i] if tensor_in else t.data[i] for t in tensors])), tensor_in


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """``carry, y = f(carry, x)`` over the rows of ``xs`` (or ``length`` steps with ``x = None``).

    Returns the final carry and the ``y`` values stacked along a new first axis.
    """
    if xs is None:
        if length is None:
            raise ValueError("scan: give xs or length")
        steps, row, tensor_in = int(length), (lambda i: None), False
    else:
        steps, row, tensor_in = _rows(xs)
        if length is not None and length != steps:
            raise ValueError(f"scan: length={length} but xs have {steps} rows")
    carry, ys = init, []
    for i in (range(steps - 1, -1, -1) if reverse else range(steps)):
        carry, y = f(carry, row(i))
        ys.append(y)
    if reverse:
        ys.reverse()
    tensor_in = tensor_in or any(isinstance(v, Tensor) for v in _leaves(init)[0])
    if not ys or all(leaf is None for leaf in _leaves(ys[0])[0]):
        return carry, None
    return carry, _stacked(ys, "scan", tensor_in)


def associative_scan(f, elems, reverse=False, axis=0):
    """Running ``f``-reductions along ``axis``: ``out[i] = f(out[i-1], elems[i])`` (``f`` associative)."""
    leaves, build = _leaves(elems)
    tensors = [moveaxis(to_tensor(leaf, caller="associative_scan"), axis, 0) for leaf in leaves]
    if reverse:
        tensors = [flip(t, axis=0) for t in tensors]
    n = tensors[0].shape[0]
    out, results = None, []
    for i in range(n):
        current = build([t[i] for t in tensors])
        out = current if out is None else f(out, current)
        results.append(out)
    stacked = _leaves(_stacked(results, "associative_scan", True))
    moved = [flip(t, axis=0) if reverse else t for t in stacked[0]]
    moved = [moveaxis(t, 0, axis) for t in moved]
    result = stacked[1](moved)
    return result if any(isinstance(v, Tensor) for v in leaves) else unwrap(result)


def map(f, xs):  # noqa: A001 - Keras's name
    """``f`` applied to each row of ``xs`` (a tensor or a structure), results stacked."""
    steps, row, tensor_in = _rows(xs)
    if steps == 0:
        raise ValueError("map: xs have no rows")
    return _stacked([f(row(i)) for i in range(steps)], "map", tensor_in)


def vectorized_map(function, elements):
    """As :func:`map` (striate runs it as a loop)."""
    return map(function, elements)
